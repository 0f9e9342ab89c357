"""What the floor's queue and job card read: a machine's queue for today, its changed-marker, and
everything a job card shows. A page runs the same number of queries at 5 items as at 500."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from ingest.models import FileIngest, FileKind, FileMetadata, FileStatus
from ingest.selectors import file_metadata, project_files
from projects.models import Project

from ..models import (
    QUEUE_ACTIVE,
    CutPreset,
    Machine,
    QueueItem,
    QueueItemQuerySet,
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


def machine_queue(machine: Machine) -> tuple[list[QueueItem], list[QueueItem]]:
    """Today's queue on `machine`: the active items in the queue's order (priority, then
    position) and the items done today, newest first; each with its job, client and material.
    One query."""
    items = list(
        _today_items(machine)
        .select_related("project__client", "project__material")
        .with_queue_keys()
        .order_by("queue_closed", "priority_rank", "position", "-finished_at", "pk")
    )
    active = [i for i in items if i.status in QUEUE_ACTIVE]
    done = sorted((i for i in items if i.status not in QUEUE_ACTIVE), key=_finished, reverse=True)
    return active, done


def _finished(item: QueueItem) -> dt.datetime:
    return item.finished_at or item.added_at


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


def machine_job_cards(items: list[QueueItem]) -> list[str]:
    """The job codes of a queue's items (the cards a tablet keeps for reading offline)."""
    return [item.project.code for item in items]
