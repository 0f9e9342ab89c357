"""Receiving a file: checks, the stored name and version, the bytes, the row, the queue."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.constants import MATERIAL_CODES, material_code
from laseros.actors import acting_user, acting_username
from laseros.audit import record_created
from laseros.sequences import next_number
from laseros.tasks import enqueue_on_commit
from laseros.uploads import check_upload_size, max_upload_bytes, refuse_if_too_large

from .. import signals
from ..content.detect import Unreadable, detect_readable, extension_mismatch
from ..content.naming import parse_name
from ..content.stored_names import safe_filename, safe_part_name, stored_name
from ..models import FileIngest, FileKind, FileSource, FileStatus
from ..parsers.base import DetectedType
from .common import (
    PROCESS_TASK,
    _fit,
    _remove_stored,
    _sentence,
    clean_original_name,
    file_payload,
)

CHUNK_BYTES = 1024 * 1024
NAME_MIN_CONFIDENCE = 0.5  # values read from a name below this are not used for the stored name
SEQUENCE_KEY_MAX = 100

ACCEPTED_TYPES = (
    "DXF drawings (.dxf), LightBurn projects (.lbrn, .lbrn2), PDF documents (.pdf), "
    "Excel workbooks (.xlsx, .xlsm, .xls) and images (.png, .jpg, .tif)"
)


@dataclass(frozen=True)
class IngestOutcome:
    """What `ingest()` did: a new file (`created`) or the existing copy of the same bytes."""

    file: FileIngest
    created: bool
    duplicate_of: FileIngest | None
    message: str


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
    given: dict[str, Any] | None = None,
    expect_kind: str | None = None,
) -> IngestOutcome:
    """Receive one file: check it, store it once under its conventional name, queue its reading.

    Refuses (ValidationError, nothing stored) a file that is empty, over INGEST_MAX_UPLOAD_MB or
    of a type Laser OS does not read. The same bytes already stored come back as that file with
    "duplicate of ...". `source_path` is where the file came from (folders included) when known:
    its folder names are read for material and thickness too. `given` holds the material,
    thickness_mm and quantity the sender knows (they win over what the file says; see
    clean_given); `expect_kind` refuses a file whose content is another kind than the sender said.

    Named steps: the sender's values checked, the preflight (what it is, or why not), the
    duplicate, then store and record (_store_once).
    """
    if source not in FileSource.values:
        raise ValidationError({"source": f"Unknown source {source!r}."})
    original_name = clean_original_name(original_name or _name_of(source_file))
    client, project = _client_and_project(client, project)
    given, expect_kind = clean_given(given), clean_kind(expect_kind)
    limit = max_upload_bytes()
    with _local_copy(source_file, original_name or "the file", limit) as (path, size, sha256):
        detected = preflight(path, original_name, size=size, expect_kind=expect_kind)
        original_name = original_name or f"unnamed.{detected.extension}"
        existing = FileIngest.objects.live().filter(sha256=sha256).first()
        if existing is not None:
            return _duplicate(existing, project)
        names = parse_name(source_path or original_name)
        arrival = Arrival(
            client=client,
            project=project,
            original_name=original_name,
            source_path=source_path,
            part_name=_part_name(part, names, original_name),
            sha256=sha256,
            size=size,
            detected=detected,
            warnings=_extension_warnings(detected, original_name),
            given=given,
            uploaded_by=uploaded_by,
            source=source,
        )
        return _store_once(path, arrival, names)


def preflight(
    path: Path, original_name: str, *, size: int | None = None, expect_kind: str | None = None
) -> DetectedType:
    """What the file is, judged from its content; ValidationError (nothing stored) for an empty
    file, a type Laser OS does not read, or another kind than the sender said."""
    display = original_name or "the file"
    if size is None:
        size = path.stat().st_size
    if size == 0:
        check_upload_size(display, size)
    try:
        detected = detect_readable(path, original_name)
    except Unreadable as exc:
        raise ValidationError(
            f"'{display}' is not a file type Laser OS reads ({exc.what}). "
            f"Accepted: {ACCEPTED_TYPES}.",
            code="unsupported_type",
        ) from None
    if expect_kind and detected.kind != expect_kind:
        raise ValidationError(
            f"'{display}' is a {_kind_label(detected.kind)}, not a "
            f"{_kind_label(expect_kind)} as the upload said: nothing was stored.",
            code="kind_mismatch",
        )
    return detected


@dataclass(frozen=True)
class Arrival:
    """A file that passed the preflight, with everything its row is made of."""

    client: Any
    project: Any
    original_name: str
    source_path: str
    part_name: str
    sha256: str
    size: int
    detected: DetectedType
    warnings: list[dict[str, str]]
    given: dict[str, Any]
    uploaded_by: Any
    source: str


def _extension_warnings(detected: DetectedType, original_name: str) -> list[dict[str, str]]:
    """A name whose extension says another type than the content: kept, with a warning."""
    mismatch = extension_mismatch(detected, original_name)
    if mismatch:
        return [{"code": "extension_mismatch", "message": _sentence(mismatch)}]
    return []


def _store_once(path: Path, arrival: Arrival, names: Any) -> IngestOutcome:
    """Store and record a new file, and say so with its warnings; the same bytes arriving twice
    at once come back as the duplicate of the copy that was stored."""
    try:
        file = _store_and_record(path, arrival, names)
    except IntegrityError:
        existing = FileIngest.objects.live().filter(sha256=arrival.sha256).first()
        if existing is None:
            raise
        return _duplicate(existing, arrival.project)
    message = f"received as {file.stored_name}; queued for reading"
    if arrival.warnings:
        message += " (" + "; ".join(w["message"].rstrip(".") for w in arrival.warnings) + ")"
    return IngestOutcome(file=file, created=True, duplicate_of=None, message=message)


def _conventional_name(arrival: Arrival, names: Any, version: int) -> str:
    """DOMAIN.md's stored name: what was given wins, then what the name says surely, then the
    job's own material and thickness."""
    client, project, given = arrival.client, arrival.project, arrival.given
    return stored_name(
        client.code if client else None,
        project.code if project else None,
        arrival.part_name,
        given.get("material") or _confident(names, "material") or _project_material(project),
        given.get("thickness_mm")
        or _confident(names, "thickness_mm")
        or (project.thickness_mm if project else None),
        given.get("quantity") or _confident(names, "quantity"),
        version,
        arrival.detected.extension,
    )


def _store_and_record(path: Path, arrival: Arrival, names: Any) -> FileIngest:
    """Store the bytes under the next version's conventional name and write the row, its audit
    entry, the file.ingested event and the reading task, all or nothing: the transaction is
    handled here so that stored bytes are removed again if the row cannot be written."""
    written: str | None = None
    detected, client, project = arrival.detected, arrival.client, arrival.project
    try:
        with transaction.atomic():
            version = next_number(_version_key(client, project, detected.kind, arrival.part_name))
            conventional = _conventional_name(arrival, names, version)
            with path.open("rb") as handle:
                written = default_storage.save(
                    f"{storage_folder(client, project)}/{conventional}",
                    File(handle, name=conventional),
                )
            file = FileIngest(
                client=client,
                project=project,
                original_name=arrival.original_name,
                source_path=_fit(clean_original_name(arrival.source_path), 1000),
                stored_name=conventional,
                part=arrival.part_name[:100],
                version=version,
                sha256=arrival.sha256,
                size_bytes=arrival.size,
                kind=detected.kind,
                mime=detected.mime[:100],
                extension=detected.extension[:10],
                detail=detected.detail[:100],
                ingest_warnings=arrival.warnings,
                given=arrival.given,
                status=FileStatus.QUEUED,
                received_at=timezone.now(),
                uploaded_by=acting_user(arrival.uploaded_by),
                source=arrival.source,
            )
            file.file.name = written
            file.full_clean(exclude=["sha256"])  # a race on sha256 is handled by the caller
            file.save()
            record_created(
                file,
                by=arrival.uploaded_by,
                message=f"received via {file.get_source_display()}: {arrival.original_name}"[:500],
            )
            signals.send_on_commit(
                signals.file_ingested,
                "file.ingested",
                {
                    **file_payload(file),
                    "uploaded_by": acting_username(arrival.uploaded_by),
                    "warnings": arrival.warnings,
                    "given": dict(arrival.given),
                },
            )
            enqueue_on_commit(PROCESS_TASK, file.pk)
    except BaseException:
        _remove_stored(written)
        raise
    return file


GIVEN_KEYS = ("material", "thickness_mm", "quantity")
MAX_GIVEN_THICKNESS_MM = Decimal("100")
MAX_GIVEN_QUANTITY = 1_000_000


def clean_given(given: dict[str, Any] | None) -> dict[str, Any]:
    """The values a sender gave with a file, checked: a material code of DOMAIN.md (any name
    people type: "galv", "Mild Steel"), a thickness in mm (stored as text, e.g. "3" or "0.55")
    and a whole quantity. Empty values are left out; anything else is a ValidationError naming
    the field, so nothing is stored."""
    if not given:
        return {}
    if not isinstance(given, dict):
        raise ValidationError(
            {"given": "Give the values as an object: material, thickness_mm, quantity."}
        )
    unknown = sorted(str(k) for k in given if k not in GIVEN_KEYS)
    if unknown:
        raise ValidationError(
            {
                "given": f"Unknown value(s) {', '.join(unknown)}; a file takes {', '.join(GIVEN_KEYS)}."
            }
        )
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    material = str(given.get("material") or "").strip()
    if material:
        code = material_code(material)
        if code:
            cleaned["material"] = code
        else:
            errors["material"] = (
                f"{material!r} is not a material the shop knows ({', '.join(MATERIAL_CODES)})."
            )
    thickness = str(given.get("thickness_mm") or "").strip().lower().removesuffix("mm").strip()
    if thickness:
        try:
            number = Decimal(thickness.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not 0 < number <= MAX_GIVEN_THICKNESS_MM:
            errors["thickness_mm"] = (
                f"{given['thickness_mm']!r} is not a thickness: give millimetres, more than 0 and "
                f"at most {MAX_GIVEN_THICKNESS_MM}."
            )
        else:
            cleaned["thickness_mm"] = format(number.normalize(), "f")
    quantity = given.get("quantity")
    if quantity not in (None, ""):
        try:
            count = int(str(quantity).strip())
        except ValueError:
            count = 0
        if not 0 < count <= MAX_GIVEN_QUANTITY:
            errors["quantity"] = f"{quantity!r} is not a quantity: give a whole number from 1."
        else:
            cleaned["quantity"] = count
    if errors:
        raise ValidationError(errors)
    return cleaned


KIND_ALIASES = {"lbrn": "lightburn", "lbrn2": "lightburn", "xlsx": "excel", "xls": "excel"}


def clean_kind(value: Any) -> str | None:
    """The file kind a sender expects ("dxf", "lightburn", ... or the old Module N's mode names
    "lbrn2", "xlsx"), None for "auto" or nothing; ValidationError for anything else."""
    kind = str(value or "").strip().lower()
    if kind in ("", "auto"):
        return None
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in FileKind.values:
        raise ValidationError(
            {"kind": f"Unknown kind {value!r}; one of {', '.join(FileKind.values)} or auto."}
        )
    return kind


def _kind_label(kind: str) -> str:
    return FileKind(kind).label if kind in FileKind.values else kind


def storage_folder(client, project) -> str:
    """{client_code}/{project_code}; a file with no project goes to {client_code}/unfiled, and
    one with neither to unfiled."""
    if project is not None:
        return f"{safe_filename(project.client.code)}/{safe_filename(project.code)}"
    if client is not None:
        return f"{safe_filename(client.code)}/unfiled"
    return "unfiled"


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
        refuse_if_too_large(display, path.stat().st_size, limit=limit)
        with path.open("rb") as handle:
            size, sha256 = _hash_stream(handle, display, limit)
        yield path, size, sha256
        return

    declared = getattr(source_file, "size", None)
    if isinstance(declared, int):
        refuse_if_too_large(display, declared, limit=limit)
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
                refuse_if_too_large(display, size, limit=limit)
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
        refuse_if_too_large(display, size, limit=limit)
        digest.update(chunk)
    return size, digest.hexdigest()


def _duplicate(existing: FileIngest, project) -> IngestOutcome:
    where = ""
    if project is not None and existing.project_id != project.pk:
        where = (
            f", which is filed under {getattr(existing.project, 'code', '')}"
            if existing.project_id
            else ", which is not filed under a job"
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
