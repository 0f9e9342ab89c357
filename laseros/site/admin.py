"""The reports made: each file with its period, format, version and checksum, to download or to
make again (a new version; the one that was sent stays as it was)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from .models import ReportRun


@admin.action(description="Make again (a new version of each report chosen)", permissions=["rerun"])
def rerun(modeladmin, request, queryset):
    from .reports.services import report_make

    wanted: dict[tuple[str, object], list[str]] = {}
    for run in queryset.order_by("kind", "period_start", "format"):
        formats = wanted.setdefault((run.kind, run.period_start), [])
        if run.format not in formats:
            formats.append(run.format)
    made = 0
    for (kind, day), formats in wanted.items():
        try:
            made += len(
                report_make(kind=kind, day=day, formats=formats, by=request.user, send_to=[])
            )
        except Exception as exc:  # a report that cannot be drawn: say so, make the others
            modeladmin.message_user(request, f"{kind} {day}: not made ({exc}).", messages.ERROR)
    if made:
        modeladmin.message_user(request, f"{made} report file(s) made again.", messages.SUCCESS)


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Nothing here is edited: a report is made by the schedule, the command or 'Make again'."""

    list_display = [
        "period",
        "kind",
        "format",
        "version",
        "is_latest",
        "download",
        "size_bytes",
        "short_sha256",
        "sent",
        "created_at",
    ]
    list_filter = ["kind", "format", "is_latest"]
    date_hierarchy = "period_start"
    search_fields = ["kind", "sha256", "file"]
    list_select_related = ["created_by"]
    actions = [rerun]
    show_full_result_count = False
    readonly_fields = [
        "kind",
        "period_start",
        "period_end",
        "format",
        "version",
        "is_latest",
        "download",
        "size_bytes",
        "sha256",
        "sent_to",
        "created_at",
        "created_by",
    ]
    fields = tuple(readonly_fields)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_rerun_permission(self, request):
        return request.user.has_perm("laseros_site.add_reportrun")

    @admin.display(description="period", ordering="period_start")
    def period(self, obj: ReportRun) -> str:
        if obj.period_start == obj.period_end:
            return obj.period_start.isoformat()
        return f"{obj.period_start} – {obj.period_end}"

    @admin.display(description="file")
    def download(self, obj: ReportRun) -> str:
        if not obj.file:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.file.url, obj.file.name.rsplit("/", 1)[-1])

    @admin.display(description="SHA-256")
    def short_sha256(self, obj: ReportRun) -> str:
        return format_html('<code title="{}">{}…</code>', obj.sha256, obj.sha256[:12])

    @admin.display(description="sent to")
    def sent(self, obj: ReportRun) -> str:
        return ", ".join(obj.sent_to) or "—"
