"""/api/v1/materials/, stock/ (movements through an action), stock-movements/ (read-only),
offcuts/. Every write goes through inventory.services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from laseros.api.permissions import HasPerm
from laseros.api.routers import router
from laseros.money import MoneyFieldsMixin, MoneyOrderingMixin

from . import selectors, services
from .filters import MaterialFilter, OffcutFilter, SheetStockFilter, StockMovementFilter
from .models import (
    ALIAS_MAX_LENGTH,
    MAX_ALIASES,
    MAX_SHEETS,
    Material,
    MovementKind,
    Offcut,
    OffcutStatus,
    SheetStock,
    StockMovement,
)

# --- materials ------------------------------------------------------------------------------------


class MaterialSerializer(serializers.ModelSerializer):
    # a list of names (the model field is any JSON; null there was a 500)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=ALIAS_MAX_LENGTH),
        max_length=MAX_ALIASES,
        required=False,
        help_text=Material._meta.get_field("aliases").help_text,
    )

    class Meta:
        model = Material
        fields = ["id", "code", "name", "density_g_cm3", "aliases", "max_thickness_mm", "is_active"]


class MaterialViewSet(viewsets.ModelViewSet):
    """The shop's materials; retired ones are made inactive, not deleted."""

    serializer_class = MaterialSerializer
    filterset_class = MaterialFilter
    queryset = Material.objects.all()
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.material_save(
            material=Material(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        material = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(material, name, value)
        serializer.instance = services.material_save(material=material, by=self.request.user)


# --- sheet stock ----------------------------------------------------------------------------------


class SheetStockSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("unit_cost", "value")
    material_code = serializers.CharField(source="material.code", read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    to_order = serializers.IntegerField(read_only=True)
    opening_quantity = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=0,
        max_value=MAX_SHEETS,
        help_text="On create: sheets on hand now.",
    )

    class Meta:
        model = SheetStock
        fields = [
            "id",
            "material",
            "material_code",
            "thickness_mm",
            "width_mm",
            "length_mm",
            "quantity_on_hand",
            "reorder_level",
            "reorder_quantity",
            "to_order",
            "location",
            "unit_cost",
            "value",
            "supplier",
            "notes",
            "is_active",
            "opening_quantity",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["quantity_on_hand", "created_at", "updated_at"]
        # the service reports a duplicate kind-and-place with its own message
        validators: list[Any] = []


class StockMoveSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MovementKind.choices)
    quantity = serializers.IntegerField(
        min_value=-MAX_SHEETS,
        max_value=MAX_SHEETS,
        help_text="Signed: + into stock, − out of stock.",
    )
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True)


class StockMovementSerializer(serializers.ModelSerializer):
    stock_label = serializers.CharField(source="stock.__str__", read_only=True)
    by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    caused_by_type = serializers.SerializerMethodField()

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "stock",
            "stock_label",
            "kind",
            "quantity",
            "balance_after",
            "reason",
            "reference",
            "by",
            "created_at",
            "caused_by_type",
            "caused_by_id",
        ]
        read_only_fields = fields

    def get_caused_by_type(self, obj) -> str | None:
        ct = obj.caused_by_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class ReorderSuggestionSerializer(MoneyFieldsMixin, serializers.Serializer):
    money_fields = ("cost",)
    stock = serializers.IntegerField(source="stock.pk")
    stock_label = serializers.CharField(source="stock.__str__")
    supplier = serializers.CharField(source="stock.supplier")
    on_hand = serializers.IntegerField()
    reorder_level = serializers.IntegerField()
    quantity = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)


class SheetStockViewSet(MoneyOrderingMixin, viewsets.ModelViewSet):
    """Sheet stock. The count changes only through `POST /stock/{id}/movements/`."""

    serializer_class = SheetStockSerializer
    filterset_class = SheetStockFilter
    search_fields = ["material__code", "material__name", "location", "supplier"]
    ordering_fields = ["material__code", "thickness_mm", "quantity_on_hand", "value", "to_order"]
    ordering = ["material__code", "thickness_mm", "width_mm"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return SheetStock.objects.for_list()

    def get_permissions(self):
        if self.action == "movements":
            return [HasPerm("inventory.add_stockmovement")]
        return super().get_permissions()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        stock = services.stock_create(
            by=self.request.user, opening_quantity=data.pop("opening_quantity", 0), **data
        )
        serializer.instance = SheetStock.objects.for_list().get(pk=stock.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("opening_quantity", None)
        services.stock_update(stock=serializer.instance, by=self.request.user, **data)
        serializer.instance = SheetStock.objects.for_list().get(pk=serializer.instance.pk)

    @extend_schema(request=StockMoveSerializer, responses={201: StockMovementSerializer})
    @action(detail=True, methods=["post"])
    def movements(self, request, pk=None):
        """Move stock: purchase/return (+), usage/waste (−), adjustment (±). 400 with the reason
        when it would go below zero."""
        stock = self.get_object()
        form = StockMoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        movement = services.stock_move(stock=stock, by=request.user, **form.validated_data)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ReorderSuggestionSerializer(many=True))
    # every suggestion at once: the stock list's filters and pages do not apply
    @action(
        detail=False,
        methods=["get"],
        url_path="reorder-suggestions",
        pagination_class=None,
        filter_backends=[],
    )
    def reorder_suggestions(self, request):
        """Low stock and how many sheets to order of each, with the cost."""
        suggestions = selectors.reorder_suggestions()
        serializer = ReorderSuggestionSerializer(
            suggestions, many=True, context=self.get_serializer_context()
        )
        return Response(serializer.data)


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The stock ledger (written only by the stock service)."""

    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    search_fields = ["reference", "reason"]
    ordering_fields = ["created_at", "quantity"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return StockMovement.objects.for_list()


# --- offcuts --------------------------------------------------------------------------------------


class OffcutSerializer(serializers.ModelSerializer):
    material_code = serializers.CharField(source="material.code", read_only=True)

    class Meta:
        model = Offcut
        fields = [
            "id",
            "tag",
            "material",
            "material_code",
            "thickness_mm",
            "width_mm",
            "length_mm",
            "location",
            "status",
            "source_stock",
            "source_reference",
            "notes",
            "created_at",
        ]
        read_only_fields = ["tag", "status", "created_at"]


class OffcutStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OffcutStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class OffcutViewSet(viewsets.ModelViewSet):
    """Remnants kept for later jobs; used or scrapped through `POST /offcuts/{id}/status/`."""

    serializer_class = OffcutSerializer
    filterset_class = OffcutFilter
    search_fields = ["tag", "location", "source_reference", "notes"]
    ordering_fields = ["created_at", "tag", "thickness_mm", "width_mm", "length_mm"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return Offcut.objects.for_list()

    def perform_create(self, serializer):
        serializer.instance = services.offcut_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.offcut_update(
            offcut=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=OffcutStatusSerializer, responses=OffcutSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        """Mark the remnant used or scrapped."""
        offcut = self.get_object()
        form = OffcutStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        offcut = services.offcut_set_status(
            offcut=offcut,
            to=form.validated_data["status"],
            reason=form.validated_data.get("reason", ""),
            by=request.user,
        )
        return Response(OffcutSerializer(offcut).data)


router.register("materials", MaterialViewSet, basename="material")
router.register("stock", SheetStockViewSet, basename="stock")
router.register("stock-movements", StockMovementViewSet, basename="stock-movement")
router.register("offcuts", OffcutViewSet, basename="offcut")
