"""Admin for jobs, their history, documents and lines, and the product catalogue.

A job's status is never a form field: the change page offers the allowed moves as buttons (a
confirmation page asks for a reason where one is needed, and lets a manager override a gate),
and the changelist offers them as bulk actions. Every save goes through projects.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from clients.admin import client_page_inlines, copy_saved
from laseros.audit.admin import AuditedAdminMixin

from . import selectors, services, workflow
from .models import (
    DocumentKind,
    Product,
    ProductFile,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectStatus,
    ProjectStatusChange,
)
from .uploads import check_upload

S = ProjectStatus

# Inlines higher apps add to a job's page (ingest adds the job's design files). projects cannot
# import them (it sits below them), so they register here from their own admin module.
project_page_inlines: list[type[admin.options.InlineModelAdmin]] = []


def _material_autocomplete(admin_site) -> bool:
    """Autocomplete for the material only once inventory's admin can serve it (search_fields)."""
    from inventory.models import Material

    material_admin = admin_site._registry.get(Material)
    return bool(material_admin and material_admin.search_fields)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- list filters ---------------------------------------------------------------------------------


class StageFilter(admin.SimpleListFilter):
    """The groups a manager asks about: open, waiting for payment, quotes expiring, done."""

    title = "stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return [
            ("open", "Open"),
            ("waiting_payment", "Waiting for payment"),
            ("expiring", "Quote expiring this week"),
            ("production", "In production"),
            ("overdue", "Past due date"),
            ("done", "Done"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        groups = workflow.ProjectStatusGroups
        if value == "open":
            return queryset.filter(status__in=groups.OPEN)
        if value == "waiting_payment":
            return queryset.filter(status__in=groups.WAITING_PAYMENT)
        if value == "expiring":
            start, end = selectors.this_week()
            return queryset.filter(
                status=S.QUOTING, quote_expires_on__gte=start, quote_expires_on__lte=end
            )
        if value == "production":
            return queryset.filter(status__in=groups.PRODUCTION)
        if value == "overdue":
            return queryset.filter(
                status__in=groups.OPEN, due_date__lt=timezone.localdate()
            ).exclude(due_date=None)
        if value == "done":
            return queryset.filter(status__in=groups.DONE)
        return queryset


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
        return super().get_queryset(request).select_related("uploaded_by")

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


class ProjectLineInline(admin.TabularInline):
    """Catalogue products on the job; the unit price defaults to the product's."""

    model = ProjectLine
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
        return f"{total:,.2f}" if total is not None else "—"


class ClientProjectInline(admin.TabularInline):
    """A client's projects, newest first, on the client's page (read-only; open one to change)."""

    model = Project
    fk_name = "client"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["code", "name", "status", "due_date", "quoted_price", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    verbose_name_plural = "projects"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


client_page_inlines.append(ClientProjectInline)


# --- bulk transitions -----------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        help_text="Recorded in each job's history.",
    )


def _bulk_targets() -> list[str]:
    seen = []
    for move in workflow.MOVES:
        if move.kind != workflow.MoveKind.RESUME and move.target not in seen:
            seen.append(move.target)
    return sorted(seen, key=list(S.values).index)


def _run_bulk(modeladmin, request, queryset, target: str | None, label: str):
    """Move each selected job (target None: resume each to where it was); report each result."""
    projects = list(queryset.select_related("client"))
    needs_reason = any(
        (move := workflow.move_for(p.status, target or p.status_before_hold)) is not None
        and move.reason_required
        for p in projects
    )
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if needs_reason and not (form.is_bound and form.is_valid() and form.cleaned_data["reason"]):
        if form.is_bound:
            messages.error(request, "Give a reason: it is recorded in each job's history.")
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label}: give a reason",
            "opts": modeladmin.model._meta,
            "projects": projects,
            "form": form if form.is_bound else ReasonForm(),
            "action": request.POST.get("action"),
            "label": label,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/projects/project/bulk_transition.html", context)
    reason = form.cleaned_data["reason"] if form.is_bound and form.is_valid() else ""
    moved, failed = [], []
    for project in projects:
        to = target or project.status_before_hold
        try:
            if not to:
                raise services.TransitionError("not_allowed", "It is not on hold.")
            services.project_transition(project=project, to=to, by=request.user, reason=reason)
            moved.append(project.code)
        except ValidationError as exc:
            failed.append((project.code, _errors(exc)))
    if moved:
        messages.success(request, f"{label}: {len(moved)} moved ({', '.join(moved)}).")
    for code, why in failed:
        messages.error(request, f"{code} not moved: {why}")
    return None


def _make_bulk_action(target: str):
    label = f"Move to {S(target).label}"

    def action(modeladmin, request, queryset):
        return _run_bulk(modeladmin, request, queryset, target, label)

    action.__name__ = f"move_to_{target}"
    return admin.action(description=f"{label} (selected jobs)", permissions=["change"])(action)


def resume_from_hold(modeladmin, request, queryset):
    return _run_bulk(modeladmin, request, queryset, None, "Resume")


resume_from_hold = admin.action(
    description="Resume (selected jobs on hold, each to where it was)", permissions=["change"]
)(resume_from_hold)

BULK_ACTIONS = [_make_bulk_action(t) for t in _bulk_targets()] + [resume_from_hold]


# --- the job admin --------------------------------------------------------------------------------


class TransitionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)
    override = forms.BooleanField(
        required=False, label="Override the failed checks (managers; the reason is recorded)"
    )
    from_status = forms.CharField(widget=forms.HiddenInput)


@admin.register(Project)
class ProjectAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "client",
        "status_label",
        "priority",
        "material",
        "thickness_mm",
        "quantity",
        "quote_expires_on",
        "due_date",
        "created_at",
    ]
    list_display_links = ["code", "name"]
    list_filter = [
        StageFilter,
        "status",
        "priority",
        ("client", admin.RelatedOnlyFieldListFilter),
        ("material", admin.RelatedOnlyFieldListFilter),
        "due_date",
        "quote_expires_on",
        "created_at",
    ]
    search_fields = ["code", "name", "client__code", "client__name"]
    search_help_text = "Job code, job name, client code or client name."
    date_hierarchy = "created_at"
    list_select_related = ["client", "material"]
    list_per_page = 50
    autocomplete_fields = ["client"]
    actions = BULK_ACTIONS
    inlines = [ProjectLineInline, DocumentInline, DocumentAddInline, StatusChangeInline]
    readonly_fields = [
        "code",
        "status_label",
        "status_reason",
        "status_changed_at",
        "status_before_hold",
        "quote_expires_on",
        "quote_reminder_on",
        "approved_at",
        "pop_received_at",
        "payment_waived_at",
        "due_date",
        "completed_at",
        "lines_total",
        "created_at",
        "updated_at",
        "created_by",
    ]
    fieldsets = [
        (None, {"fields": ["code", "client", "name", "description", "priority"]}),
        (
            "Status",
            {
                "fields": [
                    "status_label",
                    "status_reason",
                    "status_changed_at",
                    "status_before_hold",
                ]
            },
        ),
        ("What to cut", {"fields": ["material", "thickness_mm", "quantity"]}),
        (
            "Quote and money",
            {
                "fields": [
                    "quote_sent_on",
                    "quote_expires_on",
                    "quote_reminder_on",
                    "quoted_price",
                    "final_price",
                    "lines_total",
                ]
            },
        ),
        (
            "Dates",
            {
                "fields": [
                    "promised_date",
                    "approved_at",
                    "pop_received_at",
                    "payment_waived_at",
                    "due_date",
                    "completed_at",
                ]
            },
        ),
        ("Notes", {"fields": ["notes"]}),
        ("Record", {"fields": ["created_at", "updated_at", "created_by"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        if _material_autocomplete(self.admin_site):
            fields.append("material")
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("client")  # the code carries the client: it cannot move to another
        return fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new job starts in Request; its status and dates come later
            return [
                (None, {"fields": ["client", "name", "description", "priority"]}),
                ("What to cut", {"fields": ["material", "thickness_mm", "quantity"]}),
                ("Quote and dates", {"fields": ["promised_date", "quoted_price", "notes"]}),
            ]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        if obj is None:
            return [ProjectLineInline, DocumentAddInline]
        return [*self.inlines, *(i for i in project_page_inlines if i not in self.inlines)]

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        text = obj.get_status_display()
        if obj.status == S.ON_HOLD and obj.status_before_hold:
            text += f" (from {S(obj.status_before_hold).label})"
        return text

    @admin.display(description="lines total (R)")
    def lines_total(self, obj):
        total = sum((line.line_total or 0) for line in obj.lines.all())
        return f"{total:,.2f}"

    # saving goes through the services ----------------------------------------------------------

    def save_model(self, request, obj, form, change):
        fields = [n for n in form.cleaned_data if n in services.PROJECT_EDITABLE_FIELDS]
        if change:
            changed = {n: form.cleaned_data[n] for n in fields if n in form.changed_data}
            saved = services.project_update(project=obj, by=request.user, **changed)
        else:
            saved = services.project_create(
                client=form.cleaned_data["client"],
                by=request.user,
                **{n: form.cleaned_data[n] for n in fields},
            )
        copy_saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        project = form.instance
        if formset.model is ProjectDocument:
            return self._save_documents(request, project, formset)
        if formset.model is ProjectLine:
            formset.save(commit=False)
            for line in formset.deleted_objects:
                services.project_line_delete(line=line, by=request.user)
            for line, changed in formset.changed_objects:
                fields = {n: getattr(line, n) for n in changed}
                services.project_line_update(line=line, by=request.user, **fields)
            for line in formset.new_objects:
                saved = services.project_line_add(
                    project=project,
                    product=line.product,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    note=line.note,
                    by=request.user,
                )
                copy_saved(line, saved)
            return None
        return super().save_formset(request, form, formset, change)

    def _save_documents(self, request, project, formset):
        formset.save(commit=False)
        for document in formset.deleted_objects:
            services.project_document_delete(document=document, by=request.user)
        status_before = project.status
        for subform in formset.forms:
            data = getattr(subform, "cleaned_data", None) or {}
            if subform.instance.pk or not data.get("file") or data.get("DELETE"):
                continue
            services.project_document_add(
                project=project,
                file=data["file"],
                kind=data["kind"],
                note=data.get("note", ""),
                by=request.user,
            )
            if data["kind"] == DocumentKind.PROOF_OF_PAYMENT:
                project.refresh_from_db()
                if project.status == S.PAID and status_before != S.PAID:
                    messages.success(request, f"Proof of payment received: {project.code} is Paid.")
                elif project.status == S.QUOTING:
                    messages.warning(
                        request,
                        f"Proof of payment stored; {project.code} is still in Quoting. Approve "
                        "the quote, or a manager may use “Paid before approval” to override.",
                    )
        return None

    # the transition buttons ---------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/transition/<str:to>/",
                self.admin_site.admin_view(self.transition_view),
                name="projects_project_transition",
            ),
            path(
                "<path:object_id>/quote-sent/",
                self.admin_site.admin_view(self.quote_sent_view),
                name="projects_project_quote_sent",
            ),
            *super().get_urls(),
        ]

    def _moves_for_page(self, request, project):
        if not self.has_change_permission(request, project):
            return []
        rows = []
        for move in workflow.available_moves(project):
            rows.append(
                {
                    "move": move,
                    "url": reverse(
                        "admin:projects_project_transition", args=[project.pk, move.target]
                    ),
                    "blocked": [g.message for g in workflow.failed_gates(project, move)],
                }
            )
        return rows

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        project = self.get_object(request, object_id)
        if project is not None:
            extra_context["transition_moves"] = self._moves_for_page(request, project)
            extra_context["can_mark_quote_sent"] = project.status == S.QUOTING and (
                self.has_change_permission(request, project)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request, object_id, to):
        project = get_object_or_404(Project.objects.for_list(), pk=object_id)
        if not self.has_change_permission(request, project):
            raise PermissionDenied
        change_url = reverse("admin:projects_project_change", args=[project.pk])
        move = workflow.move_for(project.status, to)
        if move is None:
            messages.error(
                request,
                f"{project.code} is {project.get_status_display()}: it cannot go to {S(to).label}"
                if to in S.values
                else f"{to!r} is not a status.",
            )
            return HttpResponseRedirect(change_url)
        failed = workflow.failed_gates(project, move)
        if request.method == "POST":
            form = TransitionForm(request.POST)
            if form.is_valid():
                try:
                    services.project_transition(
                        project=project,
                        to=to,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        override=form.cleaned_data["override"],
                        from_status=form.cleaned_data["from_status"],
                    )
                except services.TransitionError as exc:
                    messages.error(request, exc.detail)
                    if exc.gate == "stale":
                        return HttpResponseRedirect(change_url)
                else:
                    messages.success(request, f"{project.code} is now {S(to).label}.")
                    return HttpResponseRedirect(change_url)
        else:
            form = TransitionForm(initial={"from_status": project.status})
        context = {
            **self.admin_site.each_context(request),
            "title": f"{move.label}: {project.code}",
            "opts": self.opts,
            "original": project,
            "project": project,
            "move": move,
            "failed": failed,
            "can_override": bool(failed)
            and all(g.overridable for g in failed)
            and services.can_override(request.user),
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/projects/project/transition.html", context)

    def quote_sent_view(self, request, object_id):
        project = get_object_or_404(Project, pk=object_id)
        if request.method != "POST" or not self.has_change_permission(request, project):
            raise PermissionDenied
        try:
            services.project_quote_sent(project=project, by=request.user)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(
                request,
                f"Quote sent today: valid until {project.quote_expires_on:%d %b %Y}, reminder on "
                f"{project.quote_reminder_on:%d %b %Y}.",
            )
        return HttpResponseRedirect(reverse("admin:projects_project_change", args=[project.pk]))


@admin.register(ProjectStatusChange)
class ProjectStatusChangeAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
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

    def get_autocomplete_fields(self, request):
        return ["material"] if _material_autocomplete(self.admin_site) else []

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
class ProjectLineAdmin(admin.ModelAdmin):
    """Which jobs ordered which products (edit lines on the job's page)."""

    list_display = ["project", "product", "quantity", "unit_price", "total", "project_status"]
    list_filter = [("product", admin.RelatedOnlyFieldListFilter), "project__status"]
    search_fields = ["project__code", "project__name", "product__sku", "product__name"]
    list_select_related = ["project", "product"]
    autocomplete_fields = ["project", "product"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="total (R)")
    def total(self, obj):
        return f"{obj.line_total:,.2f}"

    @admin.display(description="job status", ordering="project__status")
    def project_status(self, obj):
        return obj.project.get_status_display()
