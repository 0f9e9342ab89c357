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


# --- many lines at once ---------------------------------------------------------------------------


def _drawing_rows(job, count: int) -> list:
    """`count` measured 10 mm mild-steel drawings of the job (rows), each its own size."""
    from ingest.tests.factories import file_row

    return [
        file_row(
            project=job,
            metadata={
                "material_code": "MS",
                "thickness_mm": Decimal("10"),
                "cut_length_mm": 500.0 + 10 * n,
                "pierce_count": 1 + n % 4,
                "area_mm2": 10000.0 + 100 * n,
                "bbox_width_mm": 100.0 + n,
                "bbox_height_mm": 100.0,
                "warnings": [{"code": "units", "message": "No units."}] if n % 2 else [],
                "warning_count": n % 2,
                "has_warnings": bool(n % 2),
            },
        )
        for n in range(count)
    ]


def _kept(line) -> tuple:
    return (
        line.position,
        line.kind,
        line.file_id,
        line.description,
        line.quantity,
        line.unit_price,
        line.discount_pct,
        line.line_total,
        line.pricing_input,
        line.breakdown,
        line.flags,
        line.checks,
    )


def test_lines_added_at_once_are_priced_and_kept_as_one_by_one(job):
    from finance.pricing import PartPricing
    from finance.services.quotes import NewLine, quote_lines_add
    from laseros.models import ActivityLog

    files = _drawing_rows(job, 12)
    wanted = [
        NewLine(file=f, quantity=1 + n, discount_pct=n % 3, distinct_parts=12)
        for n, f in enumerate(files)
    ] + [NewLine(description="Deburring", unit_price="5.50", quantity=40)]
    one_by_one = services.quote_create(project=job, by=None)
    for new in wanted:
        services.quote_line_add(
            quote=one_by_one,
            by=None,
            file=new.file,
            quantity=new.quantity,
            discount_pct=new.discount_pct,
            distinct_parts=new.distinct_parts,
            description=new.description,
            unit_price=new.unit_price,
        )
    quote = services.quote_create(project=job, by=None)
    log = ActivityLog.objects.count()
    made = quote_lines_add(quote=quote, by=None, lines=wanted)
    assert len(made) == 13 and all(line.pk for line in made)
    assert [_kept(line) for line in quote.lines.order_by("position")] == [
        _kept(line) for line in one_by_one.lines.order_by("position")
    ]
    for line in quote.lines.filter(kind="drawing"):  # the engine's own input, as it writes it
        assert PartPricing.from_dict(line.pricing_input).to_dict() == line.pricing_input
    quote.refresh_from_db()
    one_by_one.refresh_from_db()
    assert quote.subtotal == one_by_one.subtotal > 0
    assert quote.total_incl_vat == one_by_one.total_incl_vat
    # one audit entry says what was added and what the totals became
    entries = list(ActivityLog.objects.order_by("id")[log:])
    assert len(entries) == 1
    assert entries[0].message == f"13 lines added to {quote.label} (lines 1-13)"
    assert entries[0].changes["lines"] == [0, 13]
    assert entries[0].changes["subtotal"] == ["0.00", str(quote.subtotal)]


def test_lines_added_at_once_follow_the_lines_already_there(job):
    from finance.services.quotes import NewLine, quote_lines_add

    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, description="Setup", unit_price="10", quantity=1)
    quote_lines_add(
        quote=quote,
        by=None,
        lines=[NewLine(description=f"Part {n}", unit_price="1", quantity=2) for n in range(3)],
    )
    quote.refresh_from_db()
    assert list(quote.lines.values_list("position", flat=True)) == [1, 2, 3, 4]
    assert quote.subtotal == Decimal("16.00")


def test_one_bad_line_refuses_them_all_naming_it(job):
    from finance.services.quotes import NewLine, quote_lines_add

    quote = services.quote_create(project=job, by=None)
    lines = [NewLine(description="Fine", unit_price="1", quantity=1)] * 3
    lines.append(NewLine(description="Bad", unit_price="1", quantity=0))
    with pytest.raises(ValidationError) as caught, unchanged(Quote, QuoteLine):
        quote_lines_add(quote=quote, by=None, lines=lines)
    assert caught.value.message_dict == {
        "quantity": ["Line 4: The quantity is at least 1 part; 0 is refused."]
    }
    with pytest.raises(ValidationError, match="no lines to add"), unchanged(Quote, QuoteLine):
        quote_lines_add(quote=quote, by=None, lines=[])


def test_auto_quote_adds_its_lines_at_once(job):
    from laseros.models import ActivityLog

    _drawing_rows(job, 5)
    quote = services.quote_auto(project=job, by=None)
    assert quote.lines.count() == 5
    assert ActivityLog.objects.filter(message=f"5 lines added to {quote.label} (lines 1-5)")
    assert not ActivityLog.objects.filter(message__startswith="line 1 of")
