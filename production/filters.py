"""FilterSets for production lists, shared by the API and the operator pages (STYLE.md rule 7)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField

from laseros.api.filters import MAX_ID, UserFilter, day_range

from .models import (
    QUEUE_ACTIVE,
    CutPreset,
    Gas,
    LaserRun,
    Machine,
    QueueItem,
    QueuePriority,
    QueueStatus,
)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, in UTC: PostgreSQL refuses a UTC offset past ±15:59 (+16:01 was a 500),
    and one that leaves the calendar (year 1 at +16:00) is refused here with a message."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("That time is out of range.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class MachineFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Machine
        fields = ["code", "is_active"]


class CutPresetFilter(django_filters.FilterSet):
    """Presets by material code, thickness (exact or range), gas and nozzle (as the shop
    writes them, any case)."""

    material = django_filters.CharFilter(field_name="material__code", lookup_expr="iexact")
    thickness_min = django_filters.NumberFilter(field_name="thickness_mm", lookup_expr="gte")
    thickness_max = django_filters.NumberFilter(field_name="thickness_mm", lookup_expr="lte")
    gas = django_filters.MultipleChoiceFilter(choices=Gas.choices)
    nozzle = django_filters.CharFilter(lookup_expr="iexact")
    created_after, created_before = day_range("created_at")
    updated_after, updated_before = day_range("updated_at")

    class Meta:
        model = CutPreset
        fields = [
            "material",
            "thickness_mm",
            "thickness_min",
            "thickness_max",
            "gas",
            "nozzle",
            "note",
            "is_active",
            "created_after",
            "created_before",
            "updated_after",
            "updated_before",
        ]


class QueueItemFilter(django_filters.FilterSet):
    """The queue by machine (code), status, priority, job, who added it, its days (scheduled,
    added, started, finished), and `active=true` for what is still to cut."""

    machine = django_filters.CharFilter(field_name="machine__code", lookup_expr="iexact")
    status = django_filters.MultipleChoiceFilter(choices=QueueStatus.choices)
    priority = django_filters.MultipleChoiceFilter(choices=QueuePriority.choices)
    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact")
    active = django_filters.BooleanFilter(method="filter_active", label="Queued or cutting")
    scheduled_after, scheduled_before = day_range("scheduled_date", time=False)
    added_after, added_before = day_range("added_at")
    started_after, started_before = day_range("started_at")
    finished_after, finished_before = day_range("finished_at")
    added_by = UserFilter()

    class Meta:
        model = QueueItem
        fields = [
            "machine",
            "status",
            "priority",
            "project",
            "project_code",
            "active",
            "scheduled_after",
            "scheduled_before",
            "added_after",
            "added_before",
            "started_after",
            "started_before",
            "finished_after",
            "finished_before",
            "added_by",
        ]

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        active = Q(status__in=QUEUE_ACTIVE)
        return queryset.filter(active) if value else queryset.exclude(active)


class LaserRunFilter(django_filters.FilterSet):
    """Runs by machine (code), operator, job, who recorded them, and when they started, ended
    and were recorded (an ISO time: _after from it on, _before up to it)."""

    machine = django_filters.CharFilter(field_name="machine__code", lookup_expr="iexact")
    project = django_filters.NumberFilter(
        field_name="project_shares__project",
        distinct=True,
        # an id: a whole number a column can hold (40 nines was a 500 on SQLite)
        min_value=1,
        max_value=MAX_ID,
        decimal_places=0,
    )
    project_code = django_filters.CharFilter(
        field_name="project_shares__project__code", lookup_expr="iexact", distinct=True
    )
    started_after = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    day = django_filters.DateFilter(field_name="started_at", lookup_expr="date")
    ended_after = UtcIsoDateTimeFilter(field_name="ended_at", lookup_expr="gte")
    ended_before = UtcIsoDateTimeFilter(field_name="ended_at", lookup_expr="lt")
    recorded_after = UtcIsoDateTimeFilter(field_name="recorded_at", lookup_expr="gte")
    recorded_before = UtcIsoDateTimeFilter(field_name="recorded_at", lookup_expr="lt")
    recorded_by = UserFilter()

    class Meta:
        model = LaserRun
        fields = [
            "machine",
            "operator",
            "preset",
            "project",
            "project_code",
            "started_after",
            "started_before",
            "day",
            "ended_after",
            "ended_before",
            "recorded_after",
            "recorded_before",
            "recorded_by",
        ]
