"""What the file services share: the one place a status changes, event payloads, names."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from laseros.audit import diff_instances, instance_values
from laseros.moves import check_move, record_move
from laseros.redaction import without_server_paths

from .. import signals
from ..models import FILE_TRANSITIONS, FileIngest, FileMetadata, FileStatus

logger = logging.getLogger("ingest.services")

PROCESS_TASK = "ingest.tasks.process_file"
ORIGINAL_NAME_MAX = 255
WORKER_STOPPED_REASON = (
    "The worker stopped while reading this file ({attempts} attempts, each longer than the "
    "{timeout} s limit or cut short). The file may be too large or too complex: try a simpler "
    "export (e.g. DXF R2013 without hatches), or ask an admin to raise Q_TIMEOUT, then "
    "re-extract."
)


def clean_original_name(name: str | None) -> str:
    """The name as sent, without NUL and control characters, at most 255 characters (the end,
    with its extension, is kept)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    return _fit(text.strip(), ORIGINAL_NAME_MAX)


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head, dot, extension = text.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return text[: limit - len(extension) - 2] + "…." + extension
    return text[: limit - 1] + "…"


def _remove_stored(name: str | None) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # the original error matters more; this one is logged
        logger.exception("could not remove %s after a failed ingest", name)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def max_attempts() -> int:
    return int(settings.Q_CLUSTER.get("max_attempts", 3) or 3)


def _fail(file: FileIngest, *, reason: str, traceback_text: str) -> None:
    # The reason is shown to users and sent in events: no path on the server (an exception's
    # text often names the stored file or its temporary copy). The traceback, for staff, keeps it.
    reason = _sentence(
        clean_original_name(without_server_paths(reason)) or "The file could not be read"
    )
    file_transition(
        file,
        FileStatus.FAILED,
        message=reason[:500],
        failure_reason=reason,
        traceback=(traceback_text or "").replace("\x00", ""),
        finished_at=timezone.now(),
        progress_message="",
    )
    signals.send_on_commit(
        signals.file_failed,
        "file.failed",
        {**file_payload(file), "reason": reason, "attempts": file.attempts},
    )


def _is_current_attempt(file: FileIngest | None, attempt: int) -> bool:
    return (
        file is not None
        and not file.is_deleted
        and file.status == FileStatus.PROCESSING
        and file.attempts == attempt
    )


def _worker_stopped_reason(attempts: int) -> str:
    timeout = settings.Q_CLUSTER.get("timeout", 600)
    return WORKER_STOPPED_REASON.format(attempts=attempts, timeout=timeout)


def file_transition(
    file: FileIngest, to: str, *, message: str = "", user=None, **fields: Any
) -> None:
    """The one place a file's status changes: checks FILE_TRANSITIONS, saves, audits."""
    check_move(
        allowed=FILE_TRANSITIONS,
        statuses=FileStatus,
        current=file.status,
        to=to,
        refused=f"{file} cannot go from {file.get_status_display()} to {FileStatus(to).label}.",
    )
    before = instance_values(file)
    from_status = file.status
    file.status = to
    for name, value in fields.items():
        setattr(file, name, value)
    file.full_clean(exclude=["sha256", "file"])
    file.save()
    changes = diff_instances(before, instance_values(file))
    changes.pop("traceback", None)  # long, and kept on the row for staff
    record_move(file, source=from_status, to=to, by=user, changes=changes, reason=message)


def file_payload(file: FileIngest) -> dict[str, Any]:
    """The keys every event payload has (ingest.signals documents them)."""
    return {
        "file_id": file.pk,
        "client_code": getattr(file.client, "code", None) if file.client_id else None,
        "project_code": getattr(file.project, "code", None) if file.project_id else None,
        "original_name": file.original_name,
        "stored_name": file.stored_name,
        "part": file.part,
        "version": file.version,
        "sha256": file.sha256,
        "kind": file.kind,
        "size_bytes": file.size_bytes,
        "status": file.status,
        "source": file.source,
        "deleted": file.deleted_at is not None,
    }


def metadata_summary(metadata: FileMetadata | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    return {
        "material": metadata.material_code or None,
        "thickness_mm": float(metadata.thickness_mm) if metadata.thickness_mm is not None else None,
        "quantity": metadata.quantity,
        "cut_length_mm": metadata.cut_length_mm,
        "pierce_count": metadata.pierce_count,
        "part_count": metadata.part_count,
        "area_mm2": metadata.area_mm2,
        "bbox_mm": metadata.bbox_mm,
        "warning_count": metadata.warning_count,
        "warning_codes": sorted({w.get("code", "") for w in metadata.warnings}),
    }
