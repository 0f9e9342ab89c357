"""Read-only API lists of the records a manager sees in the admin and no program writes through
the API: histories, logs, settings rows (issue 14: every record in the admin is reachable in
the API, with filters, ordering and pagination). Each app lists its own in `records_api.py`
with a RecordViewSet and a FilterSet from its filters.py; the core's own are here.

laseros/site/tests/test_api_coverage.py fails when a model in the admin has no endpoint."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from laseros.api.filters import UserFilter, day_range
from laseros.api.routers import router
from laseros.models import ActivityLog, BackupRun


def record_serializer(model, *, exclude: tuple[str, ...] = ()) -> type[serializers.Serializer]:
    """A serializer of every column of `model` but `exclude` (stored files, secrets), read-only;
    a related record by its id."""
    meta_attrs: dict = {"model": model}
    if exclude:
        meta_attrs["exclude"] = list(exclude)
    else:
        meta_attrs["fields"] = "__all__"
    meta = type("Meta", (), meta_attrs)
    name = f"{model.__name__}RecordSerializer"
    serializer = type(name, (serializers.ModelSerializer,), {"Meta": meta, "__module__": __name__})
    return serializer


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """A list and one record, read by whoever the role matrix lets view the model."""

    filterset_class: type[django_filters.FilterSet] | None = None


class ActivityLogFilter(django_filters.FilterSet):
    """The audit trail by action, by who acted, by day, by record (its content type's id and
    its id: one record's history), and one entry by its hash (a hash quoted from a copy of the
    trail, or the next entry's prev_hash)."""

    actor = UserFilter()
    created_after, created_before = day_range("created_at")

    class Meta:
        model = ActivityLog
        fields = ["action", "actor", "content_type", "object_id", "entry_hash"]


class ActivityLogViewSet(RecordViewSet):
    """The audit trail: who did what to which record, when, from where (read-only)."""

    queryset = ActivityLog.objects.all()
    serializer_class = record_serializer(ActivityLog)
    filterset_class = ActivityLogFilter
    search_fields = ["object_repr", "actor_name", "object_id", "message"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]


class BackupRunFilter(django_filters.FilterSet):
    """Backups by outcome, by day started or finished, and whether encrypted."""

    started_after, started_before = day_range("started_at")
    finished_after, finished_before = day_range("finished_at")

    class Meta:
        model = BackupRun
        fields = ["status", "encrypted"]


class BackupRunViewSet(RecordViewSet):
    """Every backup made, good or failed, and why."""

    queryset = BackupRun.objects.all()
    serializer_class = record_serializer(BackupRun)
    filterset_class = BackupRunFilter
    search_fields = ["name", "error"]
    ordering_fields = ["started_at", "size_bytes"]
    ordering = ["-started_at", "-id"]


router.register("activity-log", ActivityLogViewSet, basename="activitylog")
router.register("backups", BackupRunViewSet, basename="backuprun")
