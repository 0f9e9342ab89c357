"""The instant quote: a drawing in, its price out, nothing stored.

The drawing is read exactly as the worker reads a stored file (ingest.content.pipeline.analyse,
with the settings' context, under the same memory ceiling), from a private temporary folder that
is removed afterwards; no ingest File is made. The material, thickness, preset and rates are
checked before the drawing is read, so a wrong field costs no parsing.
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from ingest.content.context import build_parse_context
from ingest.content.detect import detect_type
from ingest.content.pipeline import analyse, load_libraries
from ingest.memory import memory_ceiling, out_of_memory_reason, ran_out_of_memory
from ingest.parsers.base import ParseError
from ingest.services import clean_original_name
from laseros.uploads import check_upload_size

from .pricing import OrderPrice, PartPrice, PricingError, price_order, price_part
from .selectors import (
    PricingSetup,
    current_rates,
    find_delivery,
    find_material,
    geometry_from_metadata,
    material_price,
    preset_values,
    pricing_setup,
    rates_snapshot,
)

logger = logging.getLogger(__name__)

PRICED_KINDS = ("dxf", "lightburn")
COPY_CHUNK = 1024 * 1024


class InstantQuoteRefused(PricingError):
    """Every field at fault at once: `errors` is {field: [message, ...]}, a 400's body or a
    form's errors ("rates" and "non_field_errors" are no field of the form)."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors), "non_field_errors")
        super().__init__(" ".join(m for found in errors.values() for m in found), field=first)
        self.errors = errors


def _add(errors: dict[str, list[str]], exc: PricingError) -> None:
    errors.setdefault(exc.field, []).append(str(exc))


def setup_problems(
    *, material: str | None, thickness_mm: Decimal | None, gas: str, delivery: str
) -> dict[str, list[str]]:
    """What is wrong with the fields a price needs besides the drawing, each field checked
    whatever the others are (`pricing_setup` stops at the first): the material, its sheet price
    and preset at that thickness, the machine's rate, the delivery. None: a field the caller
    already found wrong (not checked again)."""
    errors: dict[str, list[str]] = {}
    found = None
    if material is not None:
        try:
            found = find_material(material)
        except PricingError as exc:
            _add(errors, exc)
    rates_row = current_rates()
    for check in (
        lambda: rates_snapshot(rates_row),
        lambda: find_delivery(delivery),
        *(
            (
                lambda: material_price(found, thickness_mm),
                lambda: preset_values(found, thickness_mm, gas, rates_row),
            )
            if found is not None and thickness_mm is not None
            else ()
        ),
    ):
        try:
            check()
        except PricingError as exc:
            _add(errors, exc)
    return errors


@dataclass(frozen=True)
class InstantQuote:
    """A priced drawing: the order (one line), the reading's figures and its checks."""

    setup: PricingSetup
    part: PartPrice
    order: OrderPrice
    cut_length_mm: Decimal
    pierce_count: int
    checks: list[dict[str, str]] = field(default_factory=list)
    preview_png: bytes | None = None

    def as_json(self) -> dict[str, Any]:
        """The API's answer: money as strings, ZAR, the breakdown adding up to the total."""
        order, part = self.order, self.part
        breakdown = [item.as_json() for item in (*part.breakdown, *order.extras)]
        sheets = None
        if part.sheets is not None:
            sheets = {
                "count": part.sheets.sheets,
                "sheet_mm": [
                    float(part.sheets.sheet_width_mm),
                    float(part.sheets.sheet_length_mm),
                ],
                "utilisation": f"{part.sheets.utilisation:.4f}",
                "units_per_sheet": part.sheets.units_per_sheet,
            }
        preset = self.setup.preset
        return {
            "unit_price": f"{part.unit_price:.2f}",
            "quantity": part.quantity,
            "total_excl_vat": f"{order.total_excl_vat:.2f}",
            "vat_rate": f"{order.vat_rate}",
            "vat": f"{order.vat:.2f}",
            "total_incl_vat": f"{order.total_incl_vat:.2f}",
            "currency": settings.SHOP_CURRENCY,
            "machine_minutes": f"{part.machine_minutes:.2f}",
            "cut_length_mm": f"{self.cut_length_mm:.1f}",
            "pierce_count": self.pierce_count,
            "material_kg": f"{part.material_kg:.3f}",
            "sheets": sheets,
            "breakdown": breakdown,
            "checks": self.checks,
            "flags": list(part.flags),
            "preset": {
                "id": preset.preset_id,
                "label": preset.label,
                "gas": preset.gas,
                "cut_speed_mm_min": f"{preset.cut_speed_mm_min}",
                "pierce_time_s": f"{preset.pierce_time_s}",
                "is_fallback": preset.is_fallback,
            },
        }

    @property
    def preview_data_uri(self) -> str:
        if not self.preview_png:
            return ""
        return "data:image/png;base64," + base64.b64encode(self.preview_png).decode()


def _extension(name: str) -> str:
    ext = Path(name).suffix.lower().lstrip(".")
    return ext if re.fullmatch(r"[a-z0-9]{1,10}", ext) else "bin"


def receive_drawing(upload: Any, *, name: str, folder: Path) -> Path:
    """The upload copied into `folder` and checked to be a drawing (its size and its content);
    PricingError (field "file") when it is not one."""
    try:
        check_upload_size(name, int(upload.size))
    except ValidationError as exc:
        raise PricingError(" ".join(exc.messages), field="file", code="size") from None
    path = folder / f"drawing.{_extension(name)}"
    with path.open("wb") as handle:
        for chunk in upload.chunks(COPY_CHUNK):
            handle.write(chunk)
    detected = detect_type(path, name)
    if detected.kind not in PRICED_KINDS:
        what = detected.kind if detected.kind != "unknown" else "not a drawing"
        raise PricingError(
            f"Only DXF and LightBurn drawings can be priced; this file is {what}.",
            field="file",
            code="not_a_drawing",
        )
    return path


def read_drawing(path: Path, *, name: str, material: str, thickness_mm: Decimal, preview: bool):
    """The drawing's reading (ingest's ParseResult), as the worker reads it; PricingError
    (field "file") when it cannot be read."""
    context = build_parse_context(
        original_name=name, material=material, thickness_mm=thickness_mm, make_preview=preview
    )
    limit_mb = int(settings.INGEST_MEMORY_LIMIT_MB)
    load_libraries(path, context)
    try:
        with memory_ceiling(limit_mb):
            return analyse(path, context)
    except Exception as exc:
        if ran_out_of_memory(exc):
            raise PricingError(
                f"The drawing {out_of_memory_reason(limit_mb)}.", field="file"
            ) from None
        if isinstance(exc, ParseError):
            raise PricingError(f"The drawing cannot be read: {exc}", field="file") from None
        # as the worker says it: a reason, and the traceback in the log
        logger.exception("the instant quote could not read %s", name)
        raise PricingError(
            f"The drawing could not be read ({type(exc).__name__}); the error has been logged.",
            field="file",
        ) from None


def instant_quote(
    *,
    upload: Any,
    material: str | None,
    thickness_mm: Decimal | None,
    quantity: int | None,
    gas: str = "",
    rush: bool = False,
    delivery: str = "",
    bends: int = 0,
    preview: bool = False,
    refused: dict[str, list[str]] | None = None,
) -> InstantQuote:
    """Price one drawing without storing anything. InstantQuoteRefused (a PricingError) names
    every field at fault at once: `refused`, what the caller's own checks (a serializer, a form)
    found, whose fields are None here, and the shop's checks of the others. The drawing is read
    only when every other field is right, so a wrong field costs no parsing."""
    errors = {key: list(messages) for key, messages in (refused or {}).items()}
    for key, messages in setup_problems(
        material=material, thickness_mm=thickness_mm, gas=gas, delivery=delivery
    ).items():
        errors.setdefault(key, []).extend(messages)
    name = clean_original_name(getattr(upload, "name", "")) or "drawing"
    folder = Path(tempfile.mkdtemp(prefix="instant-quote-"))
    try:
        path = None
        if upload is not None and "file" not in errors:
            try:
                path = receive_drawing(upload, name=name, folder=folder)
            except PricingError as exc:
                _add(errors, exc)
        if errors or path is None or material is None or thickness_mm is None or not quantity:
            raise InstantQuoteRefused(errors or {"file": ["Send the drawing to price."]})
        setup = pricing_setup(
            material=material, thickness_mm=thickness_mm, gas=gas, delivery=delivery
        )
        result = read_drawing(
            path,
            name=name,
            material=setup.material.code,
            thickness_mm=thickness_mm,
            preview=preview,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    geometry = geometry_from_metadata(result.metadata, bends=bends)
    part = price_part(setup.for_part(geometry, quantity=quantity, rush=rush))
    order = price_order([part], rates=setup.rates, delivery=setup.delivery, vat_rate=setup.vat_rate)
    return InstantQuote(
        setup=setup,
        part=part,
        order=order,
        cut_length_mm=geometry.cut_length_mm,
        pierce_count=geometry.pierce_count,
        checks=[w.as_dict() for w in result.warnings],
        preview_png=result.preview_png,
    )
