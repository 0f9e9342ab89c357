"""Admin for jobs (the history, documents, products and lines admins are in records.py, the
job page's inlines in inlines.py, the bulk moves in actions.py).

A job's status is never a form field: the change page offers the allowed moves as buttons (a
confirmation page asks for a reason where one is needed, and lets a manager override a gate),
and the changelist offers them as bulk actions. Every save goes through projects.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext

from clients.admin import copy_saved
from laseros.admin import page_inlines
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin

from .. import selectors, services, workflow
from ..models import (
    DocumentKind,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectPriority,
)
from . import records  # noqa: F401 - registers the history, document and product admins
from .actions import BULK_ACTIONS
from .common import ActionForm, S, errors_text
from .inlines import (
    DocumentAddInline,
    DocumentInline,
    ProjectLineInline,
    StatusChangeInline,
)
from .payments import payment_received_view

# High and Urgent show beside the status in the job list
URGENT_PRIORITIES = {ProjectPriority.HIGH, ProjectPriority.URGENT}
# A job's value excl. VAT: the invoiced total, else the quoted price, else its catalogue lines
LINES_TOTAL = Subquery(
    ProjectLine.objects.filter(project=OuterRef("pk"))
    .values("project")
    .annotate(total=Sum(F("quantity") * F("unit_price")))
    .values("total")
)
JOB_VALUE = Coalesce("final_price", "quoted_price", LINES_TOTAL)

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


class ClientFilter(admin.SimpleListFilter):
    """A client by code or name, typed: one box, whatever the number of clients.

    A list of every client with a job grew a link per client down the side of the page (sixty
    in the demo, hundreds in a shop a few years on) and was a tenth of the job list's time under
    load (issue 9). The box keeps the other filters and the search."""

    title = "client"
    parameter_name = "client"
    template = "admin/projects/typed_filter.html"
    placeholder = "Code or name"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(client__code__icontains=value) | Q(client__name__icontains=value))

    def choices(self, changelist):
        value = (self.value() or "").strip()
        # the other filters, the search and the order, carried by the box's form
        self.kept = [
            (name, kept)
            for name, kept in changelist.get_filters_params().items()
            if name != self.parameter_name
            for kept in (kept if isinstance(kept, list) else [kept])
        ] + [
            (name, changelist.params[name])
            for name in (SEARCH_VAR, ORDER_VAR, IS_POPUP_VAR, TO_FIELD_VAR)
            if name in changelist.params
        ]
        self.typed = value
        yield {
            "selected": not value,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }
        if value:
            yield {
                "selected": True,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": value,
            }


# --- the job admin --------------------------------------------------------------------------------


def _job_or_404(queryset, object_id: str) -> Project:
    """The job an admin URL names: 404 when the id is not a number (a mistyped or made-up URL;
    the lookup would raise a server error) or names no job."""
    try:
        return queryset.get(pk=int(object_id))
    except (ValueError, Project.DoesNotExist):
        raise Http404("No job has this id.") from None


def _moved_on_since(project: Project, to: str) -> str:
    """What happened once the move committed ("Then Queued: approved on account: queued on X3 at
    position 1; …"): a client on account's approved job, or a paid job, is queued at once."""
    now = Project.objects.filter(pk=project.pk).values("status", "status_reason").first()
    if now is None or now["status"] == to:
        return ""
    return f" Then {S(now['status']).label}: {now['status_reason']}."


class TransitionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)
    override = forms.BooleanField(
        required=False, label="Override the failed checks (managers; the reason is recorded)"
    )
    from_status = forms.CharField(widget=forms.HiddenInput)


@admin.register(Project)
class ProjectAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    money_fields = ("quoted_price", "final_price", "lines_total", "value", "payment_amount")
    # one line per job on a 1024-wide screen (static/css/admin.css): the client by name (its
    # code is in the job's), material and thickness in one column, the value for roles that
    # see money; the quote expiry and the creation date are filters
    list_display = [
        "code",
        "name",
        "client_name",
        "material_thickness",
        "qty",
        "status_label",
        "due_date",
        "value",
    ]
    list_display_links = ["code", "name"]
    # no date bar over the list (date_hierarchy): the "created" filter offers the same, and the
    # bar cost a query and a tenth of the page's time (issue 9)
    list_filter = [
        StageFilter,
        "status",
        "priority",
        ClientFilter,
        "material",
        "due_date",
        "quote_expires_on",
        "created_at",
    ]
    search_fields = ["code", "name", "client__code", "client__name"]
    search_help_text = "Job code, job name, client code or client name."
    list_select_related = ["client", "material"]
    list_per_page = 50
    autocomplete_fields = ["client", "material"]
    actions = BULK_ACTIONS
    action_form = ActionForm  # Django's, drawn without a template per option
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
                # folded: the status bar at the top of the page says it
                "fields": [
                    "status_label",
                    "status_reason",
                    "status_changed_at",
                    "status_before_hold",
                ],
                "classes": ["collapse"],
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
        # the client and the material, as the list shows them; not who made each job (the list
        # does not show it, and each row would build a user: the change page reads it by itself);
        # the job's value in the same query
        queryset = super().get_queryset(request).select_related("client", "material")
        return queryset.annotate(job_value=JOB_VALUE)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("client")  # the code carries the client: it cannot move to another
        return fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new job starts in Request; its status and dates come later
            return self.fieldsets_without_money(
                request,
                [
                    (None, {"fields": ["client", "name", "description", "priority"]}),
                    ("What to cut", {"fields": ["material", "thickness_mm", "quantity"]}),
                    ("Quote and dates", {"fields": ["promised_date", "quoted_price", "notes"]}),
                ],
            )
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        if obj is None:
            return [ProjectLineInline, DocumentAddInline]
        # what a manager looks for first under the form: the drawings and the runs (added by
        # ingest and production), then the history; the lines and documents after them
        added = [i for i in page_inlines(Project) if i not in self.inlines]
        return [*added, StatusChangeInline, ProjectLineInline, DocumentInline, DocumentAddInline]

    def action_checkbox(self, obj):
        """Django's own checkbox, written out: rendering its widget's template for each of the
        50 rows was a seventh of the job list's time under load."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        """The status, where an on-hold job came from (a narrow list leaves it to the tooltip),
        and the priority when it is high or urgent."""
        status = obj.get_status_display()
        before = ""
        if obj.status == S.ON_HOLD and obj.status_before_hold:
            before = f" (from {S(obj.status_before_hold).label})"
        priority = ""
        if obj.priority in URGENT_PRIORITIES:
            priority = f" · {obj.get_priority_display()}"
        if not before:
            return status + priority
        return format_html(
            '<span title="{}">{}<span class="status-before">{}</span>{}</span>',
            status + before + priority,
            status,
            before,
            priority,
        )

    @admin.display(description="client", ordering="client__name")
    def client_name(self, obj):
        return format_html('<span title="{}">{}</span>', str(obj.client), obj.client.name)

    @admin.display(description="material", ordering="material__code")
    def material_thickness(self, obj):
        if obj.material is None:
            return "—"
        if obj.thickness_mm is None:
            return obj.material.code
        return f"{obj.material.code} {obj.thickness_mm.normalize():f} mm"

    @admin.display(description="qty", ordering="quantity")
    def qty(self, obj):
        return number_format(obj.quantity, force_grouping=True)

    @admin.display(description="value (R)", ordering=JOB_VALUE)
    def value(self, obj):
        """What the job is worth excl. VAT: the invoiced total once there is one, else the
        quote, else its catalogue lines."""
        value = getattr(obj, "job_value", None)
        return "—" if value is None else number_format(value, 2, force_grouping=True)

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
        project = _job_or_404(Project.objects.for_list(), object_id)
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
        if workflow.records_payment(move):  # it asks for the proof of payment and the amount
            return payment_received_view(self, request, project, move, change_url)
        failed = workflow.failed_gates(project, move)
        notes = workflow.gate_notes(project, move)  # e.g. queued before payment: on account
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
                    said = "".join(f" {note[:1].upper()}{note[1:]}." for note in notes)
                    said += _moved_on_since(project, to)
                    messages.success(request, f"{project.code} is now {S(to).label}.{said}")
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
        project = _job_or_404(Project.objects.all(), object_id)
        if request.method != "POST" or not self.has_change_permission(request, project):
            raise PermissionDenied
        try:
            services.project_quote_sent(project=project, by=request.user)
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(
                request,
                f"Quote sent today: valid until {project.quote_expires_on:%d %b %Y}, reminder on "
                f"{project.quote_reminder_on:%d %b %Y}.",
            )
        return HttpResponseRedirect(reverse("admin:projects_project_change", args=[project.pk]))
