"""Tools for API lists that many rows pass through: a serializer's rows answered by a plan made
once per answer (RowPlanMixin), its model fields built once per process (the same), and
django-filter's backend skipped when the query names no filter (QuickFilterBackend).

Each gives the same answer as DRF's or django-filter's own way, only sooner: projects' tests
compare the rows field by field (projects/tests/test_api_rows.py), and the generated endpoint
tests prove every filter still filters.
"""

from __future__ import annotations

import copy
import datetime as dt
from operator import attrgetter
from typing import Any

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings


class RowPlanMixin:
    """A serializer whose rows are answered by a plan made once per serializer, not by DRF's
    generic steps for every field of every row (the job list spent most of its time there), and
    whose model fields are built once per class.

    The plan reads a model field's attribute directly, a related key's id without building the
    related object, and formats dates and times with the current time zone looked up once; any
    other field (a dotted source, a custom format, a method field) goes DRF's own way. The output
    is the same as `Serializer.to_representation`'s (tests compare them field by field).
    """

    def get_fields(self) -> dict[str, Any]:
        # ModelSerializer builds every model field from the model's options again for each
        # answer; they are the same every time (nothing in them depends on the request: the
        # request-bound parts, binding and the money a role sees, come after), so they are
        # built once per class and copied, as DRF copies the declared fields
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._built_fields = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)

    def to_representation(self, instance):
        plan = self.__dict__.get("_row_plan")
        if plan is None:
            plan = self._row_plan = self._make_row_plan()
        ret = {}
        for name, get, show in plan:
            try:
                value = get(instance)
            except SkipField:
                continue
            ret[name] = None if value is None else show(value)
        return ret

    def _make_row_plan(self):
        model_fields = {f.name: f for f in self.Meta.model._meta.concrete_fields}
        plan = []
        for field in self._readable_fields:
            source = field.source_attrs[0] if len(field.source_attrs) == 1 else None
            model_field = model_fields.get(source)
            get, show = field.get_attribute, field.to_representation
            if model_field is None:
                if isinstance(field, serializers.SerializerMethodField):
                    get = _the_row
                else:
                    get, show = _generic_step(field)
            elif isinstance(field, serializers.PrimaryKeyRelatedField):
                if field.use_pk_only_optimization() and field.pk_field is None:
                    get, show = attrgetter(model_field.attname), _same
                else:
                    get, show = _generic_step(field)
            else:
                get = attrgetter(source)
                if type(field) is serializers.DateTimeField:
                    show = self._datetime_step(field)
                elif type(field) is serializers.DateField:
                    show = _date_step(field)
            plan.append((field.field_name, get, show))
        return plan

    def _datetime_step(self, field):
        if getattr(field, "format", api_settings.DATETIME_FORMAT).lower() != ISO_8601:
            return field.to_representation
        zone = field.default_timezone()  # the request's zone: it does not change within one answer

        def show(value):
            if isinstance(value, str) or zone is None or not timezone.is_aware(value):
                return field.to_representation(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return show


def _the_row(instance):
    return instance


def _same(value):
    return value


def _date_step(field):
    if getattr(field, "format", api_settings.DATE_FORMAT).lower() != ISO_8601:
        return field.to_representation

    def show(value):
        return value.isoformat() if type(value) is dt.date else field.to_representation(value)

    return show


def _generic_step(field):
    """DRF's own steps for one field (Serializer.to_representation's loop body)."""

    def show(value):
        return field.to_representation(value)

    def get(instance):
        value = field.get_attribute(instance)
        if isinstance(value, PKOnlyObject) and value.pk is None:
            return None
        return value

    return get, show


class QuickFilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the query names none of the filters: it built the
    whole filter form on every request only to filter by nothing (an empty value filters nothing,
    so the answer is the same)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            names = filterset_class.base_filters
            if not any(_names_a_filter(key, names) for key in request.query_params):
                return queryset
        return super().filter_queryset(request, queryset, view)


def _names_a_filter(key: str, names) -> bool:
    # a range filter's widget adds a suffix to its name (created_after, created_min, ...)
    return key in names or any(key.startswith(f"{name}_") for name in names)
