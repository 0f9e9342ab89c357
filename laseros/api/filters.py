"""Filters more than one app's FilterSets use."""

from __future__ import annotations

import django_filters
from django.db.models import Q

MAX_ID = 2**63 - 1  # the largest id a database's integer column holds


def as_id(value: str) -> int | None:
    """The id a query value names, or None: ASCII digits only ("²" is a digit to Python, not
    to int()), and no more than a column holds (SQLite refuses to bind a larger one: a 500)."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def day_range(
    field_name: str, *, time: bool = True
) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """`<x>_after` and `<x>_before`, from and to a day, both days included:
    `created_after, created_before = day_range("created_at")`. A date-and-time field is compared
    by its day in the shop's time zone; `time=False` for a date field."""
    on = "date__" if time else ""
    return (
        django_filters.DateFilter(field_name=field_name, lookup_expr=f"{on}gte"),
        django_filters.DateFilter(field_name=field_name, lookup_expr=f"{on}lte"),
    )


class UserFilter(django_filters.CharFilter):
    """A user, by username (any case) or id: `?created_by=thandi` or `?created_by=7`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "User (username or id)")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        match = Q(**{f"{self.field_name}__username__iexact": value})
        if (pk := as_id(value)) is not None:
            match |= Q(**{f"{self.field_name}__pk": pk})
        return qs.filter(match)
