"""Admin for payments (recorded, allocated; what is left is the client's credit), the dated VAT
table, and the books on a job's page (its invoices) and a client's (payments, statement)."""

from __future__ import annotations

from decimal import InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from clients.models import Client
from laseros.admin import ReadOnlyInline, add_page_inline
from laseros.audit.admin import AuditedAdminMixin
from laseros.money import MoneyFieldsAdminMixin
from projects.admin import ClientFilter
from projects.models import Project
from projects.services.jobs import rand as rands

from .export_admin import export_sage, export_xero
from .invoice_admin import AllocationInline, errors_text
from .models import (
    Invoice,
    Payment,
    PaymentMethod,
    VatRate,
)
from .services import payments as payment_services


class PaymentForm(forms.ModelForm):
    """Recording a payment: the client, what was received and how; allocated by the service to
    the chosen invoices (or the client's open invoices, the job's first)."""

    invoices = forms.ModelMultipleChoiceField(
        queryset=Invoice.objects.open().select_related("client"),
        required=False,
        help_text="Which invoices it pays (the oldest due first). None chosen: the client's open "
        "invoices, the job's first.",
    )
    keep_credit = forms.BooleanField(
        label="Keep what is more than is due as the client's credit",
        required=False,
        help_text="Without it, a payment above what is due is refused (a typing slip, usually).",
    )

    class Meta:
        model = Payment
        fields = ["client", "project", "amount", "received_on", "method", "reference", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "received_on" in self.fields:
            self.fields["received_on"].initial = timezone.localdate


@admin.register(Payment)
class PaymentAdmin(MoneyFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Money received. Recorded here or from an invoice's page, or by a job's proof of payment;
    never edited after (its allocations are the books): what is left of it is the client's
    credit, allocated from here to an open invoice."""

    form = PaymentForm
    money_fields = ("amount", "allocated", "unallocated")
    inlines = [AllocationInline]
    actions = [export_xero, export_sage]
    list_display = [
        "received_on",
        "client",
        "project",
        "method",
        "reference",
        "amount",
        "allocated",
        "unallocated",
    ]
    list_filter = ["method", ClientFilter, "received_on"]
    list_select_related = ["client", "project"]
    search_fields = ["reference", "client__name", "client__code", "project__code"]
    autocomplete_fields = ["client", "project"]
    change_form_template = "admin/finance/payment/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*PaymentForm.Meta.fields[:6], "invoices", "keep_credit", "notes"]
        return [
            "client",
            "project",
            "amount",
            "received_on",
            "method",
            "reference",
            "document",
            "allocated",
            "unallocated",
            "notes",
            "created_at",
            "created_by",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return list(self.get_fields(request, obj))

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on a recorded payment changes
        data = form.cleaned_data
        try:
            payment = payment_services.payment_record(
                client=data["client"],
                project=data.get("project"),
                amount=data["amount"],
                received_on=data["received_on"],
                method=data["method"],
                reference=data.get("reference", ""),
                invoices=list(data.get("invoices") or []) or None,
                keep_credit=bool(data.get("keep_credit")),
                notes=data.get("notes", ""),
                by=request.user,
            )
        except ValidationError as exc:  # said on the form by clean(); a race may still land here
            raise PermissionDenied(errors_text(exc)) from None
        obj.pk = payment.pk
        for field in Payment._meta.concrete_fields:
            setattr(obj, field.attname, getattr(payment, field.attname))

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # the allocations are the service's

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form_class):  # type: ignore[misc, valid-type]
            def clean(self):
                data = super().clean()
                if obj is None and not self.errors:
                    _dry_run_payment(self, data)
                return data

        return Checked

    def get_urls(self):
        return [
            path(
                "<path:object_id>/allocate/",
                self.admin_site.admin_view(self.allocate_view),
                name="finance_payment_allocate",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context.update(
            show_save=False, show_save_and_continue=False, show_save_and_add_another=False
        )
        payment = self.get_object(request, object_id)
        if payment is not None and payment.unallocated > 0:
            extra_context["open_invoices"] = Invoice.objects.open().filter(
                client_id=payment.client_id
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def allocate_view(self, request, object_id):
        payment = self.get_object(request, object_id)
        if payment is None:
            raise Http404("No such payment.")
        if request.method != "POST" or not self.has_change_permission(request, payment):
            raise PermissionDenied
        try:
            invoice = Invoice.objects.get(pk=request.POST.get("invoice") or 0)
            allocation = payment_services.payment_allocate(
                payment=payment,
                invoice=invoice,
                amount=request.POST.get("amount") or None,
                by=request.user,
            )
        except (Invoice.DoesNotExist, ValueError):
            messages.error(request, "Choose the invoice to allocate the credit to.")
        except ValidationError as exc:
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, f"{rands(allocation.amount)} allocated to {invoice.number}.")
        return HttpResponseRedirect(reverse("admin:finance_payment_change", args=[payment.pk]))


def _dry_run_payment(form: forms.Form, data: dict) -> None:
    """Run the service in a transaction that is rolled back, so its refusal (more than is due,
    a job of another client, a date in the future) shows on the form, on its field."""
    from django.db import transaction

    class _Undo(Exception):
        pass

    try:
        with transaction.atomic():
            payment_services.payment_record(
                client=data.get("client"),
                project=data.get("project"),
                amount=data.get("amount"),
                received_on=data.get("received_on"),
                method=data.get("method") or PaymentMethod.EFT,
                invoices=list(data.get("invoices") or []) or None,
                keep_credit=bool(data.get("keep_credit")),
                by=None,
            )
            raise _Undo
    except _Undo:
        return
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    except (InvalidOperation, TypeError):
        form.add_error("amount", "Enter the amount received.")


@admin.register(VatRate)
class VatRateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The VAT rate from a date on. An invoice keeps the rate of its own date: changing the
    table never moves an issued invoice."""

    list_display = ["effective_from", "rate_pct", "note"]
    fields = ["effective_from", "rate", "note"]

    @admin.display(description="rate", ordering="rate")
    def rate_pct(self, obj):
        return f"{(obj.rate * 100).normalize():f} %"


# --- on the job's and the client's pages ----------------------------------------------------------


class JobInvoicesInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    """A job's invoices on its page: each one's status, what is paid and what is left."""

    model = Invoice
    fk_name = "project"
    money_fields = ("subtotal", "vat", "vat_rate", "total", "balance")
    fields = ["invoice_link", "kind", "status", "payment_state", "issued_on", "due_on", "total"]
    fields += ["balance"]
    readonly_fields = fields
    verbose_name = "invoice"
    verbose_name_plural = "invoices"
    ordering = ["-created_at"]

    @admin.display(description="invoice")
    def invoice_link(self, obj):
        url = reverse("admin:finance_invoice_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.label)


class ClientPaymentsInline(MoneyFieldsAdminMixin, ReadOnlyInline, admin.TabularInline):
    """A client's payments and what of them is still their credit."""

    model = Payment
    money_fields = ("amount", "unallocated")
    fields = ["payment_link", "project", "method", "reference", "amount", "unallocated"]
    readonly_fields = fields
    verbose_name_plural = "payments (and credit)"
    template = "admin/finance/edit_inline/client_account.html"
    ordering = ["-received_on", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")

    @admin.display(description="received")
    def payment_link(self, obj):
        url = reverse("admin:finance_payment_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.received_on)


add_page_inline(Project, JobInvoicesInline)
add_page_inline(Client, ClientPaymentsInline)
