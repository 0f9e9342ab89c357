"""How long a job takes on the machine (DOMAIN.md, "Pricing" and "Production"): one pure function
that the queue's estimated minutes and finance's pricing engine both call, so a quote and the
shop floor never disagree on the arithmetic.

    minutes = (cut length ÷ cut speed + pierces × pierce time) × (1 + travel %) × quantity + setup

Pure: it imports no app and touches no database (finance is layer 5 and production layer 4, so
both may import it from here). Decimal in, Decimal out, exact; the one rounding is
`whole_minutes`, up, for the queue's whole minutes.
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_CEILING, Decimal, InvalidOperation

ZERO = Decimal(0)
SIXTY = Decimal(60)
HUNDRED = Decimal(100)

Number = Decimal | int | float | str


class EstimateError(ValueError):
    """The minutes cannot be worked out: one sentence saying which input is at fault."""


@dataclasses.dataclass(frozen=True)
class MachineTime:
    """The machine's minutes and what they are made of."""

    cut_min: Decimal  # one piece: cut length ÷ cut speed
    pierce_min: Decimal  # one piece: pierces × pierce time
    travel_min: Decimal  # one piece: the head's moves between cuts, a % of the two above
    cutting_min: Decimal  # the whole quantity: (cut + pierce + travel) × quantity
    setup_min: Decimal  # once: loading the sheet and the program, the first cut check
    total_min: Decimal  # cutting_min + setup_min

    @property
    def whole_minutes(self) -> int:
        """The total in whole minutes, rounded up (what the queue keeps)."""
        return int(self.total_min.to_integral_value(rounding=ROUND_CEILING))


def _number(value: Number | None, what: str) -> Decimal:
    """`value` as a Decimal (a Decimal as it is, an int exactly, so the arithmetic is the
    caller's own, step for step; text and floats read by their digits); EstimateError when it is
    not a finite number."""
    if isinstance(value, bool) or value is None:
        raise EstimateError(f"There is no {what}.")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise EstimateError(f"The {what} {value!r} is not a number.") from None
    if not number.is_finite():
        raise EstimateError(f"The {what} {value!r} is not a number.")
    return number


def machine_minutes(
    *,
    cut_length_mm: Number,
    cut_speed_mm_min: Number | None,
    pierce_count: Number,
    pierce_time_s: Number | None,
    quantity: int = 1,
    travel_allowance_pct: Number = ZERO,
    setup_minutes: Number = ZERO,
) -> MachineTime:
    """The machine's minutes for `quantity` pieces of one part (its cut length and pierces as the
    drawing measures them) with a preset's cut speed and pierce time, plus the travel allowance
    (a % of cutting and piercing) and `setup_minutes` once. EstimateError names a bad input."""
    cut = _number(cut_length_mm, "cut length")
    speed = _number(cut_speed_mm_min, "cut speed")
    pierces = _number(pierce_count, "number of pierces")
    pierce_s = _number(pierce_time_s, "pierce time")
    travel = _number(travel_allowance_pct, "travel allowance")
    setup = _number(setup_minutes, "setup")
    count = _number(quantity, "quantity")
    if speed <= 0:
        raise EstimateError(f"The cut speed must be more than 0 mm/min (it is {speed}).")
    for value, what in ((cut, "cut length"), (pierces, "pierces"), (pierce_s, "pierce time")):
        if value < 0:
            raise EstimateError(f"The {what} cannot be negative.")
    if travel < 0:
        raise EstimateError("The travel allowance cannot be negative.")
    if setup < 0:
        raise EstimateError("The setup cannot be negative.")
    if count != int(count) or count < 1:
        raise EstimateError(f"The quantity must be at least 1 whole piece (it is {quantity}).")
    cut_min = cut / speed
    pierce_min = pierces * pierce_s / SIXTY
    travel_min = (cut_min + pierce_min) * travel / HUNDRED
    cutting_min = (cut_min + pierce_min + travel_min) * count
    return MachineTime(
        cut_min=cut_min,
        pierce_min=pierce_min,
        travel_min=travel_min,
        cutting_min=cutting_min,
        setup_min=setup,
        total_min=cutting_min + setup if setup else cutting_min,
    )
