"""The manager's pages beside the admin, in its look: the dashboard, the calendar and global search.

Each is served through `admin.site.admin_view` (signed-in staff only, the admin's login page
otherwise). A panel shows only what its reader may view (the role matrix), and sums of money
only to who may see money (`laseros.money.can_see_money`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from finance.pricing.engine import rand
from laseros.money import can_see_money

from .. import search as global_search
from . import calendar as month_calendar
from . import selectors
from .charts import Bar, columns, hbars

DASHBOARD_PERMISSION = "projects.view_project"


def _page(request, template: str, title: str, context: dict) -> TemplateResponse:
    return TemplateResponse(
        request,
        template,
        # the whole width for the panels: the pages link back to the admin, not its side menu
        {
            **admin.site.each_context(request),
            "is_nav_sidebar_enabled": False,
            "title": title,
            **context,
        },
    )


def _changelist(name: str, query: str = "") -> str:
    return reverse(f"admin:{name}_changelist") + (f"?{query}" if query else "")


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} d"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


# --- the dashboard -----------------------------------------------------------------------------


def dashboard(request):
    """KPIs and charts for a manager's glance: jobs, turnaround, on-time, quotes, revenue,
    machines' backlog and utilisation, low stock."""
    user = request.user
    if not user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied("The dashboard is for those who may view jobs.")
    today = timezone.localdate()
    money = can_see_money(user)
    context: dict = {"today": today, "money": money}
    context.update(_job_panels(today))
    if money and user.has_perm("finance.view_quote"):
        context["quotes"] = _quotes_panel(today)
    if money and user.has_perm("finance.view_invoice"):
        context["revenue"] = _revenue_panel(today)
    if user.has_perm("production.view_queueitem") or user.has_perm("production.view_laserrun"):
        context["machines"] = _machine_panel(today, user)
    if user.has_perm("inventory.view_sheetstock"):
        context["stock"] = selectors.low_stock()
        context["stock_url"] = _changelist("inventory_sheetstock", "low=yes")
    return _page(request, "site/dashboard.html", "Dashboard", context)


def _job_panels(today: dt.date) -> dict:
    jobs = selectors.jobs_summary(today)
    status_bars = [
        Bar(
            row.label,
            row.count,
            str(row.count),
            _changelist("projects_project", f"status__exact={row.status}"),
            warn=row.status == "on_hold" and row.count > 0,
        )
        for row in jobs.by_status
    ]
    turn = selectors.turnaround(today)
    week_bars = [
        Bar(f"{w.week_start:%-d %b}", w.median_days or 0, _days(w.median_days)) for w in turn.weeks
    ]
    punctual = selectors.on_time(today)
    return {
        "due": selectors.due_soon(today),
        "due_url": _changelist("projects_project", "o=due_date"),
        "jobs": jobs,
        "jobs_chart": hbars(status_bars, title="Jobs by status", width=420, label_width=96),
        "open_url": _changelist("projects_project"),
        "turnaround": turn,
        "turnaround_text": _days(turn.median_days),
        "turnaround_chart": columns(
            week_bars, title="Median days from request to completed, per week", width=420
        ),
        "on_time": punctual,
        "on_time_text": _percent(punctual.rate),
    }


def _quotes_panel(today: dt.date) -> dict:
    quotes = selectors.quotes_summary(today)
    return {
        "summary": quotes,
        "waiting_value": rand(quotes.waiting_value),
        "expiring_value": rand(quotes.expiring_value),
        "rows": [
            {
                "label": row.label,
                "client": row.client,
                "expires_on": row.expires_on,
                "soon": row.expires_on is not None and row.expires_on <= quotes.expiring_by,
                "total": rand(row.total_excl_vat),
                "url": reverse("admin:finance_quote_change", args=[row.pk]),
            }
            for row in quotes.soonest
        ],
        "url": _changelist("finance_quote", "status__exact=sent"),
    }


def _revenue_panel(today: dt.date) -> dict:
    found = selectors.revenue(today)
    change = found.change
    return {
        "this_month": rand(found.this_month),
        "last_month": rand(found.last_month),
        "last_month_to_date": rand(found.last_month_to_date),
        "change": None if change is None else f"{change * 100:+.0f} %",
        "up": change is not None and change >= 0,
        "chart": columns(
            [
                Bar(f"{m.month:%b}", float(m.excl_vat), _short_rand(m.excl_vat))
                for m in found.months
            ],
            title="Revenue excl. VAT per month",
            width=420,
        ),
        "url": _changelist("finance_invoice"),
    }


def _short_rand(amount: Decimal) -> str:
    """R 12.3k: a column's label, where the whole sum does not fit (the panel gives it whole)."""
    if abs(amount) >= 1_000_000:
        return f"R {amount / 1_000_000:.1f}M"
    if abs(amount) >= 1000:
        return f"R {amount / 1000:.1f}k"
    return f"R {amount:.0f}"


def _machine_panel(today: dt.date, user) -> dict:
    loads = selectors.machine_loads(today)
    panel: dict = {"loads": loads, "days": selectors.UTILISATION_DAYS}
    if user.has_perm("production.view_queueitem"):
        panel["backlog_chart"] = hbars(
            [
                Bar(
                    m.code,
                    m.backlog_hours,
                    f"{m.backlog_hours:.1f} h",
                    _changelist("production_queueitem", f"machine__id__exact={m.pk}"),
                )
                for m in loads
            ],
            title="Backlog hours per machine",
            width=420,
            label_width=70,
        )
        panel["backlog_hours"] = sum(m.backlog_hours for m in loads)
        panel["unestimated"] = sum(m.unestimated for m in loads)
    if user.has_perm("production.view_laserrun"):
        panel["utilisation_chart"] = hbars(
            [Bar(m.code, (m.utilisation or 0) * 100, _percent(m.utilisation)) for m in loads],
            title=f"Utilisation over the last {selectors.UTILISATION_DAYS} days",
            width=420,
            label_width=70,
        )
        run = sum(m.run_minutes for m in loads)
        shop = sum(m.working_minutes for m in loads)
        panel["utilisation_text"] = _percent(run / shop if shop else None)
    return panel


# --- the calendar ------------------------------------------------------------------------------


def calendar(request):
    """A month of due dates, scheduled cuts and quote expiries, each linked to its record."""
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied("The calendar is for those who may view jobs.")
    today = timezone.localdate()
    error = ""
    try:
        month = month_calendar.parse_month(request.GET.get("month"), today)
    except ValueError as exc:
        error, month = str(exc), today.replace(day=1)
    grid = month_calendar.month_grid(month=month, today=today, user=request.user)
    return _page(
        request,
        "site/calendar.html",
        f"Calendar: {month:%B %Y}",
        {"grid": grid, "error": error, "month": month},
    )


# --- search ------------------------------------------------------------------------------------


def search(request):
    """One box over clients, contacts, jobs, products, files, quotes and invoices; a code that
    names one record opens it."""
    raw = request.GET.get("q", "")
    context: dict = {"query": raw.strip(), "groups": [], "message": ""}
    try:
        answer = global_search.search(user=request.user, query=raw)
    except global_search.SearchRefused as exc:
        if raw.strip() or "q" in request.GET:
            context["message"] = str(exc)
        return _page(request, "site/search.html", "Search", context)
    if answer.exact is not None and request.GET.get("all") != "1":
        return redirect(answer.exact.url)
    titles = {kind.key: kind.title for kind in global_search.kinds_for(request.user)}
    groups: dict[str, dict] = {}
    for result in answer.results:
        group = groups.setdefault(
            result.kind, {"title": titles[result.kind], "results": [], "more": ""}
        )
        group["results"].append(result)
    for kind, url in answer.more.items():
        groups[kind]["more"] = url
    context.update(groups=list(groups.values()), message=answer.message, answer=answer)
    return _page(request, "site/search.html", f"Search: {answer.query}", context)
