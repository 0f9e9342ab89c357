"""/api/v1/operators/, /floor-runs/, /preset-changes/ and /pinned-slots/'s generated tests
(laseros.api_testing): read by every role (the matrix's production row)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from laseros.api_testing import EndpointTests, Filter, dates, day, earlier, set_fields, someone
from production.models import CutPresetChange, FloorRun, Operator, QualityEffect, QueueSlotOverride
from production.services import queue_add
from production.tests.factories import (
    CutPresetFactory,
    LaserRunFactory,
    MachineFactory,
    OperatorFactory,
    make_project,
)


def on(field, value):
    return lambda match, other: set_fields(match, **{field: value})


def pinned_to_a_time(*, moved_is_match):
    """Arrange a start-time filter: both pins are to a time now (a pin is to a time or to a
    day, never both), then one of them a month earlier."""

    def arrange(match, other):
        for pin in (match, other):
            set_fields(pin, day=None, start_at=timezone.now())
        earlier(match if moved_is_match else other, "start_at")

    return arrange


class TestOperators(EndpointTests):
    prefix = "operators"
    model = Operator
    filters = (
        Filter("is_active", lambda o: "false", on("is_active", False)),
        Filter("user", lambda o: o.user.username),
    )

    def make(self, n):
        return OperatorFactory()


class TestFloorRuns(EndpointTests):
    prefix = "floor-runs"
    model = FloorRun
    filters = (
        Filter("machine", lambda run: run.machine_id),
        Filter("operator", lambda run: run.operator_id),
        Filter("status", lambda run: "stopped", on("status", "stopped")),
        Filter("preset", lambda run: run.preset_id),
        Filter("started_by", lambda run: run.started_by.username),
        Filter("laser_run", lambda run: run.laser_run_id),
        *dates("started_at"),
        *dates("ended_at", also=("started_at",)),  # a run ends after it starts
    )

    def make(self, n):
        return FloorRun.objects.create(
            machine=MachineFactory(),
            operator=OperatorFactory(),
            preset=CutPresetFactory(),
            status="finished",
            started_at=timezone.now(),
            start_token=f"api-test-{n}-{timezone.now().timestamp()}",
            laser_run=LaserRunFactory(),
            started_by=someone(f"floor-{n}"),
        )


class TestPresetChanges(EndpointTests):
    prefix = "preset-changes"
    model = CutPresetChange
    filters = (
        Filter("preset", lambda change: change.preset_id),
        Filter("quality_effect", lambda c: "worse", on("quality_effect", QualityEffect.WORSE)),
        Filter("by", lambda change: change.by.username),
        *dates("changed_at"),
    )

    def make(self, n):
        return CutPresetChange.objects.create(
            preset=CutPresetFactory(),
            changed_at=timezone.now(),
            reason=f"tune {n}",
            quality_effect=QualityEffect.SAME,
            by=someone(f"setter-{n}"),
            changes={"notes": ["", f"v{n}"]},
        )


class TestPinnedSlots(EndpointTests):
    prefix = "pinned-slots"
    model = QueueSlotOverride
    filters = (
        Filter("item", lambda pin: pin.item_id),
        Filter("machine", lambda pin: pin.item.machine_id),
        Filter("project", lambda pin: pin.item.project_id),
        Filter("day", lambda pin: pin.day.isoformat()),
        Filter("by", lambda pin: pin.by.username),
        Filter(
            "start_after",
            lambda pin: day(pin.start_at),
            pinned_to_a_time(moved_is_match=False),
        ),
        Filter(
            "start_before",
            lambda pin: day(pin.start_at),
            pinned_to_a_time(moved_is_match=True),
        ),
        *dates("changed_at"),
    )

    def make(self, n):
        item = queue_add(project=make_project(), machine=MachineFactory(code=f"P{n}"), by=None)
        day = timezone.localdate() + dt.timedelta(days=n + 1)
        return QueueSlotOverride.objects.create(
            item=item, day=day, reason=f"the client asks {n}", by=someone(f"planner-{n}")
        )
