"""Every production endpoint's generated tests (laseros.api_testing): roles, create, update and
each filter proven on two rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from inventory.models import SheetStock, StockMovement
from inventory.tests.factories import MaterialFactory
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER, OPERATOR
from production.models import (
    CutPreset,
    CutPresetChange,
    Gas,
    LaserRun,
    LaserRunProject,
    Machine,
    QueueItem,
    QueuePriority,
    QueueStatus,
)
from production.services import queue_add
from production.tests.factories import (
    CutPresetFactory,
    LaserRunFactory,
    MachineFactory,
    OperatorFactory,
    make_project,
)

WRITERS = (ADMIN, MANAGER, OPERATOR)  # the shop floor runs production
CODES = ("MS", "SS")
MONTH = dt.timedelta(days=30)


class TestMachines(EndpointTests):
    prefix = "machines"
    model = Machine
    writers = WRITERS
    filters = (
        Filter("code", lambda m: m.code.lower()),
        Filter("is_active", lambda m: "false", lambda m, o: set_fields(m, is_active=False)),
    )

    def make(self, n):
        return MachineFactory(code=f"X{n}")

    def create_data(self):
        return {"code": "B6", "name": "Bodor", "power_w": 6000, "max_sheet_width_mm": 1500}

    def update_data(self, obj):
        return {"name": "Golden Laser X3 (rebuilt)", "controller": "CypCut"}


def preset(n: int) -> CutPreset:
    return CutPresetFactory(
        material=MaterialFactory(code=CODES[n % 2]),
        thickness_mm=Decimal(3 + 3 * n),
        gas=(Gas.AIR, Gas.O2)[n % 2],
        nozzle=("1.5SN", "2.0D")[n % 2],
        note=f"v{n}",
    )


class TestPresets(EndpointTests):
    prefix = "presets"
    model = CutPreset
    writers = WRITERS
    watched = (CutPresetChange,)
    filters = (
        Filter("material", lambda p: p.material.code.lower()),
        Filter("thickness_mm", lambda p: p.thickness_mm),
        Filter("thickness_min", lambda p: "2", lambda m, o: set_fields(o, thickness_mm=1)),
        Filter("thickness_max", lambda p: "5"),  # 3 mm and 6 mm
        Filter("gas", lambda p: p.gas),
        Filter("nozzle", lambda p: p.nozzle.lower()),
        Filter("note", lambda p: p.note),
        Filter("is_active", lambda p: "false", lambda m, o: set_fields(m, is_active=False)),
        *dates("created_at"),
        *dates("updated_at"),
    )

    def make(self, n):
        return preset(n)

    def create_data(self):
        return {
            "material": MaterialFactory(code="MS").pk,
            "thickness_mm": "8",
            "gas": Gas.O2,
            "nozzle": "2.0SN",
            "note": "new",
            "cut_speed_mm_min": "1200",
            "peak_power_w": 3000,
        }

    def update_data(self, obj):
        return {"cut_speed_mm_min": "4400", "change_reason": "cleaner edge on the new nozzle"}


def queued(n: int) -> QueueItem:
    return queue_add(project=make_project(), machine=MachineFactory(code=f"Q{n}"), by=None)


class TestQueue(EndpointTests):
    prefix = "queue"
    model = QueueItem
    writers = WRITERS
    deleters = (ADMIN, MANAGER)  # taking a job off a machine's queue is the office's call
    filters = (
        Filter("machine", lambda q: q.machine.code.lower()),
        Filter("status", lambda q: "cutting", lambda m, o: set_fields(m, status="cutting")),
        Filter("priority", lambda q: "urgent", lambda m, o: set_fields(m, priority="urgent")),
        Filter("project", lambda q: q.project_id),
        Filter("project_code", lambda q: q.project.code.lower()),
        Filter(
            "active",
            lambda q: "false",
            lambda m, o: set_fields(m, status=QueueStatus.DONE),
        ),
        *dates("scheduled_date", "scheduled"),
        *dates("added_at"),
        *dates("started_at"),
        *dates("finished_at"),
        Filter(
            "added_by",
            lambda q: q.added_by.username,
            lambda m, o: set_fields(m, added_by=someone("zanele")),
        ),
    )

    def make(self, n):
        return queued(n)

    def create_data(self):
        return {
            "machine": MachineFactory(code="Q9").pk,
            "project": make_project().pk,
            "priority": QueuePriority.HIGH,
            "estimated_minutes": 40,
        }

    def update_data(self, obj):
        return {"notes": "cut the brackets first", "estimated_minutes": 55}

    def gone(self, obj):
        """Out of the queue: kept, as cancelled."""
        obj.refresh_from_db()
        return obj.status == QueueStatus.CANCELLED


def shift(run: LaserRun, by: dt.timedelta) -> None:
    """Move a whole run in time (a run ends after it starts)."""
    set_fields(
        run,
        started_at=run.started_at + by,
        ended_at=run.ended_at + by,
        recorded_at=run.recorded_at + by,
    )


def times(field: str) -> tuple[Filter, Filter]:
    """`{name}_after` (from the time on) and `{name}_before` (up to it) of a run's time, each
    proven against a run a month off."""
    name = field.removesuffix("_at")
    return (
        Filter(
            f"{name}_after",
            lambda r: getattr(r, field).isoformat(),
            lambda m, o: shift(o, -MONTH),
        ),
        Filter(
            f"{name}_before",
            lambda r: (getattr(r, field) + dt.timedelta(seconds=1)).isoformat(),
            lambda m, o: shift(o, MONTH),
        ),
    )


def served(run: LaserRun) -> LaserRun:
    LaserRunProject.objects.create(run=run, project=make_project(), parts=4)
    return run


class TestRuns(EndpointTests):
    prefix = "runs"
    model = LaserRun
    writers = WRITERS
    watched = (LaserRunProject, SheetStock, StockMovement)
    filters = (
        Filter("machine", lambda r: r.machine.code.lower()),
        Filter("operator", lambda r: r.operator_id),
        Filter("preset", lambda r: r.preset_id),
        Filter("project", lambda r: r.project_shares.get().project_id),
        Filter("project_code", lambda r: r.project_shares.get().project.code.lower()),
        *times("started_at"),
        Filter(
            "day",
            lambda r: timezone.localdate(r.started_at).isoformat(),
            lambda m, o: shift(o, -MONTH),
        ),
        *times("ended_at"),
        *times("recorded_at"),
        Filter(
            "recorded_by",
            lambda r: r.recorded_by.username,
            lambda m, o: set_fields(m, recorded_by=someone("zanele")),
        ),
    )

    def make(self, n):
        return served(LaserRunFactory(machine=MachineFactory(code=f"R{n}"), preset=preset(n)))

    def create_data(self):
        start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
        return {
            "machine": MachineFactory(code="R9").pk,
            "operator": OperatorFactory().pk,
            "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(minutes=50)).isoformat(),
            "parts_cut": 12,
            "projects": [{"project": make_project().pk, "parts": 12}],
        }
