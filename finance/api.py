"""/api/v1/quotes/instant/: a drawing's price, nothing stored (finance.instant); /api/v1/quotes/:
the quotes and their lines (read); POST /api/v1/projects/{id}/quote/: auto-quote a job.

Who may: Admins and Managers, and Viewers too: the instant quote is a POST but it stores nothing
and changes nothing, so it is a read of the shop's prices, which viewers see (they hold
`finance.view_shoprates` and `laseros.view_money`). Operators see no money: 403.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.fields import SkipField
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from laseros.api.routers import router
from laseros.api.safety import SafeRetryMixin
from laseros.api.throttling import ScopedRateThrottle
from laseros.money import MoneyFieldsMixin, MoneyOrderingMixin, can_see_money
from production.models import Gas
from projects.models import Project

from . import services
from .filters import QuoteFilter
from .instant import instant_quote
from .models import Quote, QuoteLine
from .pricing import PricingError
from .pricing.engine import MAX_QUANTITY

QUOTE_PERMISSION = "finance.view_shoprates"
MIN_THICKNESS_MM = Decimal("0.1")
MAX_THICKNESS_MM = Decimal("100")
MAX_BENDS = 100


class MayQuote(BasePermission):
    """Signed in, may see finance and money (Admin, Manager, Viewer; not Operator)."""

    message = "Your role may not see prices (instant quotes are for managers and the office)."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.has_perm(QUOTE_PERMISSION)
        ) and can_see_money(user)


class GasField(serializers.ChoiceField):
    """A gas code, in any case ("air", "O2")."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = data.strip().upper()
            data = "O2" if data == "02" else data
        return super().to_internal_value(data)


class InstantQuoteInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The drawing: DXF or LightBurn (.lbrn, .lbrn2).")
    material = serializers.CharField(
        max_length=40, help_text="Material code or name as the shop writes it: MS, SS, Galv, Alu."
    )
    thickness_mm = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=MIN_THICKNESS_MM, max_value=MAX_THICKNESS_MM
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    gas = GasField(
        choices=Gas.choices,
        required=False,
        allow_blank=True,
        help_text="Assist gas; empty: the preset's (air before oxygen before nitrogen).",
    )
    rush = serializers.BooleanField(required=False, default=False)
    delivery = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="A delivery option's code."
    )
    bends = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=MAX_BENDS, help_text="Bends per part."
    )


class BreakdownItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    amount = serializers.CharField(help_text="ZAR excl. VAT, 2 places; the items add up to it.")
    money_fields = ("amount",)


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class SheetsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    sheet_mm = serializers.ListField(child=serializers.FloatField())
    utilisation = serializers.CharField()
    units_per_sheet = serializers.IntegerField()


class PresetUsedSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    gas = serializers.CharField(allow_blank=True)
    cut_speed_mm_min = serializers.CharField()
    pierce_time_s = serializers.CharField()
    is_fallback = serializers.BooleanField()


class InstantQuoteSerializer(serializers.Serializer):
    """The answer (money as strings, 2 places)."""

    unit_price = serializers.CharField()
    quantity = serializers.IntegerField()
    total_excl_vat = serializers.CharField()
    vat_rate = serializers.CharField()
    vat = serializers.CharField()
    total_incl_vat = serializers.CharField()
    currency = serializers.CharField()
    machine_minutes = serializers.CharField()
    cut_length_mm = serializers.CharField()
    pierce_count = serializers.IntegerField()
    material_kg = serializers.CharField()
    sheets = SheetsSerializer(allow_null=True, help_text="Whole-sheets mode only, else null.")
    breakdown = BreakdownItemSerializer(many=True)
    checks = CheckSerializer(many=True)
    flags = serializers.ListField(child=serializers.CharField())
    preset = PresetUsedSerializer()
    money_fields = ("unit_price", "total_excl_vat", "vat", "vat_rate", "total_incl_vat")


class InstantQuoteView(SafeRetryMixin, APIView):
    """Price a drawing now, storing nothing: the drawing is read as the worker reads files.
    An `Idempotency-Key` (as every POST of the API takes) answers a retry with the first price
    without reading the drawing again."""

    permission_classes = [MayQuote]
    parser_classes = [MultiPartParser, FormParser]
    # the API's own throttles, and one of its own: each quote reads a whole drawing
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]  # type: ignore[list-item]  # classes at run time
    throttle_scope = "instant_quote"

    @extend_schema(
        operation_id="quotes_instant",
        request={"multipart/form-data": InstantQuoteInputSerializer},
        responses={
            200: InstantQuoteSerializer,
            400: OpenApiResponse(
                description="Every field at fault at once: {field: [message], ...}."
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        given = InstantQuoteInputSerializer(data=request.data)
        # every bad field at once: the serializer's, and the shop's checks of the fields it took
        data = given.validated_data if given.is_valid() else fields_that_passed(given)
        try:
            quote = instant_quote(
                upload=data.get("file"),
                material=data.get("material"),
                thickness_mm=data.get("thickness_mm"),
                quantity=data.get("quantity"),
                gas=data.get("gas") or "",
                rush=data.get("rush", False),
                delivery=data.get("delivery") or "",
                bends=data.get("bends", 0),
                refused={name: [str(m) for m in found] for name, found in given.errors.items()},
            )
        except PricingError as exc:
            errors = getattr(exc, "errors", None) or {exc.field: [str(exc)]}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(quote.as_json())


def fields_that_passed(serializer: serializers.Serializer) -> dict[str, Any]:
    """The values of the fields a serializer that failed did not refuse (each field's own checks
    run again alone), so the checks that come after can still be run on them."""
    values: dict[str, Any] = {}
    for name, item in serializer.fields.items():
        if name in serializer.errors or item.read_only:
            continue
        try:
            values[name] = item.run_validation(item.get_value(serializer.initial_data))
        except (serializers.ValidationError, SkipField):
            continue
    return values


# --- quotes ---------------------------------------------------------------------------------------


class QuoteLineSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("unit_price", "discount_pct", "line_total", "breakdown")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="The drawing's picture (GET /api/v1/files/{id}/preview/), for a drawing's line."
    )

    def get_thumbnail_url(self, line) -> str | None:
        if not line.file_id:
            return None
        return reverse("file-preview", args=[line.file_id], request=self.context.get("request"))

    class Meta:
        model = QuoteLine
        fields = [
            "position",
            "kind",
            "description",
            "product",
            "file",
            "thumbnail_url",
            "material_code",
            "thickness_mm",
            "cut_length_mm",
            "pierce_count",
            "width_mm",
            "height_mm",
            "quantity",
            "unit_price",
            "discount_pct",
            "line_total",
            "breakdown",
            "flags",
            "checks",
        ]
        read_only_fields = fields


class QuoteSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = (
        "delivery_price",
        "subtotal",
        "minimum_top_up",
        "total_excl_vat",
        "vat_rate",
        "vat",
        "total_incl_vat",
        "lines",
    )
    project_code = serializers.CharField(source="project.code", read_only=True)
    client_code = serializers.CharField(source="client.code", read_only=True)
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "revision",
            "label",
            "project",
            "project_code",
            "client",
            "client_code",
            "status",
            "sent_on",
            "expires_on",
            "accepted_at",
            "status_reason",
            "delivery_name",
            "delivery_price",
            "subtotal",
            "minimum_top_up",
            "total_excl_vat",
            "vat_rate",
            "vat",
            "total_incl_vat",
            "notes",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class QuoteViewSet(MoneyOrderingMixin, viewsets.ReadOnlyModelViewSet):
    """Quotes with their lines (read only here: they are made by auto-quote and moved by their
    services). Admin, Manager and Viewer read; Operators see no money."""

    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["number", "created_at", "sent_on", "expires_on", "total_excl_vat"]
    search_fields = ["number", "project__code", "client__name"]

    def get_queryset(self):
        return Quote.objects.for_list().prefetch_related("lines")


class MayMakeQuotes(BasePermission):
    message = "Your role may not make quotes (managers and admins do)."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("finance.add_quote"))


class AutoQuoteView(SafeRetryMixin, APIView):
    """A draft quote for a job from its measured drawings: one line per part (auto-quote). A
    retry with the first request's `Idempotency-Key` answers that quote and makes no second."""

    permission_classes = [MayMakeQuotes]

    @extend_schema(
        operation_id="projects_quote",
        request=None,
        responses={
            201: QuoteSerializer,
            400: OpenApiResponse(description="The job cannot be quoted: why."),
            404: OpenApiResponse(description="No such job."),
        },
    )
    def post(self, request, pk: int, *args, **kwargs):
        project = Project.objects.filter(pk=pk).first()
        if project is None:
            raise NotFound("No such job.")
        quote = services.quote_auto(project=project, by=request.user)
        quote = Quote.objects.for_list().prefetch_related("lines").get(pk=quote.pk)
        answer = QuoteSerializer(quote, context={"request": request}).data
        return Response(answer, status=status.HTTP_201_CREATED)


router.register("quotes", QuoteViewSet, basename="quote")

urlpatterns = [
    path("quotes/instant/", InstantQuoteView.as_view(), name="api-quote-instant"),
    path("projects/<int:pk>/quote/", AutoQuoteView.as_view(), name="api-project-quote"),
]
