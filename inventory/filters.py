"""FilterSets for inventory lists, shared by the API and the HTMX pages (STYLE.md rule 7)."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q

from laseros.api.filters import UserFilter, day_range

from .models import Material, MovementKind, Offcut, OffcutStatus, SheetStock, StockMovement


class MaterialFilter(django_filters.FilterSet):
    """Materials by code, name or one of the names users type (`q`)."""

    q = django_filters.CharFilter(method="filter_q", label="Code, name or alias")

    class Meta:
        model = Material
        fields = ["q", "code", "is_active"]

    def filter_q(self, queryset, name, value):
        from .constants import material_code

        value = (value or "").strip()
        if not value:
            return queryset
        code = material_code(value)
        match = Q(code__iexact=value) | Q(name__icontains=value)
        return queryset.filter(match | Q(code=code) if code else match)


class SheetStockFilter(django_filters.FilterSet):
    """Stock by material code, thickness (exact or a range), size, place, and `low=true`."""

    material = django_filters.CharFilter(field_name="material__code", lookup_expr="iexact")
    thickness_min = django_filters.NumberFilter(field_name="thickness_mm", lookup_expr="gte")
    thickness_max = django_filters.NumberFilter(field_name="thickness_mm", lookup_expr="lte")
    location = django_filters.CharFilter(lookup_expr="icontains")
    supplier = django_filters.CharFilter(lookup_expr="icontains")
    low = django_filters.BooleanFilter(method="filter_low", label="At or below reorder level")
    created_after, created_before = day_range("created_at")
    updated_after, updated_before = day_range("updated_at")

    class Meta:
        model = SheetStock
        fields = [
            "material",
            "thickness_mm",
            "thickness_min",
            "thickness_max",
            "width_mm",
            "length_mm",
            "location",
            "supplier",
            "is_active",
            "low",
        ]

    def filter_low(self, queryset, name, value):
        if value is None:
            return queryset
        low = Q(quantity_on_hand__lte=F("reorder_level"))
        return queryset.filter(low) if value else queryset.exclude(low)


class StockMovementFilter(django_filters.FilterSet):
    """The ledger by stock, kind, material, date and reference."""

    material = django_filters.CharFilter(field_name="stock__material__code", lookup_expr="iexact")
    kind = django_filters.MultipleChoiceFilter(choices=MovementKind.choices)
    created_after, created_before = day_range("created_at")
    reference = django_filters.CharFilter(lookup_expr="icontains")
    by = UserFilter()
    caused_by_type = django_filters.CharFilter(
        method="filter_caused_by_type",
        label="What caused it, as app.model (production.laserrun); `none`: entered by hand",
    )

    class Meta:
        model = StockMovement
        fields = [
            "stock",
            "kind",
            "material",
            "by",
            "created_after",
            "created_before",
            "reference",
            "caused_by_type",
            "caused_by_id",
        ]

    def filter_caused_by_type(self, queryset, name, value):
        value = (value or "").strip().lower()
        if not value:
            return queryset
        if value == "none":
            return queryset.filter(caused_by_type__isnull=True)
        app_label, _dot, model = value.partition(".")
        return queryset.filter(caused_by_type__app_label=app_label, caused_by_type__model=model)


class OffcutFilter(django_filters.FilterSet):
    """Remnants by material, thickness, status, and the smallest size a job needs."""

    material = django_filters.CharFilter(field_name="material__code", lookup_expr="iexact")
    status = django_filters.MultipleChoiceFilter(choices=OffcutStatus.choices)
    min_width_mm = django_filters.NumberFilter(field_name="width_mm", lookup_expr="gte")
    min_length_mm = django_filters.NumberFilter(field_name="length_mm", lookup_expr="gte")
    location = django_filters.CharFilter(lookup_expr="icontains")
    created_after, created_before = day_range("created_at")
    updated_after, updated_before = day_range("updated_at")

    class Meta:
        model = Offcut
        fields = [
            "tag",
            "material",
            "thickness_mm",
            "status",
            "min_width_mm",
            "min_length_mm",
            "location",
            "source_stock",
            "created_after",
            "created_before",
            "updated_after",
            "updated_before",
        ]
