"""Lengths for people: one way to write millimetres and thicknesses everywhere."""

from __future__ import annotations

from decimal import Decimal


def format_thickness(value: Decimal | float | str) -> str:
    """6 -> "6", 1.20 -> "1.2", 0.47 -> "0.47": as the shop writes thicknesses in names."""
    return format(Decimal(str(value)).normalize(), "f")


def format_mm(value: Decimal | float | None) -> str:
    """A length for people: "12.5 mm", "0.8 mm", "1 234 mm" (precision by size); None: "—"."""
    if value is None:
        return "—"
    value = float(value)
    if abs(value) >= 100:
        text = f"{value:,.0f}".replace(",", " ")
    elif abs(value) >= 10:
        text = f"{value:.1f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} mm"
