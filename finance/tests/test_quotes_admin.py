"""The quotes' admin: a quote's page with its lines, each drawing's picture and checks, the
warning when a line has checks, the buttons of its life, and the job list's auto-quote action."""

from __future__ import annotations

import pytest

from finance import services
from finance.models import Quote, QuoteLine, QuoteStatus
from finance.tests.conftest import SAMPLES
from laseros.testing import unchanged
from projects.models import Project, ProjectStatus

pytestmark = pytest.mark.django_db
BRACKET = SAMPLES / "dxf" / "fdlb__L_bracket_blank_50x50_t2_2x5.dxf"


def _page(quote) -> str:
    return f"/admin/finance/quote/{quote.pk}/change/"


def _button(quote, action) -> str:
    return f"/admin/finance/quote/{quote.pk}/status/{action}/"


def test_the_job_list_action_quotes_a_job_from_its_drawings(client, make_user, job, measured):
    measured()
    measured(BRACKET, "0001-Bracket-MS-10mm-x4.dxf")
    client.force_login(make_user("boss", role="Manager"))
    response = client.post(
        "/admin/projects/project/",
        {"action": "quote_from_drawings", "_selected_action": [job.pk]},
        follow=True,
    )
    quote = Quote.objects.get(project=job)
    said = response.content.decode()
    assert f"{job.code}: quote" in said and quote.number in said and "2 line(s)" in said
    assert quote.lines.count() == 2 and quote.status == QuoteStatus.DRAFT


def test_the_quote_page_shows_lines_pictures_checks_and_warns(client, make_user, job, measured):
    file = measured()  # the base plate's drawing does not declare its units: a check
    assert file.metadata.warnings
    quote = services.quote_auto(project=job, by=None)
    client.force_login(make_user("boss", role="Manager"))
    page = client.get(_page(quote)).content.decode()
    assert "1 line of this quote has drawing checks" in page
    assert "does not declare its units" in page
    assert f"/admin/ingest/fileingest/{file.pk}/preview/?size=48" in page
    assert "Machine:" in page  # the line's breakdown
    assert 'data-action="send"' in page and 'data-action="accept"' not in page


def test_the_buttons_send_and_accept_through_the_services(client, make_user, job, measured):
    measured()
    quote = services.quote_auto(project=job, by=None)
    client.force_login(make_user("boss", role="Manager"))
    client.post(_button(quote, "send"))
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert 'data-action="accept"' in client.get(_page(quote)).content.decode()
    response = client.post(_button(quote, "accept"), follow=True)
    quote.refresh_from_db()
    job.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and job.status == ProjectStatus.APPROVED
    assert "is now Accepted" in response.content.decode()


def test_a_refused_button_says_why_and_changes_nothing(client, make_user, job):
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, description="Cut", unit_price="9", quantity=1)
    client.force_login(make_user("boss", role="Manager"))
    with unchanged(Quote, Project):  # sending takes the job to Quoting, whose gate refuses
        response = client.post(_button(quote, "send"), follow=True)
    assert "Attach at least one design file" in response.content.decode()


def test_a_viewer_reads_a_quote_but_cannot_press_its_buttons(client, make_user, job):
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, description="Cut", unit_price="9", quantity=1)
    client.force_login(make_user("vera", role="Viewer"))
    page = client.get(_page(quote))
    assert page.status_code == 200 and 'data-action="send"' not in page.content.decode()
    with unchanged(Quote):
        assert client.post(_button(quote, "send")).status_code == 403


def test_an_operator_is_kept_out(client, make_user, job):
    quote = services.quote_create(project=job, by=None)
    client.force_login(make_user("op", role="Operator"))
    assert client.get(_page(quote)).status_code in (302, 403)
    with unchanged(Quote):
        assert client.post(_button(quote, "send")).status_code in (302, 403)


def _grow_lines(job, quote):
    """grow(n) for assert_constant_queries: the quote's lines made up to n, through the service
    that adds many at once, of every kind a page shows: drawings (with a picture, with checks),
    catalogue products and free text."""
    from decimal import Decimal

    from finance.services.quotes import NewLine, quote_lines_add
    from ingest.tests.factories import file_row
    from projects.tests.factories import ProductFactory

    checks = [{"code": "small_hole", "message": "A hole is smaller than the thickness."}]

    def drawing(n: int):
        return file_row(
            project=job,
            metadata={
                "material_code": "MS",
                "thickness_mm": Decimal("10"),
                "cut_length_mm": 600.0 + n,
                "pierce_count": 2,
                "area_mm2": 9000.0,
                "bbox_width_mm": 90.0,
                "bbox_height_mm": 100.0,
                "preview": f"previews/part-{n}.png" if n % 2 else "",
                "warnings": checks,
                "warning_count": 1,
                "has_warnings": True,
            },
        )

    def new_line(n: int) -> NewLine:
        if n % 4 == 2:
            return NewLine(product=ProductFactory(), quantity=3)
        if n % 4 == 3:
            return NewLine(description=f"Deburring {n}", unit_price="4.50", quantity=2)
        return NewLine(file=drawing(n), quantity=2)

    def grow(n: int) -> None:
        have = quote.lines.count()
        if n > have:
            quote_lines_add(quote=quote, by=None, lines=[new_line(i) for i in range(have, n)])

    return grow


def test_the_quote_page_runs_as_many_queries_at_5_lines_as_at_100(client, make_user, job):
    from types import SimpleNamespace

    from laseros.testing import assert_constant_queries

    client.force_login(make_user("boss", role="Manager"))
    quote = services.quote_create(project=job, by=None)
    grow = _grow_lines(job, quote)
    grow(5)
    client.get(_page(quote))  # the session and the menu's caches, as on any later page

    def fetch():
        response = client.get(_page(quote))
        assert response.status_code == 200
        page = response.content.decode()
        drawn = quote.lines.filter(kind="drawing").count()
        assert f"{drawn} line{'s' if drawn > 1 else ''} of this quote" in page  # checks warned
        (lines,) = [
            f for f in response.context["inline_admin_formsets"] if f.opts.model is QuoteLine
        ]
        # the lines the page shows (listed_rows reads an API list's `data`)
        return SimpleNamespace(status_code=200, data=list(lines))

    small, large = assert_constant_queries(fetch, grow, small=5, large=100)
    assert quote.lines.count() == 100 and small == large


def test_the_jobs_page_lists_its_quotes_with_totals_to_those_who_see_money(
    client, make_user, job, measured
):
    measured()
    first = services.quote_auto(project=job, by=None)
    second = services.quote_auto(project=job, by=None)
    job_page = f"/admin/projects/project/{job.pk}/change/"

    client.force_login(make_user("boss", role="Manager"))
    page = client.get(job_page).content.decode()
    assert first.label in page and second.label in page
    assert f"/admin/finance/quote/{first.pk}/change/" in page
    assert f"{first.total_incl_vat:,.2f}".replace(",", "\xa0") in page  # R 1 191.52
    quote_page = client.get(f"/admin/finance/quote/{first.pk}/change/").content.decode()
    assert "15 %" in quote_page and "0.1500" not in quote_page

    client.force_login(make_user("sipho", role="Operator"))
    page = client.get(job_page).content.decode()
    assert first.label not in page and "Quotes" not in page
