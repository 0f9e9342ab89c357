"""FilterSets for job, document and product lists, shared by the API and the HTMX pages."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from laseros.api.filters import UserFilter

from .models import DocumentKind, Product, Project, ProjectDocument, ProjectLine, ProjectStatus
from .selectors import this_week
from .workflow import ProjectStatusGroups

STAGES = {
    "open": ProjectStatusGroups.OPEN,
    "done": ProjectStatusGroups.DONE,
    "waiting_payment": ProjectStatusGroups.WAITING_PAYMENT,
    "production": ProjectStatusGroups.PRODUCTION,
}


class ProjectFilter(django_filters.FilterSet):
    """Jobs by code, status or stage (or the status before a hold), client, material, priority,
    who made them and each date they keep (`<date>_after` / `<date>_before`, a day, inclusive);
    `q` searches codes and names (the job's and the client's)."""

    q = django_filters.CharFilter(method="filter_q", label="Code or name (job or client)")
    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices)
    stage = django_filters.ChoiceFilter(
        method="filter_stage",
        choices=[(k, k.replace("_", " ")) for k in [*STAGES, "expiring"]],
        label="open, done, waiting_payment, production or expiring (quotes, this week)",
    )
    client_code = django_filters.CharFilter(field_name="client__code", lookup_expr="iexact")
    material_code = django_filters.CharFilter(field_name="material__code", lookup_expr="iexact")
    thickness_mm = django_filters.NumberFilter()
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    quote_expires_before = django_filters.DateFilter(
        field_name="quote_expires_on", lookup_expr="lte"
    )
    code = django_filters.CharFilter(lookup_expr="iexact")
    status_before_hold = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices)
    created_by = UserFilter()
    status_changed_after = django_filters.DateFilter(
        field_name="status_changed_at", lookup_expr="date__gte"
    )
    status_changed_before = django_filters.DateFilter(
        field_name="status_changed_at", lookup_expr="date__lte"
    )
    promised_after = django_filters.DateFilter(field_name="promised_date", lookup_expr="gte")
    promised_before = django_filters.DateFilter(field_name="promised_date", lookup_expr="lte")
    quote_sent_after = django_filters.DateFilter(field_name="quote_sent_on", lookup_expr="gte")
    quote_sent_before = django_filters.DateFilter(field_name="quote_sent_on", lookup_expr="lte")
    quote_reminder_after = django_filters.DateFilter(
        field_name="quote_reminder_on", lookup_expr="gte"
    )
    quote_reminder_before = django_filters.DateFilter(
        field_name="quote_reminder_on", lookup_expr="lte"
    )
    approved_after = django_filters.DateFilter(field_name="approved_at", lookup_expr="date__gte")
    approved_before = django_filters.DateFilter(field_name="approved_at", lookup_expr="date__lte")
    pop_received_after = django_filters.DateFilter(
        field_name="pop_received_at", lookup_expr="date__gte"
    )
    pop_received_before = django_filters.DateFilter(
        field_name="pop_received_at", lookup_expr="date__lte"
    )
    payment_waived_after = django_filters.DateFilter(
        field_name="payment_waived_at", lookup_expr="date__gte"
    )
    payment_waived_before = django_filters.DateFilter(
        field_name="payment_waived_at", lookup_expr="date__lte"
    )
    completed_after = django_filters.DateFilter(field_name="completed_at", lookup_expr="date__gte")
    completed_before = django_filters.DateFilter(field_name="completed_at", lookup_expr="date__lte")
    updated_after = django_filters.DateFilter(field_name="updated_at", lookup_expr="date__gte")
    updated_before = django_filters.DateFilter(field_name="updated_at", lookup_expr="date__lte")

    class Meta:
        model = Project
        fields = ["q", "status", "stage", "client", "material", "priority"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(client__code__icontains=value)
            | Q(client__name__icontains=value)
        )

    def filter_stage(self, queryset, name, value):
        if value == "expiring":
            start, end = this_week()
            return queryset.filter(
                status=ProjectStatus.QUOTING,
                quote_expires_on__gte=start,
                quote_expires_on__lte=end,
            )
        return queryset.filter(status__in=STAGES[value]) if value in STAGES else queryset


class ProjectDocumentFilter(django_filters.FilterSet):
    """A job's documents, or all documents of a kind."""

    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact")
    kind = django_filters.MultipleChoiceFilter(choices=DocumentKind.choices)
    uploaded_after = django_filters.DateFilter(field_name="uploaded_at", lookup_expr="date__gte")
    uploaded_by = UserFilter()

    class Meta:
        model = ProjectDocument
        fields = ["project", "project_code", "kind"]


class ProductFilter(django_filters.FilterSet):
    """Catalogue products by SKU part, material, thickness and whether still sold."""

    q = django_filters.CharFilter(method="filter_q", label="SKU or name")
    material_code = django_filters.CharFilter(field_name="material__code", lookup_expr="iexact")
    category = django_filters.CharFilter(lookup_expr="iexact")
    family = django_filters.CharFilter(lookup_expr="iexact")
    thickness_mm = django_filters.NumberFilter()
    sku = django_filters.CharFilter(lookup_expr="iexact")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    updated_after = django_filters.DateFilter(field_name="updated_at", lookup_expr="date__gte")
    updated_before = django_filters.DateFilter(field_name="updated_at", lookup_expr="date__lte")

    class Meta:
        model = Product
        fields = ["q", "category", "family", "material", "is_active"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))


class ProjectLineFilter(django_filters.FilterSet):
    """Lines of a job, or the jobs that ordered a product."""

    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact")
    sku = django_filters.CharFilter(field_name="product__sku", lookup_expr="iexact")

    class Meta:
        model = ProjectLine
        fields = ["project", "product", "project_code", "sku"]
