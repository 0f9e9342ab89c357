"""The FilterSet for file lists, shared by the API and the HTMX pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import django_filters
from django.db.models import Q

from clients.models import normalise_client_code
from inventory.constants import material_code
from laseros.api.filters import UserFilter, as_id, day_range

from .models import FileIngest, FileKind, FileSource, FileStatus


class FileIngestFilter(django_filters.FilterSet):
    """Files by kind, status (or `waiting`), material (any name users type), thickness, client
    and project (code or id), warnings, source, who sent them, dates and free text (`q`). Deleted
    files are left out unless `deleted` is given (`deleted=true` lists only them, `deleted=all`
    every file) or a day they were deleted (`deleted_after`, `deleted_before`)."""

    q = django_filters.CharFilter(
        method="filter_q", label="Name, part, client or job code or name, or sha256"
    )
    kind = django_filters.MultipleChoiceFilter(choices=FileKind.choices)
    status = django_filters.ChoiceFilter(
        choices=[("waiting", "Waiting (queued or processing)"), *FileStatus.choices],
        method="filter_status",
    )
    material = django_filters.CharFilter(method="filter_material", label="Material (MS, galv, …)")
    thickness = django_filters.CharFilter(method="filter_thickness", label="Thickness (mm)")
    thickness_min = django_filters.NumberFilter(
        field_name="metadata__thickness_mm", lookup_expr="gte"
    )
    thickness_max = django_filters.NumberFilter(
        field_name="metadata__thickness_mm", lookup_expr="lte"
    )
    client = django_filters.CharFilter(method="filter_client", label="Client (CL-0001 or id)")
    project = django_filters.CharFilter(method="filter_project", label="Job (code or id)")
    has_warnings = django_filters.BooleanFilter(method="filter_has_warnings")
    source = django_filters.ChoiceFilter(choices=FileSource.choices)
    deleted = django_filters.CharFilter(method="filter_deleted", label="true, false or all")
    received_after, received_before = day_range("received_at")
    queued_after, queued_before = day_range("queued_at")
    started_after, started_before = day_range("started_at")
    finished_after, finished_before = day_range("finished_at")
    deleted_after, deleted_before = day_range("deleted_at")
    uploaded_by = UserFilter()

    class Meta:
        model = FileIngest
        fields = ["q", "kind", "status", "source", "part", "version"]

    @property
    def qs(self):
        queryset = super().qs
        if not {"deleted", "deleted_after", "deleted_before"} & set(self.data):
            queryset = queryset.filter(deleted_at__isnull=True)
        return queryset

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(stored_name__icontains=value)
            | Q(original_name__icontains=value)
            | Q(part__icontains=value)
            | Q(client__code__icontains=value)
            | Q(client__name__icontains=value)
            | Q(project__code__icontains=value)
            | Q(project__name__icontains=value)
            | Q(sha256=value.lower())
        )

    def filter_status(self, queryset, name, value):
        if value == "waiting":
            return queryset.filter(status__in=FileStatus.waiting())
        return queryset.filter(status=value) if value else queryset

    def filter_material(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        code = material_code(value)
        return queryset.filter(metadata__material_code=code or value.upper())

    def filter_thickness(self, queryset, name, value):
        try:
            thickness = Decimal(str(value).lower().removesuffix("mm").strip())
        except (InvalidOperation, ValueError):
            return queryset.none()
        if not thickness.is_finite():  # NaN, Infinity: no sheet is that thick
            return queryset.none()
        return queryset.filter(metadata__thickness_mm=thickness)

    def filter_client(self, queryset, name, value):
        value = (value or "").strip()
        if value.isdigit():  # an id (or digits that are none: nothing)
            pk = as_id(value)
            return queryset.filter(client_id=pk) if pk is not None else queryset.none()
        try:
            return queryset.filter(client__code=normalise_client_code(value))
        except ValueError:
            return queryset.none()

    def filter_project(self, queryset, name, value):
        value = (value or "").strip()
        if value.isdigit():  # an id (or digits that are none: nothing)
            pk = as_id(value)
            return queryset.filter(project_id=pk) if pk is not None else queryset.none()
        return queryset.filter(project__code__iexact=value)

    def filter_has_warnings(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(metadata__has_warnings=True)
        return queryset.filter(Q(metadata__isnull=True) | Q(metadata__has_warnings=False))

    def filter_deleted(self, queryset, name, value):
        value = (value or "").strip().lower()
        if value in ("true", "1", "yes"):
            return queryset.filter(deleted_at__isnull=False)
        if value == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)
