"""/api/v1/report-runs/' and /api/v1/tracking-links/' generated tests (laseros.api_testing): read
by Admins, Managers and Viewers (the matrix's laseros_site rows)."""

from __future__ import annotations

import datetime as dt

from laseros.api_testing import EndpointTests, Filter, dates, set_fields
from laseros.roles import ADMIN, MANAGER, VIEWER
from laseros.site.models import ReportRun, TrackingLink


class TestReportRuns(EndpointTests):
    prefix = "report-runs"
    model = ReportRun
    readers = (ADMIN, MANAGER, VIEWER)
    filters = (
        Filter("kind", lambda run: run.kind),
        Filter("file_format", lambda run: "pdf", lambda m, o: set_fields(m, format="pdf")),
        Filter("is_latest", lambda run: "false", lambda m, o: set_fields(m, is_latest=False)),
        *dates("created_at"),
    )

    def make(self, n):
        day = dt.date(2026, 11, 1) + dt.timedelta(days=n)
        return ReportRun.objects.create(
            kind=("daily_ops", "weekly_client")[n % 2],
            period_start=day,
            period_end=day,
            format="html",
            file=f"reports/r{n}.html",
            sha256="0" * 64,
        )


class TestTrackingLinks(EndpointTests):
    prefix = "tracking-links"
    model = TrackingLink
    readers = (ADMIN, MANAGER, VIEWER)
    filters = (
        Filter("project", lambda link: link.project_id),
        Filter(
            "revoked",
            lambda link: "true",
            lambda m, o: set_fields(m, revoked_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)),
        ),
        *dates("created_at"),
    )

    def make(self, n):
        from laseros.site.tracking.links import tracking_link_create
        from projects.tests.factories import ProjectFactory

        return tracking_link_create(project=ProjectFactory(), by=None)
