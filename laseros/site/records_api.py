"""/api/v1/report-runs/: the reports made, read-only (laseros.api.records). The report itself is
opened in the admin; its file is not in the answer. /api/v1/tracking-links/: the clients'
tracking links, read-only (a link is made by GET /api/v1/projects/{id}/tracking-link/ and
revoked in the admin)."""

from __future__ import annotations

import django_filters

from laseros.api.filters import day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import ReportFormat, ReportRun, TrackingLink


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


class TrackingLinkFilter(django_filters.FilterSet):
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True, label="revoked"
    )
    created_after, created_before = day_range("created_at")

    class Meta:
        model = TrackingLink
        fields = ["project", "revoked"]


class TrackingLinkViewSet(RecordViewSet):
    """The clients' tracking links: which job, until when, revoked or not, last opened (the
    URL itself is not listed: GET /api/v1/projects/{id}/tracking-link/ gives it)."""

    queryset = TrackingLink.objects.all()
    serializer_class = record_serializer(TrackingLink)
    filterset_class = TrackingLinkFilter
    ordering_fields = ["created_at", "expires_at", "last_used_at", "id"]
    ordering = ["-created_at", "-id"]


router.register("tracking-links", TrackingLinkViewSet, basename="trackinglink")
