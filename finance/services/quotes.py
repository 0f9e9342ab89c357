"""Writes on quotes: a new quote and its number, its lines (a product, a measured drawing, free
text), its totals, and the next revision of a sent quote.

Every write is one transaction with its audit entries: a refused line or quote leaves nothing
behind, not even a number (the year's sequence moves in the same transaction, so the numbers
have no gaps). A sent quote is never edited: `quote_revise` makes the next revision, a draft.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from ingest.models import FileStatus
from ingest.selectors import file_metadata, project_files
from inventory.models import Material
from laseros.actors import Actor, acting_user
from laseros.audit import record, record_created
from laseros.models import ActivityLog
from laseros.sequences import next_number
from projects.services import project_update

from ..models import (
    MAX_MONEY,
    MAX_QUOTE_QUANTITY,
    ZERO,
    Quote,
    QuoteLine,
    QuoteLineKind,
    QuoteStatus,
)
from ..pricing import PartPricing, PricingError, price_part, vat_on
from ..pricing.inputs import Snapshot
from ..selectors import (
    PricingSetup,
    current_rates,
    find_delivery,
    geometry_from_metadata,
    pricing_setup,
    vat_rate_on,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
PRICED_KINDS = ("dxf", "lightburn")


def quote_sequence_key(year: int) -> str:
    return f"finance.quote.{year}"


def quote_number(year: int, number: int) -> str:
    return f"QT-{year}-{number:04d}"


def refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def pricing_refusal(exc: PricingError, *, prefix: str = "") -> ValidationError:
    """A PricingError as the ValidationError a form or the API shows on its field."""
    return refuse(exc.field, f"{prefix}{exc}")


# --- the quote ------------------------------------------------------------------------------------


@transaction.atomic
def quote_create(
    *,
    project: Any,
    by: Actor,
    delivery: str = "",
    notes: str = "",
    today: dt.date | None = None,
) -> Quote:
    """A draft quote for a job and its client, numbered QT-YYYY-#### (the year of `today`).
    The minimum per order and the VAT rate are kept as they are today."""
    if project is None or not getattr(project, "client_id", None):
        raise refuse("client", "A quote needs a client: make it for a job, whose client it is for.")
    job_material_from_drawings(project=project, by=by)
    try:
        option = find_delivery(delivery)
    except PricingError as exc:
        raise pricing_refusal(exc) from None
    quote = Quote(
        project=project,
        client_id=project.client_id,
        delivery_name=option.name if option else "",
        delivery_price=option.price if option else ZERO,
        minimum_per_order=current_rates().minimum_per_order,
        vat_rate=vat_rate_on(today or timezone.localdate()),
        notes=notes,
        created_by=acting_user(by),
    )
    refresh_totals(quote, lines=[])
    quote.full_clean(exclude=["number"])
    year = (today or timezone.localdate()).year
    quote.number = quote_number(year, next_number(quote_sequence_key(year)))
    quote.save()
    record_created(quote, by=by, message=f"quote {quote.label} for {project.code}")
    return quote


def job_material_from_drawings(*, project: Any, by: Actor) -> None:
    """A job with no material or thickness takes them from its read drawings (the latest version
    of each part) when those agree on one; what a person chose on the job is never replaced, and
    drawings that disagree leave it empty for a person to choose (the Quoting gate asks)."""
    if project.material_id and project.thickness_mm:
        return
    codes: set[str] = set()
    thicknesses: set[Decimal] = set()
    parts: set[str] = set()
    for file in project_files(project).filter(status=FileStatus.PROCESSED):
        metadata = file_metadata(file)
        part = file.part or file.original_name
        if metadata is None or part in parts:
            continue  # the files come latest version first: an older version is not read
        parts.add(part)
        if metadata.material_code:
            codes.add(metadata.material_code)
        if metadata.thickness_mm:
            thicknesses.add(Decimal(metadata.thickness_mm).quantize(CENT, rounding=ROUND_HALF_UP))
    changes: dict[str, Any] = {}
    if not project.material_id and len(codes) == 1:
        found = Material.objects.filter(code=codes.pop(), is_active=True).first()
        if found is not None:
            changes["material"] = found
    if not project.thickness_mm and len(thicknesses) == 1:
        changes["thickness_mm"] = thicknesses.pop()
    if changes:
        project_update(project=project, by=by, **changes)


def refresh_totals(quote: Quote, *, lines: list[QuoteLine] | None = None) -> None:
    """The quote's totals from its lines (not saved): parts, the minimum-order top-up, delivery,
    VAT on the total excluding VAT (half-up to the cent)."""
    if lines is None:  # the database adds them up (SQLite in floating point: to the cent after)
        found = quote.lines.aggregate(total=Sum("line_total"), count=Count("id"))
        subtotal, any_lines = Decimal(found["total"] or ZERO), bool(found["count"])
    else:
        subtotal, any_lines = sum((line.line_total for line in lines), ZERO), bool(lines)
    subtotal = subtotal.quantize(CENT)
    quote.subtotal = subtotal
    quote.minimum_top_up = max(ZERO, quote.minimum_per_order - subtotal) if any_lines else ZERO
    quote.total_excl_vat = subtotal + quote.minimum_top_up + (quote.delivery_price or ZERO)
    quote.vat = vat_on(quote.total_excl_vat, quote.vat_rate)
    quote.total_incl_vat = quote.total_excl_vat + quote.vat
    if quote.total_incl_vat > MAX_MONEY:
        raise refuse("quantity", f"The quote's total would be more than R {MAX_MONEY:,}.")


def _locked_draft(quote: Quote) -> Quote:
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    if current.status != QuoteStatus.DRAFT:
        raise ValidationError(
            f"{current.label} is {current.get_status_display().lower()}: only a draft's lines "
            "change. Revise it to make the next revision."
        )
    return current


TOTAL_FIELDS = ("subtotal", "minimum_top_up", "total_excl_vat", "vat", "total_incl_vat")


def save_totals(quote: Quote, *, by: Actor) -> None:
    """The quote's totals worked out again, saved and audited when they changed. Only the totals
    are written (the database's check constraints hold them): a whole full_clean() here, once a
    line, was half the time of adding one."""
    before = {name: getattr(quote, name) for name in TOTAL_FIELDS}
    refresh_totals(quote)
    changes = {
        name: [str(before[name]), str(getattr(quote, name))]
        for name in TOTAL_FIELDS
        if before[name] != getattr(quote, name)
    }
    if changes:
        quote.save(update_fields=list(TOTAL_FIELDS))
        record(
            action=ActivityLog.Action.UPDATE,
            obj=quote,
            changes=changes,
            message=f"totals of {quote.label}",
            user=by,
        )


# --- lines ----------------------------------------------------------------------------------------


def line_total(unit_price: Decimal, quantity: int, discount_pct: Decimal) -> Decimal:
    """unit price × quantity less the discount, half-up to the cent."""
    gross = Decimal(unit_price) * quantity
    return (gross * (HUNDRED - Decimal(discount_pct)) / HUNDRED).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _clean_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int | str | Decimal):
        raise refuse("quantity", "The quantity is a whole number of parts, at least 1.")
    try:
        value = Decimal(str(quantity).strip())
    except ArithmeticError:
        raise refuse("quantity", f"{quantity!r} is not a number of parts.") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise refuse("quantity", f"{quantity} is not a whole number of parts.")
    if value < 1:
        raise refuse("quantity", f"The quantity is at least 1 part; {quantity} is refused.")
    if value > MAX_QUOTE_QUANTITY:
        raise refuse("quantity", f"At most {MAX_QUOTE_QUANTITY:,} parts on one line.")
    return int(value)


def _clean_money(value: Any, field: str, *, what: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise refuse(field, f"{what} is needed: a quote line has a price.")
    try:
        found = Decimal(str(value).strip())
    except ArithmeticError:
        raise refuse(field, f"{value!r} is not an amount.") from None
    if not found.is_finite() or found < 0:
        raise refuse(field, f"{what} cannot be negative or {value!r}.")
    return found


def _clean_discount(value: Any) -> Decimal:
    found = _clean_money(value if value not in (None, "") else 0, "discount_pct", what="Discount")
    if found > HUNDRED:
        raise refuse("discount_pct", f"A discount is 0 to 100 %; {value} % is refused.")
    return found


@dataclasses.dataclass(frozen=True)
class NewLine:
    """One line for `quote_lines_add`, with quote_line_add's arguments."""

    quantity: Any
    product: Any = None
    file: Any = None
    description: str = ""
    unit_price: Any = None
    discount_pct: Any = 0
    gas: str = ""
    rush: bool = False
    distinct_parts: int = 1
    quantity_note: str = ""
    flags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class SetupRead:
    """A pricing setup read once for many lines, with the parts of the engine's input that every
    line priced from it shares, written out once (they are most of a line's pricing_input)."""

    setup: PricingSetup
    shared: dict[str, Any]


# The pricing setups of a call, by (material, thickness, gas): read once for all its lines.
Setups = dict[tuple[str, Decimal, str], SetupRead]


def _setup_read(material: str, thickness: Decimal, gas: str, setups: Setups) -> SetupRead:
    key = (material, thickness, gas)
    if key not in setups:
        setup = pricing_setup(material=material, thickness_mm=thickness, gas=gas)
        shared = {
            "material": setup.material_price.to_dict(),
            "preset": setup.preset.to_dict(),
            "rates": setup.rates.to_dict(),
        }
        setups[key] = SetupRead(setup=setup, shared=shared)
    return setups[key]


def pricing_input(pricing: PartPricing, shared: dict[str, Any]) -> dict[str, Any]:
    """pricing.to_dict(), taking the parts shared by the setup's lines as they were written
    once (the same values: PartPricing.from_dict reads it back)."""
    out: dict[str, Any] = {}
    for item in dataclasses.fields(pricing):
        value = getattr(pricing, item.name)
        if item.name in shared:
            out[item.name] = shared[item.name]
        elif isinstance(value, Snapshot):
            out[item.name] = value.to_dict()
        elif isinstance(value, Decimal):
            out[item.name] = str(value)
        else:
            out[item.name] = value
    return out


@transaction.atomic
def quote_line_add(
    *,
    quote: Quote,
    by: Actor,
    quantity: Any,
    product: Any = None,
    file: Any = None,
    description: str = "",
    unit_price: Any = None,
    discount_pct: Any = 0,
    gas: str = "",
    rush: bool = False,
    distinct_parts: int = 1,
    quantity_note: str = "",
    flags: list[str] | None = None,
) -> QuoteLine:
    """Add a line to a draft: a catalogue product (its unit price unless one is given), a
    measured drawing (priced by the engine, which keeps its inputs and breakdown; `quantity_note`
    ends its description and `flags` join its own, saying where its quantity came from) or free
    text (its description and unit price given). Refused with nothing written when a value is
    bad."""
    current = _locked_draft(quote)
    new = NewLine(
        quantity=quantity,
        product=product,
        file=file,
        description=description,
        unit_price=unit_price,
        discount_pct=discount_pct,
        gas=gas,
        rush=rush,
        distinct_parts=distinct_parts,
        quantity_note=quantity_note,
        flags=tuple(flags or ()),
    )
    line = _build_line(current, new, {})
    line.position = current.lines.count() + 1
    # the fields' own checks; the constraints (quantity >= 1, price >= 0, discount 0-100) are
    # the checks above and the database's (a query each in full_clean)
    line.full_clean(validate_constraints=False)
    line.save()
    record_created(line, by=by, message=f"line {line.position} of {current.label}")
    save_totals(current, by=by)
    return line


# The foreign keys are the rows just read and the JSON is the engine's own (encoding it twice, to
# check and to write, was a fifth of the time of a line).
LINE_FIELDS_NOT_CHECKED = (
    "quote",
    "file",
    "product",
    "pricing_input",
    "breakdown",
    "flags",
    "checks",
)


@transaction.atomic
def quote_lines_add(*, quote: Quote, by: Actor, lines: Sequence[NewLine]) -> list[QuoteLine]:
    """Add many lines to a draft at once (auto-quote's drawings): each priced and kept as
    quote_line_add would, after the lines already there; the pricing setup read once for each
    material, thickness and gas, the lines written together, the totals worked out once and one
    audit entry saying what was added. One bad line refuses them all, naming it ("Line 4: ...")."""
    if not lines:
        raise ValidationError("There are no lines to add.")
    current = _locked_draft(quote)
    setups: Setups = {}
    before = current.lines.count()
    made = []
    for n, new in enumerate(lines, start=1):
        try:
            line = _build_line(current, new, setups)
            line.position = before + n
            # the position is ours under the lock: the fields' own checks only (the unique and
            # foreign-key checks are a query a line each)
            line.full_clean(
                exclude=[*LINE_FIELDS_NOT_CHECKED],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            raise on_line(exc, n) from None
        made.append(line)
    QuoteLine.objects.bulk_create(made)
    totals = {name: str(getattr(current, name)) for name in TOTAL_FIELDS}
    refresh_totals(current)
    current.save(update_fields=list(TOTAL_FIELDS))
    changes: dict[str, list[Any]] = {"lines": [before, before + len(made)]}
    for name in TOTAL_FIELDS:
        if totals[name] != str(getattr(current, name)):
            changes[name] = [totals[name], str(getattr(current, name))]
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        changes=changes,
        message=f"{len(made)} lines added to {current.label} (lines {before + 1}-{before + len(made)})",
        user=by,
    )
    for name in TOTAL_FIELDS:
        setattr(quote, name, getattr(current, name))
    return made


def on_line(exc: ValidationError, n: int) -> ValidationError:
    """A refusal of one of many lines, saying which ("Line 4: ...") on the same field."""
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {
                field: [f"Line {n}: {m}" for m in messages]
                for field, messages in exc.message_dict.items()
            }
        )
    return ValidationError([f"Line {n}: {m}" for m in exc.messages])


def _build_line(quote: Quote, new: NewLine, setups: Setups) -> QuoteLine:
    """The line, checked and priced, not saved (its position is the caller's)."""
    count = _clean_quantity(new.quantity)
    discount = _clean_discount(new.discount_pct)
    if new.file is not None:
        line = _drawing_line(
            quote,
            new.file,
            count,
            gas=new.gas,
            rush=new.rush,
            parts=new.distinct_parts,
            setups=setups,
        )
        line.description = with_note(line.description, new.quantity_note)
        line.flags = [*line.flags, *new.flags]
    elif new.product is not None:
        product = new.product
        price = product.unit_price if new.unit_price in (None, "") else new.unit_price
        line = QuoteLine(
            kind=QuoteLineKind.PRODUCT,
            product=product,
            description=(new.description or f"{product.sku} {product.name}")[:255],
            material_code=product.material.code,
            thickness_mm=product.thickness_mm,
            unit_price=_clean_money(price, "unit_price", what="The unit price"),
        )
    else:
        if not (new.description or "").strip():
            raise refuse("description", "Say what the line is for: a free-text line needs words.")
        line = QuoteLine(
            kind=QuoteLineKind.TEXT,
            description=new.description.strip()[:255],
            unit_price=_clean_money(new.unit_price, "unit_price", what="The unit price"),
        )
    line.quote = quote
    line.quantity = count
    line.discount_pct = discount
    line.unit_price = Decimal(line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    line.line_total = line_total(line.unit_price, count, discount)
    return line


def _measured(file: Any) -> Any:
    metadata = getattr(file, "metadata", None) if file.pk else None
    if file.status != "processed" or file.kind not in PRICED_KINDS or metadata is None:
        raise refuse(
            "file",
            f"{file.original_name} is not a measured drawing yet (only a processed DXF or "
            "LightBurn file can be priced).",
        )
    return metadata


def _drawing_line(
    quote: Quote, file: Any, quantity: int, *, gas: str, rush: bool, parts: int, setups: Setups
) -> QuoteLine:
    """A line priced from the drawing's measurements, the job's (or the file's) material and
    thickness, the preset and today's rates; all of them kept on the line."""
    metadata = _measured(file)
    project = quote.project
    material = metadata.material_code or (project.material.code if project.material else "")
    thickness = metadata.thickness_mm or project.thickness_mm
    if not material or not thickness:
        raise refuse("file", f"{file.original_name}: say the material and thickness on the job.")
    thickness = Decimal(thickness).quantize(CENT)
    try:
        read = _setup_read(material, thickness, gas, setups)
        setup = read.setup
        geometry = geometry_from_metadata(
            {
                "cut_length_mm": metadata.cut_length_mm,
                "pierce_count": metadata.pierce_count,
                "area_mm2": metadata.area_mm2,
                "bbox_mm": metadata.bbox_mm,
            }
        )
        pricing = setup.for_part(geometry, quantity=quantity, rush=rush, distinct_parts=parts)
        price = price_part(pricing)
    except PricingError as exc:
        raise pricing_refusal(exc, prefix=f"{file.original_name}: ") from None
    return QuoteLine(
        kind=QuoteLineKind.DRAWING,
        file=file,
        description=drawing_description(file, setup.material.code, thickness, geometry),
        material_code=setup.material.code,
        thickness_mm=thickness,
        cut_length_mm=geometry.cut_length_mm.quantize(Decimal("0.1")),
        pierce_count=geometry.pierce_count,
        area_mm2=geometry.area_mm2.quantize(Decimal("0.1")),
        width_mm=geometry.width_mm.quantize(Decimal("0.1")),
        height_mm=geometry.height_mm.quantize(Decimal("0.1")),
        unit_price=price.unit_price,
        pricing_input=pricing_input(pricing, read.shared),
        breakdown=[item.as_json() for item in price.breakdown],
        flags=list(price.flags),
        checks=list(metadata.warnings or []),
    )


def with_note(description: str, note: str) -> str:
    """'Bracket: MS 3 mm, 120 × 80 mm — 10 sets × 4 a set' (the note kept whole when cut)."""
    if not note:
        return description
    note = f" — {note}"[:255]
    return description[: 255 - len(note)] + note


def drawing_description(file: Any, material: str, thickness: Decimal, geometry: Any) -> str:
    """'Bracket: MS 3 mm, 120 × 80 mm' — the part, its material and its size."""
    part = file.part or file.original_name
    return (
        f"{part}: {material} {thickness.normalize():f} mm, "
        f"{geometry.width_mm:.0f} × {geometry.height_mm:.0f} mm"
    )[:255]
