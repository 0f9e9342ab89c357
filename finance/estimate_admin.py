"""The admin's "Estimate vs actual" page (issue 11, part 8): per material × thickness and per job,
the quoted machine minutes and material against the laser runs' minutes and sheets. Read-only;
for the roles that read finance (Admin, Manager, Viewer), not operators.

Served from the rates' admin (finance/shoprates/estimates/, as the instant-quote page is), added
by `add_estimates_page()` from finance.admin, with an index tile that leads to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from laseros.dashboard import Tile, register_tile

from .estimates import OFF_BY, compare_estimates
from .models import ShopRates

# The periods the page offers: (days back, or None for every run; the label).
PERIODS = ((None, "All runs"), (90, "Last 90 days"), (365, "Last 365 days"))


def _days(request: HttpRequest) -> int | None:
    wanted = request.GET.get("days", "")
    return next((days for days, _ in PERIODS if days is not None and str(days) == wanted), None)


def estimates_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Estimate against actual, per material × thickness and per job. Nothing is written."""
    if not model_admin.has_view_permission(request):
        return model_admin.admin_site.refuse(request, "see estimates against the laser runs")  # type: ignore[attr-defined]
    days = _days(request)
    since = timezone.now() - dt.timedelta(days=days) if days else None
    report = compare_estimates(since=since)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "title": "Estimate vs actual",
        "opts": model_admin.opts,
        "report": report,
        "periods": [(d, label, d == days) for d, label in PERIODS],
        "off_pct": int(OFF_BY * 100),
        "job_rows": [
            (job, reverse("admin:projects_project_change", args=[job.project_id]))
            for job in report.jobs
        ],
    }
    return TemplateResponse(request, "admin/finance/estimates.html", context)


def _jobs_quoted_and_cut() -> int:
    from projects.models import Project

    return (
        Project.objects.filter(laser_runs__isnull=False, quotes__sent_on__isnull=False)
        .distinct()
        .count()
    )


def add_estimates_page(site: admin.AdminSite = admin.site) -> None:
    """Serve the page from the registered rates admin (once) and put its tile on the index."""
    rates_admin = site._registry.get(ShopRates)
    if rates_admin is None or getattr(rates_admin, "_estimates_page", False):
        return
    own_urls = rates_admin.get_urls

    def get_urls() -> list:
        page = site.admin_view(lambda request: estimates_view(rates_admin, request))
        return [path("estimates/", page, name="finance_estimates"), *own_urls()]

    rates_admin.get_urls = get_urls  # type: ignore[method-assign]
    rates_admin._estimates_page = True  # type: ignore[attr-defined]
    register_tile(
        Tile(
            key="finance.estimates",
            label="Estimate vs actual: jobs quoted and cut",
            count=_jobs_quoted_and_cut,
            url_name="admin:finance_estimates",
            permission="finance.view_shoprates",
            order=61,
        )
    )
