"""Writes on one sheet of a run in progress: the operator's checklist for each cut sheet
(DOMAIN.md): the photo (resized, upright), notes, the 5H check, parts cut and scrap, and the
remnant kept through inventory's offcut service."""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from inventory import services as inventory_services
from laseros.actors import Actor
from laseros.audit import record
from laseros.models import ActivityLog
from laseros.uploads import check_upload_size

from ..models import FIVE_H, MAX_PARTS, FloorRunSheet
from .floor_runs import lock_run_in_progress

if TYPE_CHECKING:
    from PIL import Image

PHOTO_MAX_SIDE_PX = 1600  # a sheet's photo is kept at most this wide or high
PHOTO_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}  # what a tablet's camera or gallery sends


@dataclass(frozen=True)
class SheetRecord:
    """What the operator records for one cut sheet."""

    checks: frozenset[str]  # the 5H fields ticked (FIVE_H's names)
    parts_cut: int = 0
    scrap_parts: int = 0
    notes: str = ""
    offcut_width_mm: int | None = None
    offcut_length_mm: int | None = None


@transaction.atomic
def floor_sheet_record(
    *, sheet: FloorRunSheet, given: SheetRecord, photo: File | None = None, by: Actor = None
) -> FloorRunSheet:
    """Record a cut sheet: its photo (resized, turned upright), notes, the 5H check (all five, or
    the sheet does not count), parts cut and scrap, and a remnant kept through inventory's
    offcut service when one over the minimum size is left (a smaller one is refused with the
    reason: leave the size empty to scrap it). A sheet already recorded is left as it is."""
    run = lock_run_in_progress(sheet.run)
    current = FloorRunSheet.objects.select_related("stock__material").get(pk=sheet.pk)
    if current.is_checked:
        return current
    if not run.is_open:
        raise ValidationError(f"Run {run.pk} is {run.get_status_display().lower()}.")
    _check_sheet(current, given, photo)
    picture = sheet_photo(photo) if photo is not None else None
    current.notes = given.notes.strip()
    current.parts_cut, current.scrap_parts = given.parts_cut, given.scrap_parts
    for name, _, _ in FIVE_H:
        setattr(current, name, True)
    current.checked_at = timezone.now()
    if given.offcut_width_mm or given.offcut_length_mm:
        current.offcut = _keep_offcut(current, given, by=by)
    if picture is not None:
        current.photo.save(picture.name or "photo.jpg", picture, save=False)
    try:
        current.full_clean()
        current.save()
        record(
            action=ActivityLog.Action.UPDATE,
            obj=run,
            changes={f"sheet {current.number}": [None, _sheet_summary(current)]},
            message=f"sheet {current.number} checked (5H)",
            user=by,
        )
    except Exception:
        if picture is not None:
            current.photo.delete(save=False)  # the row is rolled back; its file must not stay
        raise
    return current


def _check_sheet(sheet: FloorRunSheet, given: SheetRecord, photo: File | None) -> None:
    """Every problem with a sheet's record at once, by field."""
    errors: dict[str, list[str]] = {}
    missing = [label for name, label, _ in FIVE_H if name not in given.checks]
    if missing:
        errors["checks"] = [
            "The 5H check is not complete: tick " + ", ".join(missing) + " before the sheet counts."
        ]
    if photo is None and not sheet.photo:
        errors["photo"] = ["Take a photo of the cut sheet."]
    for name in ("parts_cut", "scrap_parts"):
        value = getattr(given, name)
        if not isinstance(value, int) or not 0 <= value <= MAX_PARTS:
            errors[name] = [f"A whole number from 0 to {MAX_PARTS:,}."]
    sides = (given.offcut_width_mm, given.offcut_length_mm)
    if any(sides) and not all(sides):
        errors["offcut"] = ["Give the remnant's two sides in mm, or neither."]
    if errors:
        raise ValidationError(errors)


def _keep_offcut(sheet: FloorRunSheet, given: SheetRecord, *, by: Actor):
    """The remnant, through inventory's offcut service (it refuses one under the minimum size)."""
    try:
        return inventory_services.offcut_create(
            material=sheet.stock.material,
            thickness_mm=sheet.stock.thickness_mm,
            width_mm=int(given.offcut_width_mm or 0),
            length_mm=int(given.offcut_length_mm or 0),
            source_stock=sheet.stock,
            source_reference=f"Floor run {sheet.run_id}, sheet {sheet.number}",
            by=by,
        )
    except ValidationError as exc:
        raise ValidationError(
            {"offcut": [*exc.messages, "Leave the size empty to scrap it."]}
        ) from exc


def _sheet_summary(sheet: FloorRunSheet) -> dict[str, Any]:
    return {
        "5H": "all five",
        "parts_cut": sheet.parts_cut,
        "scrap_parts": sheet.scrap_parts,
        "photo": sheet.photo.name or "",
        "offcut": sheet.offcut.tag if sheet.offcut else "",
        "notes": sheet.notes,
    }


def sheet_photo(upload: File) -> ContentFile:
    """The photo as it is kept: turned upright by its EXIF orientation, at most
    PHOTO_MAX_SIDE_PX on its longer side, as JPEG. A file that is not a picture is refused."""
    name = getattr(upload, "name", "") or "photo"
    try:
        check_upload_size(name, upload.size)
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from exc
    out = io.BytesIO()
    _upright_and_smaller(upload, name).save(out, "JPEG", quality=85, optimize=True)
    stem = "".join(c for c in name.rsplit(".", 1)[0] if c.isalnum() or c in "-_")[:40] or "photo"
    return ContentFile(out.getvalue(), name=f"{stem}.jpg")


def _upright_and_smaller(upload: File, name: str) -> Image.Image:
    """The decoded picture, upright and within PHOTO_MAX_SIDE_PX; a broken file, a bomb or
    another kind of file is a ValidationError on the photo."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    refused = ValidationError(
        {"photo": f"'{name}' is not a photo this page can read (JPEG, PNG or WebP): take it again."}
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(upload)
            if opened.format not in PHOTO_FORMATS:
                raise refused
            width, height = opened.size
            if width * height > int(settings.INGEST_MAX_IMAGE_PIXELS):
                raise ValidationError({"photo": f"'{name}' has too many pixels to open safely."})
            opened.draft("RGB", (PHOTO_MAX_SIDE_PX, PHOTO_MAX_SIDE_PX))  # JPEG: decode smaller
            opened.load()
            picture: Image.Image = opened
            # damaged EXIF (SyntaxError, ValueError, struct.error...): kept as it was taken
            with contextlib.suppress(Exception):
                picture = ImageOps.exif_transpose(picture) or picture
            picture = picture.convert("RGB")
            picture.thumbnail((PHOTO_MAX_SIDE_PX, PHOTO_MAX_SIDE_PX))
            return picture
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
    ) as exc:
        raise refused from exc
