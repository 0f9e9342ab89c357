"""A project's design files on the project's admin page (projects cannot import ingest)."""

from __future__ import annotations

import logging

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from laseros.admin import ReadOnlyMixin, add_page_inline
from projects.models import Project

from .. import selectors
from ..geometry.outlines import openings_text
from ..models import FileIngest
from ..selectors import file_metadata
from .parts import _number, _thickness, status_html, thumbnail_html, warnings_html

logger = logging.getLogger(__name__)


class ProjectFilesInline(ReadOnlyMixin, admin.TabularInline):
    """A project's files with preview, measurements and warnings (read-only; the link under the
    table opens the upload page with the project chosen)."""

    model = FileIngest
    template = "admin/ingest/project_files_inline.html"
    fk_name = "project"
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name = "design file"
    verbose_name_plural = "design files"
    fields = [
        "thumbnail",
        "file_name",
        "version_label",
        "status_badge",
        "material",
        "thickness",
        "quantity",
        "cut_length",
        "pierces",
        "bbox",
        "warning_list",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.project_files()

    @admin.display(description="")
    def thumbnail(self, obj):
        return thumbnail_html(obj, size=64)

    @admin.display(description="file")
    def file_name(self, obj):
        return format_html(
            '<a href="{}">{}</a><div style="color:var(--body-quiet-color)">{}</div>',
            reverse("admin:ingest_fileingest_change", args=[obj.pk]),
            obj.stored_name,
            Truncator(obj.original_name).chars(60),
        )

    @admin.display(description="version")
    def version_label(self, obj):
        return f"v{obj.version:03d}"

    @admin.display(description="status")
    def status_badge(self, obj):
        return status_html(obj)

    @admin.display(description="material")
    def material(self, obj):
        metadata = file_metadata(obj)
        return (metadata.material_code if metadata else "") or "—"

    @admin.display(description="thickness")
    def thickness(self, obj):
        metadata = file_metadata(obj)
        return _thickness(metadata.thickness_mm if metadata else None)

    @admin.display(description="qty")
    def quantity(self, obj):
        metadata = file_metadata(obj)
        return metadata.quantity if metadata and metadata.quantity is not None else "—"

    @admin.display(description="cut length")
    def cut_length(self, obj):
        metadata = file_metadata(obj)
        return _number(metadata.cut_length_mm if metadata else None, "mm", 0)

    @admin.display(description="pierces")
    def pierces(self, obj):
        metadata = file_metadata(obj)
        return metadata.pierce_count if metadata and metadata.pierce_count is not None else "—"

    @admin.display(description="size")
    def bbox(self, obj):
        """The drawing's size, and under it its holes and cut-outs (slots, windows)."""
        metadata = file_metadata(obj)
        if metadata is None or metadata.bbox_mm is None:
            return "—"
        size = f"{_number(metadata.bbox_width_mm)} × {_number(metadata.bbox_height_mm, 'mm')}"
        openings = openings_text(metadata.holes or [], metadata.cutouts or [])
        if not openings:
            return size
        return format_html('{}<div style="color:var(--body-quiet-color)">{}</div>', size, openings)

    @admin.display(description="warnings")
    def warning_list(self, obj):
        metadata = file_metadata(obj)
        return warnings_html(metadata.warnings if metadata else obj.ingest_warnings)


# Ingest sits above projects: the job's page shows its design files through the core's hook.
add_page_inline(Project, ProjectFilesInline)
