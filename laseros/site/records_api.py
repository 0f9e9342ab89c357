"""/api/v1/report-runs/: the reports made, read-only (laseros.api.records). The report itself is
opened in the admin; its file is not in the answer. /api/v1/tracking-links/: the clients'
tracking links, read-only (a link is made by GET /api/v1/projects/{id}/tracking-link/ and
revoked in the admin)."""

from __future__ import annotations

import django_filters

from laseros.api.filters import UserFilter, day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import ReportFormat, ReportRun, TrackingLink


class ReportRunFilter(django_filters.FilterSet):
    """Reports by kind, format, latest version or not, who made them, the day made, and the
    days their period starts and ends (?period_start_after=…&period_end_before=…: a month's)."""

    # not `format`: DRF reads ?format= as the answer's format (json, api)
    file_format = django_filters.ChoiceFilter(field_name="format", choices=ReportFormat.choices)
    created_by = UserFilter()
    created_after, created_before = day_range("created_at")
    period_start_after, period_start_before = day_range("period_start", time=False)
    period_end_after, period_end_before = day_range("period_end", time=False)

    class Meta:
        model = ReportRun
        fields = ["kind", "file_format", "is_latest", "created_by"]


class ReportRunViewSet(RecordViewSet):
    """Each report made: which, for what period, in which format, which version, sent to whom."""

    queryset = ReportRun.objects.all()
    serializer_class = record_serializer(ReportRun, exclude=("file",))
    filterset_class = ReportRunFilter
    ordering_fields = ["created_at", "period_start", "id"]
    ordering = ["-created_at", "-id"]


router.register("report-runs", ReportRunViewSet, basename="reportrun")


class TrackingLinkFilter(django_filters.FilterSet):
    """Links by job, revoked or not, who made or revoked them, and the day made, expiring or
    last opened."""

    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True, label="revoked"
    )
    created_by = UserFilter()
    revoked_by = UserFilter()
    created_after, created_before = day_range("created_at")
    expires_after, expires_before = day_range("expires_at")
    last_used_after, last_used_before = day_range("last_used_at")

    class Meta:
        model = TrackingLink
        fields = ["project", "revoked", "created_by", "revoked_by"]


class TrackingLinkViewSet(RecordViewSet):
    """The clients' tracking links: which job, until when, revoked or not, last opened (the
    URL itself is not listed: GET /api/v1/projects/{id}/tracking-link/ gives it)."""

    queryset = TrackingLink.objects.all()
    serializer_class = record_serializer(TrackingLink)
    filterset_class = TrackingLinkFilter
    ordering_fields = ["created_at", "expires_at", "last_used_at", "id"]
    ordering = ["-created_at", "-id"]


router.register("tracking-links", TrackingLinkViewSet, basename="trackinglink")
