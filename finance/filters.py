"""FilterSets for finance's lists (quotes), shared by the API and the admin's pages."""

from __future__ import annotations

import django_filters

from laseros.api.filters import UserFilter, day_range

from .models import Quote, QuoteStatus


class QuoteFilter(django_filters.FilterSet):
    """Quotes by number, status, job (id or code), client (id or code), who made them and the day
    they were made, sent, accepted, moved or expire (`<date>_after` / `<date>_before`, a day, inclusive)."""

    number = django_filters.CharFilter(lookup_expr="iexact")
    status = django_filters.MultipleChoiceFilter(choices=QuoteStatus.choices)
    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact")
    client_code = django_filters.CharFilter(field_name="client__code", lookup_expr="iexact")
    sent_after, sent_before = day_range("sent_on", time=False)
    expires_after, expires_before = day_range("expires_on", time=False)
    accepted_after, accepted_before = day_range("accepted_at")
    status_changed_after, status_changed_before = day_range("status_changed_at")
    created_after, created_before = day_range("created_at")
    created_by = UserFilter()

    class Meta:
        model = Quote
        fields = ["number", "status", "project", "client", "project_code", "client_code"]
