"""Filters the PDF templates (templates/pdf/) write money, rates and sizes with."""

from __future__ import annotations

from decimal import Decimal

from django import template

from finance.pricing.engine import rand as _rand
from laseros.units import format_thickness

register = template.Library()


@register.filter
def rand(value: Decimal | None) -> str:
    """R 1 080.24 (the house way: a space between thousands); nothing for None."""
    return "" if value is None else _rand(Decimal(value))


@register.filter
def rand_or_blank(value: Decimal | None) -> str:
    """A statement's debit or credit: blank when it is nothing."""
    return "" if not value else _rand(Decimal(value))


@register.filter
def percent(rate: Decimal | None) -> str:
    """0.1500 -> 15 %; 0.155 -> 15.5 %."""
    if rate is None:
        return ""
    return f"{format_thickness(Decimal(rate) * 100)} %"


@register.filter
def discount(value: Decimal | None) -> str:
    """A line's discount: 12.5 % , or blank when there is none."""
    return f"{format_thickness(value)} %" if value else ""
