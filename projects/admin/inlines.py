"""Inlines of the job page (lines, documents, history) and of the client page (its jobs)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.formats import number_format
from django.utils.html import format_html

from clients.models import Client
from laseros.admin import add_page_inline
from laseros.money import MoneyFieldsAdminMixin

from .. import selectors, workflow
from ..models import (
    DocumentKind,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectStatusChange,
)
from ..uploads import check_upload

# --- inlines --------------------------------------------------------------------------------------


class StatusChangeInline(admin.TabularInline):
    """The job's history: read-only, as it happened."""

    model = ProjectStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason", "overridden"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]
    verbose_name_plural = "status history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="overrode")
    def overridden(self, obj):
        return ", ".join(obj.overridden_gates) or "—"


class DocumentInline(admin.TabularInline):
    """The job's documents as stored; remove one with its delete box."""

    model = ProjectDocument
    extra = 0
    fields = ["kind", "file_link", "note", "size_kb", "uploaded_at", "uploaded_by"]
    readonly_fields = fields
    verbose_name_plural = "documents"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("uploaded_by")
        return selectors.documents_visible_to(request.user, queryset)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="file")
    def file_link(self, obj):
        if not obj.file:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.file.url, obj.original_name)

    @admin.display(description="KB")
    def size_kb(self, obj):
        return f"{obj.size_bytes / 1024:.0f}"


class DocumentAddForm(forms.ModelForm):
    class Meta:
        model = ProjectDocument
        fields = ["kind", "file", "note"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file:
            check_upload(file, image_only=self.cleaned_data.get("kind") == DocumentKind.IMAGE)
        return file


class DocumentAddInline(admin.TabularInline):
    """New documents; a proof of payment moves an Approved job to Paid."""

    model = ProjectDocument
    form = DocumentAddForm
    extra = 1
    fields = ["kind", "file", "note"]
    verbose_name = "new document"
    verbose_name_plural = "add documents (a proof of payment moves an Approved job to Paid)"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ProjectLineInline(MoneyFieldsAdminMixin, admin.TabularInline):
    """Catalogue products on the job; the unit price defaults to the product's."""

    model = ProjectLine
    money_fields = ("unit_price", "line_total")
    extra = 0
    fields = ["product", "quantity", "unit_price", "line_total", "note"]
    readonly_fields = ["line_total"]
    autocomplete_fields = ["product"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def _editable(self, obj) -> bool:
        return obj is None or obj.status not in workflow.DONE

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="line total (R)")
    def line_total(self, obj):
        total = obj.line_total if obj.pk else None
        return number_format(total, 2) if total is not None else "—"


class ClientProjectInline(MoneyFieldsAdminMixin, admin.TabularInline):
    """A client's projects, newest first, on the client's page (read-only; open one to change)."""

    model = Project
    money_fields = ("quoted_price", "final_price", "payment_amount")
    fk_name = "client"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["code", "name", "status", "due_date", "quoted_price", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    verbose_name_plural = "jobs"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


add_page_inline(Client, ClientProjectInline)
