"""/api/v1/shop-rates/, /shop-rates-changes/, /quantity-breaks/, /delivery-options/ and
/vat-rates/'s generated tests (laseros.api_testing): read by Admins, Managers and Viewers (the
matrix's finance row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from finance.models import DeliveryOption, QuantityBreak, ShopRates, ShopRatesChange, VatRate
from finance.selectors import current_rates
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER, VIEWER

READERS = (ADMIN, MANAGER, VIEWER)


class TestShopRates(EndpointTests):
    prefix = "shop-rates"
    model = ShopRates
    readers = READERS

    def make(self, n):
        return current_rates()


class TestShopRatesChanges(EndpointTests):
    prefix = "shop-rates-changes"
    model = ShopRatesChange
    readers = READERS
    filters = (
        Filter("rates", lambda change: change.rates_id),
        Filter("by", lambda change: change.by.username),
        *dates("changed_at"),
    )

    def make(self, n):
        return ShopRatesChange.objects.create(
            rates=current_rates(),
            changed_at=timezone.now(),
            by=someone(f"estimator-{n}"),
            reason=f"steel went up {n}",
            changes={"margin_pct": ["25", str(26 + n)]},
        )

    def test_filter(self, make_user, case):
        if case.param == "rates":  # one rates row: every change is of it
            match = self.make(0)
            client = self.client_as(make_user, self.filter_role)
            response = client.get(self.url, {"rates": match.rates_id})
            assert response.status_code == 200 and match.pk in {
                row["id"] for row in response.data["results"]
            }
            assert client.get(self.url, {"rates": match.rates_id + 1}).status_code == 400
            return
        super().test_filter(make_user, case)


class TestQuantityBreaks(EndpointTests):
    prefix = "quantity-breaks"
    model = QuantityBreak
    readers = READERS

    def make(self, n):
        return QuantityBreak.objects.create(min_quantity=1000 + n, discount_pct=Decimal("5"))


class TestDeliveryOptions(EndpointTests):
    prefix = "delivery-options"
    model = DeliveryOption
    readers = READERS
    filters = (
        Filter("is_active", lambda o: "false", lambda m, o: set_fields(m, is_active=False)),
        Filter("code", lambda o: o.code),
    )

    def make(self, n):
        return DeliveryOption.objects.create(
            code=f"api-test-{n}", name=f"Van {n}", price=Decimal("150")
        )


class TestVatRates(EndpointTests):
    prefix = "vat-rates"
    model = VatRate
    readers = READERS
    filters = dates("effective_from", "effective")

    def make(self, n):
        return VatRate.objects.create(
            effective_from=dt.date(2090, 1, 1) + dt.timedelta(days=n), rate=Decimal("0.15")
        )
