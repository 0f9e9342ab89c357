"""Quotes: numbers (QT-YYYY-####, per year, gap-free, unique under concurrent creation), lines
from a product, a measured drawing or free text, totals, and the refusals that write nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import Quote, QuoteLine, QuoteStatus
from finance.tests.conftest import SAMPLES
from laseros.models import CodeSequence
from laseros.testing import needs_postgresql, run_at_once, unchanged
from projects.tests.factories import ProductFactory, ProjectFactory

pytestmark = pytest.mark.django_db

BRACKET = SAMPLES / "dxf" / "fdlb__L_bracket_blank_50x50_t2_2x5.dxf"


# --- numbers --------------------------------------------------------------------------------------


def test_numbers_count_per_year_without_gaps_and_start_again_in_a_new_year(job):
    late = [services.quote_create(project=job, by=None, today=dt.date(2026, 12, 31)) for _ in "ab"]
    # a refused quote takes no number
    with pytest.raises(ValidationError), unchanged(Quote, CodeSequence):
        services.quote_create(
            project=job, by=None, delivery="teleport", today=dt.date(2026, 12, 31)
        )
    new_year = services.quote_create(project=job, by=None, today=dt.date(2027, 1, 1))
    again = services.quote_create(project=job, by=None, today=dt.date(2026, 12, 31))
    assert [q.number for q in late] == ["QT-2026-0001", "QT-2026-0002"]
    assert new_year.number == "QT-2027-0001"
    assert again.number == "QT-2026-0003"
    assert {q.client_id for q in [*late, new_year]} == {job.client_id}
    assert all(q.status == QuoteStatus.DRAFT and q.revision == 1 for q in late)


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_consecutive_numbers(pricing_shop):
    job = ProjectFactory(material=pricing_shop["material"], thickness_mm=Decimal("10"))
    numbers: list[str] = []

    def worker(n):
        for _ in range(5):
            numbers.append(services.quote_create(project=job, by=None).number)

    errors = run_at_once(worker, 8)
    assert not errors, errors
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 41))
    assert Quote.objects.filter(project=job).count() == 40


# --- lines ----------------------------------------------------------------------------------------


def test_product_and_free_text_lines_and_the_totals(job, make_user):
    boss = make_user("boss", role="Manager")
    quote = services.quote_create(project=job, by=boss)
    product = ProductFactory(unit_price=Decimal("45.50"))
    services.quote_line_add(quote=quote, by=boss, product=product, quantity=10)
    services.quote_line_add(
        quote=quote,
        by=boss,
        description="Design work",
        unit_price="100.00",
        quantity=1,
        discount_pct="12.5",
    )
    quote.refresh_from_db()
    lines = list(quote.lines.all())
    assert [(line.kind, line.line_total) for line in lines] == [
        ("product", Decimal("455.00")),
        ("text", Decimal("87.50")),
    ]
    assert quote.subtotal == Decimal("542.50")
    assert quote.vat == Decimal("81.38")  # 15 % of 542.50 = 81.375, half-up
    assert quote.total_incl_vat == Decimal("623.88")


def test_a_drawing_line_keeps_its_measurements_file_checks_and_what_it_was_priced_from(
    job, measured
):
    file = measured()
    quote = services.quote_create(project=job, by=None)
    line = services.quote_line_add(quote=quote, by=None, file=file, quantity=3)
    assert line.kind == "drawing" and line.file == file
    assert line.material_code == "MS" and line.thickness_mm == Decimal("10")
    assert line.cut_length_mm == Decimal("1026.2") and line.pierce_count == 5
    assert (line.width_mm, line.height_mm) == (Decimal("200.0"), Decimal("200.0"))
    # 1 026.195 mm at 1 000 mm/min + 5 × 2 s = 1.19286 min at R 600/h = R 11.93 machine a part
    assert line.pricing_input["preset"]["cut_speed_mm_min"] == "1000.0"
    assert sum(Decimal(item["amount"]) for item in line.breakdown) == line.line_total
    assert line.line_total == line.unit_price * 3
    assert line.checks == file.metadata.warnings
    quote.refresh_from_db()
    assert quote.subtotal == line.line_total


def test_a_rates_change_leaves_an_old_quote_as_it_was(job, measured, pricing_shop):
    quote = services.quote_create(project=job, by=None)
    line = services.quote_line_add(quote=quote, by=None, file=measured(), quantity=3)
    services.quote_send(quote=quote, by=None)
    before = {f: getattr(quote, f) for f in ("subtotal", "total_excl_vat", "vat")}
    services.rates_update(changes={"margin_pct": Decimal("80")}, by=None, reason="dearer")
    pricing_shop["machine"].hourly_rate = Decimal("1200")
    pricing_shop["machine"].save()
    quote.refresh_from_db()
    line.refresh_from_db()
    assert {f: getattr(quote, f) for f in before} == before
    assert line.pricing_input["rates"]["margin_pct"] == "0.00"
    assert line.pricing_input["rates"]["machine_rate_per_hour"] == "600.00"
    # the same drawing priced today costs more
    fresh = services.quote_create(project=job, by=None)
    again = services.quote_line_add(quote=fresh, by=None, file=line.file, quantity=3)
    assert again.unit_price > line.unit_price


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"description": "Cutting", "unit_price": "10", "quantity": -3}, "quantity", "at least 1"),
        ({"description": "Cutting", "unit_price": "10", "quantity": 0}, "quantity", "at least 1"),
        ({"description": "Cutting", "unit_price": "10", "quantity": "2.5"}, "quantity", "whole"),
        (
            {"description": "Cutting", "unit_price": "10", "quantity": 1, "discount_pct": "150"},
            "discount_pct",
            "0 to 100",
        ),
        (
            {"description": "Cutting", "unit_price": "10", "quantity": 1, "discount_pct": "-5"},
            "discount_pct",
            "negative",
        ),
        ({"description": "Cutting", "quantity": 1}, "unit_price", "has a price"),
        ({"description": "Cutting", "unit_price": "", "quantity": 1}, "unit_price", "has a price"),
        ({"description": "Cutting", "unit_price": "-1", "quantity": 1}, "unit_price", "negative"),
        ({"description": "Cutting", "unit_price": "NaN", "quantity": 1}, "unit_price", "negative"),
        ({"unit_price": "10", "quantity": 1}, "description", "words"),
    ],
)
def test_a_bad_line_is_refused_naming_its_field_and_writes_nothing(job, values, field, words):
    quote = services.quote_create(project=job, by=None)
    with pytest.raises(ValidationError) as caught, unchanged(Quote, QuoteLine):
        services.quote_line_add(quote=quote, by=None, **values)
    assert words in " ".join(caught.value.message_dict[field])


def test_a_quote_with_no_client_is_refused(job):
    with pytest.raises(ValidationError) as caught, unchanged(Quote, CodeSequence):
        services.quote_create(project=None, by=None)
    assert "needs a client" in caught.value.message_dict["client"][0]


def test_a_drawing_that_cannot_be_priced_is_refused_naming_the_file(job, measured, pricing_shop):
    file = measured()
    pricing_shop["preset"].delete()
    quote = services.quote_create(project=job, by=None)
    with pytest.raises(ValidationError) as caught, unchanged(Quote, QuoteLine):
        services.quote_line_add(quote=quote, by=None, file=file, quantity=1)
    assert "No cut preset" in str(caught.value) and file.original_name in str(caught.value)


def test_a_sent_quote_is_not_edited(job):
    from ingest.tests.factories import file_row

    file_row(project=job)  # the design file sending to Quoting asks for
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(
        quote=quote, by=None, description="Cutting", unit_price="10", quantity=1
    )
    services.quote_send(quote=quote, by=None)
    with pytest.raises(ValidationError) as caught, unchanged(Quote, QuoteLine):
        services.quote_line_add(
            quote=quote, by=None, description="More", unit_price="10", quantity=1
        )
    assert "Revise it" in str(caught.value)
