"""/api/v1/invoices/, /api/v1/credit-notes/ and /api/v1/payments/: the money documents.

Writes go through finance.services (invoices.py, payments.py): a refusal is a 400 naming its
field with the service's words, and nothing is written. An issued invoice is never changed or
deleted (PATCH, DELETE and new lines answer 400 saying to make a credit note). Money is a string
in JSON ("383.33"), never a float.

Who may: the role matrix's finance row (laseros.roles): Admins and Managers all, Viewers read,
Operators nothing (403 even on a list: they see no money).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clients.models import Client
from laseros.api.permissions import HasPerm
from laseros.api.routers import router
from laseros.money import MoneyFieldsMixin, MoneyOrderingMixin
from projects.models import Project

from .billing_filters import CreditNoteFilter, InvoiceFilter, PaymentFilter
from .document_api import PdfMixin, QuotePdfView
from .models import (
    MAX_MONEY,
    MAX_QUOTE_QUANTITY,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Quote,
)
from .services import invoices as invoice_services
from .services import payments as payment_services
from .services.invoice_drafts import invoice_draft_update


def money_in(**options: Any) -> serializers.DecimalField:
    """An amount sent in (ZAR, to the cent; a string or a number in JSON)."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, max_value=MAX_MONEY, **options)


MAX_LINES = 1000  # lines in one POST (a quote of 1 000 drawings is the most the shop makes)
REFUSED = OpenApiResponse(description="A field is wrong, or the service refused: {field: [why]}.")

# --- invoices: what is shown ---------------------------------------------------------------------


class InvoiceLineSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("unit_price", "discount_pct", "line_total")

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "description",
            "quantity",
            "unit_price",
            "discount_pct",
            "line_total",
            "quote_line",
        ]
        read_only_fields = fields


class InvoiceSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    """An invoice with its lines; `overdue`: issued, unpaid and past its due date today."""

    money_fields = (
        "subtotal",
        "vat_rate",
        "vat",
        "total",
        "paid",
        "credited",
        "balance",
        "lines",
        # not money, but the tax invoice's copy of the client's tax number goes with it
        "client_vat_number",
    )
    project_code = serializers.CharField(source="project.code", read_only=True)
    client_code = serializers.CharField(source="client.code", read_only=True)
    quote_number = serializers.CharField(
        source="quote.number", read_only=True, default=None, allow_null=True
    )
    overdue = serializers.SerializerMethodField()
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "label",
            "kind",
            "status",
            "payment_state",
            "overdue",
            "project",
            "project_code",
            "client",
            "client_code",
            "quote",
            "quote_number",
            "issued_on",
            "due_on",
            "reference",
            "notes",
            "client_name",
            "client_address",
            "client_vat_number",
            "subtotal",
            "vat_rate",
            "vat",
            "total",
            "paid",
            "credited",
            "balance",
            "created_at",
            "lines",
        ]
        read_only_fields = fields

    def get_overdue(self, invoice: Invoice) -> bool:
        today = self.__dict__.get("_today")
        if today is None:  # once per answer, not per row
            today = self._today = timezone.localdate()
        return invoice.is_overdue(today)


# --- invoices: what is sent ----------------------------------------------------------------------


class InvoiceLineInputSerializer(MoneyFieldsMixin, serializers.Serializer):
    """A line: what, how many, the unit price excl. VAT and a discount (0 to 100 %)."""

    money_fields = ("unit_price", "discount_pct")
    description = serializers.CharField(max_length=255)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_QUOTE_QUANTITY,
        error_messages={"min_value": "The quantity is at least 1 part."},
    )
    unit_price = money_in(
        min_value=Decimal(0),
        help_text="ZAR excl. VAT.",
        error_messages={
            "required": "Give the line's unit price (ZAR excl. VAT): a line has a price.",
            "null": "Give the line's unit price (ZAR excl. VAT): a line has a price.",
            "min_value": "A unit price cannot be negative.",
        },
    )
    discount_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        default=Decimal(0),
        error_messages={
            # %%: DRF fills a bound's message in with % (a lone % was a 500)
            "min_value": "A discount is 0 to 100 %%.",
            "max_value": "A discount is 0 to 100 %%.",
        },
    )


class InvoiceCreateSerializer(MoneyFieldsMixin, serializers.Serializer):
    """A draft: from an accepted quote ({quote, kind, deposit_pct}) or for a job with its own
    lines ({project, lines}). It has no number until it is issued."""

    money_fields = ("deposit_pct",)
    quote = serializers.PrimaryKeyRelatedField(
        queryset=Quote.objects.all(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(
        choices=InvoiceKind.choices, required=False, default=InvoiceKind.STANDARD
    )
    deposit_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="A deposit invoice: the share of the quote, more than 0 and less than 100 %.",
    )
    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.all(), required=False, allow_null=True
    )
    lines: serializers.ListSerializer = serializers.ListSerializer(
        child=InvoiceLineInputSerializer(),
        required=False,
        max_length=MAX_LINES,
        error_messages={"max_length": f"At most {MAX_LINES:,} lines on one invoice."},
    )
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="The client's PO."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        quote, project = attrs.get("quote"), attrs.get("project")
        if quote is None and project is None:
            raise serializers.ValidationError(
                {
                    "project": "Say which job the invoice is for (project, with its lines), or the "
                    "accepted quote it is made from (quote)."
                }
            )
        if quote is not None and (project is not None or attrs.get("lines")):
            raise serializers.ValidationError(
                {
                    "quote": "An invoice from a quote takes the quote's job and lines: send the "
                    "quote alone (add lines to the draft after, POST …/{id}/lines/)."
                }
            )
        if attrs.get("deposit_pct") is not None and attrs["kind"] != InvoiceKind.DEPOSIT:
            raise serializers.ValidationError(
                {"deposit_pct": "Only a deposit invoice (kind 'deposit') takes a deposit_pct."}
            )
        if project is not None and attrs["kind"] != InvoiceKind.STANDARD:
            raise serializers.ValidationError(
                {
                    "kind": "A job's own lines make a standard invoice; deposit and final invoices "
                    "are made from its accepted quote."
                }
            )
        return attrs


class InvoiceUpdateSerializer(serializers.Serializer):
    """What a draft's PATCH changes; an issued invoice is never changed."""

    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


NEVER_CHANGED = OpenApiResponse(
    description='Refused: {field: [why]}, or for an issued invoice {detail: ["… is issued: an '
    'issued invoice is never changed or deleted. Make a credit note to reverse it."]}.'
)


class ActionsMixin:
    """For a viewset whose extra actions (issue, allocate) change a record: each needs its
    permission (`action_perms`) on top of the role's, and answers with the record read again
    as the list shows it."""

    action_perms: dict[str, str] = {}

    def get_permissions(self):
        base = super().get_permissions()
        needed = self.action_perms.get(self.action)
        return [*base, HasPerm(needed)] if needed else base

    def _answer(self, record: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=record.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data, status=code)  # type: ignore[attr-defined]


class InvoiceViewSet(ActionsMixin, PdfMixin, MoneyOrderingMixin, viewsets.ModelViewSet):
    """Invoices with their lines and what is paid, credited and left. POST makes a draft; a
    draft gains lines, is changed (reference, notes) or deleted, and is issued (its number)."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["number", "created_at", "issued_on", "due_on", "total", "balance"]
    search_fields = ["number", "reference", "project__code", "client__name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Invoice.objects.for_list().prefetch_related("lines")

    action_perms = {"issue": "finance.change_invoice", "lines": "finance.change_invoice"}

    @extend_schema(
        request=InvoiceCreateSerializer, responses={201: InvoiceSerializer, 400: REFUSED}
    )
    def create(self, request, *args, **kwargs):
        body = InvoiceCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("quote") is not None:
            invoice = invoice_services.invoice_from_quote(
                quote=data["quote"],
                by=request.user,
                kind=data["kind"],
                deposit_pct=data.get("deposit_pct"),
                reference=data["reference"],
            )
        else:
            invoice = invoice_services.invoice_create(
                project=data["project"],
                by=request.user,
                lines=[dict(line) for line in data.get("lines", [])],
                reference=data["reference"],
            )
        return self._answer(invoice, status.HTTP_201_CREATED)

    @extend_schema(
        request=InvoiceUpdateSerializer, responses={200: InvoiceSerializer, 400: NEVER_CHANGED}
    )
    def partial_update(self, request, *args, **kwargs):
        invoice = self.get_object()
        body = InvoiceUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice_draft_update(invoice=invoice, by=request.user, **body.validated_data)
        return self._answer(invoice)

    @extend_schema(responses={204: None, 400: NEVER_CHANGED})
    def destroy(self, request, *args, **kwargs):
        invoice_services.invoice_delete_draft(invoice=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: InvoiceSerializer, 400: NEVER_CHANGED})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue the draft: its INV number, today's date and VAT rate, its due date, the
        client's details as printed; the client's credit for the job is allocated to it."""
        invoice = invoice_services.invoice_issue(invoice=self.get_object(), by=request.user)
        return self._answer(invoice)

    @extend_schema(
        request=InvoiceLineInputSerializer, responses={201: InvoiceSerializer, 400: NEVER_CHANGED}
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        """Add a line to a draft; answers the invoice with its new totals."""
        invoice = self.get_object()
        body = InvoiceLineInputSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        invoice_services.invoice_line_add(invoice=invoice, by=request.user, **body.validated_data)
        return self._answer(invoice, status.HTTP_201_CREATED)


# --- credit notes --------------------------------------------------------------------------------


class CreditNoteLineSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("unit_price", "line_total")

    class Meta:
        model = CreditNoteLine
        fields = ["id", "position", "description", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class CreditNoteSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("subtotal", "vat_rate", "vat", "total", "lines")
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    client_code = serializers.CharField(source="client.code", read_only=True)
    lines = CreditNoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "client",
            "client_code",
            "issued_on",
            "reason",
            "subtotal",
            "vat_rate",
            "vat",
            "total",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class CreditNoteCreateSerializer(MoneyFieldsMixin, serializers.Serializer):
    """A credit note against an issued invoice: all that is left of it, or `amount_excl_vat`."""

    money_fields = ("amount_excl_vat",)
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    reason = serializers.CharField(max_length=255, help_text="Why the invoice is credited.")
    amount_excl_vat = money_in(
        required=False,
        allow_null=True,
        help_text="ZAR excl. VAT; leave it out to credit all that is left of the invoice.",
    )


class CreditNoteViewSet(
    PdfMixin, MoneyOrderingMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Credit notes with their lines. POST makes one (numbered and issued at once); they are
    never changed or deleted."""

    serializer_class = CreditNoteSerializer
    filterset_class = CreditNoteFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["number", "issued_on", "total", "created_at"]
    search_fields = ["number", "invoice__number", "client__name", "reason"]

    def get_queryset(self):
        return CreditNote.objects.select_related("invoice", "client").prefetch_related("lines")

    @extend_schema(
        request=CreditNoteCreateSerializer, responses={201: CreditNoteSerializer, 400: REFUSED}
    )
    def create(self, request, *args, **kwargs):
        body = CreditNoteCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        note = invoice_services.credit_note_create(
            invoice=data["invoice"],
            by=request.user,
            reason=data["reason"],
            amount_excl_vat=data.get("amount_excl_vat"),
        )
        fresh = self.get_queryset().get(pk=note.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


# --- payments ------------------------------------------------------------------------------------


class PaymentAllocationSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("amount",)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["id", "invoice", "invoice_number", "amount", "created_at"]
        read_only_fields = fields


class PaymentSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    """A payment, what of it went to which invoice, and what is left (the client's credit)."""

    money_fields = ("amount", "allocated", "unallocated", "allocations", "document")
    client_code = serializers.CharField(source="client.code", read_only=True)
    project_code = serializers.CharField(
        source="project.code", read_only=True, default=None, allow_null=True
    )
    allocations = PaymentAllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "client",
            "client_code",
            "project",
            "project_code",
            "amount",
            "received_on",
            "method",
            "reference",
            "document",
            "allocated",
            "unallocated",
            "notes",
            "created_at",
            "allocations",
        ]
        read_only_fields = fields


class PaymentCreateSerializer(MoneyFieldsMixin, serializers.Serializer):
    """Money received. It pays `invoices` (default: the client's open ones, the job's first,
    the oldest due first); more than is due is refused unless `keep_credit`."""

    money_fields = ("amount",)
    client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), error_messages={"required": "Say which client paid."}
    )
    amount = money_in(
        min_value=Decimal("0.01"),
        help_text="ZAR as received, VAT included.",
        error_messages={"min_value": "A payment is more than R 0.00."},
    )
    received_on = serializers.DateField(required=False, help_text="Default: today.")
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, default=PaymentMethod.EFT
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.all(), required=False, allow_null=True, default=None
    )
    invoices = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.all(),
        many=True,
        required=False,
        help_text="The invoices it pays (ids); default: the client's open invoices.",
    )
    keep_credit = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep what is more than is due as the client's credit (else it is refused).",
    )
    notes = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class AllocateSerializer(MoneyFieldsMixin, serializers.Serializer):
    """Allocate the payment's credit to an invoice: all of it, or `amount` (at most its balance)."""

    money_fields = ("amount",)
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = money_in(required=False, allow_null=True)


class PaymentViewSet(
    ActionsMixin, MoneyOrderingMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Payments with their allocations. POST records one (allocated at once); …/allocate/
    gives the client's credit to an invoice. A payment is never changed or deleted here."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering = ["-received_on", "-id"]
    ordering_fields = ["received_on", "amount", "unallocated", "created_at"]
    search_fields = ["reference", "client__name", "client__code", "project__code"]

    def get_queryset(self):
        allocations = PaymentAllocation.objects.select_related("invoice")
        return Payment.objects.select_related("client", "project").prefetch_related(
            Prefetch("allocations", queryset=allocations)
        )

    action_perms = {"allocate": "finance.change_payment"}

    @extend_schema(
        request=PaymentCreateSerializer, responses={201: PaymentSerializer, 400: REFUSED}
    )
    def create(self, request, *args, **kwargs):
        body = PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        invoices = data.pop("invoices", None)
        payment = payment_services.payment_record(
            by=request.user, invoices=list(invoices) if invoices is not None else None, **data
        )
        return self._answer(payment, status.HTTP_201_CREATED)

    @extend_schema(request=AllocateSerializer, responses={200: PaymentSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Allocate what is left of the payment (or `amount` of it) to an issued invoice of the
        same client, at most its balance."""
        payment = self.get_object()
        body = AllocateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        payment_services.payment_allocate(
            payment=payment,
            invoice=body.validated_data["invoice"],
            amount=body.validated_data.get("amount"),
            by=request.user,
        )
        return self._answer(payment)


router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("credit-notes", CreditNoteViewSet, basename="creditnote")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns = [path("quotes/<int:pk>/pdf/", QuotePdfView.as_view(), name="api-quote-pdf")]
