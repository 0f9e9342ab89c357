"""POST /api/v1/quotes/instant/: a real drawing priced as the worker would read it, nothing
stored; each wrong field a 400 naming it; the roles matrix (finance: Admin, Manager and Viewer
may price, Operator may not)."""

from __future__ import annotations

import glob
import os
import tempfile
from decimal import Decimal

import pytest

from finance.models import RATES_PK, DeliveryOption, QuantityBreak, ShopRates
from ingest.models import FileIngest
from laseros.models import ActivityLog

from .conftest import LIGHTBURN_PLATE

URL = "/api/v1/quotes/instant/"
pytestmark = pytest.mark.django_db


def post(client, upload, **fields):
    data = {"material": "MS", "thickness_mm": "10", "quantity": "2", **fields}
    if upload is not None:
        data["file"] = upload
    return client.post(URL, data, format="multipart")


@pytest.fixture(autouse=True)
def _own_temp_folder(tmp_path, monkeypatch):
    """Each test's temporary folders in a folder of its own: another test process's instant
    quote, mid-request, is not this test's leftover."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))


def leftovers() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "instant-quote-*")))


def test_a_base_plate_priced_by_hand(api, pricing_shop, drawing):
    before = leftovers()
    files, log = FileIngest.objects.count(), ActivityLog.objects.count()
    response = post(api("Manager"), drawing())
    assert response.status_code == 200, response.json()
    body = response.json()
    # machine: 1 026.195 mm ÷ 1 000 mm/min + 5 pierces × 2 s = 1.1929 min a part, 2.3857 min
    #          for two at R 10/min = R 23.857
    # material: 38 982.124 mm² × 10 mm × 7.85 g/cm³ = 3.0601 kg a part, 6.1202 kg; the sheet
    #          (1225 × 2450 × 10 mm × 7.85 = 235.598 kg) costs R 6 000 → R 25.4671/kg;
    #          6.1202 kg × 25.4671 ÷ 0.85 = R 183.369
    # total R 207.226 → unit R 103.61, line R 207.22; VAT 15 % = 31.083 → R 31.08
    assert body["unit_price"] == "103.61"
    assert body["total_excl_vat"] == "207.22"
    assert body["vat"] == "31.08"
    assert body["total_incl_vat"] == "238.30"
    assert body["currency"] == "ZAR"
    assert body["machine_minutes"] == "2.39"
    assert body["cut_length_mm"] == "1026.2"
    assert body["pierce_count"] == 5
    assert body["material_kg"] == "6.120"
    assert body["sheets"] is None
    assert body["preset"]["label"] == "10mm O2 MS 1.2D" and body["preset"]["gas"] == "O2"
    assert body["preset"]["is_fallback"] is False and body["flags"] == []
    codes = {item["code"]: item["amount"] for item in body["breakdown"]}
    assert codes["machine"] == "23.86" and codes["material"] == "183.36"
    assert sum(Decimal(item["amount"]) for item in body["breakdown"]) == Decimal("207.22")
    assert {"code", "message"} <= set(body["checks"][0])
    assert "units_assumed_mm" in {check["code"] for check in body["checks"]}
    # nothing stored, nothing left behind
    assert FileIngest.objects.count() == files and ActivityLog.objects.count() == log
    assert leftovers() == before


def test_a_lightburn_drawing_is_priced_too(api, pricing_shop, drawing):
    from inventory.tests.factories import SheetStockFactory
    from production.tests.factories import CutPresetFactory

    half = Decimal("0.53")
    CutPresetFactory(material=pricing_shop["material"], thickness_mm=half, gas="N2")
    SheetStockFactory(material=pricing_shop["material"], thickness_mm=half)
    response = post(api("Manager"), drawing(LIGHTBURN_PLATE), thickness_mm="0.53")
    assert response.status_code == 200, response.json()
    assert Decimal(response.json()["total_excl_vat"]) > 0


def test_whole_sheets_rush_breaks_and_delivery(api, pricing_shop, drawing):
    ShopRates.objects.filter(pk=RATES_PK).update(whole_sheets=True)
    QuantityBreak.objects.create(min_quantity=10, discount_pct=Decimal("5"))
    DeliveryOption.objects.create(code="courier", name="Courier", price=Decimal("150"))
    response = post(api("Manager"), drawing(), quantity="45", rush="true", delivery="courier")
    assert response.status_code == 200, response.json()
    body = response.json()
    # 45 plates, at most 20 a nest: 3 sheets of 1225 × 2450
    assert body["sheets"]["count"] == 3 and body["sheets"]["units_per_sheet"] == 20
    codes = [item["code"] for item in body["breakdown"]]
    assert codes == ["machine", "material", "setup", "margin", "quantity_break", "rush", "delivery"]
    assert "3 whole sheets" in body["breakdown"][1]["label"]
    total = sum(Decimal(item["amount"]) for item in body["breakdown"])
    assert total == Decimal(body["total_excl_vat"])


def test_no_preset_is_refused_unless_the_fallback_is_allowed(api, pricing_shop, drawing):
    client = api("Manager")
    refused = post(client, drawing(), gas="N2")
    assert refused.status_code == 400
    assert "No cut preset for MS 10 mm N2" in refused.json()["gas"][0]
    ShopRates.objects.filter(pk=RATES_PK).update(no_preset_fallback=True)
    allowed = post(client, drawing(), gas="n2")
    assert allowed.status_code == 200, allowed.json()
    body = allowed.json()
    assert body["flags"] == ["no_preset"] and body["preset"]["is_fallback"] is True
    assert body["preset"]["label"].startswith("no preset for MS 10 mm N2")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"material": "UNOBTAINIUM"}, "material", "Unknown material"),
        ({"material": ""}, "material", ""),
        ({"thickness_mm": "-1"}, "thickness_mm", ""),
        ({"thickness_mm": "ten"}, "thickness_mm", ""),
        ({"thickness_mm": "3"}, "material", "MS 3 mm has no sheet price"),
        ({"thickness_mm": "20"}, "thickness_mm", "thicker than the machine cuts"),
        ({"quantity": "0"}, "quantity", ""),
        ({"quantity": "-5"}, "quantity", ""),
        ({"quantity": "2.5"}, "quantity", ""),
        ({"gas": "HELIUM"}, "gas", ""),
        ({"delivery": "drone"}, "delivery", "Unknown delivery"),
        ({"bends": "-1"}, "bends", ""),
    ],
)
def test_bad_fields_are_400s_naming_them(api, pricing_shop, drawing, fields, field, words):
    response = post(api("Manager"), drawing(), **fields)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert words in " ".join(response.json()[field])


def test_a_missing_file_or_not_a_drawing_is_refused(api, pricing_shop, tmp_path):
    client = api("Manager")
    assert "file" in post(client, None).json()
    text = tmp_path / "notes.dxf"
    text.write_text("nothing to cut here, just words\n" * 20)
    with text.open("rb") as upload:
        response = post(client, upload)
    assert response.status_code == 400 and "file" in response.json()
    empty = tmp_path / "empty.dxf"
    empty.write_bytes(b"")
    with empty.open("rb") as upload:
        assert "file" in post(client, upload).json()
    pdf = tmp_path / "drawing.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    with pdf.open("rb") as upload:
        response = post(client, upload)
    assert response.status_code == 400
    assert "Only DXF and LightBurn" in response.json()["file"][0]


def test_a_file_over_the_limit_names_the_limit(api, pricing_shop, drawing, settings):
    settings.INGEST_MAX_UPLOAD_MB = 0
    response = post(api("Manager"), drawing())
    assert response.status_code == 400
    assert "the limit is 0 MB" in response.json()["file"][0]


def test_a_machine_with_no_rate_is_said(api, pricing_shop, drawing):
    pricing_shop["machine"].hourly_rate = None
    pricing_shop["machine"].save()
    response = post(api("Manager"), drawing())
    assert response.status_code == 400
    assert "X3 has no hourly rate" in response.json()["rates"][0]


@pytest.mark.parametrize(("role", "status"), [("Admin", 200), ("Manager", 200), ("Viewer", 200)])
def test_roles_that_see_prices_may_quote(api, pricing_shop, drawing, role, status):
    assert post(api(role), drawing()).status_code == status


def test_an_operator_may_not_and_a_stranger_must_sign_in(api, pricing_shop, drawing):
    from rest_framework.test import APIClient

    assert post(api("Operator"), drawing()).status_code == 403
    assert post(APIClient(), drawing()).status_code == 401


def test_the_schema_lists_it_under_quotes(api):
    schema = api("Admin").get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/quotes/instant/"]["post"]
    assert operation["tags"] == ["quotes"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_a_reader_that_crashes_is_a_400_not_a_500(api, pricing_shop, drawing, monkeypatch):
    import finance.instant

    def crash(path, context):
        raise RuntimeError("a reader bug")

    monkeypatch.setattr(finance.instant, "analyse", crash)
    before = leftovers()
    response = post(api("Manager"), drawing())
    assert response.status_code == 400
    assert "could not be read (RuntimeError)" in response.json()["file"][0]
    assert leftovers() == before


def test_a_retry_with_its_idempotency_key_is_answered_without_reading_again(
    api, pricing_shop, drawing, monkeypatch
):
    import finance.instant

    reads = []
    real = finance.instant.analyse

    def counted(path, context):
        reads.append(path)
        return real(path, context)

    monkeypatch.setattr(finance.instant, "analyse", counted)
    client = api("Manager")
    upload = drawing()
    data = {"material": "MS", "thickness_mm": "10", "quantity": "2", "file": upload}
    first = client.post(URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY="price-plate-1")
    upload.seek(0)
    again = client.post(URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY="price-plate-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.json()["unit_price"] == "103.61"
    assert again["Idempotent-Replayed"] == "true"
    assert len(reads) == 1
    # the same key for another quantity is a client's mistake, not a retry
    upload.seek(0)
    other = client.post(
        URL, {**data, "quantity": "3"}, format="multipart", HTTP_IDEMPOTENCY_KEY="price-plate-1"
    )
    assert other.status_code == 422 and len(reads) == 1


def test_instant_quotes_have_a_throttle_of_their_own(api, pricing_shop, drawing, monkeypatch):
    """Each one reads a whole drawing: far fewer a minute than the API's other calls."""
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "instant_quote": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = api("Manager")
    assert [post(client, None).status_code for _ in range(3)] == [400, 400, 429]


def test_every_bad_field_is_named_at_once(api, pricing_shop, drawing):
    client = api("Manager")
    # the serializer's own checks and the shop's (material, delivery) in one answer
    response = post(
        client,
        drawing(),
        material="UNOBTAINIUM",
        quantity="0",
        gas="HELIUM",
        delivery="drone",
        bends="-1",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"material", "quantity", "gas", "delivery", "bends"}
    assert "Unknown material" in response.json()["material"][0]
    assert "Unknown delivery" in response.json()["delivery"][0]


def test_the_shops_checks_and_the_file_are_named_together(api, pricing_shop, tmp_path):
    pricing_shop["machine"].hourly_rate = None
    pricing_shop["machine"].save()
    pdf = tmp_path / "drawing.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    with pdf.open("rb") as upload:
        response = post(api("Manager"), upload, thickness_mm="3", delivery="drone")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"material", "thickness_mm", "rates", "delivery", "file"}, body
    assert "MS 3 mm has no sheet price" in body["material"][0]
    assert "No cut preset for MS 3 mm" in body["thickness_mm"][0]
    assert "X3 has no hourly rate" in body["rates"][0]
    assert "Only DXF and LightBurn" in body["file"][0]
