"""FilterSets for finance's money lists (invoices, credit notes, payments), shared by the API and
the admin's pages (STYLE.md rule 7: one FilterSet per listed model)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from laseros.api.filters import UserFilter, day_range

from .models import (
    CreditNote,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentState,
)


def _overdue(today) -> Q:
    """Issued, something left to pay, and due before `today` (Invoice.is_overdue)."""
    return Q(status=InvoiceStatus.ISSUED, balance__gt=0, due_on__lt=today)


class InvoiceFilter(django_filters.FilterSet):
    """Invoices by number, status, payment state, kind, whether overdue (issued, unpaid, due
    before today), job and client (id or code), and the days issued and due
    (`issued_after` / `issued_before`, `due_after` / `due_before`, a day, inclusive)."""

    number = django_filters.CharFilter(lookup_expr="iexact")
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices)
    payment_state = django_filters.MultipleChoiceFilter(choices=PaymentState.choices)
    kind = django_filters.ChoiceFilter(choices=InvoiceKind.choices)
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue (issued, unpaid and past its due date)"
    )
    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact")
    client_code = django_filters.CharFilter(field_name="client__code", lookup_expr="iexact")
    issued_after, issued_before = day_range("issued_on", time=False)
    due_after, due_before = day_range("due_on", time=False)
    created_after, created_before = day_range("created_at")
    created_by = UserFilter()

    class Meta:
        model = Invoice
        fields = [
            "number",
            "status",
            "payment_state",
            "kind",
            "project",
            "client",
            "quote",
        ]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = _overdue(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CreditNoteFilter(django_filters.FilterSet):
    """Credit notes by number, the invoice they credit, client (id or code) and the day issued."""

    number = django_filters.CharFilter(lookup_expr="iexact")
    invoice_number = django_filters.CharFilter(field_name="invoice__number", lookup_expr="iexact")
    client_code = django_filters.CharFilter(field_name="client__code", lookup_expr="iexact")
    issued_after, issued_before = day_range("issued_on", time=False)

    created_after, created_before = day_range("created_at")
    created_by = UserFilter()

    class Meta:
        model = CreditNote
        fields = ["number", "invoice", "client"]


class PaymentFilter(django_filters.FilterSet):
    """Payments by client (id or code), job, method, the invoice they pay, whether any of it is
    still the client's credit, and the day received."""

    client_code = django_filters.CharFilter(field_name="client__code", lookup_expr="iexact")
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    invoice = django_filters.ModelChoiceFilter(
        field_name="allocations__invoice",
        queryset=Invoice.objects.all(),
        distinct=True,
        label="Allocated to the invoice (id)",
    )
    reference = django_filters.CharFilter(lookup_expr="icontains")
    has_credit = django_filters.BooleanFilter(
        method="filter_has_credit", label="Has money not allocated (the client's credit)"
    )
    received_after, received_before = day_range("received_on", time=False)

    created_after, created_before = day_range("created_at")
    created_by = UserFilter()

    class Meta:
        model = Payment
        fields = ["client", "project", "method", "reference"]

    def filter_has_credit(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(unallocated__gt=0) if value else queryset.filter(unallocated=0)
