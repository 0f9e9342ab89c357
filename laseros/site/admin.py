"""The reports made: each file with its period, format, version and checksum, to download or to
make again (a new version; the one that was sent stays as it was). The clients' tracking links:
listed, revoked, and made from the job list; a job's page lists its links."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from laseros.admin import ReadOnlyInline, add_list_action, add_page_inline
from projects.models import Project

from .models import ReportRun, TrackingLink
from .tracking.links import link_url, tracking_link_create, tracking_link_revoke


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


# --- the clients' tracking links --------------------------------------------------------------


def link_state(link: TrackingLink) -> str:
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= timezone.now() else "live"


@admin.action(description="Revoke (the link stops working now)", permissions=["change"])
def revoke_links(modeladmin, request, queryset):
    revoked = 0
    for link in queryset.filter(revoked_at__isnull=True):
        tracking_link_revoke(link=link, by=request.user)
        revoked += 1
    modeladmin.message_user(request, f"{revoked} link(s) revoked.", messages.SUCCESS)


@admin.register(TrackingLink)
class TrackingLinkAdmin(admin.ModelAdmin):
    """Links are made from the job list (or the API) and ended by 'Revoke'; nothing else here
    changes them."""

    list_display = [
        "id",
        "job_code",
        "client_name",
        "state",
        "expires_at",
        "last_used_at",
        "created_at",
        "created_by",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "expires_at", "created_at"]
    search_fields = ["project__code", "project__name", "project__client__name"]
    date_hierarchy = "created_at"
    actions = [revoke_links]
    fields = [
        "project",
        "url",
        "state",
        "expires_at",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("project__client", "created_by", "revoked_by")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="job", ordering="project__code")
    def job_code(self, obj):
        url = reverse("admin:projects_project_change", args=[obj.project_id])
        return format_html('<a href="{}">{}</a>', url, obj.project.code)

    @admin.display(description="client", ordering="project__client__name")
    def client_name(self, obj):
        return obj.project.client.name

    @admin.display(description="state")
    def state(self, obj):
        return link_state(obj)

    @admin.display(description="link to send the client")
    def url(self, obj):
        if link_state(obj) != "live":
            return "— (it no longer works)"
        address = link_url(obj)
        return format_html('<a href="{}" rel="noreferrer">{}</a>', address, address)


class JobTrackingLinksInline(ReadOnlyInline, admin.TabularInline):
    """A job's tracking links on the job's page (projects cannot import this layer)."""

    model = TrackingLink
    fk_name = "project"
    verbose_name = "client tracking link"
    verbose_name_plural = "client tracking links (make one with the job list's action)"
    fields = ["link", "state", "expires_at", "last_used_at", "created_by"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description="link")
    def link(self, obj):
        if link_state(obj) != "live":
            url = reverse("admin:laseros_site_trackinglink_change", args=[obj.pk])
            return format_html('<a href="{}">#{}</a>', url, obj.pk)
        address = link_url(obj)
        return format_html('<a href="{}" rel="noreferrer">{}</a>', address, address)

    @admin.display(description="state")
    def state(self, obj):
        return link_state(obj)


@admin.action(description="Make a client tracking link (no login; revocable)")
def make_tracking_links(modeladmin, request, queryset):
    """A new link for each chosen job, shown to copy into a message."""
    if not request.user.has_perm("laseros_site.add_trackinglink"):
        messages.error(request, "Only those who may make tracking links can do this.")
        return None
    for project in queryset:
        link = tracking_link_create(project=project, by=request.user)
        address = link_url(link)
        messages.success(
            request,
            format_html(
                '{}: <a href="{}" rel="noreferrer">{}</a> (works until {}).',
                project.code,
                address,
                address,
                f"{timezone.localtime(link.expires_at):%Y-%m-%d}",
            ),
        )
    return None


# The job's page lists its links, and the job list makes them, through the core's hooks.
add_page_inline(Project, JobTrackingLinksInline)
add_list_action(Project, make_tracking_links)
