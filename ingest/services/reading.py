"""The worker's steps while it reads a file."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from inventory.constants import material_code
from laseros.redaction import without_server_paths
from laseros.workers import current_worker

from .. import signals
from ..content.context import build_parse_context
from ..models import FileExtraction, FileIngest, FileMetadata, FileStatus
from ..parsers.base import ParseContext, ParseResult
from .common import (
    _fail,
    _remove_stored,
    _worker_stopped_reason,
    clean_original_name,
    file_payload,
    file_transition,
    max_attempts,
    metadata_summary,
)
from .receiving import _project_material


def parse_context_for(
    file: FileIngest, progress: Callable[[float, str], None] | None = None
) -> ParseContext:
    """The context the worker reads `file` with: its name (folders included), and the material
    and thickness given with it, else its project's."""
    project = file.project
    given = file.given or {}
    return build_parse_context(
        original_name=file.source_path or file.original_name,
        material=given.get("material") or _project_material(project),
        thickness_mm=given.get("thickness_mm")
        or (project.thickness_mm if project is not None else None),
        progress=progress,
    )


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
    file_transition(
        file,
        FileStatus.PROCESSING,
        message=f"reading started (attempt {file.attempts + 1})",
        attempts=file.attempts + 1,
        started_at=timezone.now(),
        worker=current_worker(),
        worker_pid=os.getpid() if current_worker() else None,
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
    was hard-deleted, re-queued or claimed by a later attempt): then nothing is written.

    Named steps, all in one transaction with the file's row locked: the warnings, the
    extraction, the preview's bytes, the metadata, the file marked processed. The stored preview
    is removed again if anything after it fails."""
    preview_name = None
    preview = result.preview_png if _is_png(result.preview_png) else None
    try:
        with transaction.atomic():
            file = _lock_current_attempt(file_id, attempt)
            if file is None:
                return None
            now = timezone.now()
            metadata_values = _metadata_values(result.metadata)
            warnings = _reading_warnings(file, result, metadata_values, preview)
            extraction = _new_current_extraction(file, result, warnings, now)
            if preview is not None:
                preview_name = default_storage.save(
                    _preview_path(file, extraction), ContentFile(preview)
                )
            metadata = _write_metadata(
                file, extraction, metadata_values, warnings, preview_name or "", now
            )
            _mark_processed(file, extraction, metadata, now)
    except BaseException:
        _remove_stored(preview_name)
        raise
    return file


def _lock_current_attempt(file_id: int, attempt: int) -> FileIngest | None:
    """The file's row, locked, when `attempt` is still the one that may record; else None."""
    file = (
        FileIngest.objects.select_for_update(of=("self",))
        .select_related("client", "project")
        .filter(pk=file_id)
        .first()
    )
    if file is None or not _is_current_attempt(file, attempt):
        return None
    return file


def _reading_warnings(
    file: FileIngest, result: ParseResult, metadata_values: dict[str, Any], preview: bytes | None
) -> list[dict[str, str]]:
    """The parser's and the arrival's warnings, those where the given values differ (which are
    put over `metadata_values` in place), and one for a preview that was not a PNG."""
    warnings = _merged_warnings(file.ingest_warnings, result)
    warnings += _apply_given(file.given or {}, metadata_values)
    if result.preview_png and preview is None:
        warnings.append({"code": "preview_unusable", "message": "The preview was not a PNG image."})
    return warnings


def _new_current_extraction(
    file: FileIngest, result: ParseResult, warnings: list[dict[str, str]], now: dt.datetime
) -> FileExtraction:
    """The reading kept as the file's current FileExtraction; the one before stays as history."""
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
    return extraction


def _write_metadata(
    file: FileIngest,
    extraction: FileExtraction,
    metadata_values: dict[str, Any],
    warnings: list[dict[str, str]],
    preview_name: str,
    now: dt.datetime,
) -> FileMetadata:
    """The file's one FileMetadata row, made from this reading; a preview it no longer shows is
    removed once the transaction commits."""
    metadata = FileMetadata.objects.filter(file=file).first() or FileMetadata(file=file)
    old_preview = metadata.preview.name or None
    for name, value in metadata_values.items():
        setattr(metadata, name, value)
    metadata.extraction = extraction
    metadata.warnings = warnings
    metadata.warning_count = len(warnings)
    metadata.has_warnings = bool(warnings)
    metadata.updated_at = now
    metadata.preview.name = preview_name
    metadata.full_clean()
    metadata.save()
    if old_preview and old_preview != metadata.preview.name:
        transaction.on_commit(lambda: _remove_stored(old_preview))
    return metadata


def _mark_processed(
    file: FileIngest, extraction: FileExtraction, metadata: FileMetadata, now: dt.datetime
) -> None:
    """The file moves to processed (audited) and file.processed goes out after the commit."""
    file_transition(
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


@transaction.atomic
def record_failure(
    *, file_id: int, attempt: int | None, reason: str, traceback_text: str = ""
) -> FileIngest | None:
    """Mark the file failed with a reason a person can act on (and the traceback for staff).
    None when this attempt was superseded."""
    file = FileIngest.objects.select_for_update(of=("self",)).filter(pk=file_id).first()
    if attempt is not None and not _is_current_attempt(file, attempt):
        return None
    if file is None or not file.can_move_to(FileStatus.FAILED):
        return None
    _fail(file, reason=reason, traceback_text=traceback_text)
    return file


def _is_current_attempt(file: FileIngest | None, attempt: int) -> bool:
    """Only the latest attempt may record. A file soft-deleted while it was read still gets its
    result (it is hidden, not gone), so it is never left "processing"."""
    return file is not None and file.status == FileStatus.PROCESSING and file.attempts == attempt


def _merged_warnings(ingest_warnings: list, result: ParseResult) -> list[dict[str, str]]:
    """The parser's warnings plus those seen on arrival; one per code where both say it."""
    parsed = [
        {
            "code": str(w.code)[:60],
            "message": clean_original_name(without_server_paths(str(w.message)))[:500],
        }
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


def _apply_given(given: dict[str, Any], values: dict[str, Any]) -> list[dict[str, str]]:
    """Put the values given with the file over what the parser found (`values`, in place);
    a warning for each the file disagrees with."""
    warnings = []
    for key, column, label, clean, unit in (
        ("material", "material_code", "material", _material, ""),
        ("thickness_mm", "thickness_mm", "thickness", _thickness, " mm"),
        ("quantity", "quantity", "quantity", _count, ""),
    ):
        value = clean(given.get(key))
        if value in (None, ""):
            continue
        found = values.get(column)
        if found not in (None, "") and found != value:
            warnings.append(
                {
                    "code": "given_differs",
                    "message": f"The file says {label} {found}{unit}, but {value}{unit} was given "
                    f"with it; {value}{unit} is used.",
                }
            )
        values[column] = value
    return warnings


def _metadata_values(metadata: dict[str, Any]) -> dict[str, Any]:
    """ParseResult.metadata (METADATA_KEYS) -> FileMetadata columns; nonsense becomes empty."""
    bbox = metadata.get("bbox_mm") or [None, None]
    if not isinstance(bbox, list | tuple) or len(bbox) < 2:
        bbox = [None, None]
    units = metadata.get("source_units") or metadata.get("units") or ""
    holes = metadata.get("holes") if isinstance(metadata.get("holes"), list) else []
    cutouts = metadata.get("cutouts") if isinstance(metadata.get("cutouts"), list) else []
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
        "cutouts": json_safe(cutouts),
        "closed_contours": _count(metadata.get("closed_contours")),
        "open_contours": _count(metadata.get("open_contours")),
        "entity_counts": json_safe(counts) if isinstance(counts, dict) else {},
        "layers": json_safe(list(layers)) if isinstance(layers, list | tuple) else [],
    }


def _material(value: Any) -> str:
    return (material_code(str(value)) if value else None) or ""


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
    return data is not None and data[:8] == b"\x89PNG\r\n\x1a\n"


def _preview_path(file: FileIngest, extraction: FileExtraction) -> str:
    folder = PurePosixPath(file.file.name).parent
    stem = re.sub(r"\.[A-Za-z0-9]{1,10}$", "", file.stored_name)
    return f"previews/{folder}/{stem}-e{extraction.pk}.png"
