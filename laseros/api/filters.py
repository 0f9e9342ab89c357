"""Filters more than one app's FilterSets use."""

from __future__ import annotations

import django_filters
from django.db.models import Q

# the largest id a database integer holds: a longer run of digits is no id (and SQLite would
# refuse to bind it: a 500)
MAX_ID = 2**63 - 1


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
        if value.isdigit() and int(value) <= MAX_ID:
            match |= Q(**{f"{self.field_name}__pk": int(value)})
        return qs.filter(match)
