"""What the engine prices from: plain frozen values, serialisable, so a quote line can keep the
rates and the preset it was priced with (`PartPricing.to_dict()` / `PartPricing.from_dict()`)."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_type_hints

T = TypeVar("T")


class PricingError(ValueError):
    """A price cannot be given: `field` names the input at fault (for a 400 or a form),
    `str(exc)` is one sentence for the shop."""

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str = "invalid"):
        super().__init__(message)
        self.field = field
        self.code = code


class Snapshot:
    """to_dict() / from_dict() for the frozen dataclasses below: Decimals as strings, nested
    values as dicts, tuples as lists; from_dict() reads what to_dict() wrote and nothing else."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        return _load(cls, data)


def _dump(value: Any) -> Any:
    if isinstance(value, Snapshot):
        return value.to_dict()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    return value


@functools.cache
def _type_hints(kind: type) -> dict[str, Any]:
    # get_type_hints evaluates every annotation on each call: a PartPricing read took 2.3 ms
    # with it, 0.4 ms with the hints kept per class (the classes are frozen, so they never change)
    return get_type_hints(kind)


def _load(kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if value is None else _load(options[0], value)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(_load(item_kind, item) for item in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise PricingError(f"{kind.__name__}: expected an object, got {value!r}.")
        hints = _type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        unknown = set(value) - names
        if unknown:
            raise PricingError(f"{kind.__name__}: unknown keys {sorted(unknown)}.")
        return kind(**{name: _load(hints[name], item) for name, item in value.items()})
    if kind is Decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise PricingError(f"{value!r} is not a number.") from None
    if kind is bool:
        return bool(value)
    if kind is int:
        return int(value)
    if kind is str:
        return str(value)
    return value


@dataclasses.dataclass(frozen=True)
class PartGeometry(Snapshot):
    """What the drawing measures of one part (ingest's reading)."""

    cut_length_mm: Decimal
    pierce_count: int
    area_mm2: Decimal  # net: outline less its holes
    width_mm: Decimal  # bounding box
    height_mm: Decimal
    bends: int = 0  # bends per part (a press-brake extra)


@dataclasses.dataclass(frozen=True)
class MaterialPrice(Snapshot):
    """The material and the sheet it is cut from, with its prices (ZAR, excl. VAT)."""

    code: str
    name: str
    density_g_cm3: Decimal
    price_per_kg: Decimal
    price_per_sheet: Decimal
    sheet_width_mm: Decimal
    sheet_length_mm: Decimal
    part_gap_mm: Decimal  # the gap between parts in a nest for this material


@dataclasses.dataclass(frozen=True)
class PresetValues(Snapshot):
    """The cut preset used for the machine time, or the fallback when no preset matches."""

    label: str  # "3mm Air MS 1.5SN", or what the fallback is
    cut_speed_mm_min: Decimal
    pierce_time_s: Decimal
    gas: str = ""
    preset_id: int | None = None
    is_fallback: bool = False  # no preset matched: the line is flagged "no preset"


@dataclasses.dataclass(frozen=True)
class QuantityBreakRate(Snapshot):
    """From `min_quantity` parts on, the line is `discount_pct` % cheaper."""

    min_quantity: int
    discount_pct: Decimal


@dataclasses.dataclass(frozen=True)
class Delivery(Snapshot):
    """How the order leaves the shop and what that adds (collection is R 0)."""

    code: str
    name: str
    price: Decimal


@dataclasses.dataclass(frozen=True)
class Rates(Snapshot):
    """The shop's rates as they were when the price was made (finance.models.ShopRates)."""

    machine_code: str
    machine_rate_per_hour: Decimal
    travel_allowance_pct: Decimal  # added to cutting and piercing time for moves between cuts
    setup_minutes_per_job: Decimal
    setup_minutes_per_part: Decimal  # per distinct part
    handling_per_part: Decimal
    bending_per_bend: Decimal
    margin_pct: Decimal
    minimum_per_part: Decimal
    minimum_per_order: Decimal
    rush_surcharge_pct: Decimal
    sheet_utilisation: Decimal
    whole_sheets: bool
    edge_margin_mm: Decimal
    max_units_per_nest: int
    quantity_breaks: tuple[QuantityBreakRate, ...] = ()

    def quantity_break_for(self, quantity: int) -> QuantityBreakRate | None:
        """The break with the largest minimum the quantity reaches, if any."""
        reached = [b for b in self.quantity_breaks if quantity >= b.min_quantity]
        return max(reached, key=lambda b: (b.min_quantity, b.discount_pct)) if reached else None


@dataclasses.dataclass(frozen=True)
class PartPricing(Snapshot):
    """Everything one line's price depends on: what a quote line stores (to_dict)."""

    geometry: PartGeometry
    material: MaterialPrice
    thickness_mm: Decimal
    gas: str
    quantity: int
    preset: PresetValues
    rates: Rates
    rush: bool = False
    distinct_parts_in_job: int = 1  # the job's setup is shared among its distinct parts
