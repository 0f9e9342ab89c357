"""Admin for the records around jobs: the status history, documents, products and their lines."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.formats import number_format

from clients.admin import copy_saved
from laseros.admin import ReadOnlyAdmin
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin

from .. import selectors, services
from ..models import (
    Product,
    ProductFile,
    ProjectDocument,
    ProjectLine,
    ProjectStatusChange,
)
from ..uploads import check_upload
from .inlines import DocumentAddForm


@admin.register(ProjectStatusChange)
class ProjectStatusChangeAdmin(ReadOnlyAdmin):
    """Every move of every job, read-only: who moved what, when and why."""

    list_display = [
        "changed_at",
        "project",
        "from_status",
        "to_status",
        "changed_by",
        "reason",
        "overridden",
    ]
    list_filter = ["to_status", "from_status", "changed_at"]
    search_fields = ["project__code", "project__name", "reason", "changed_by__username"]
    date_hierarchy = "changed_at"
    list_select_related = ["project", "changed_by"]

    @admin.display(description="overrode")
    def overridden(self, obj):
        return ", ".join(obj.overridden_gates) or ""


class ProjectDocumentAdminForm(DocumentAddForm):
    class Meta(DocumentAddForm.Meta):
        fields = ["project", "kind", "file", "note"]


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """All jobs' documents; new ones go through the service (a proof of payment moves the job)."""

    form = ProjectDocumentAdminForm
    list_display = [
        "original_name",
        "kind",
        "project",
        "client_code",
        "size_kb",
        "uploaded_at",
        "uploaded_by",
    ]
    list_filter = ["kind", "uploaded_at"]
    search_fields = ["original_name", "project__code", "project__name", "project__client__code"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["project__client", "uploaded_by"]
    autocomplete_fields = ["project"]

    def get_queryset(self, request):
        # quotes, invoices and proofs of payment only for users who may see money
        return selectors.documents_visible_to(request.user, super().get_queryset(request))

    def get_fields(self, request, obj=None):
        return ["project", "kind", "file", "note"] if obj is None else ["note"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["project", "kind", "file", "original_name", "content_type", "size_bytes"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["project", "kind", "file", "note"]})]
        return [
            (None, {"fields": ["project", "kind", "file", "original_name"]}),
            ("Details", {"fields": ["content_type", "size_bytes", "note"]}),
        ]

    @admin.display(description="client", ordering="project__client__code")
    def client_code(self, obj):
        return obj.project.client.code

    @admin.display(description="KB", ordering="size_bytes")
    def size_kb(self, obj):
        return f"{obj.size_bytes / 1024:.0f}"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)  # the note; audited
        saved = services.project_document_add(
            project=form.cleaned_data["project"],
            file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data.get("note", ""),
            by=request.user,
        )
        copy_saved(obj, saved)
        return None

    def delete_model(self, request, obj):
        services.project_document_delete(document=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.project_document_delete(document=document, by=request.user)


# --- products -------------------------------------------------------------------------------------


class ProductFileForm(forms.ModelForm):
    class Meta:
        model = ProductFile
        fields = ["file", "note"]

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and not getattr(self.instance, "pk", None):
            check_upload(file)
        return file


class ProductFileInline(admin.TabularInline):
    model = ProductFile
    form = ProductFileForm
    extra = 0
    fields = ["file", "note", "original_name", "size_bytes", "uploaded_at"]
    readonly_fields = ["original_name", "size_bytes", "uploaded_at"]


@admin.register(Product)
class ProductAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    money_fields = ("unit_price",)
    list_display = [
        "sku",
        "name",
        "material",
        "thickness_mm",
        "unit_price",
        "is_active",
        "line_count",
        "updated_at",
    ]
    list_display_links = ["sku", "name"]
    list_filter = [
        "is_active",
        "category",
        "family",
        ("material", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["sku", "name", "category", "family", "size"]
    search_help_text = "SKU, name, category, family or size."
    list_select_related = ["material"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProductFileInline]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["sku", "name", "description", "unit_price", "is_active"]}),
        (
            "SKU parts",
            {
                "fields": ["category", "family", "size", "material", "thickness_mm", "revision"],
                "description": "Leave the SKU empty to build it from these parts.",
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return selectors.product_list()

    autocomplete_fields = ["material"]

    @admin.display(description="on jobs", ordering="line_count")
    def line_count(self, obj):
        return obj.line_count

    def save_model(self, request, obj, form, change):
        fields = {
            n: form.cleaned_data[n]
            for n in form.cleaned_data
            if n in services.PRODUCT_EDITABLE_FIELDS
        }
        if change:
            changed = {n: v for n, v in fields.items() if n in form.changed_data}
            saved = services.product_update(product=obj, by=request.user, **changed)
        else:
            saved = services.product_create(by=request.user, **fields)
        copy_saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProductFile:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for product_file in formset.deleted_objects:
            product_file.file.delete(save=False)
            product_file.delete()
        for product_file, _changed in formset.changed_objects:
            product_file.save(update_fields=["note"])
        for subform in formset.forms:
            data = getattr(subform, "cleaned_data", None) or {}
            if subform.instance.pk or not data.get("file") or data.get("DELETE"):
                continue
            services.product_file_add(
                product=form.instance, file=data["file"], note=data.get("note", ""), by=request.user
            )
        return None


@admin.register(ProjectLine)
class ProjectLineAdmin(MoneyFieldsAdminMixin, ReadOnlyAdmin):
    """Which jobs ordered which products (edit lines on the job's page)."""

    money_fields = ("unit_price", "total")
    list_display = ["project", "product", "quantity", "unit_price", "total", "project_status"]
    list_filter = [("product", admin.RelatedOnlyFieldListFilter), "project__status"]
    search_fields = ["project__code", "project__name", "product__sku", "product__name"]
    list_select_related = ["project", "product"]
    autocomplete_fields = ["project", "product"]

    @admin.display(description="total (R)")
    def total(self, obj):
        return number_format(obj.line_total, 2)

    @admin.display(description="job status", ordering="project__status")
    def project_status(self, obj):
        return obj.project.get_status_display()
