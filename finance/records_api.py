"""/api/v1/shop-rates/, /shop-rates-changes/, /quantity-breaks/, /delivery-options/ and
/vat-rates/: what prices are made of, read-only (laseros.api.records); they are changed in the
admin, through finance's services, with a reason."""

from __future__ import annotations

import django_filters

from laseros.api.filters import UserFilter, day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import DeliveryOption, QuantityBreak, ShopRates, ShopRatesChange, VatRate


class ShopRatesViewSet(RecordViewSet):
    """The shop's rates: one row."""

    queryset = ShopRates.objects.all()
    serializer_class = record_serializer(ShopRates)
    ordering_fields = ["id", "updated_at"]
    ordering = ["id"]


class ShopRatesChangeFilter(django_filters.FilterSet):
    """The rates' changes by who made them and by day."""

    by = UserFilter()
    changed_after, changed_before = day_range("changed_at")

    class Meta:
        model = ShopRatesChange
        fields = ["rates", "by"]


class ShopRatesChangeViewSet(RecordViewSet):
    """Each change of the rates: the fields before and after, who and why."""

    queryset = ShopRatesChange.objects.all()
    serializer_class = record_serializer(ShopRatesChange)
    filterset_class = ShopRatesChangeFilter
    search_fields = ["reason"]
    ordering_fields = ["changed_at", "id"]
    ordering = ["-changed_at", "-id"]


class QuantityBreakViewSet(RecordViewSet):
    """The discount from a quantity up."""

    queryset = QuantityBreak.objects.all()
    serializer_class = record_serializer(QuantityBreak)
    ordering_fields = ["min_quantity"]
    ordering = ["min_quantity"]


class DeliveryOptionFilter(django_filters.FilterSet):
    """Delivery options by whether offered, and one by its code (collect, local, courier)."""

    class Meta:
        model = DeliveryOption
        fields = ["is_active", "code"]


class DeliveryOptionViewSet(RecordViewSet):
    """The ways a job reaches its client, and their prices."""

    queryset = DeliveryOption.objects.all()
    serializer_class = record_serializer(DeliveryOption)
    filterset_class = DeliveryOptionFilter
    search_fields = ["code", "name"]
    ordering_fields = ["sort_order", "name", "price"]
    ordering = ["sort_order", "name"]


class VatRateFilter(django_filters.FilterSet):
    """VAT rates by the first day they apply."""

    effective_after, effective_before = day_range("effective_from", time=False)

    class Meta:
        model = VatRate
        fields: list[str] = []


class VatRateViewSet(RecordViewSet):
    """The VAT rate from each date."""

    queryset = VatRate.objects.all()
    serializer_class = record_serializer(VatRate)
    filterset_class = VatRateFilter
    ordering_fields = ["effective_from"]
    ordering = ["-effective_from"]


router.register("shop-rates", ShopRatesViewSet, basename="shoprates")
router.register("shop-rates-changes", ShopRatesChangeViewSet, basename="shopratechange")
router.register("quantity-breaks", QuantityBreakViewSet, basename="quantitybreak")
router.register("delivery-options", DeliveryOptionViewSet, basename="deliveryoption")
router.register("vat-rates", VatRateViewSet, basename="vatrate")
