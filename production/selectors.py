"""Read queries on production used by several callers (admin, API, dashboard, operator pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from ingest.models import FileKind, FileMetadata, FileStatus

from .models import QUEUE_ACTIVE, LaserRun, LaserRunProject, LaserRunSheet, QueueItem

# Drawings a job is cut from: what ingest measures (cut length, area, pierces).
MEASURED_KINDS = (FileKind.DXF, FileKind.LIGHTBURN)


def local_day_bounds(day: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (aware) of a shop-local calendar day: runs are counted in local time."""
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def runs_started_today() -> QuerySet[LaserRun]:
    start, end = local_day_bounds()
    return LaserRun.objects.filter(started_at__gte=start, started_at__lt=end)


def queue_list() -> QuerySet[QueueItem]:
    """The queue as every list shows it: per machine, by priority (Urgent, High, Normal, Low)
    then position, the closed items last; with the machine, the job and its client."""
    return QueueItem.objects.for_list().in_queue_order()


def queue_priority_band(item: QueueItem) -> tuple[int, int]:
    """The first and last positions the active items of `item`'s priority hold on its machine:
    where a move keeps it (the queue goes by priority)."""
    same = [
        n
        for n, (pk, priority) in enumerate(
            queue_list()
            .filter(machine_id=item.machine_id, status__in=QUEUE_ACTIVE)
            .values_list("pk", "priority"),
            start=1,
        )
        if priority == item.priority
    ]
    return (same[0], same[-1]) if same else (1, 1)


def run_list() -> QuerySet[LaserRun]:
    """Runs with what every list shows: machine, operator, preset and the jobs they served."""
    return LaserRun.objects.for_list().prefetch_related(
        Prefetch("project_shares", queryset=LaserRunProject.objects.select_related("project"))
    )


def run_details() -> QuerySet[LaserRun]:
    """Runs with everything a run's record holds: run_list, the sheets taken, the photos."""
    return run_list().prefetch_related(
        Prefetch("sheets", queryset=LaserRunSheet.objects.select_related("stock__material")),
        "photos",
    )


@dataclass(frozen=True)
class PieceMeasure:
    """What one piece of a job measures on its drawings: cut length, area and pierces; and how
    many pieces its drawings make (each drawing's quantity, 1 when it does not say)."""

    cut_length_mm: Decimal
    area_mm2: Decimal
    pierce_count: Decimal
    pieces: Decimal = Decimal(0)


def measured_pieces(project_ids: Iterable[int]) -> dict[int, PieceMeasure]:
    """Per job, one piece as its measured drawings say (ingest's metadata of its processed DXF
    and LightBurn files, the newest version of each part): the mean over its drawings weighted
    by each drawing's quantity (1 when the drawing does not say). Jobs with no measured drawing
    are left out."""
    rows = (
        FileMetadata.objects.filter(
            file__project_id__in=list(project_ids),
            file__deleted_at__isnull=True,
            file__status=FileStatus.PROCESSED,
            file__kind__in=MEASURED_KINDS,
            cut_length_mm__isnull=False,
        )
        .order_by("file__project_id", "file__part", "-file__version", "-file_id")
        .values_list(
            "file__project_id",
            "file__part",
            "quantity",
            "cut_length_mm",
            "area_mm2",
            "pierce_count",
        )
    )
    newest: dict[tuple[int, str], tuple] = {}
    for project_id, part, *values in rows:
        newest.setdefault((project_id, part), tuple(values))
    sums: dict[int, list[Decimal]] = {}
    for (project_id, _), (quantity, cut, area, pierces) in newest.items():
        weight = Decimal(quantity or 1)
        total = sums.setdefault(project_id, [Decimal(0)] * 4)
        total[0] += weight
        total[1] += weight * Decimal(str(cut or 0))
        total[2] += weight * Decimal(str(area or 0))
        total[3] += weight * Decimal(pierces or 0)
    return {
        project_id: PieceMeasure(cut / pieces, area / pieces, pierce / pieces, pieces)
        for project_id, (pieces, cut, area, pierce) in sums.items()
    }


def parts_cut(project_id: int) -> int:
    """Good parts the recorded runs have cut for a job so far."""
    total = LaserRunProject.objects.filter(project_id=project_id).aggregate(n=Sum("parts"))["n"]
    return int(total or 0)
