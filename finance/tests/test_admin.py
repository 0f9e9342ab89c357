"""The admin: the instant-quote page (drop a drawing, see the price, the breakdown and the
preview), reached from the index; the rates page, whose every change is logged with its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finance.models import RATES_PK, ShopRates, ShopRatesChange
from laseros.models import ActivityLog
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db
PAGE = "/admin/finance/shoprates/instant-quote/"


def test_the_index_links_to_the_page(client, make_user, pricing_shop):
    client.force_login(make_user("boss", role="Manager"))
    index = client.get("/admin/").content.decode()
    assert f'href="{PAGE}"' in index and "Instant quote: presets ready to price" in index


def test_drop_a_drawing_see_the_price_breakdown_and_preview(
    client, make_user, pricing_shop, drawing
):
    client.force_login(make_user("boss", role="Manager"))
    assert client.get(PAGE).status_code == 200
    log = ActivityLog.objects.count()
    response = client.post(
        PAGE, {"file": drawing(), "material": "MS", "thickness_mm": "10", "quantity": "2"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 × R 103.61 = R 207.22 excl. VAT" in page  # as the API test works it out
    assert "Machine: 2.39 min on X3" in page and "Material: 6.12 kg MS 10 mm" in page
    assert "Total incl. VAT" in page and "238.30" in page
    assert 'src="data:image/png;base64,' in page
    assert "does not declare its units" in page  # the drawing's checks
    assert ActivityLog.objects.count() == log


def test_a_wrong_field_is_shown_on_the_form(client, make_user, pricing_shop, drawing):
    client.force_login(make_user("boss", role="Manager"))
    response = client.post(
        PAGE,
        {"file": drawing(), "material": "MS", "thickness_mm": "10", "quantity": "2", "gas": "N2"},
    )
    assert response.status_code == 200
    assert "No cut preset for MS 10 mm N2" in response.content.decode()


def test_an_operator_is_sent_away_a_viewer_may_price_but_not_change_rates(client, make_user):
    client.force_login(make_user("op", role="Operator"))
    response = client.get(PAGE)
    assert response.status_code in (302, 403)
    assert "Price it" not in response.content.decode()
    client.force_login(make_user("vera", role="Viewer"))
    assert "Price it" in client.get(PAGE).content.decode()
    url = f"/admin/finance/shoprates/{RATES_PK}/change/"
    with unchanged(ShopRates, ShopRatesChange):
        assert client.post(url, {"margin_pct": "99", "change_reason": "x"}).status_code == 403


def test_a_rates_change_is_logged_with_its_reason(client, make_user):
    boss = make_user("boss", role="Manager")
    client.force_login(boss)
    url = f"/admin/finance/shoprates/{RATES_PK}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"margin_pct": "30", "machine": ""})
    data.update({"changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0"})  # the log inline
    refused = client.post(url, data)
    assert (
        refused.status_code == 200 and "Say why the rates are changed" in refused.content.decode()
    )
    assert ShopRates.objects.get().margin_pct == Decimal("25")
    data["change_reason"] = "Steel went up"
    assert client.post(url, data).status_code == 302
    assert ShopRates.objects.get().margin_pct == Decimal("30")
    entry = ShopRatesChange.objects.get()
    assert entry.by == boss and entry.reason == "Steel went up"
    assert entry.changes == {"margin_pct": ["25.00", "30.00"]}
    assert ActivityLog.objects.filter(message="Steel went up").count() == 1
    assert "Steel went up" in client.get(url).content.decode()  # the log is on the page


def test_amounts_are_written_as_the_house_writes_money(client, make_user, pricing_shop, drawing):
    client.force_login(make_user("boss", role="Manager"))
    response = client.post(
        PAGE, {"file": drawing(), "material": "MS", "thickness_mm": "10", "quantity": "20"}
    )
    page = response.content.decode()
    # 20 × R 103.61 (the base plate, as the API test works it out): R 2 072.20 excl. VAT
    assert "20 × R 103.61 = R 2\xa0072.20 excl. VAT" in page, page
    assert ">2\xa0072.20<" in page and "2072.20" not in page


def test_every_bad_field_is_shown_at_once(client, make_user, pricing_shop, drawing):
    from finance.models import DeliveryOption

    DeliveryOption.objects.create(code="courier", name="Courier", price=Decimal("150"))
    client.force_login(make_user("boss", role="Manager"))
    pricing_shop["machine"].hourly_rate = None
    pricing_shop["machine"].save()
    response = client.post(
        PAGE, {"file": drawing(), "material": "MS", "thickness_mm": "3", "quantity": "0"}
    )
    form = response.context["form"]
    assert set(form.errors) == {"quantity", "material", "thickness_mm", "__all__"}, form.errors
    page = response.content.decode()
    assert "MS 3 mm has no sheet price" in page and "X3 has no hourly rate" in page
