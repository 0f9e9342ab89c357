"""FilterSets for client lists, shared by the API and the HTMX pages."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from laseros.api.filters import UserFilter, day_range

from .models import Client, Contact


class ClientFilter(django_filters.FilterSet):
    """Find a client by code, name, e-mail or phone (`q`), or by terms and whether active."""

    q = django_filters.CharFilter(method="filter_q", label="Code, name, e-mail or phone")
    code = django_filters.CharFilter(lookup_expr="iexact")
    name = django_filters.CharFilter(lookup_expr="icontains")
    created_after, created_before = day_range("created_at")
    updated_after, updated_before = day_range("updated_at")
    created_by = UserFilter()

    class Meta:
        model = Client
        fields = ["q", "code", "name", "payment_terms", "is_active"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        compact = value.replace("-", "").replace(" ", "")
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__icontains=value)
            | Q(phone__icontains=compact)
            | Q(contacts__email__icontains=value)
        ).distinct()


class ContactFilter(django_filters.FilterSet):
    """Contacts of one client, or found by name or e-mail."""

    name = django_filters.CharFilter(lookup_expr="icontains")
    email = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Contact
        fields = ["client", "name", "email", "is_primary"]
