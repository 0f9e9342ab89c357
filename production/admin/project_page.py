"""A job's laser runs on the job's admin page (projects cannot import production): each run's
machine, when, the job's minutes and sheets (its share of the run), and under the table what
the job has used so far and, for roles that see money, its cost so far: its minutes at each
machine's hourly rate plus the sheets it used at their stock's unit cost."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html

from laseros.admin import ReadOnlyInline, add_page_inline
from laseros.money import MoneyFieldsAdminMixin, can_see_money
from projects.models import Project

from ..models import LaserRunProject, LaserRunSheet

ZERO = Decimal("0")


def _sheets_used(share: LaserRunProject) -> Decimal:
    """The job's part of the sheets its run took (the run's sheets × the job's share)."""
    return sum((sheet.quantity * share.share for sheet in share.run.sheets.all()), ZERO)


def _sheet_cost(share: LaserRunProject) -> Decimal:
    """The job's part of what the run's sheets cost (each stock's unit cost)."""
    return sum(
        (
            sheet.quantity * (sheet.stock.unit_cost or ZERO) * share.share
            for sheet in share.run.sheets.all()
        ),
        ZERO,
    )


def _minutes(share: LaserRunProject) -> Decimal:
    return share.run.duration_minutes * share.share


def _machine_cost(share: LaserRunProject) -> Decimal | None:
    """The job's minutes on the machine at the machine's hourly rate (None: it has no rate)."""
    rate = share.run.machine.hourly_rate
    return None if rate is None else _minutes(share) * rate / 60


def _grouped(value: Decimal, places: int) -> str:
    return number_format(value, places, force_grouping=True)


def _sheets_text(sheets: Decimal) -> str:
    """Whole sheets as a count, a part of a sheet to two places: "3", "1.25"."""
    return _grouped(sheets, 0 if sheets == sheets.to_integral_value() else 2)


class ProjectRunsInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    """The job's runs, newest first (read-only: runs are recorded on the run form)."""

    model = LaserRunProject
    money_fields = ("machine_cost", "sheet_cost")
    template = "admin/production/project_runs_inline.html"
    fk_name = "project"
    verbose_name = "laser run"
    verbose_name_plural = "laser runs (this job's share of each)"
    fields = [
        "run_link",
        "started",
        "minutes",
        "parts",
        "sheets",
        "share_pct",
        "machine_cost",
        "sheet_cost",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        sheets = LaserRunSheet.objects.select_related("stock__material")
        return (
            super()
            .get_queryset(request)
            .select_related("run__machine", "run__operator")
            .prefetch_related(Prefetch("run__sheets", queryset=sheets))
            .order_by("-run__started_at", "-id")
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        self.totals = self._totals(request, obj)
        return formset

    def _totals(self, request, project) -> dict | None:
        """What the job has used so far, over all its runs (the rows the table shows)."""
        if project is None:
            return None
        shares = list(self.get_queryset(request).filter(project=project))
        if not shares:
            return None
        totals = {
            "runs": len(shares),
            "minutes": _grouped(sum((_minutes(s) for s in shares), ZERO), 0),
            "sheets": _sheets_text(sum((_sheets_used(s) for s in shares), ZERO)),
            "parts": _grouped(sum(s.parts for s in shares), 0),
        }
        if can_see_money(request.user):
            machine = [_machine_cost(s) for s in shares]
            sheets = sum((_sheet_cost(s) for s in shares), ZERO)
            rated = sum((cost for cost in machine if cost is not None), ZERO)
            totals["machine_cost"] = _grouped(rated, 2)
            totals["sheet_cost"] = _grouped(sheets, 2)
            totals["cost"] = _grouped(rated + sheets, 2)
            totals["unrated"] = sorted(
                {
                    s.run.machine.code
                    for s, cost in zip(shares, machine, strict=True)
                    if cost is None
                }
            )
        return totals

    @admin.display(description="run")
    def run_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:production_laserrun_change", args=[obj.run_id]),
            f"Run {obj.run_id} on {obj.run.machine.code}",
        )

    @admin.display(description="started")
    def started(self, obj):
        return date_format(timezone.localtime(obj.run.started_at), "j M Y H:i")

    @admin.display(description="minutes")
    def minutes(self, obj):
        return _grouped(_minutes(obj), 0)

    @admin.display(description="sheets used")
    def sheets(self, obj):
        used = ", ".join(f"{sheet.quantity} × {sheet.stock}" for sheet in obj.run.sheets.all())
        return used or "—"

    @admin.display(description="share")
    def share_pct(self, obj):
        return f"{obj.share * 100:.0f} %"

    @admin.display(description="machine (R)")
    def machine_cost(self, obj):
        cost = _machine_cost(obj)
        return "no rate" if cost is None else _grouped(cost, 2)

    @admin.display(description="sheets (R)")
    def sheet_cost(self, obj):
        return _grouped(_sheet_cost(obj), 2)


# Production sits above projects: the job's page shows its runs through the core's hook.
add_page_inline(Project, ProjectRunsInline)
