"""Admin for production: a manager runs the queue here (move actions call the queue services),
records laser runs through `run_record` (sheets are taken from stock once, never by a bare save)
and tunes presets with a change log."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from laseros.admin import ReadOnlyAdmin, ReadOnlyInline
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin

from .. import selectors, services
from ..models import (
    PRESET_TUNED_FIELDS,
    QUEUE_ACTIVE,
    CutPreset,
    CutPresetChange,
    LaserRun,
    LaserRunPhoto,
    LaserRunProject,
    LaserRunSheet,
    Machine,
    Operator,
    QualityEffect,
    QueueItem,
    QueuePriority,
)
from ..selectors import local_day_bounds

# runs in progress; a job's runs on its page; every pinned slot
from . import floor_runs, project_page, slot_overrides  # noqa: F401
from .forms import (
    CutPresetForm,
    RunProjectFormSet,
    RunRecordForm,
    RunSheetFormSet,
    registered_with_search,
)


class ProjectAutocompleteMixin:
    """Autocomplete for `project` once projects' admin is registered with search fields."""

    def get_autocomplete_fields(self, request):
        from projects.models import Project

        fields = list(super().get_autocomplete_fields(request))
        if registered_with_search(self.admin_site, Project):
            fields.append("project")
        return fields


# --- machines and operators -----------------------------------------------------------------------


@admin.register(Machine)
class MachineAdmin(MoneyFieldsAdminMixin, admin.ModelAdmin):
    money_fields = ("hourly_rate",)  # what an hour costs: not for operators
    list_display = [
        "code",
        "name",
        "machine_model",
        "power_w",
        "max_sheet",
        "hourly_rate",
        "queued",
        "is_active",
    ]
    list_filter = ["is_active", "machine_model"]
    search_fields = ["code", "name", "machine_model"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                queued_count=Count("queue_items", filter=Q(queue_items__status__in=QUEUE_ACTIVE))
            )
        )

    @admin.display(description="max sheet (mm)")
    def max_sheet(self, obj):
        if obj.max_sheet_width_mm and obj.max_sheet_length_mm:
            return f"{obj.max_sheet_width_mm}×{obj.max_sheet_length_mm}"
        return "—"

    @admin.display(description="in queue", ordering="queued_count")
    def queued(self, obj):
        url = reverse("admin:production_queueitem_changelist")
        return format_html(
            '<a href="{}?machine__id__exact={}&status__in=queued,cutting">{}</a>',
            url,
            obj.pk,
            obj.queued_count,
        )


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "machine_codes", "is_active"]
    list_filter = ["is_active", "machines"]
    search_fields = ["display_name", "user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["machines"]
    list_select_related = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("machines")

    @admin.display(description="machines")
    def machine_codes(self, obj):
        return ", ".join(m.code for m in obj.machines.all()) or "any"


# --- presets --------------------------------------------------------------------------------------


class CutPresetChangeInline(ReadOnlyInline, admin.TabularInline):
    model = CutPresetChange
    fields = ["changed_at", "by", "reason", "quality_effect", "quality_note", "fields_changed"]
    readonly_fields = fields
    ordering = ["-changed_at"]
    verbose_name_plural = "change log"


@admin.register(CutPreset)
class CutPresetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = CutPresetForm
    list_display = [
        "__str__",
        "material",
        "thickness_mm",
        "gas",
        "nozzle",
        "note",
        "cut_speed_mm_min",
        "actual_power_w",
        "gas_pressure_bar",
        "pierce_time_s",
        "change_count",
        "is_active",
        "updated_at",
    ]
    list_filter = ["material", "gas", "nozzle", "thickness_mm", "is_active"]
    search_fields = ["name", "nozzle", "note", "source_file_name", "material__code"]
    autocomplete_fields = ["material"]
    list_select_related = ["material"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CutPresetChangeInline]
    fieldsets = [
        (None, {"fields": ["material", "thickness_mm", "gas", "nozzle", "note", "name"]}),
        (
            "Cutting",
            {
                "fields": [
                    "cut_speed_mm_min",
                    ("peak_power_w", "actual_power_w"),
                    ("duty_cycle_pct", "pulse_frequency_hz"),
                    "gas_pressure_bar",
                    ("nozzle_height_mm", "focus_position_mm", "beam_width_mm"),
                    ("laser_on_delay_ms", "laser_off_delay_ms"),
                    ("pierce_time_s", "pierce_power_w"),
                    "corner_power_pct",
                    "kerf_mm",
                ]
            },
        ),
        (None, {"fields": ["notes", "source_file_name", "is_active"]}),
        ("Why this change", {"fields": ["change_reason", "quality_effect", "quality_note"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(changes_count=Count("changes"))

    @admin.display(description="changes", ordering="changes_count")
    def change_count(self, obj):
        return obj.changes_count

    def save_model(self, request, obj, form, change):
        """Through the services: a change writes the change log (and the audit entry)."""
        data = form.cleaned_data
        if not change:
            fields = {f: data[f] for f in PRESET_TUNED_FIELDS if f in data}
            created = services.preset_create(by=request.user, **fields)
            obj.pk = created.pk
            obj._state.adding = False
            return
        changes = {f: data[f] for f in form.changed_data if f in PRESET_TUNED_FIELDS}
        if changes:
            services.preset_update(
                preset=CutPreset.objects.get(pk=obj.pk),
                changes=changes,
                by=request.user,
                reason=data.get("change_reason") or "",
                quality_effect=data.get("quality_effect") or QualityEffect.UNKNOWN,
                quality_note=data.get("quality_note") or "",
            )


@admin.register(CutPresetChange)
class CutPresetChangeAdmin(ReadOnlyAdmin):
    """The change log across all presets (written only by preset_update)."""

    list_display = ["changed_at", "preset", "by", "reason", "quality_effect", "fields_changed"]
    list_filter = ["quality_effect", "preset__material", ("by", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "quality_note", "preset__name", "preset__nozzle"]
    date_hierarchy = "changed_at"
    list_select_related = ["preset__material", "by"]
    readonly_fields = [
        "preset",
        "changed_at",
        "by",
        "reason",
        "quality_effect",
        "quality_note",
        "changes",
    ]


# --- the queue ------------------------------------------------------------------------------------


class QueueStateFilter(admin.SimpleListFilter):
    title = "in the queue"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Queued or cutting"), ("closed", "Done or cancelled")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(status__in=QUEUE_ACTIVE)
        if self.value() == "closed":
            return queryset.exclude(status__in=QUEUE_ACTIVE)
        return queryset


@admin.register(QueueItem)
class QueueItemAdmin(ProjectAutocompleteMixin, AuditedAdminMixin, admin.ModelAdmin):
    # one line per item at 1024 wide (static/css/admin.css): the machine by its code and the
    # place in its queue in one column, the job by its code with its name shortened beside it,
    # a High or Urgent priority beside the status
    list_display = [
        "place",
        "job_code",
        "job_name",
        "client",
        "status_label",
        "scheduled_date",
        "minutes",
    ]
    list_display_links = ["job_code"]
    list_filter = [QueueStateFilter, "machine", "status", "priority", "scheduled_date"]
    search_fields = ["project__code", "project__name", "project__client__name", "notes"]
    autocomplete_fields = ["machine"]
    list_select_related = ["machine", "project__client"]
    date_hierarchy = "scheduled_date"
    readonly_fields = ["position", "status", "added_at", "added_by", "started_at", "finished_at"]
    actions = [
        "move_top",
        "move_up",
        "move_down",
        "move_bottom",
        "start_cutting",
        "complete",
        "remove",
    ]

    def has_delete_permission(self, request, obj=None):
        # Deleting would leave a gap in the positions: take items out with the action instead.
        return False

    def get_queryset(self, request):
        # the order's keys are annotations: ModelAdmin.get_queryset orders before they exist
        return QueueItem.objects.with_queue_keys().order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        # by priority (Urgent first) then position, per machine: selectors.queue_list's order
        return [
            F("machine__code").asc(),
            "queue_closed",
            "priority_rank",
            F("position").asc(nulls_last=True),
            "-added_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "machine", "project"] if obj is not None else fields

    @admin.display(description="machine · #", ordering="machine__code")
    def place(self, obj):
        where = "—" if obj.position is None else obj.position
        return format_html(
            '<span title="{}">{} · {}</span>', obj.machine.name, obj.machine.code, where
        )

    @admin.display(description="job", ordering="project__code")
    def job_code(self, obj):
        return obj.project.code

    @admin.display(description="name", ordering="project__name")
    def job_name(self, obj):
        return format_html('<span title="{}">{}</span>', obj.project.name, obj.project.name)

    @admin.display(description="client", ordering="project__client__name")
    def client(self, obj):
        return obj.project.client.name

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        if obj.priority in (QueuePriority.HIGH, QueuePriority.URGENT):
            return f"{obj.get_status_display()} · {obj.get_priority_display()}"
        return obj.get_status_display()

    @admin.display(description="est. min", ordering="estimated_minutes")
    def minutes(self, obj):
        return "—" if obj.estimated_minutes is None else obj.estimated_minutes

    def save_model(self, request, obj, form, change):
        """Through the services: new items go to the end; positions move only by actions."""
        data = form.cleaned_data
        planning = ["priority", "scheduled_date", "estimated_minutes", "notes"]
        if change:
            changed = {f: data[f] for f in form.changed_data if f in planning}
            if changed:
                services.queue_item_update(item=obj, by=request.user, **changed)
            return
        created = services.queue_add(
            project=data["project"],
            machine=data["machine"],
            by=request.user,
            **{f: data[f] for f in planning if f in data},
        )
        obj.pk, obj.position = created.pk, created.position
        obj._state.adding = False

    def _each(self, request, queryset, do, done_words, *, bottom_first=False):
        done, refused = 0, []
        # Several items keep their order: top-most first moving up, bottom-most first moving down.
        order = "-position" if bottom_first else "position"
        for item in queryset.select_related("machine", "project").order_by("machine__code", order):
            try:
                do(item)
                done += 1
            except ValidationError as exc:
                refused.append(f"{item.project.code}: {' '.join(exc.messages)}")
        if done:
            self.message_user(request, f"{done} item(s) {done_words}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def _move_within_priority(self, request, item, where):
        """Move within the item's priority (the queue goes by priority): `where` picks the
        position from the band's first and last and the item's own."""
        if item.position is None:
            raise ValidationError("Only queued or cutting items have a position.")
        first, last = selectors.queue_priority_band(item)
        services.queue_move(
            item=item, to_position=where(first, last, item.position), by=request.user
        )

    @admin.action(description="Move to the top (of its priority)", permissions=["change"])
    def move_top(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: self._move_within_priority(request, item, lambda f, _l, _p: f),
            "moved to the top of their priority",
            bottom_first=True,
        )

    @admin.action(description="Move up one", permissions=["change"])
    def move_up(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: self._move_within_priority(request, item, lambda f, _l, p: max(f, p - 1)),
            "moved up",
        )

    @admin.action(description="Move down one", permissions=["change"])
    def move_down(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: self._move_within_priority(
                request, item, lambda _f, last, p: min(last, p + 1)
            ),
            "moved down",
            bottom_first=True,
        )

    @admin.action(description="Move to the bottom (of its priority)", permissions=["change"])
    def move_bottom(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: self._move_within_priority(request, item, lambda _f, last, _p: last),
            "moved to the bottom of their priority",
        )

    @admin.action(description="Start cutting", permissions=["change"])
    def start_cutting(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: services.queue_start(item=item, by=request.user),
            "started",
        )

    @admin.action(description="Mark done (cut)", permissions=["change"])
    def complete(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: services.queue_complete(item=item, by=request.user),
            "marked done",
        )

    @admin.action(description="Take out of the queue (cancel)", permissions=["change"])
    def remove(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda item: services.queue_remove(item=item, by=request.user, reason="via admin"),
            "taken out of the queue",
        )


# --- laser runs -----------------------------------------------------------------------------------


class RunDayFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("week", "Last 7 days")]

    def queryset(self, request, queryset):
        start, end = local_day_bounds()
        if self.value() == "today":
            return queryset.filter(started_at__gte=start, started_at__lt=end)
        if self.value() == "week":
            return queryset.filter(started_at__gte=start - dt.timedelta(days=6))
        return queryset


class LaserRunProjectInline(ReadOnlyInline, admin.TabularInline):
    model = LaserRunProject
    fields = ["project", "parts", "cut_length_mm", "area_mm2", "pierce_count", "share"]
    readonly_fields = fields
    verbose_name_plural = "jobs in this run (share of time and material)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")


class LaserRunSheetInline(ReadOnlyInline, admin.TabularInline):
    model = LaserRunSheet
    fields = ["stock", "quantity", "movement"]
    readonly_fields = fields
    verbose_name_plural = "sheets taken from stock"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stock__material", "movement")


class LaserRunPhotoInline(admin.TabularInline):
    model = LaserRunPhoto
    fields = ["image", "caption", "taken_at"]
    readonly_fields = ["taken_at"]
    extra = 1


@admin.register(LaserRun)
class LaserRunAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "machine",
        "operator",
        "preset",
        "started_at",
        "duration",
        "parts_cut",
        "scrap_parts",
        "sheet_count",
        "jobs",
    ]
    list_filter = [RunDayFilter, "machine", "operator", "started_at"]
    search_fields = ["notes", "operator__display_name", "project_shares__project__code"]
    date_hierarchy = "started_at"
    list_select_related = ["machine", "operator", "preset__material"]
    inlines = [LaserRunProjectInline, LaserRunSheetInline, LaserRunPhotoInline]
    fields = [
        "machine",
        "operator",
        "preset",
        "started_at",
        "ended_at",
        "parts_cut",
        "scrap_parts",
        "notes",
        "recorded_at",
        "recorded_by",
    ]
    readonly_fields = [
        "machine",
        "operator",
        "preset",
        "started_at",
        "ended_at",
        "recorded_at",
        "recorded_by",
    ]

    def get_queryset(self, request):
        return selectors.run_list().annotate(sheets_used=Sum("sheets__quantity"))

    @admin.display(description="minutes")
    def duration(self, obj):
        return obj.duration_minutes

    @admin.display(description="sheets", ordering="sheets_used")
    def sheet_count(self, obj):
        return obj.sheets_used or 0

    @admin.display(description="jobs")
    def jobs(self, obj):
        return ", ".join(rp.project.code for rp in obj.project_shares.all())

    def has_delete_permission(self, request, obj=None):
        # Its sheets already left stock; a run is corrected with stock movements, not deleted.
        return False

    def get_urls(self):
        return [
            path(
                "record/",
                self.admin_site.admin_view(self.record_view),
                name="production_laserrun_record",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:production_laserrun_record")

    def record_view(self, request):
        """Record a run: the jobs it served and the sheets it used go through run_record."""
        if not self.has_add_permission(request):
            return self.admin_site.refuse(request, "record laser runs")
        data = request.POST or None
        form = RunRecordForm(data, admin_site=self.admin_site)
        project_rows = RunProjectFormSet(
            data, prefix="projects", form_kwargs={"site": self.admin_site}
        )
        sheet_rows = RunSheetFormSet(data, prefix="sheets", form_kwargs={"site": self.admin_site})
        if request.method == "POST" and all(
            [form.is_valid(), project_rows.is_valid(), sheet_rows.is_valid()]
        ):
            try:
                run = services.run_record(
                    **form.cleaned_data,
                    projects=[
                        (
                            row["project"],
                            row.get("parts") or 0,
                            row.get("cut_length_mm") or 0,
                            row.get("area_mm2") or 0,
                        )
                        for row in project_rows.cleaned_data
                        if row and not row.get("DELETE")
                    ],
                    sheets=[
                        (row["stock"], row["quantity"])
                        for row in sheet_rows.cleaned_data
                        if row and not row.get("DELETE")
                    ],
                    by=request.user,
                )
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    form.add_error(None, exc)
                for field, errors in getattr(exc, "message_dict", {}).items():
                    for error in errors:
                        if field in form.fields:
                            form.add_error(field, error)
                        else:
                            form.add_error(None, f"{field.replace('_', ' ')}: {error}")
            else:
                self.message_user(request, f"{run} recorded.", messages.SUCCESS)
                return redirect("admin:production_laserrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Record a laser run",
            "opts": self.opts,
            "form": form,
            "project_rows": project_rows,
            "sheet_rows": sheet_rows,
            "media": self.media + form.media + project_rows.media + sheet_rows.media,
        }
        return TemplateResponse(request, "production/admin/record_run.html", context)
