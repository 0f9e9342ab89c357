"""Writes on files: receiving one, the worker's steps while reading it, re-reading, deleting.

`ingest()` is the one way a file enters Laser OS (admin, API, commands, e-mail, operator photos).
The worker task (`ingest.tasks.process_file`) reads the file through `ingest.pipeline` and records
the outcome with `start_processing` / `record_extraction` / `record_failure`. Each write is
audited and announces itself with an event from `ingest.signals` once it has committed.

Nothing is half-written: bytes are written before the row, and removed again when the row cannot
be written; a row never points at bytes that are not there.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.constants import MATERIAL_CODES, SHEET_SIZES_MM, material_code
from laseros.audit import diff_instances, instance_values, record
from laseros.models import ActivityLog
from laseros.sequences import next_number
from laseros.tasks import enqueue_on_commit

from . import signals
from .detect import detect_type, extension_mismatch
from .models import (
    FileExtraction,
    FileIngest,
    FileMetadata,
    FileSource,
    FileStatus,
)
from .naming import parse_name, safe_filename, safe_part_name, stored_name
from .parsers.base import ParseContext, ParseResult

logger = logging.getLogger(__name__)

PROCESS_TASK = "ingest.tasks.process_file"
CHUNK_BYTES = 1024 * 1024
NAME_MIN_CONFIDENCE = 0.5  # values read from a name below this are not used for the stored name
ORIGINAL_NAME_MAX = 255
SEQUENCE_KEY_MAX = 100

ACCEPTED_TYPES = (
    "DXF drawings (.dxf), LightBurn projects (.lbrn, .lbrn2), PDF documents (.pdf), "
    "Excel workbooks (.xlsx, .xlsm, .xls) and images (.png, .jpg, .tif)"
)
WORKER_STOPPED_REASON = (
    "The worker stopped while reading this file ({attempts} attempts, each longer than the "
    "{timeout} s limit or cut short). The file may be too large or too complex: try a simpler "
    "export (e.g. DXF R2013 without hatches), or ask an admin to raise Q_TIMEOUT, then "
    "re-extract."
)


@dataclass(frozen=True)
class IngestOutcome:
    """What `ingest()` did: a new file (`created`) or the existing copy of the same bytes."""

    file: FileIngest
    created: bool
    duplicate_of: FileIngest | None
    message: str


# --- receiving a file ----------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(settings.INGEST_MAX_UPLOAD_MB) * 1024 * 1024


def ingest(
    *,
    source_file: str | os.PathLike | File,
    original_name: str,
    client=None,
    project=None,
    uploaded_by=None,
    source: str = FileSource.API,
    part: str | None = None,
    source_path: str = "",
) -> IngestOutcome:
    """Receive one file: check it, store it once under its conventional name, queue its reading.

    Refuses (ValidationError, nothing stored) a file that is empty, over INGEST_MAX_UPLOAD_MB or
    of a type Laser OS does not read. The same bytes already stored come back as that file with
    "duplicate of ...". `source_path` is where the file came from (folders included) when known:
    its folder names are read for material and thickness too.

    The transaction is handled here rather than with @transaction.atomic so that stored bytes are
    removed again if the row cannot be written.
    """
    if source not in FileSource.values:
        raise ValidationError({"source": f"Unknown source {source!r}."})
    original_name = clean_original_name(original_name or _name_of(source_file))
    display = original_name or "the file"
    client, project = _client_and_project(client, project)
    limit = max_upload_bytes()

    with _local_copy(source_file, display, limit) as (path, size, sha256):
        if size == 0:
            raise ValidationError(
                f"'{display}' is empty (0 bytes): there is nothing to read. Send the file again.",
                code="empty",
            )
        detected = detect_type(path, original_name)
        if detected.kind == "unknown":
            what = detected.detail or detected.mime or "unrecognised content"
            raise ValidationError(
                f"'{display}' is not a file type Laser OS reads ({what}). Accepted: "
                f"{ACCEPTED_TYPES}.",
                code="unsupported_type",
            )
        if not original_name:
            original_name = f"unnamed.{detected.extension}"
        existing = FileIngest.objects.live().filter(sha256=sha256).first()
        if existing is not None:
            return _duplicate(existing, project)

        warnings = []
        mismatch = extension_mismatch(detected, original_name)
        if mismatch:
            warnings.append({"code": "extension_mismatch", "message": _sentence(mismatch)})
        names = parse_name(source_path or original_name)
        part_name = _part_name(part, names, original_name)

        written: str | None = None
        try:
            with transaction.atomic():
                version = next_number(_version_key(client, project, detected.kind, part_name))
                conventional = stored_name(
                    client.code if client else None,
                    project.code if project else None,
                    part_name,
                    _confident(names, "material") or _project_material(project),
                    _confident(names, "thickness_mm")
                    or (project.thickness_mm if project else None),
                    _confident(names, "quantity"),
                    version,
                    detected.extension,
                )
                with path.open("rb") as handle:
                    written = default_storage.save(
                        f"{storage_folder(client, project)}/{conventional}",
                        File(handle, name=conventional),
                    )
                file = FileIngest(
                    client=client,
                    project=project,
                    original_name=original_name,
                    source_path=_fit(clean_original_name(source_path), 1000),
                    stored_name=conventional,
                    part=part_name[:100],
                    version=version,
                    sha256=sha256,
                    size_bytes=size,
                    kind=detected.kind,
                    mime=detected.mime[:100],
                    extension=detected.extension[:10],
                    detail=detected.detail[:100],
                    ingest_warnings=warnings,
                    status=FileStatus.QUEUED,
                    received_at=timezone.now(),
                    uploaded_by=_user(uploaded_by),
                    source=source,
                )
                file.file.name = written
                file.full_clean(exclude=["sha256"])  # a race on sha256 is handled below
                file.save()
                record(
                    action=ActivityLog.Action.CREATE,
                    obj=file,
                    changes=diff_instances(None, instance_values(file)),
                    message=f"received via {file.get_source_display()}: {original_name}"[:500],
                    user=_user(uploaded_by),
                )
                signals.send_on_commit(
                    signals.file_ingested,
                    "file.ingested",
                    {
                        **file_payload(file),
                        "uploaded_by": _username(uploaded_by),
                        "warnings": warnings,
                    },
                )
                enqueue_on_commit(PROCESS_TASK, file.pk)
        except IntegrityError:
            _remove_stored(written)
            existing = FileIngest.objects.live().filter(sha256=sha256).first()
            if existing is None:
                raise
            return _duplicate(existing, project)  # the same bytes arrived twice at once
        except BaseException:
            _remove_stored(written)
            raise

    message = f"received as {file.stored_name}; queued for reading"
    if warnings:
        message += " (" + "; ".join(w["message"].rstrip(".") for w in warnings) + ")"
    return IngestOutcome(file=file, created=True, duplicate_of=None, message=message)


def storage_folder(client, project) -> str:
    """{client_code}/{project_code}; a file with no project goes to {client_code}/unfiled, and
    one with neither to unfiled."""
    if project is not None:
        return f"{safe_filename(project.client.code)}/{safe_filename(project.code)}"
    if client is not None:
        return f"{safe_filename(client.code)}/unfiled"
    return "unfiled"


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


def _name_of(source_file: Any) -> str:
    if isinstance(source_file, str | os.PathLike):
        return Path(source_file).name
    return str(getattr(source_file, "name", "") or "")


def _client_and_project(client, project):
    if project is not None:
        if client is not None and project.client_id != client.pk:
            raise ValidationError(
                {
                    "project": f"Project {project.code} belongs to {project.client.code}, "
                    f"not {client.code}."
                }  # fmt: skip
            )
        client = project.client
    return client, project


@contextlib.contextmanager
def _local_copy(source_file: Any, display: str, limit: int) -> Iterator[tuple[Path, int, str]]:
    """The bytes on local disk with their size and sha256, read once, refused when too large.

    A path or a temporary upload is used where it is; anything else is streamed to a private
    temporary file that is removed afterwards."""
    if isinstance(source_file, str | os.PathLike):
        path = Path(source_file)
        if not path.is_file():
            raise ValidationError(f"'{display}' is not a file that can be read.", code="not_found")
        _refuse_if_too_large(display, path.stat().st_size, limit)
        with path.open("rb") as handle:
            size, sha256 = _hash_stream(handle, display, limit)
        yield path, size, sha256
        return

    declared = getattr(source_file, "size", None)
    if isinstance(declared, int):
        _refuse_if_too_large(display, declared, limit)
    temporary_path = getattr(source_file, "temporary_file_path", None)
    if callable(temporary_path):
        path = Path(temporary_path())
        with path.open("rb") as handle:
            size, sha256 = _hash_stream(handle, display, limit)
        yield path, size, sha256
        return

    folder = tempfile.mkdtemp(prefix="laseros-ingest-")
    try:
        path = Path(folder) / "upload"
        digest = hashlib.sha256()
        size = 0
        with contextlib.suppress(Exception):
            source_file.seek(0)
        with path.open("wb") as out:
            chunks = (
                source_file.chunks(CHUNK_BYTES)
                if hasattr(source_file, "chunks")
                else iter(lambda: source_file.read(CHUNK_BYTES), b"")
            )
            for chunk in chunks:
                if isinstance(chunk, str):
                    chunk = chunk.encode("utf-8")
                size += len(chunk)
                _refuse_if_too_large(display, size, limit)
                digest.update(chunk)
                out.write(chunk)
        yield path, size, digest.hexdigest()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _hash_stream(handle, display: str, limit: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
        size += len(chunk)
        _refuse_if_too_large(display, size, limit)
        digest.update(chunk)
    return size, digest.hexdigest()


def _refuse_if_too_large(display: str, size: int, limit: int) -> None:
    if size > limit:
        raise ValidationError(
            f"'{display}' is too large ({size / 1024 / 1024:.1f} MB or more); the limit is "
            f"{settings.INGEST_MAX_UPLOAD_MB} MB. Send a smaller file or ask an admin to raise "
            "INGEST_MAX_UPLOAD_MB.",
            code="too_large",
        )


def _duplicate(existing: FileIngest, project) -> IngestOutcome:
    where = ""
    if project is not None and existing.project_id != project.pk:
        where = (
            f", which is filed under {existing.project.code}"
            if existing.project_id
            else ", which is not filed under a project"
        )
    message = (
        f"duplicate of {existing.stored_name} (file #{existing.pk}, received "
        f"{timezone.localtime(existing.received_at):%Y-%m-%d %H:%M}){where}: the same bytes "
        "are stored once"
    )
    return IngestOutcome(file=existing, created=False, duplicate_of=existing, message=message)


def _part_name(part: str | None, names, original_name: str) -> str:
    if part and part.strip():
        return clean_original_name(part)[:100]
    if names.confidence("part") >= NAME_MIN_CONFIDENCE and names.value("part"):
        return str(names.value("part"))[:100]
    stem = safe_filename(original_name).rsplit(".", 1)[0]
    return stem[:100] or "Part"


def _confident(names, key: str) -> Any:
    if names.confidence(key) >= NAME_MIN_CONFIDENCE:
        return names.value(key)
    return None


def _project_material(project) -> str | None:
    if project is None or project.material_id is None:
        return None
    return project.material.code


def _version_key(client, project, kind: str, part_name: str) -> str:
    """The sequence of versions of one part: per client, project, file kind and part.

    The file kind is part of the key so a part's DXF and its LightBurn project are both v001
    rather than v001 and v002 (they are two formats of one drawing, not two revisions)."""
    key = (
        f"ingest:v:{client.pk if client else 0}:{project.pk if project else 0}:{kind}:"
        f"{safe_part_name(part_name).lower()}"
    )
    if len(key) > SEQUENCE_KEY_MAX:
        key = key[:60] + ":" + hashlib.sha1(key.encode("utf-8")).hexdigest()
    return key


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


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _username(user) -> str | None:
    user = _user(user)
    return user.get_username() if user is not None else None


# --- the worker's steps --------------------------------------------------------------------------


def build_parse_context(
    *,
    original_name: str = "",
    material: str | None = None,
    thickness_mm: Any = None,
    progress: Callable[[float, str], None] | None = None,
    make_preview: bool = True,
) -> ParseContext:
    """A ParseContext from the settings (and what the project knows about material and
    thickness), so the worker and `manage.py inspect` read files the same way."""
    largest = max(SHEET_SIZES_MM, key=lambda size: size[0] * size[1])
    thickness = None
    if thickness_mm not in (None, ""):
        with contextlib.suppress(TypeError, ValueError, InvalidOperation):
            thickness = float(thickness_mm)
    return ParseContext(
        original_name=original_name,
        thickness_mm=thickness,
        material=material or None,
        chain_tolerance_mm=float(settings.INGEST_CHAIN_TOLERANCE_MM),
        largest_sheet_mm=(float(max(largest)), float(min(largest))),
        ocr_language=settings.INGEST_OCR_LANGUAGE,
        max_image_pixels=int(settings.INGEST_MAX_IMAGE_PIXELS),
        excel_max_rows=int(settings.INGEST_EXCEL_MAX_ROWS),
        max_block_depth=int(settings.INGEST_MAX_BLOCK_DEPTH),
        make_preview=make_preview,
        progress=progress,
    )


def parse_context_for(
    file: FileIngest, progress: Callable[[float, str], None] | None = None
) -> ParseContext:
    """The context the worker reads `file` with: its name (folders included) and its project's
    material and thickness."""
    project = file.project
    return build_parse_context(
        original_name=file.source_path or file.original_name,
        material=_project_material(project),
        thickness_mm=project.thickness_mm if project is not None else None,
        progress=progress,
    )


def max_attempts() -> int:
    return int(settings.Q_CLUSTER.get("max_attempts", 3) or 3)


@transaction.atomic
def start_processing(*, file_id: int) -> FileIngest | None:
    """Claim a file for reading (attempts + 1). None when there is nothing to do: the file is
    gone, deleted or already read, or the worker died on it too often (it is then failed)."""
    file = (
        FileIngest.objects.select_for_update(of=("self",))
        .select_related("client", "project__client", "project__material")
        .filter(pk=file_id)
        .first()
    )
    if file is None or file.is_deleted or file.status in FileStatus.done():
        return None
    if file.status == FileStatus.PROCESSING and file.attempts >= max_attempts():
        _fail(file, reason=_worker_stopped_reason(file.attempts), traceback_text="")
        return None
    _move(
        file,
        FileStatus.PROCESSING,
        message=f"reading started (attempt {file.attempts + 1})",
        attempts=file.attempts + 1,
        started_at=timezone.now(),
        finished_at=None,
        progress=0.0,
        progress_message="starting",
        failure_reason="",
        traceback="",
    )
    return file


def report_progress(*, file_id: int, attempt: int, fraction: float, message: str = "") -> None:
    """Write how far the reading is, where the user sees it (not audited: nothing changed)."""
    fraction = 0.0 if not math.isfinite(fraction) else max(0.0, min(1.0, float(fraction)))
    FileIngest.objects.filter(pk=file_id, status=FileStatus.PROCESSING, attempts=attempt).update(
        progress=fraction, progress_message=clean_original_name(message)[:200]
    )


def record_extraction(*, file_id: int, attempt: int, result: ParseResult) -> FileIngest | None:
    """Keep a successful reading: a new current FileExtraction, the FileMetadata made from it,
    the preview, and the file marked processed. None when this attempt was superseded (the file
    was deleted, re-queued or claimed by a later attempt): then nothing is written."""
    preview_name = None
    preview = result.preview_png if _is_png(result.preview_png) else None
    try:
        with transaction.atomic():
            file = (
                FileIngest.objects.select_for_update(of=("self",))
                .select_related("client", "project")
                .filter(pk=file_id)
                .first()
            )
            if not _is_current_attempt(file, attempt):
                return None
            now = timezone.now()
            metadata_values = _metadata_values(result.metadata)
            warnings = _merged_warnings(file.ingest_warnings, result)
            if result.preview_png and preview is None:
                warnings.append(
                    {"code": "preview_unusable", "message": "The preview was not a PNG image."}
                )
            previous = file.extractions.filter(is_current=True).first()
            if previous is not None:
                FileExtraction.objects.filter(pk=previous.pk).update(is_current=False)
            extraction = FileExtraction(
                file=file,
                parser=(result.parser or result.kind or "unknown")[:50],
                parser_version=str(result.parser_version or "")[:20],
                raw=json_safe(result.raw),
                metadata=json_safe(result.metadata),
                warnings=warnings,
                created_at=now,
                is_current=True,
            )
            extraction.full_clean()
            extraction.save()

            metadata = FileMetadata.objects.filter(file=file).first() or FileMetadata(file=file)
            old_preview = metadata.preview.name or None
            for name, value in metadata_values.items():
                setattr(metadata, name, value)
            metadata.extraction = extraction
            metadata.warnings = warnings
            metadata.warning_count = len(warnings)
            metadata.has_warnings = bool(warnings)
            metadata.updated_at = now
            if preview is not None:
                preview_name = default_storage.save(
                    _preview_path(file, extraction), ContentFile(preview)
                )
                metadata.preview.name = preview_name
            else:
                metadata.preview.name = ""
            metadata.full_clean()
            metadata.save()
            if old_preview and old_preview != metadata.preview.name:
                transaction.on_commit(lambda: _remove_stored(old_preview))

            _move(
                file,
                FileStatus.PROCESSED,
                message=f"read by {extraction.parser} {extraction.parser_version}".strip(),
                progress=1.0,
                progress_message="",
                finished_at=now,
                failure_reason="",
                traceback="",
            )
            signals.send_on_commit(
                signals.file_processed,
                "file.processed",
                {
                    **file_payload(file),
                    "extraction_id": extraction.pk,
                    "parser": extraction.parser,
                    "parser_version": extraction.parser_version,
                    "metadata": metadata_summary(metadata),
                },
            )
    except BaseException:
        _remove_stored(preview_name)
        raise
    return file


@transaction.atomic
def record_failure(
    *, file_id: int, attempt: int | None, reason: str, traceback_text: str = ""
) -> FileIngest | None:
    """Mark the file failed with a reason a person can act on (and the traceback for staff).
    None when this attempt was superseded."""
    file = FileIngest.objects.select_for_update(of=("self",)).filter(pk=file_id).first()
    if attempt is not None and not _is_current_attempt(file, attempt):
        return None
    if file is None or file.is_deleted or not file.can_move_to(FileStatus.FAILED):
        return None
    _fail(file, reason=reason, traceback_text=traceback_text)
    return file


def _fail(file: FileIngest, *, reason: str, traceback_text: str) -> None:
    reason = _sentence(clean_original_name(reason) or "The file could not be read")
    _move(
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


def sweep_stuck_files(*, margin_seconds: int | None = None) -> dict[str, int]:
    """Files left "processing" by a worker that died: failed once they used up their attempts
    (Q_MAX_ATTEMPTS), otherwise put back in the queue. Returns {"failed": n, "requeued": n}."""
    if margin_seconds is None:
        margin_seconds = int(getattr(settings, "INGEST_SWEEP_MARGIN_SECONDS", 120))
    timeout = int(settings.Q_CLUSTER.get("timeout", 600))
    cutoff = timezone.now() - timedelta(seconds=timeout + margin_seconds)
    counts = {"failed": 0, "requeued": 0}
    stuck = FileIngest.objects.live().filter(status=FileStatus.PROCESSING, started_at__lt=cutoff)
    for file_id in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            file = FileIngest.objects.select_for_update(of=("self",)).filter(pk=file_id).first()
            if (
                file is None
                or file.is_deleted
                or file.status != FileStatus.PROCESSING
                or file.started_at is None
                or file.started_at >= cutoff
            ):
                continue
            if file.attempts >= max_attempts():
                _fail(file, reason=_worker_stopped_reason(file.attempts), traceback_text="")
                counts["failed"] += 1
            else:
                _move(
                    file,
                    FileStatus.QUEUED,
                    message="the worker stopped while reading; queued again",
                    progress=0.0,
                    progress_message="queued again after the worker stopped",
                )
                enqueue_on_commit(PROCESS_TASK, file.pk)
                counts["requeued"] += 1
    return counts


# --- re-extract, delete, restore -----------------------------------------------------------------


@transaction.atomic
def re_extract(*, file: FileIngest, by=None) -> FileIngest:
    """Read the file again (e.g. after a parser improved); the earlier readings stay as history
    and the new one becomes current when the worker is done."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    if current.is_deleted:
        raise ValidationError(f"{current} is deleted: restore it before reading it again.")
    if current.status == FileStatus.PROCESSING:
        raise ValidationError(f"{current} is being read right now; wait for it to finish.")
    previous = current.extractions.filter(is_current=True).values_list("pk", flat=True).first()
    if current.status != FileStatus.QUEUED:
        _move(
            current,
            FileStatus.QUEUED,
            message="re-extract requested",
            user=by,
            attempts=0,
            progress=0.0,
            progress_message="",
            started_at=None,
            finished_at=None,
            failure_reason="",
            traceback="",
        )
    else:  # still queued (e.g. the queue lost it): queue it again; a second run is harmless
        record(
            action=ActivityLog.Action.OTHER,
            obj=current,
            message="re-extract requested while queued: queued again",
            user=_user(by),
        )
    signals.send_on_commit(
        signals.file_re_extracted,
        "file.re_extracted",
        {
            **file_payload(current),
            "previous_extraction_id": previous,
            "requested_by": _username(by),
        },
    )
    enqueue_on_commit(PROCESS_TASK, current.pk)
    return current


@transaction.atomic
def soft_delete(*, file: FileIngest, by=None) -> FileIngest:
    """Hide a file from lists and counts, keeping its bytes so it can be restored."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    if current.is_deleted:
        raise ValidationError(f"{current} is already deleted.")
    before = instance_values(current)
    current.deleted_at = timezone.now()
    current.save(update_fields=["deleted_at"])
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        changes=diff_instances(before, instance_values(current)),
        message="deleted (soft: the bytes are kept and the file can be restored)",
        user=_user(by),
    )
    signals.send_on_commit(
        signals.file_deleted,
        "file.deleted",
        {**file_payload(current), "hard": False, "by": _username(by)},
    )
    return current


@transaction.atomic
def restore(*, file: FileIngest, by=None) -> FileIngest:
    """Bring a soft-deleted file back, unless the same bytes have been stored again since."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    if not current.is_deleted:
        raise ValidationError(f"{current} is not deleted.")
    live = FileIngest.objects.live().filter(sha256=current.sha256).exclude(pk=current.pk).first()
    if live is not None:
        raise ValidationError(
            f"The same file was stored again since as {live.stored_name} (file #{live.pk}); "
            "use that one."
        )
    before = instance_values(current)
    current.deleted_at = None
    current.save(update_fields=["deleted_at"])
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        changes=diff_instances(before, instance_values(current)),
        message="restored",
        user=_user(by),
    )
    signals.send_on_commit(
        signals.file_restored,
        "file.restored",
        {**file_payload(current), "by": _username(by)},
    )
    return current


@transaction.atomic
def hard_delete(*, file: FileIngest, by=None) -> None:
    """Remove a file for good: its row, its readings, its stored bytes and its preview.

    The bytes are removed once the deletion has committed, so a rollback never leaves a row
    without its file."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    payload = {**file_payload(current), "hard": True, "by": _username(by)}
    names = [current.file.name]
    metadata = FileMetadata.objects.filter(file=current).first()
    if metadata is not None and metadata.preview.name:
        names.append(metadata.preview.name)
    record(
        action=ActivityLog.Action.DELETE,
        obj=current,
        changes=diff_instances(instance_values(current), None),
        message="deleted for good (hard: the stored bytes and preview are removed)",
        user=_user(by),
    )
    current.delete()
    transaction.on_commit(lambda: [_remove_stored(name) for name in names])
    signals.send_on_commit(signals.file_deleted, "file.deleted", payload)


# --- shared helpers ------------------------------------------------------------------------------


def _move(file: FileIngest, to: str, *, message: str = "", user=None, **fields: Any) -> None:
    """The one place a file's status changes: checks FILE_TRANSITIONS, saves, audits."""
    if not file.can_move_to(to):
        raise ValidationError(
            f"{file} cannot go from {file.get_status_display()} to {FileStatus(to).label}."
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
    record(
        action=ActivityLog.Action.TRANSITION,
        obj=file,
        changes=changes,
        message=f"{from_status} → {to}: {message}"[:500] if message else f"{from_status} → {to}",
        user=_user(user),
    )


def file_payload(file: FileIngest) -> dict[str, Any]:
    """The keys every event payload has (ingest.signals documents them)."""
    return {
        "file_id": file.pk,
        "client_code": file.client.code if file.client_id else None,
        "project_code": file.project.code if file.project_id else None,
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


def _merged_warnings(ingest_warnings: list, result: ParseResult) -> list[dict[str, str]]:
    """The parser's warnings plus those seen on arrival; one per code where both say it."""
    parsed = [
        {"code": str(w.code)[:60], "message": clean_original_name(str(w.message))[:500]}
        for w in result.warnings
    ]
    codes = {w["code"] for w in parsed}
    merged = [w for w in (ingest_warnings or []) if w.get("code") not in codes] + parsed
    seen, unique = set(), []
    for warning in merged:
        key = (warning.get("code"), warning.get("message"))
        if key not in seen:
            seen.add(key)
            unique.append(warning)
    return unique


def _metadata_values(metadata: dict[str, Any]) -> dict[str, Any]:
    """ParseResult.metadata (METADATA_KEYS) -> FileMetadata columns; nonsense becomes empty."""
    bbox = metadata.get("bbox_mm") or [None, None]
    if not isinstance(bbox, list | tuple) or len(bbox) < 2:
        bbox = [None, None]
    units = metadata.get("source_units") or metadata.get("units") or ""
    holes = metadata.get("holes") if isinstance(metadata.get("holes"), list) else []
    counts = metadata.get("entity_counts")
    layers = metadata.get("layers")
    return {
        "material_code": _material(metadata.get("material")),
        "thickness_mm": _thickness(metadata.get("thickness_mm")),
        "quantity": _count(metadata.get("quantity")),
        "units": str(units)[:20],
        "cut_length_mm": _length(metadata.get("cut_length_mm")),
        "pierce_count": _count(metadata.get("pierce_count")),
        "part_count": _count(metadata.get("part_count")),
        "area_mm2": _length(metadata.get("area_mm2")),
        "bbox_width_mm": _length(bbox[0]),
        "bbox_height_mm": _length(bbox[1]),
        "holes": json_safe(holes),
        "closed_contours": _count(metadata.get("closed_contours")),
        "open_contours": _count(metadata.get("open_contours")),
        "entity_counts": json_safe(counts) if isinstance(counts, dict) else {},
        "layers": json_safe(list(layers)) if isinstance(layers, list | tuple) else [],
    }


def _material(value: Any) -> str:
    if not value:
        return ""
    text = str(value).strip()
    if text.upper() in MATERIAL_CODES:
        return text.upper()
    return material_code(text) or ""


def _thickness(value: Any) -> Decimal | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or not 0 < number < 10_000:
        return None
    return Decimal(str(round(number, 3)))


def _length(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number <= 2_147_483_647 else None


def json_safe(value: Any, depth: int = 0) -> Any:
    """A value the database's JSON column accepts everywhere: finite numbers, no NUL characters
    (PostgreSQL refuses them), dates as ISO text, nothing nested absurdly deep."""
    if depth > 50:
        return None
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {
            str(key).replace("\x00", ""): json_safe(item, depth + 1) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item, depth + 1) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\x00", "")


def _is_png(data: bytes | None) -> bool:
    return bool(data) and data[:8] == b"\x89PNG\r\n\x1a\n"


def _preview_path(file: FileIngest, extraction: FileExtraction) -> str:
    folder = PurePosixPath(file.file.name).parent
    stem = re.sub(r"\.[A-Za-z0-9]{1,10}$", "", file.stored_name)
    return f"previews/{folder}/{stem}-e{extraction.pk}.png"
