"""Admin for files: the list a manager scans, a page per file (why it failed, what it measures,
every reading), an upload page, previews behind a permission check, and a project's design
files on the project page.

Every write goes through ingest.services (which audits it), so the file admin inherits
AuditedAdminMixin itself (the site does not wrap it again) and replaces its save and delete.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from laseros.admin import ReadOnlyAdmin, ReadOnlyMixin
from laseros.audit.admin import AuditedAdminMixin
from laseros.files import FILE_CSP, stored_file_response

from .. import services
from ..geometry.outlines import cutouts_text
from ..models import FileExtraction, FileIngest, FileMetadata, FileSource, FileStatus
from ..selectors import file_metadata
from ..thumbnails import MAX_THUMBNAIL_PX, MIN_THUMBNAIL_PX, thumbnail_png
from . import (
    mail,  # noqa: F401 - the e-mails read, and the unknown senders' list
    project_page,  # noqa: F401 - shows a job's design files on its page
)
from .parts import (
    DeletedFilter,
    HasWarningsFilter,
    MaterialFilter,
    StatusFilter,
    ThicknessFilter,
    UploadForm,
    _number,
    _thickness,
    status_html,
    thumbnail_html,
    warnings_html,
)

logger = logging.getLogger(__name__)

# --- files ---------------------------------------------------------------------------------------


class ExtractionHistoryInline(ReadOnlyMixin, admin.TabularInline):
    """Every reading of the file, newest first (read-only history)."""

    model = FileExtraction
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = ["created_at", "parser", "parser_version", "is_current", "warning_total"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    verbose_name = "reading"
    verbose_name_plural = "readings (history)"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw", "metadata")

    @admin.display(description="warnings")
    def warning_total(self, obj):
        return len(obj.warnings or [])


@admin.register(FileIngest)
class FileIngestAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "name",
        "client_code",
        "project_code",
        "version_label",
        "status_badge",
        "material",
        "thickness",
        "cut_length",
        "warning_total",
        "received_at",
    ]
    list_display_links = ["name"]
    list_filter = [
        StatusFilter,
        "kind",
        MaterialFilter,
        ThicknessFilter,
        ("client", admin.RelatedOnlyFieldListFilter),
        ("project", admin.RelatedOnlyFieldListFilter),
        HasWarningsFilter,
        DeletedFilter,
        "source",
        "received_at",
    ]
    search_fields = [
        "stored_name",
        "original_name",
        "part",
        "=sha256",
        "client__code",
        "client__name",
        "project__code",
        "project__name",
    ]
    date_hierarchy = "received_at"
    list_select_related = ["client", "project", "metadata", "uploaded_by"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [ExtractionHistoryInline]
    actions = ["re_extract_selected", "soft_delete_selected", "restore_selected"]
    readonly_fields = [
        "preview_large",
        "stored_name",
        "download",
        "original_name",
        "source_path",
        "client",
        "project",
        "part",
        "version_label",
        "kind",
        "mime",
        "extension",
        "detail",
        "size",
        "sha256",
        "source",
        "uploaded_by",
        "status_badge",
        "progress_text",
        "attempts",
        "received_at",
        "started_at",
        "finished_at",
        "deleted_at",
        "measurements",
        "given_values",
        "all_warnings",
        "traceback_text",
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        "preview_large",
                        "stored_name",
                        "download",
                        ("client", "project"),
                        ("part", "version_label"),
                        "status_badge",
                    ]
                },
            ),
            ("Measurements", {"fields": ["measurements", "given_values"]}),
            ("Warnings", {"fields": ["all_warnings"]}),
            (
                "The file",
                {
                    "fields": [
                        "original_name",
                        "source_path",
                        ("kind", "extension", "mime", "detail"),
                        ("size", "sha256"),
                        ("source", "uploaded_by"),
                    ]
                },
            ),
            (
                "Reading",
                {
                    "fields": [
                        "progress_text",
                        "attempts",
                        ("received_at", "started_at", "finished_at"),
                        "deleted_at",
                    ]
                },
            ),
        ]
        if request.user.is_superuser and obj is not None and obj.traceback:
            fieldsets.append(
                ("Traceback (superusers)", {"fields": ["traceback_text"], "classes": ["collapse"]})
            )
        return fieldsets

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("client", "project", "metadata", "uploaded_by")
        )

    @admin.display(description="values given")
    def given_values(self, obj):
        """What the sender said with the file; these win over what the file says."""
        given = obj.given or {}
        parts = [
            f"{label} {given[key]}{unit}"
            for key, label, unit in (
                ("material", "material", ""),
                ("thickness_mm", "thickness", " mm"),
                ("quantity", "quantity", ""),
            )
            if given.get(key) not in (None, "")
        ]
        return ", ".join(parts) or "—"

    # columns

    @admin.display(description="")
    def thumbnail(self, obj):
        return thumbnail_html(obj, lazy=True)

    @admin.display(description="file", ordering="stored_name")
    def name(self, obj):
        if obj.original_name and obj.original_name != obj.stored_name:
            return format_html(
                '{}<div style="color:var(--body-quiet-color)">from {}</div>',
                obj.stored_name,
                Truncator(obj.original_name).chars(60),
            )
        return obj.stored_name

    @admin.display(description="client", ordering="client__code")
    def client_code(self, obj):
        return obj.client.code if obj.client_id else "—"

    @admin.display(description="job", ordering="project__code")
    def project_code(self, obj):
        return obj.project.code if obj.project_id else "unfiled"

    @admin.display(description="version", ordering="version")
    def version_label(self, obj):
        return f"v{obj.version:03d}" if obj.version else "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_html(obj)

    @admin.display(description="material", ordering="metadata__material_code")
    def material(self, obj):
        metadata = file_metadata(obj)
        return (metadata.material_code if metadata else "") or "—"

    @admin.display(description="thickness", ordering="metadata__thickness_mm")
    def thickness(self, obj):
        metadata = file_metadata(obj)
        return _thickness(metadata.thickness_mm if metadata else None)

    @admin.display(description="cut length", ordering="metadata__cut_length_mm")
    def cut_length(self, obj):
        metadata = file_metadata(obj)
        return _number(metadata.cut_length_mm if metadata else None, "mm", 0)

    @admin.display(description="warnings", ordering="metadata__warning_count")
    def warning_total(self, obj):
        metadata = file_metadata(obj)
        count = metadata.warning_count if metadata else len(obj.ingest_warnings or [])
        if not count:
            return "—"
        return format_html('<span style="color:#b45309;font-weight:600">⚠ {}</span>', count)

    # change page

    @admin.display(description="preview")
    def preview_large(self, obj):
        return thumbnail_html(obj, size=320)

    @admin.display(description="stored file")
    def download(self, obj):
        return format_html(
            '<a href="{}">Download {}</a>',
            reverse("admin:ingest_fileingest_download", args=[obj.pk]),
            obj.stored_name,
        )

    @admin.display(description="size")
    def size(self, obj):
        return _number(obj.size_bytes / 1024, "KB", 1)

    @admin.display(description="progress")
    def progress_text(self, obj):
        if obj.status == FileStatus.PROCESSING:
            return f"{round(obj.progress * 100)}% {obj.progress_message}".strip()
        if obj.status == FileStatus.FAILED:
            return obj.failure_reason
        return obj.get_status_display()

    @admin.display(description="measurements")
    def measurements(self, obj):
        metadata = file_metadata(obj)
        if metadata is None:
            return "Not read yet."
        holes = metadata.holes or []
        rows = [
            ("Material", metadata.material_code or "—"),
            ("Thickness", _thickness(metadata.thickness_mm)),
            ("Quantity", metadata.quantity if metadata.quantity is not None else "—"),
            ("Cut length", _number(metadata.cut_length_mm, "mm")),
            ("Pierces", metadata.pierce_count if metadata.pierce_count is not None else "—"),
            ("Parts", metadata.part_count if metadata.part_count is not None else "—"),
            ("Area", _number(metadata.area_mm2, "mm²", 0)),
            (
                "Size (bounding box)",
                f"{_number(metadata.bbox_width_mm)} × {_number(metadata.bbox_height_mm, 'mm')}"
                if metadata.bbox_mm
                else "—",
            ),
            (
                "Contours",
                f"{metadata.closed_contours or 0} closed, {metadata.open_contours or 0} open"
                if metadata.closed_contours is not None
                else "—",
            ),
            (
                "Holes",
                ", ".join(
                    f"Ø{_number(h.get('diameter_mm'), 'mm', 2)}"
                    for h in holes[:30]
                    if isinstance(h, dict)
                )
                + (f" … ({len(holes)} in all)" if len(holes) > 30 else "")
                or "—",
            ),
            ("Cut-outs", cutouts_text(metadata.cutouts or [], most=12) or "—"),
            ("Layers", ", ".join(str(layer) for layer in metadata.layers[:40]) or "—"),
            (
                "Entities",
                ", ".join(f"{k} {v}" for k, v in sorted(metadata.entity_counts.items())) or "—",
            ),
            ("Drawing units", metadata.units or "—"),
        ]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description="warnings")
    def all_warnings(self, obj):
        metadata = file_metadata(obj)
        return warnings_html(metadata.warnings if metadata else obj.ingest_warnings)

    @admin.display(description="traceback")
    def traceback_text(self, obj):
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", obj.traceback)

    # what the admin may do

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes go through the actions below
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        raise PermissionDenied("Files change only through their actions (re-extract, delete).")

    def get_deleted_objects(self, objs, request):
        """A file's readings and measurements go with it: deleting the file needs only the
        permission to delete files (their own admins are read-only)."""
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        services.hard_delete(file=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for file in queryset:
            services.hard_delete(file=file, by=request.user)

    @admin.action(description="Re-extract (read the selected files again)", permissions=["change"])
    def re_extract_selected(self, request, queryset):
        self._run(request, queryset, services.re_extract, "queued to be read again")

    @admin.action(description="Delete the selected files (can be restored)", permissions=["delete"])
    def soft_delete_selected(self, request, queryset):
        self._run(request, queryset, services.soft_delete, "deleted (restorable)")

    @admin.action(description="Restore the selected deleted files", permissions=["delete"])
    def restore_selected(self, request, queryset):
        self._run(request, queryset, services.restore, "restored")

    def _run(self, request, queryset, service, done: str) -> None:
        count = 0
        for file in queryset.select_related("client", "project"):
            try:
                service(file=file, by=request.user)
                count += 1
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.WARNING)
        if count:
            self.message_user(request, f"{count} file(s) {done}.", messages.SUCCESS)

    # extra pages: upload, preview, download

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="ingest_fileingest_preview",
            ),
            path(
                "<int:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="ingest_fileingest_download",
            ),
        ]
        return own + super().get_urls()

    def preview_view(self, request, object_id: int):
        """The preview PNG, only for users who may view the file; ?size=64 makes it a thumbnail
        of that many pixels whose cut lines still show (ingest.thumbnails)."""
        file = get_object_or_404(FileIngest.objects.select_related("metadata"), pk=object_id)
        if not self.has_view_permission(request, file):
            raise PermissionDenied
        metadata = file_metadata(file)
        if metadata is None or not metadata.preview:
            raise Http404("This file has no preview.")
        size = request.GET.get("size")
        if size is None:
            return stored_file_response(
                metadata.preview.name, "image/png", inline=True, cache_seconds=300
            )
        if not size.isdigit() or not MIN_THUMBNAIL_PX <= int(size) <= MAX_THUMBNAIL_PX:
            return HttpResponseBadRequest(
                f"The size of a thumbnail is a whole number of pixels from {MIN_THUMBNAIL_PX} "
                f"to {MAX_THUMBNAIL_PX}.",
                content_type="text/plain; charset=utf-8",
            )
        try:
            with metadata.preview.open("rb") as stored:
                png = thumbnail_png(stored.read(), size_px=int(size))
        except (FileNotFoundError, ValueError) as exc:
            logger.warning("no thumbnail for file %s: %s", file.pk, exc)
            raise Http404("This file's preview cannot be read.") from exc
        response = HttpResponse(png, content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = FILE_CSP
        response["Cache-Control"] = "private, max-age=300"
        return response

    def download_view(self, request, object_id: int):
        file = get_object_or_404(FileIngest, pk=object_id)
        if not self.has_view_permission(request, file):
            raise PermissionDenied
        return stored_file_response(
            file.file.name,
            file.mime or "application/octet-stream",
            file.stored_name,
            cache_seconds=300,
        )

    def add_view(self, request, form_url="", extra_context=None):
        """The add page is the upload page: one or many files, with their client or project."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        results: list[tuple[str, str, str]] = []
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                results = self._upload(request, form.cleaned_data)
                if all(level != "error" for level, _, _ in results):
                    return HttpResponseRedirect(self._after_upload(request, form.cleaned_data))
        else:
            form = UploadForm(initial=request.GET.dict())
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload files",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "results": results,
            "max_mb": settings.INGEST_MAX_UPLOAD_MB,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/ingest/fileingest/upload.html", context)

    def _after_upload(self, request, data) -> str:
        """Back to the job when the upload began on its page (its link names the job) and the
        files were filed under a job; else the files list."""
        project = data.get("project")
        if "project" in request.GET and project is not None:
            return reverse("admin:projects_project_change", args=[project.pk])
        return reverse("admin:ingest_fileingest_changelist")

    def _upload(self, request, data) -> list[tuple[str, str, str]]:
        results = []
        for upload in data["files"]:
            try:
                outcome = services.ingest(
                    source_file=upload,
                    original_name=upload.name,
                    client=data.get("client"),
                    project=data.get("project"),
                    uploaded_by=request.user,
                    source=FileSource.ADMIN,
                    part=data.get("part") or None,
                    given=data.get("given"),
                )
            except ValidationError as exc:
                text = "; ".join(exc.messages)
                results.append(("error", upload.name, text))
                self.message_user(request, f"{upload.name}: refused: {text}", messages.ERROR)
                continue
            level = "success" if outcome.created else "warning"
            results.append((level, upload.name, outcome.message))
            self.message_user(
                request,
                f"{upload.name}: {outcome.message}",
                messages.SUCCESS if outcome.created else messages.WARNING,
            )
        return results


@admin.register(FileMetadata)
class FileMetadataAdmin(ReadOnlyAdmin):
    """What each file measures, as one table to sort and filter (the file's page shows it too)."""

    list_display = [
        "file",
        "material_code",
        "thickness_mm",
        "quantity",
        "cut_length_mm",
        "pierce_count",
        "part_count",
        "area_mm2",
        "bbox_width_mm",
        "bbox_height_mm",
        "warning_count",
        "updated_at",
    ]
    list_filter = ["material_code", "thickness_mm", "has_warnings", "file__kind"]
    search_fields = ["file__stored_name", "file__original_name", "file__project__code"]
    list_select_related = ["file"]
    date_hierarchy = "updated_at"
    show_full_result_count = False
    exclude = ["preview"]


@admin.register(FileExtraction)
class FileExtractionAdmin(ReadOnlyAdmin):
    """Every reading of every file, kept as history."""

    list_display = ["file", "parser", "parser_version", "is_current", "warning_total", "created_at"]
    list_filter = ["parser", "is_current", "created_at"]
    search_fields = ["file__stored_name", "file__original_name"]
    list_select_related = ["file"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    @admin.display(description="warnings")
    def warning_total(self, obj):
        return len(obj.warnings or [])
