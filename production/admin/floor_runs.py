"""Runs in progress on the floor, for a manager to look at in the admin: started, paused,
checked sheet by sheet and finished on the floor's pages (production.services.floor_runs), so
read-only here; a finished one links to the laser run it recorded."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from laseros.admin import ReadOnlyAdmin, ReadOnlyInline

from ..models import FloorRun, FloorRunJob, FloorRunPause, FloorRunSheet


class FloorRunJobInline(ReadOnlyInline, admin.TabularInline):
    model = FloorRunJob
    fields = ["project"]


class FloorRunSheetInline(ReadOnlyInline, admin.TabularInline):
    model = FloorRunSheet
    fields = [
        "number",
        "stock",
        "photo",
        "check_head",
        "check_height",
        "check_hold_downs",
        "check_hardware",
        "check_hazards",
        "parts_cut",
        "scrap_parts",
        "offcut",
        "notes",
        "checked_at",
    ]


class FloorRunPauseInline(ReadOnlyInline, admin.TabularInline):
    model = FloorRunPause
    fields = ["started_at", "ended_at", "reason"]


@admin.register(FloorRun)
class FloorRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "machine", "operator", "status", "started_at", "ended_at", "recorded"]
    list_filter = ["status", "machine"]
    list_select_related = ["machine", "operator", "laser_run"]
    date_hierarchy = None
    inlines = [FloorRunJobInline, FloorRunSheetInline, FloorRunPauseInline]

    @admin.display(description="laser run")
    def recorded(self, run: FloorRun) -> str:
        if run.laser_run_id is None:
            return "—"
        url = reverse("admin:production_laserrun_change", args=[run.laser_run_id])
        return format_html('<a href="{}">Run {}</a>', url, run.laser_run_id)
