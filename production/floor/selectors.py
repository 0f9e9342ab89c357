"""What the floor's queue and job card read: a machine's queue for today, its changed-marker, and
everything a job card shows. A page runs the same number of queries at 5 items as at 500."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from ingest.models import FileIngest, FileKind, FileMetadata, FileStatus
from ingest.selectors import file_metadata, project_files
from projects.models import Project

from ..models import (
    QUEUE_ACTIVE,
    CutPreset,
    Machine,
    QueueItem,
    QueueItemQuerySet,
    QueuePriority,
    QueueStatus,
)
from ..selectors import local_day_bounds

# The drawings a job card lists and offers to download.
CARD_KINDS = (FileKind.DXF, FileKind.LIGHTBURN)
# What a queue row shows, read by the marker: when none of it changes, the page need not either.
MARKER_FIELDS = (
    "pk",
    "position",
    "status",
    "priority",
    "estimated_minutes",
    "scheduled_date",
    "project__code",
    "project__client__name",
    "project__material__code",
    "project__thickness_mm",
    "project__quantity",
    "project__due_date",
)


def floor_machine(code: str) -> Machine | None:
    """An active machine by its code (as the URL writes it; any case)."""
    return Machine.objects.active().filter(code__iexact=code.strip()).first()


def _today_items(machine: Machine, *, today: dt.date | None = None) -> QueueItemQuerySet:
    """The machine's queue for today: every queued or cutting item (in queue order), and the
    items finished today."""
    start, _ = local_day_bounds(today)
    items: QueueItemQuerySet = QueueItem.objects.filter(machine_id=machine.pk)
    return items.filter(
        Q(status__in=QUEUE_ACTIVE) | Q(status=QueueStatus.DONE, finished_at__gte=start)
    )


# What a queue row reads: plain values, no model instances (500 rows are drawn in a few ms).
ROW_FIELDS = (
    "pk",
    "position",
    "status",
    "priority",
    "estimated_minutes",
    "finished_at",
    "project__code",
    "project__client__name",
    "project__material__code",
    "project__thickness_mm",
    "project__quantity",
    "project__due_date",
)


@dataclass(frozen=True)
class QueueRow:
    """One row of a machine's queue as the floor shows it, its words ready for the template."""

    pk: str
    position: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    minutes: int | None
    code: str
    url: str
    client: str
    material: str
    quantity: int
    due: str
    due_state: str  # "overdue", "today" or ""
    finished: str


class _Words:
    """Labels, dates and thicknesses, each worked out once per page (a queue repeats them)."""

    def __init__(self, today: dt.date, job_url: Callable[[str], str]) -> None:
        self.today = today
        self.job_url = job_url
        self.dates: dict[dt.date, str] = {}
        self.thicknesses: dict[Decimal, str] = {}
        self.priorities = dict(QueuePriority.choices)
        self.statuses = dict(QueueStatus.choices)

    def date(self, day: dt.date | None) -> str:
        if day is None:
            return ""
        if day not in self.dates:
            self.dates[day] = date_format(day, "D j M")
        return self.dates[day]

    def material(self, code: str | None, thickness: Decimal | None) -> str:
        if not code:
            return ""
        if thickness is None:
            return code
        if thickness not in self.thicknesses:
            self.thicknesses[thickness] = _trim(thickness)
        return f"{code} × {self.thicknesses[thickness]} mm"

    def row(self, values: tuple) -> QueueRow:
        pk, position, status, priority, minutes, finished_at, code, client = values[:8]
        material, thickness, quantity, due = values[8:]
        due_state = ""
        if due is not None and due < self.today:
            due_state = "overdue"
        elif due == self.today:
            due_state = "today"
        return QueueRow(
            pk=str(pk),
            position=str(position or ""),
            status=status,
            status_label=self.statuses.get(status, status),
            priority=priority,
            priority_label=self.priorities.get(priority, priority),
            minutes=minutes,
            code=code,
            url=self.job_url(code),
            client=client,
            material=self.material(material, thickness),
            quantity=quantity,
            due=self.date(due),
            due_state=due_state,
            finished=timezone.localtime(finished_at).strftime("%H:%M") if finished_at else "",
        )


def _trim(number: Decimal) -> str:
    """3.00 -> "3", 1.50 -> "1.5" (a thickness as the shop says it)."""
    return f"{number.normalize():f}"


def machine_queue(
    machine: Machine, *, job_url: Callable[[str], str], today: dt.date | None = None
) -> tuple[list[QueueRow], list[QueueRow]]:
    """Today's queue on `machine`: the active items in the queue's order (priority, then
    position) and the items done today, newest first; `job_url(code)` links each to its card.
    One query, plain values."""
    today = today or timezone.localdate()
    values = (
        _today_items(machine, today=today)
        .with_queue_keys()
        .order_by("queue_closed", "priority_rank", "position", "-finished_at", "pk")
        .values_list(*ROW_FIELDS)
    )
    words = _Words(today, job_url)
    active: list[QueueRow] = []
    done: list[QueueRow] = []
    for row in values:
        (active if row[2] in QUEUE_ACTIVE else done).append(words.row(row))
    done.sort(key=lambda row: row.finished, reverse=True)
    return active, done


def queue_marker(machine: Machine, *, today: dt.date | None = None) -> str:
    """A short fingerprint of what the machine's queue page shows (and of the day: overdue
    turns with it). Equal markers, equal pages: a polling tablet is told "unchanged" without
    a page being drawn. One query over a few columns."""
    today = today or timezone.localdate()
    rows = list(_today_items(machine, today=today).order_by("pk").values_list(*MARKER_FIELDS))
    digest = hashlib.blake2b(repr((today.isoformat(), rows)).encode(), digest_size=8)
    return digest.hexdigest()


def floor_job(code: str) -> Project | None:
    """A job by its code, with its client and material (None when there is none)."""
    return Project.objects.select_related("client", "material").filter(code=code.strip()).first()


@dataclass
class CardPart:
    """One part of a job as the card shows it: its newest drawing (measures and checks), its
    preview and the files to download (the newest DXF and LightBurn versions)."""

    name: str
    drawing: FileIngest | None = None
    metadata: FileMetadata | None = None
    files: list[FileIngest] = field(default_factory=list)

    @property
    def preview(self):
        meta = self.metadata
        return meta.preview if meta is not None and meta.preview else None

    @property
    def warnings(self) -> list[dict]:
        meta = self.metadata
        return list(meta.warnings or []) if meta is not None else []


def job_parts(project: Project) -> list[CardPart]:
    """The job's parts, by name: for each, the newest version of each drawing kind (DXF,
    LightBurn), the measures of the newest processed one (DXF first). One query."""
    parts: dict[str, CardPart] = {}
    seen: set[tuple[str, str]] = set()
    files = project_files(project).filter(kind__in=CARD_KINDS)
    for file in files:  # by part, kind ("dxf" before "lightburn"), newest version first
        if (file.part, file.kind) in seen:
            continue
        seen.add((file.part, file.kind))
        part = parts.setdefault(file.part, CardPart(name=file.part))
        part.files.append(file)
        meta = file_metadata(file)
        if part.metadata is None and file.status == FileStatus.PROCESSED and meta is not None:
            part.drawing, part.metadata = file, meta
    return list(parts.values())


def job_presets(project: Project) -> list[CutPreset]:
    """The active presets for the job's material × thickness, one per gas and nozzle (what the
    operator sets on the machine). Empty when the job has no material or thickness yet."""
    if project.material_id is None or project.thickness_mm is None:
        return []
    return list(
        CutPreset.objects.for_list().filter(
            material_id=project.material_id, thickness_mm=project.thickness_mm, is_active=True
        )
    )


def job_queue_items(project: Project) -> list[QueueItem]:
    """Where the job waits or is cut (its active queue items), with their machines."""
    return list(
        QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE)
        .select_related("machine")
        .order_by("machine__code")
    )
