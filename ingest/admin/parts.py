"""The pieces the files admin is built from: how a file looks in a list (thumbnail, status,
warnings), the list filters, and the upload form."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from clients.models import Client
from laseros.units import format_thickness
from projects.models import Project

from ..models import FileIngest, FileMetadata, FileStatus
from ..selectors import file_metadata
from ..services import GIVEN_KEYS, clean_given
from ..thumbnails import MAX_THUMBNAIL_PX

logger = logging.getLogger(__name__)

THUMB_PX = 48


# --- helpers -------------------------------------------------------------------------------------


def preview_url(file: FileIngest, size: int | None = None) -> str:
    """The preview's address; with `size`, a thumbnail made for that many pixels."""
    url = reverse("admin:ingest_fileingest_preview", args=[file.pk])
    return f"{url}?size={size}" if size else url


def thumbnail_html(file: FileIngest, size: int = THUMB_PX, *, lazy: bool = False):
    """The drawing's preview at `size` px (twice that for sharp screens), made for the size so
    its lines show; `lazy` for long lists, where a row scrolled into view loads its picture."""
    metadata = file_metadata(file)
    if metadata is None or not metadata.preview:
        return format_html(
            '<span style="display:inline-block;width:{0}px;height:{0}px;line-height:{0}px;'
            "text-align:center;color:var(--body-quiet-color);border:1px dashed "
            'var(--border-color)">{1}</span>',
            size,
            file.get_kind_display().split()[0] if file.kind else "—",
        )
    return format_html(
        '<img src="{}" srcset="{} 2x" alt="preview of {}" width="{}" height="{}" loading="{}" '
        'style="object-fit:contain;background:#fff;border:1px solid var(--border-color)">',
        preview_url(file, size),
        preview_url(file, min(2 * size, MAX_THUMBNAIL_PX)),
        file.stored_name,
        size,
        size,
        "lazy" if lazy else "eager",
    )


_STATUS_COLOURS = {
    FileStatus.QUEUED: "#6b7280",
    FileStatus.PROCESSING: "#2563eb",
    FileStatus.PROCESSED: "#15803d",
    FileStatus.FAILED: "#b91c1c",
}


def status_html(file: FileIngest):
    label = file.get_status_display()
    if file.status == FileStatus.PROCESSING:
        label = f"{label} {round(file.progress * 100)}%"
    badge = format_html(
        '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px;'
        'white-space:nowrap">{}</span>',
        _STATUS_COLOURS.get(file.status, "#6b7280"),
        label,
    )
    if file.status == FileStatus.FAILED and file.failure_reason:
        return format_html(
            '{}<div style="color:#b91c1c;max-width:28em">{}</div>',
            badge,
            Truncator(file.failure_reason).chars(140),
        )
    if file.is_deleted:
        return format_html('{} <span style="color:#b45309">(deleted)</span>', badge)
    return badge


def warnings_html(warnings: list[dict]):
    if not warnings:
        return "—"
    return format_html(
        "<ul style='margin:0;padding-left:1.2em'>{}</ul>",
        format_html_join(
            "",
            "<li><code>{}</code> {}</li>",
            ((w.get("code", ""), w.get("message", "")) for w in warnings),
        ),
    )


def _number(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{float(value):,.{digits}f}".replace(",", " ")
    return f"{text} {unit}".strip()


def _thickness(value) -> str:
    if value is None:
        return "—"
    return f"{format_thickness(value)} mm"


# --- list filters --------------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting (queued or processing)"), *FileStatus.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "waiting":
            return queryset.filter(status__in=FileStatus.waiting())
        if value in FileStatus.values:
            return queryset.filter(status=value)
        return queryset


class DeletedFilter(admin.SimpleListFilter):
    """Live files unless asked: deleted ones are kept for restoring, not for scanning."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Live files"), ("yes", "Deleted files"), ("all", "All")]

    def choices(self, changelist):
        value = self.value() or "no"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if value == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)


class MaterialFilter(admin.SimpleListFilter):
    title = "material"
    parameter_name = "material"

    def lookups(self, request, model_admin):
        codes = (
            FileMetadata.objects.exclude(material_code="")
            .order_by("material_code")
            .values_list("material_code", flat=True)
            .distinct()
        )
        return [(code, code) for code in codes] + [("none", "Not known")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(Q(metadata__isnull=True) | Q(metadata__material_code=""))
        if value:
            return queryset.filter(metadata__material_code=value)
        return queryset


class ThicknessFilter(admin.SimpleListFilter):
    title = "thickness"
    parameter_name = "thickness"

    def lookups(self, request, model_admin):
        values = (
            FileMetadata.objects.exclude(thickness_mm__isnull=True)
            .order_by("thickness_mm")
            .values_list("thickness_mm", flat=True)
            .distinct()
        )
        return [(str(v), _thickness(v)) for v in values]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.filter(metadata__thickness_mm=self.value())
            except (ValueError, ValidationError):
                return queryset.none()
        return queryset


class HasWarningsFilter(admin.SimpleListFilter):
    title = "warnings"
    parameter_name = "has_warnings"

    def lookups(self, request, model_admin):
        return [("yes", "With warnings"), ("no", "Without warnings")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(metadata__has_warnings=True)
        if self.value() == "no":
            return queryset.filter(Q(metadata__isnull=True) | Q(metadata__has_warnings=False))
        return queryset


# --- the upload page -----------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            raise ValidationError("Choose one or more files.")
        return files


def _chooser(model, field_name: str, queryset):
    """An autocomplete box when the target admin can search, else a plain select."""
    from django.contrib.admin.widgets import AutocompleteSelect

    target_admin = admin.site._registry.get(model)
    if target_admin is not None and target_admin.search_fields:
        widget = AutocompleteSelect(FileIngest._meta.get_field(field_name), admin.site)
    else:
        widget = forms.Select
    return forms.ModelChoiceField(queryset=queryset, required=False, widget=widget)


class UploadForm(forms.Form):
    files = MultipleFileField(
        help_text="DXF, LightBurn (.lbrn, .lbrn2), PDF, Excel and images (PNG, JPEG, TIFF). "
        "Several at once are fine."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"] = _chooser(Client, "client", Client.objects.all())
        self.fields["project"] = _chooser(
            Project, "project", Project.objects.select_related("client")
        )
        self.fields["project"].label = "Job"
        self.fields["client"].help_text = "Leave empty when the job is chosen."
        self.fields["project"].help_text = "Files with no job are kept unfiled."
        self.fields["part"] = forms.CharField(
            required=False,
            max_length=100,
            help_text="The part name, when the file names do not say it (one file only).",
        )
        self.fields["material"] = forms.CharField(
            required=False,
            max_length=40,
            help_text="When you know it (MS, SS, galv, ...): used instead of what the files say.",
        )
        self.fields["thickness_mm"] = forms.CharField(
            label="Thickness (mm)",
            required=False,
            max_length=20,
            help_text="When you know it: used instead of what the files say.",
        )
        self.fields["quantity"] = forms.IntegerField(
            required=False,
            min_value=1,
            help_text="When you know it: used instead of what the files say.",
        )

    def clean(self):
        data = super().clean()
        client, project = data.get("client"), data.get("project")
        if client and project and project.client_id != client.pk:
            raise ValidationError(
                f"Job {project.code} belongs to {project.client.code}, not {client.code}."
            )
        if data.get("part") and len(data.get("files") or []) > 1:
            self.add_error("part", "A part name can be given for one file at a time.")
        given = {key: data.get(key) for key in GIVEN_KEYS}
        try:
            data["given"] = clean_given(given)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in GIVEN_KEYS else None, errors)
        return data
