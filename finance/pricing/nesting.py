"""Whole-sheets estimate: how many sheets a job takes, by packing the parts' bounding boxes
(turned 0° or 90°) onto the chosen sheet with the part gap and the edge margin, at most
`max_units_per_nest` units of one part on a sheet (DOMAIN.md, "Nesting rules").

An estimate for the price, not the nest the operator cuts: real nesting fits shapes into each
other's holes and corners, so it needs at most the sheets counted here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from .inputs import PricingError, Snapshot

SCALE = 10  # rectangles are packed in whole tenths of a millimetre (rounded up)
MAX_SHEETS = 100_000  # beyond this the estimate is refused: no shop quotes that as one job


@dataclasses.dataclass(frozen=True)
class NestPart:
    """One part to nest: its bounding box, net area and how many."""

    key: str
    width_mm: Decimal
    height_mm: Decimal
    area_mm2: Decimal
    quantity: int


@dataclasses.dataclass(frozen=True)
class SheetEstimate(Snapshot):
    """The sheets counted, their size, and how much of them the parts' net area covers."""

    sheets: int
    sheet_width_mm: Decimal
    sheet_length_mm: Decimal
    utilisation: Decimal  # net part area ÷ the sheets' area, 0..1, 4 places
    units_per_sheet: int  # of the first part, on a full sheet (for the label)


def _tenths(value: Decimal) -> int:
    return int((Decimal(value) * SCALE).to_integral_value(rounding=ROUND_CEILING))


def _usable(sheet_w: Decimal, sheet_l: Decimal, gap: Decimal, edge: Decimal) -> tuple[int, int]:
    # Each box is packed with one gap added to its sides; the bin gets one gap back, so n boxes
    # in a row take n×w + (n−1)×gap, within the sheet less its edge margin on both sides.
    return _tenths(sheet_w - 2 * edge + gap), _tenths(sheet_l - 2 * edge + gap)


def _fits(box: tuple[int, int], usable: tuple[int, int]) -> bool:
    w, h = box
    uw, ul = usable
    return (w <= uw and h <= ul) or (h <= uw and w <= ul)


def _pack_one_sheet(
    counts: tuple[int, ...], boxes: Sequence[tuple[int, int]], usable: tuple[int, int]
) -> tuple[int, ...]:
    """How many of each part one sheet takes when offered `counts` of them (deterministic)."""
    from rectpack import newPacker

    packer = newPacker(rotation=True)
    packer.add_bin(*usable)
    for index, (count, (w, h)) in enumerate(zip(counts, boxes, strict=True)):
        for unit in range(count):
            packer.add_rect(w, h, rid=(index, unit))
    packer.pack()
    placed = [0] * len(counts)
    for _bin, _x, _y, _w, _h, rid in packer.rect_list():
        placed[rid[0]] += 1
    return tuple(placed)


def estimate_sheets(
    parts: Sequence[NestPart],
    *,
    sheet_width_mm: Decimal,
    sheet_length_mm: Decimal,
    part_gap_mm: Decimal,
    edge_margin_mm: Decimal,
    max_units_per_nest: int,
) -> SheetEstimate:
    """Sheets needed for `parts` (one material and thickness): sheet after sheet, each offered
    up to `max_units_per_nest` of every part still to place. PricingError when a part fits no
    sheet either way round."""
    if not parts:
        raise PricingError("Nothing to nest.", field="quantity")
    if max_units_per_nest < 1:
        raise PricingError("At most 0 units per nest leaves nothing to cut.", field="rates")
    usable = _usable(sheet_width_mm, sheet_length_mm, part_gap_mm, edge_margin_mm)
    if min(usable) <= 0:
        raise PricingError("The sheet is smaller than its edge margins.", field="sheet")
    boxes = _boxes(parts, usable, part_gap_mm, sheet_width_mm, sheet_length_mm, edge_margin_mm)
    sheets, first_per_sheet = _count_sheets(parts, boxes, usable, max_units_per_nest)
    sheet_area = Decimal(sheet_width_mm) * Decimal(sheet_length_mm) * sheets
    net = sum((p.area_mm2 * p.quantity for p in parts), Decimal(0))
    utilisation = (net / sheet_area).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return SheetEstimate(
        sheets=sheets,
        sheet_width_mm=Decimal(sheet_width_mm),
        sheet_length_mm=Decimal(sheet_length_mm),
        utilisation=utilisation,
        units_per_sheet=first_per_sheet,
    )


def _boxes(
    parts: Sequence[NestPart],
    usable: tuple[int, int],
    gap: Decimal,
    sheet_width_mm: Decimal,
    sheet_length_mm: Decimal,
    edge_margin_mm: Decimal,
) -> list[tuple[int, int]]:
    """Each part's box with its gap, in tenths of a mm; PricingError for one that fits no way."""
    boxes = []
    for part in parts:
        box = (_tenths(part.width_mm + gap), _tenths(part.height_mm + gap))
        if min(box) <= 0 or not _fits(box, usable):
            raise PricingError(
                f"A part of {part.width_mm:f} × {part.height_mm:f} mm does not fit a "
                f"{sheet_width_mm:f} × {sheet_length_mm:f} mm sheet within its "
                f"{edge_margin_mm:f} mm edge margin.",
                field="file",
                code="too_large_for_sheet",
            )
        boxes.append(box)
    return boxes


def _count_sheets(
    parts: Sequence[NestPart],
    boxes: Sequence[tuple[int, int]],
    usable: tuple[int, int],
    max_units_per_nest: int,
) -> tuple[int, int]:
    """(sheets, units of the first part on the first sheet): sheet after sheet, each offered up
    to `max_units_per_nest` of every part still to place."""
    remaining = [part.quantity for part in parts]
    packed_by_offer: dict[tuple[int, ...], tuple[int, ...]] = {}
    sheets, first_per_sheet = 0, 0
    while any(remaining):
        offer = tuple(min(max_units_per_nest, left) for left in remaining)
        if offer not in packed_by_offer:
            packed_by_offer[offer] = _pack_one_sheet(offer, boxes, usable)
        placed = packed_by_offer[offer]
        if not any(placed):  # cannot happen for parts that fit; never loop for ever
            raise PricingError("The parts could not be placed on the sheet.", field="file")
        # The same offer packs the same way: take as many identical sheets at once as keep it.
        repeats = max(
            1,
            min(
                (left - max_units_per_nest) // n + 1 if left >= max_units_per_nest else 1
                for left, n in zip(remaining, placed, strict=True)
                if n
            ),
        )
        if sheets == 0:
            first_per_sheet = placed[0]
        remaining = [max(0, left - n * repeats) for left, n in zip(remaining, placed, strict=True)]
        sheets += repeats
        if sheets > MAX_SHEETS:
            raise PricingError(
                f"The job takes more than {MAX_SHEETS:,} sheets; quote it in parts.",
                field="quantity",
            )
    return sheets, first_per_sheet
