"""/api/v1/operators/, /floor-runs/, /preset-changes/ and /pinned-slots/: who cuts, the runs
started on the floor pages, each change of a cut preset, and the queue items a manager pinned to a
time or a day, read-only (laseros.api.records). A floor run's start token is not in the answer;
a pin is set on the planner's board (production.services.planning)."""

from __future__ import annotations

import django_filters

from laseros.api.filters import MAX_ID, UserFilter, day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import CutPresetChange, FloorRun, Operator, QueueSlotOverride


class OperatorFilter(django_filters.FilterSet):
    """Operators by whether active, and the one a user signs in as."""

    user = UserFilter()

    class Meta:
        model = Operator
        fields = ["is_active", "user"]


class OperatorViewSet(RecordViewSet):
    """The people who run the machines."""

    queryset = Operator.objects.prefetch_related("machines")  # one query for every row's
    serializer_class = record_serializer(Operator)
    filterset_class = OperatorFilter
    search_fields = ["display_name"]
    ordering_fields = ["display_name", "id"]
    ordering = ["display_name", "id"]


class FloorRunFilter(django_filters.FilterSet):
    """Runs by machine, operator, status, preset, who started them, the laser run one became,
    and the day started or ended."""

    started_by = UserFilter()
    started_after, started_before = day_range("started_at")
    ended_after, ended_before = day_range("ended_at")

    class Meta:
        model = FloorRun
        fields = ["machine", "operator", "status", "preset", "started_by", "laser_run"]


class FloorRunViewSet(RecordViewSet):
    """Runs started and stopped on the operator pages, before they become laser runs."""

    queryset = FloorRun.objects.all()
    serializer_class = record_serializer(FloorRun, exclude=("start_token",))
    filterset_class = FloorRunFilter
    ordering_fields = ["started_at", "ended_at", "id"]
    ordering = ["-started_at", "-id"]


class CutPresetChangeFilter(django_filters.FilterSet):
    """A preset's changes, by their effect on quality, who made them and day."""

    by = UserFilter()
    changed_after, changed_before = day_range("changed_at")

    class Meta:
        model = CutPresetChange
        fields = ["preset", "quality_effect", "by"]


class CutPresetChangeViewSet(RecordViewSet):
    """Each change of a cut preset: the fields before and after, why, and its effect on quality."""

    queryset = CutPresetChange.objects.all()
    serializer_class = record_serializer(CutPresetChange)
    filterset_class = CutPresetChangeFilter
    search_fields = ["reason", "quality_note"]
    ordering_fields = ["changed_at", "id"]
    ordering = ["-changed_at", "-id"]


class QueueSlotOverrideFilter(django_filters.FilterSet):
    """Pins by machine, by job, by who pinned them, by the day pinned to (a pin to a day) or
    the day of the time pinned to (a pin to a start time), and by the day set."""

    # ids: whole numbers a column can hold (a larger one is a 500 on SQLite)
    machine = django_filters.NumberFilter(
        field_name="item__machine", min_value=1, max_value=MAX_ID, decimal_places=0
    )
    project = django_filters.NumberFilter(
        field_name="item__project", min_value=1, max_value=MAX_ID, decimal_places=0
    )
    by = UserFilter()
    start_after, start_before = day_range("start_at")
    changed_after, changed_before = day_range("changed_at")

    class Meta:
        model = QueueSlotOverride
        fields = ["item", "machine", "project", "day", "by"]


class QueueSlotOverrideViewSet(RecordViewSet):
    """The queue items a manager pinned to a start time or a day, and why: the planner keeps them
    there."""

    queryset = QueueSlotOverride.objects.all()
    serializer_class = record_serializer(QueueSlotOverride)
    filterset_class = QueueSlotOverrideFilter
    ordering_fields = ["changed_at", "start_at", "day", "id"]
    ordering = ["-changed_at", "-id"]


router.register("operators", OperatorViewSet, basename="operator")
router.register("floor-runs", FloorRunViewSet, basename="floorrun")
router.register("preset-changes", CutPresetChangeViewSet, basename="cutpresetchange")
router.register("pinned-slots", QueueSlotOverrideViewSet, basename="queueslotoverride")
