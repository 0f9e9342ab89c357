"""FilterSets for job, document and product lists, shared by the API and the HTMX pages."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from laseros.api.filters import UserFilter, day_range

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
    created_after, created_before = day_range("created_at")
    due_after, due_before = day_range("due_date", time=False)
    quote_expires_before = django_filters.DateFilter(
        field_name="quote_expires_on", lookup_expr="lte"
    )
    code = django_filters.CharFilter(lookup_expr="iexact")
    status_before_hold = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices)
    created_by = UserFilter()
    status_changed_after, status_changed_before = day_range("status_changed_at")
    promised_after, promised_before = day_range("promised_date", time=False)
    quote_sent_after, quote_sent_before = day_range("quote_sent_on", time=False)
    quote_reminder_after, quote_reminder_before = day_range("quote_reminder_on", time=False)
    approved_after, approved_before = day_range("approved_at")
    pop_received_after, pop_received_before = day_range("pop_received_at")
    payment_waived_after, payment_waived_before = day_range("payment_waived_at")
    completed_after, completed_before = day_range("completed_at")
    updated_after, updated_before = day_range("updated_at")

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
    created_after, created_before = day_range("created_at")
    updated_after, updated_before = day_range("updated_at")

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
