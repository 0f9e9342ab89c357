"""Estimate against actual: a job's quoted machine minutes and material against its laser runs
(its share of a run that cut several jobs), per job and per material × thickness, and the admin
page a manager reads it on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from finance.estimates import compare_estimates
from finance.tests.runs_and_quotes import cut, paid_job, quoted, ten_minutes_a_ten
from laseros.testing import count_queries

pytestmark = pytest.mark.django_db

PAGE = "admin:finance_estimates"


@pytest.fixture
def shop(pricing_shop):
    ten_minutes_a_ten(pricing_shop["preset"])
    return pricing_shop


@pytest.fixture
def plate(shop, measured):
    """The base plate, measured (one reading serves every job's quote)."""
    return measured()


def sheets_for(line) -> Decimal:
    """What a line's material is in sheets: its kg ÷ utilisation ÷ one sheet's kg (worked out
    here from what the line kept, not by the code under test)."""
    material, rates = line.pricing_input["material"], line.pricing_input["rates"]
    sheet_kg = (
        Decimal(material["sheet_width_mm"])
        * Decimal(material["sheet_length_mm"])
        * Decimal(line.pricing_input["thickness_mm"])
        * Decimal(material["density_g_cm3"])
        / 1_000_000
    )
    area = Decimal(line.pricing_input["geometry"]["area_mm2"])
    kg = area * 10 * Decimal(material["density_g_cm3"]) / 1_000_000 * line.quantity
    return kg / Decimal(rates["sheet_utilisation"]) / sheet_kg


def test_a_job_quoted_at_10_minutes_that_ran_15_shows_ratio_1_5(shop, plate):
    job = paid_job(shop)
    quote = quoted(job, plate, accept=False)
    cut(shop, [(job, 10_262)], minutes=15, sheets=1)

    report = compare_estimates()

    [row] = report.jobs
    assert (row.code, row.quote_label, row.runs) == (job.code, quote.label, 1)
    assert row.figures.estimated_minutes == Decimal("10.00")
    assert row.figures.actual_minutes == Decimal(15)
    assert row.figures.minutes_ratio == Decimal("1.50")
    assert row.figures.minutes_off  # more than 20 % over
    line = quote.lines.get()
    assert row.figures.estimated_sheets == pytest.approx(sheets_for(line), rel=Decimal("1e-4"))
    assert row.figures.actual_sheets == 1
    [stock] = report.stocks
    assert (stock.material_code, stock.thickness_mm, stock.jobs, stock.runs) == (
        "MS",
        Decimal("10.00"),
        1,
        1,
    )
    assert stock.figures.minutes_ratio == Decimal("1.50")
    [run] = report.runs
    assert run.actual_minutes == 15 and run.quoted_minutes == Decimal("10.00")


def test_a_run_that_cut_two_jobs_is_split_by_their_shares(shop, plate):
    big, small = paid_job(shop), paid_job(shop)
    quoted(big, plate)
    quoted(small, plate)
    # 3 000 mm of one, 1 000 of the other: shares 0.75 and 0.25 of 20 minutes and 4 sheets
    run = cut(shop, [(big, 3000), (small, 1000)], minutes=20, sheets=4)
    assert sorted(run.project_shares.values_list("share", flat=True)) == [
        Decimal("0.25"),
        Decimal("0.75"),
    ]

    report = compare_estimates()

    by_code = {row.code: row.figures for row in report.jobs}
    assert by_code[big.code].actual_minutes == Decimal(15)
    assert by_code[small.code].actual_minutes == Decimal(5)
    assert by_code[big.code].actual_sheets == Decimal(3)
    assert by_code[small.code].actual_sheets == Decimal(1)
    assert by_code[big.code].minutes_ratio == Decimal("1.50")
    assert by_code[small.code].minutes_ratio == Decimal("0.50")
    [stock] = report.stocks
    assert (stock.jobs, stock.runs) == (2, 1)
    assert stock.figures.estimated_minutes == Decimal("20.00")
    assert stock.figures.actual_minutes == Decimal(20)
    assert stock.figures.minutes_ratio == Decimal("1.00")
    # the worst first: 0.5 is twice off, 1.5 only half again
    assert [row.code for row in report.jobs] == [small.code, big.code]


def test_a_job_cut_over_several_runs_adds_them_up(shop, plate):
    job = paid_job(shop)
    quoted(job, plate)
    cut(shop, [(job, 5000)], minutes=4, days_ago=3)
    cut(shop, [(job, 5000)], minutes=5, days_ago=2)

    [row] = compare_estimates().jobs

    assert row.runs == 2
    assert row.figures.actual_minutes == Decimal(9)
    assert row.figures.minutes_ratio == Decimal("0.90")


def test_jobs_without_a_quote_or_without_runs_are_left_out_and_counted(shop, plate):
    compared, unquoted, uncut = paid_job(shop), paid_job(shop), paid_job(shop)
    quoted(compared, plate)
    quoted(uncut, plate)
    cut(shop, [(compared, 1000), (unquoted, 1000)], minutes=10)

    report = compare_estimates()

    assert [row.code for row in report.jobs] == [compared.code]
    assert report.jobs_with_runs == 2
    assert (report.without_quote, report.without_runs) == (1, 1)
    # the unquoted job's half of the run is not the quoted job's
    assert report.jobs[0].figures.actual_minutes == Decimal(5)


def test_the_accepted_quote_is_compared_not_a_later_one_sent(shop, plate, job):
    # `job` holds the drawing, as a job in Request must to be quoted and accepted
    accepted = quoted(job, plate, quantity=10, accept=True)
    quoted(job, plate, quantity=20)  # sent later, never accepted
    cut(shop, [(job, 1000)], minutes=10)

    [row] = compare_estimates().jobs

    assert row.quote_id == accepted.pk
    assert row.figures.estimated_minutes == Decimal("10.00")


def test_a_draft_quote_is_no_estimate(shop, plate):
    from finance import services

    job = paid_job(shop)
    draft = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=draft, by=None, file=plate, quantity=10)
    cut(shop, [(job, 1000)], minutes=10)

    report = compare_estimates()

    assert report.jobs == [] and report.without_quote == 1


def test_only_runs_since_the_day_asked_are_compared(shop, plate):
    from django.utils import timezone

    job = paid_job(shop)
    quoted(job, plate)
    cut(shop, [(job, 1000)], minutes=30, days_ago=200)
    cut(shop, [(job, 1000)], minutes=12, days_ago=10)

    report = compare_estimates(since=timezone.now() - timezone.timedelta(days=90))

    assert report.runs_counted == 1
    assert report.jobs[0].figures.actual_minutes == Decimal(12)


# --- the admin page -------------------------------------------------------------------------------


def test_the_page_shows_a_manager_the_figures_with_links_and_colours(
    client, make_user, shop, plate
):
    over, close = paid_job(shop, name="Over"), paid_job(shop, name="Close")
    quoted(over, plate)
    quote = quoted(close, plate)
    cut(shop, [(over, 1000)], minutes=15, sheets=1)
    cut(shop, [(close, 1000)], minutes=11)
    client.force_login(make_user("manager", role="Manager"))

    response = client.get(reverse(PAGE))

    assert response.status_code == 200
    html = response.content.decode()
    by_job = html.split('id="estimates-by-job"')[1]
    by_stock = html.split('id="estimates-by-stock"')[1].split("</table>")[0]
    over_row = by_job.split(over.code)[1].split("</tr>")[0]
    close_row = by_job.split(close.code)[1].split("</tr>")[0]
    assert 'class="num ratio over">1.50<' in over_row
    assert 'class="num ratio">1.10<' in close_row  # within 20 %: not coloured
    assert ">10.0<" in over_row and ">15.0<" in over_row
    assert reverse("admin:projects_project_change", args=[over.pk]) in by_job
    assert reverse("admin:finance_quote_change", args=[quote.pk]) in by_job
    # MS 10 mm: 20 quoted minutes, 26 run, 1.30 (over by more than 20 %)
    assert ">20.0<" in by_stock and ">26.0<" in by_stock
    assert 'class="num ratio over">1.30<' in by_stock
    assert "2 jobs compared, of 2 with runs (2 runs)" in html


def test_the_page_counts_what_it_leaves_out(admin_user_client, shop, plate):
    quoted_job, unquoted = paid_job(shop), paid_job(shop)
    quoted(quoted_job, plate)
    cut(shop, [(unquoted, 1000)], minutes=10)

    html = admin_user_client.get(reverse(PAGE)).content.decode()

    assert "0 jobs compared, of 1 with runs (1 run)" in html
    assert "1 job with runs but no sent or accepted quote" in html
    assert "1 job quoted but not cut yet" in html


def test_an_operator_is_refused_and_a_viewer_may_read(client, make_user, shop):
    client.force_login(make_user("op", role="Operator"))
    refused = client.get(reverse(PAGE), follow=True)
    assert refused.redirect_chain == [(reverse("admin:index"), 302)]
    assert "You may not see estimates against the laser runs" in refused.content.decode()
    client.force_login(make_user("viewer", role="Viewer"))
    assert client.get(reverse(PAGE)).status_code == 200


def test_the_page_needs_as_many_queries_for_6_jobs_as_for_2(client, make_user, shop, plate):
    client.force_login(make_user("manager", role="Manager"))
    url = reverse(PAGE)

    def grow(n: int) -> None:
        for _ in range(n):
            job = paid_job(shop)
            quoted(job, plate)
            cut(shop, [(job, 1000)], minutes=12, sheets=1)

    grow(2)
    small, response = count_queries(lambda: client.get(url))
    assert response.content.decode().count('<td class="num">1</td>') >= 2
    grow(4)
    large, response = count_queries(lambda: client.get(url))
    assert "6 jobs compared" in response.content.decode()
    assert small == large
