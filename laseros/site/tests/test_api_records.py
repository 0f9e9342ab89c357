"""/api/v1/report-runs/' and /api/v1/tracking-links/' generated tests (laseros.api_testing): read
by Admins, Managers and Viewers (the matrix's laseros_site rows)."""

from __future__ import annotations

import datetime as dt

from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
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
        Filter("created_by", lambda run: run.created_by.username),
        *dates("created_at"),
        # a period ends on or after it starts: the two move together
        *dates("period_start", "period_start", also=("period_end",)),
        *dates("period_end", "period_end", also=("period_start",)),
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
            created_by=someone(f"reporter-{n}"),
        )


def revoked_by_someone(match, other):
    """Both links revoked, by two people."""
    from laseros.site.tracking.links import tracking_link_revoke

    tracking_link_revoke(link=match, by=someone("revoker-0"))
    tracking_link_revoke(link=other, by=someone("revoker-1"))
    match.refresh_from_db()


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
        Filter("created_by", lambda link: link.created_by.username),
        Filter("revoked_by", lambda link: link.revoked_by.username, revoked_by_someone),
        *dates("created_at"),
        *dates("expires_at"),
        *dates("last_used_at", "last_used"),
    )

    def make(self, n):
        from laseros.site.tracking.links import tracking_link_create
        from projects.tests.factories import ProjectFactory

        return tracking_link_create(project=ProjectFactory(), by=someone(f"sender-{n}"))
