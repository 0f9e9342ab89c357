"""Admin for invoices and credit notes: a draft typed with its lines, issued by its button and
never edited or deleted after; its page records payments and credit notes; an accepted quote
becomes a draft, a deposit or the final invoice. Every button calls a service in
finance.services.invoices / payments; none repeats a rule."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from laseros.admin import ReadOnlyInline, add_list_action
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin
from projects.admin import ClientFilter
from projects.models import Project
from projects.services.jobs import rand as rands

from .export_admin import export_sage, export_xero
from .models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentAllocation,
    PaymentMethod,
)
from .services import invoices as invoice_services
from .services import payments as payment_services

INVOICE_MONEY = (
    "subtotal",
    "vat",
    "total",
    "paid",
    "credited",
    "balance",
    "vat_rate",
    "vat_rate_pct",
)
LINE_MONEY = ("unit_price", "discount_pct", "line_total")


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class OverdueFilter(admin.SimpleListFilter):
    """Issued, not paid in full, past its due date (today)."""

    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        overdue = Invoice.objects.overdue(today).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


class InvoiceLineForm(forms.ModelForm):
    quantity = forms.IntegerField(
        min_value=1,
        max_value=InvoiceLine._meta.get_field("quantity").validators[-1].limit_value,
        error_messages={"min_value": "The quantity is at least 1."},
    )

    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit_price", "discount_pct"]


class InvoiceLineInline(MoneyFieldsAdminMixin, admin.TabularInline):
    """A draft's lines are edited here (the totals follow on save); an issued invoice's are
    shown as they were issued."""

    model = InvoiceLine
    form = InvoiceLineForm
    money_fields = LINE_MONEY
    fields = ["position", "description", "quantity", "unit_price", "discount_pct", "line_total"]
    readonly_fields = ["line_total"]
    extra = 1

    def _issued(self, obj) -> bool:
        return obj is not None and obj.status != InvoiceStatus.DRAFT

    def get_readonly_fields(self, request, obj=None):
        return self.fields if self._issued(obj) else self.readonly_fields

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if self._issued(obj) else self.extra

    def has_add_permission(self, request, obj=None):
        return not self._issued(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._issued(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._issued(obj) and super().has_delete_permission(request, obj)


class AllocationInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    model = PaymentAllocation
    money_fields = ("amount",)
    fields = ["payment_link", "invoice_link", "amount", "created_at"]
    readonly_fields = fields
    verbose_name = "payment allocated"
    verbose_name_plural = "payments allocated"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment", "invoice")

    @admin.display(description="payment")
    def payment_link(self, obj):
        url = reverse("admin:finance_payment_change", args=[obj.payment_id])
        return format_html(
            '<a href="{}">{} {} on {}</a>',
            url,
            obj.payment.get_method_display(),
            obj.payment.reference or "",
            obj.payment.received_on,
        )

    @admin.display(description="invoice")
    def invoice_link(self, obj):
        url = reverse("admin:finance_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice.label)


class InvoiceCreditNotesInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    model = CreditNote
    money_fields = ("subtotal", "vat", "total", "vat_rate")
    fields = ["note_link", "issued_on", "reason", "subtotal", "vat", "total"]
    readonly_fields = fields
    verbose_name_plural = "credit notes"

    @admin.display(description="credit note")
    def note_link(self, obj):
        url = reverse("admin:finance_creditnote_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.number)


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["project", "reference", "notes"]


@admin.register(Invoice)
class InvoiceAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Invoices: a draft from an accepted quote (the quote's page) or typed here for a job; its
    lines change until it is issued. Issued, it is never edited or deleted: a credit note
    reverses it. Its page records payments and credit notes."""

    form = InvoiceForm
    money_fields = INVOICE_MONEY
    inlines = [InvoiceLineInline, AllocationInline, InvoiceCreditNotesInline]
    actions = [export_xero, export_sage]
    list_display = [
        "label",
        "job_code",
        "client_label",
        "state",
        "issued_on",
        "due_on",
        "total",
        "balance",
        "overdue",
    ]
    list_filter = [
        "status",
        "payment_state",
        OverdueFilter,
        ClientFilter,
        "kind",
        "issued_on",
        "due_on",
    ]
    list_select_related = ["project", "client"]
    search_fields = ["number", "reference", "project__code", "client__name", "client__code"]
    autocomplete_fields = ["project"]
    readonly_fields = [
        "number",
        "kind",
        "client",
        "quote",
        "status",
        "payment_state",
        "issued_on",
        "due_on",
        "client_name",
        "client_address",
        "client_vat_number",
        "subtotal",
        "vat_rate_pct",
        "vat",
        "total",
        "paid",
        "credited",
        "balance",
        "created_at",
        "created_by",
    ]
    fieldsets = [
        (None, {"fields": [("number", "kind"), "project", ("client", "quote"), "reference"]}),
        ("Status", {"fields": [("status", "payment_state"), ("issued_on", "due_on")]}),
        (
            "Totals",
            {
                "fields": [
                    "subtotal",
                    ("vat_rate_pct", "vat"),
                    "total",
                    ("paid", "credited"),
                    "balance",
                ]
            },
        ),
        (
            "The client, as the tax invoice prints it",
            {"fields": ["client_name", "client_address", "client_vat_number"]},
        ),
        ("For the client", {"fields": ["notes"]}),
        ("Record", {"fields": ["created_at", "created_by"], "classes": ["collapse"]}),
    ]
    change_form_template = "admin/finance/invoice/change_form.html"

    @admin.display(description="invoice", ordering="number")
    def label(self, invoice):
        return invoice.label

    @admin.display(description="job", ordering="project__code")
    def job_code(self, invoice):
        return format_html('<span title="{}">{}</span>', invoice.project.name, invoice.project.code)

    @admin.display(description="client", ordering="client__name")
    def client_label(self, invoice):
        name = invoice.client_name or invoice.client.name
        return format_html('<span title="{}">{}</span>', str(invoice.client), name)

    @admin.display(description="state", ordering="status")
    def state(self, invoice):
        """Draft, Credited, or what is paid of an issued one (Unpaid, Part paid, Paid); a deposit
        or final invoice says so."""
        if invoice.status == InvoiceStatus.ISSUED:
            text = invoice.get_payment_state_display()
        else:
            text = invoice.get_status_display().split(" (")[0]
        if invoice.kind != "standard":
            text += f" · {invoice.kind}"
        return text

    @admin.display(description="overdue")
    def overdue(self, invoice):
        """ "12 days" when it is past its due date with something to pay; blank otherwise."""
        today = timezone.localdate()
        if not invoice.is_overdue(today):
            return ""
        return format_html(
            '<strong class="overdue">{} days</strong>', (today - invoice.due_on).days
        )

    @admin.display(description="VAT rate")
    def vat_rate_pct(self, invoice):
        return f"{(invoice.vat_rate * 100).normalize():f} %" if invoice.vat_rate else "—"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("project")  # a draft stays with its job; make another for another
            if obj.status != InvoiceStatus.DRAFT:
                fields += ["reference", "notes"]
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # a list's bulk delete of drafts and issued ones together: the issued are refused
        deletable = [o for o in objs if o.status == InvoiceStatus.DRAFT]
        if len(deletable) != len(objs):
            raise PermissionDenied
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        invoice_services.invoice_delete_draft(invoice=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for invoice in queryset:
            invoice_services.invoice_delete_draft(invoice=invoice, by=request.user)

    def save_model(self, request, obj, form, change):
        if change:
            if obj.status != InvoiceStatus.DRAFT:
                raise PermissionDenied
            super().save_model(request, obj, form, change)
            return
        draft = invoice_services.invoice_draft(
            project=obj.project,
            by=request.user,
            reference=obj.reference,
            notes=obj.notes,
        )
        obj.pk = draft.pk
        for field in Invoice._meta.concrete_fields:
            setattr(obj, field.attname, getattr(draft, field.attname))

    def save_formset(self, request, form, formset, change):
        if formset.model is not InvoiceLine:
            return super().save_formset(request, form, formset, change)
        for line in formset.save(commit=False):
            line.line_total = invoice_services.signed_line_total(
                line.unit_price, line.quantity, line.discount_pct
            )
            line.save()
        for line in formset.deleted_objects:
            line.delete()
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.status == InvoiceStatus.DRAFT:
            invoice_services.invoice_refresh(invoice=form.instance, by=request.user)

    def get_urls(self):
        return [
            path(
                "from-quote/<int:quote_id>/",
                self.admin_site.admin_view(self.from_quote_view),
                name="finance_invoice_from_quote",
            ),
            path(
                "<path:object_id>/do/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="finance_invoice_do",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        invoice = self.get_object(request, object_id)
        if invoice is not None:
            can = self.has_change_permission(request, invoice)
            issued = invoice.status == InvoiceStatus.ISSUED
            extra_context.update(
                can_issue=can and invoice.status == InvoiceStatus.DRAFT,
                can_credit=can and issued,
                can_pay=can and issued and invoice.balance > 0,
                payment_methods=PaymentMethod.choices,
                today=timezone.localdate(),
                overdue=invoice.is_overdue(timezone.localdate()),
                balance_text=rands(invoice.balance),
            )
            if invoice.status != InvoiceStatus.DRAFT:  # nothing on it is saved again
                extra_context.update(
                    show_save=False, show_save_and_continue=False, show_save_and_add_another=False
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def from_quote_view(self, request, quote_id):
        """The accepted quote's "Make invoice" (POST): a draft invoice, a deposit or the final
        one; the draft's page opens, to check and issue."""
        from .models import Quote

        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        quote = Quote.objects.filter(pk=quote_id).first()
        if quote is None:
            raise Http404("No such quote.")
        try:
            invoice = invoice_services.invoice_from_quote(
                quote=quote,
                by=request.user,
                kind=request.POST.get("kind") or "standard",
                deposit_pct=request.POST.get("deposit_pct") or None,
            )
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
            return HttpResponseRedirect(reverse("admin:finance_quote_change", args=[quote.pk]))
        messages.success(
            request,
            f"Draft {invoice.get_kind_display().lower()} from {quote.label}: "
            f"{rands(invoice.total)}. Check it and issue it.",
        )
        return HttpResponseRedirect(reverse("admin:finance_invoice_change", args=[invoice.pk]))

    def action_view(self, request, object_id, action):
        """The page's buttons (POST): issue, credit note, record payment; the service says yes
        or its message is shown and nothing is changed."""
        invoice = self.get_object(request, object_id)
        if invoice is None:
            raise Http404("No such invoice.")
        if request.method != "POST" or not self.has_change_permission(request, invoice):
            raise PermissionDenied
        data = request.POST
        try:
            if action == "issue":
                invoice_services.invoice_issue(invoice=invoice, by=request.user)
                done = (
                    f"{invoice.number} is issued: {rands(invoice.total)}, due "
                    f"{invoice.due_on:%-d %b %Y}."
                )
            elif action == "credit":
                note = invoice_services.credit_note_create(
                    invoice=invoice,
                    by=request.user,
                    reason=data.get("reason", ""),
                    amount_excl_vat=data.get("amount_excl_vat") or None,
                )
                done = f"{note.number} credits {rands(note.total)} on {invoice.number}."
            elif action == "pay":
                payment = payment_services.payment_record(
                    client=invoice.client,
                    project=invoice.project,
                    amount=data.get("amount", ""),
                    received_on=_date(data.get("received_on")),
                    method=data.get("method", PaymentMethod.EFT),
                    reference=data.get("reference", ""),
                    invoices=[invoice],
                    keep_credit=bool(data.get("keep_credit")),
                    by=request.user,
                )
                invoice.refresh_from_db()
                done = (
                    f"{rands(payment.amount)} recorded; {invoice.number} is "
                    f"{invoice.get_payment_state_display().lower()}, {rands(invoice.balance)} "
                    "left to pay."
                )
                if payment.unallocated:
                    done += f" {rands(payment.unallocated)} is {invoice.client.name}'s credit."
            else:
                raise ValidationError(f"{action!r} is not something an invoice can do.")
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("admin:finance_invoice_change", args=[invoice.pk]))


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"received_on": f"{value!r} is not a date (YYYY-MM-DD)."}) from None


class CreditNoteLineInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    model = CreditNoteLine
    money_fields = ("unit_price", "line_total")
    fields = ["position", "description", "quantity", "unit_price", "line_total"]
    readonly_fields = fields


@admin.register(CreditNote)
class CreditNoteAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Credit notes are made on an issued invoice's page and never change."""

    money_fields = ("subtotal", "vat", "total", "vat_rate")
    inlines = [CreditNoteLineInline]
    actions = [export_xero, export_sage]
    list_display = ["number", "invoice", "client", "issued_on", "reason", "total"]
    list_filter = [ClientFilter, "issued_on"]
    list_select_related = ["invoice", "client"]
    search_fields = ["number", "invoice__number", "client__name", "client__code", "reason"]
    fields = [
        "number",
        "invoice",
        "client",
        "issued_on",
        "reason",
        "subtotal",
        "vat_rate",
        "vat",
        "total",
        "created_at",
        "created_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # from the invoice's page: "Credit note"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description="Invoice its job lines (a draft of the catalogue products)")
def invoice_job_lines(modeladmin, request, queryset):
    """A draft invoice of each chosen job's lines; a job that cannot be invoiced says why and
    the others still are."""
    if not request.user.has_perm("finance.add_invoice"):
        messages.error(request, "Only those who may make invoices can do this.")
        return None
    for project in queryset:
        try:
            invoice = invoice_services.invoice_from_job_lines(project=project, by=request.user)
        except ValidationError as exc:
            messages.error(request, f"{project.code}: {errors_text(exc)}")
        else:
            url = reverse("admin:finance_invoice_change", args=[invoice.pk])
            messages.success(
                request,
                format_html(
                    '{}: draft <a href="{}">invoice</a> of {} line(s), {} incl. VAT.',
                    project.code,
                    url,
                    invoice.lines.count(),
                    rands(invoice.total),
                ),
            )
    return None


# The job list offers it through the core's hook (projects cannot import finance).
add_list_action(Project, invoice_job_lines)
