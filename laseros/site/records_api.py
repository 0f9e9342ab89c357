"""/api/v1/report-runs/: the reports made, read-only (laseros.api.records). The report itself is
opened in the admin; its file is not in the answer."""

from __future__ import annotations

import django_filters

from laseros.api.filters import day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import ReportFormat, ReportRun


class ReportRunFilter(django_filters.FilterSet):
    # not `format`: DRF reads ?format= as the answer's format (json, api)
    file_format = django_filters.ChoiceFilter(field_name="format", choices=ReportFormat.choices)
    created_after, created_before = day_range("created_at")

    class Meta:
        model = ReportRun
        fields = ["kind", "file_format", "is_latest"]


class ReportRunViewSet(RecordViewSet):
    """Each report made: which, for what period, in which format, which version, sent to whom."""

    queryset = ReportRun.objects.all()
    serializer_class = record_serializer(ReportRun, exclude=("file",))
    filterset_class = ReportRunFilter
    ordering_fields = ["created_at", "period_start", "id"]
    ordering = ["-created_at", "-id"]


router.register("report-runs", ReportRunViewSet, basename="reportrun")
