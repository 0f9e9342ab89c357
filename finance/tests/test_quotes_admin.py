"""The quotes' admin: a quote's page with its lines, each drawing's picture and checks, the
warning when a line has checks, the buttons of its life, and the job list's auto-quote action."""

from __future__ import annotations

import pytest

from finance import services
from finance.models import Quote, QuoteStatus
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


def _quote_of(job, lines: int) -> Quote:
    """A quote of `lines` drawing lines, written directly (the page's reads are what count)."""
    from decimal import Decimal

    from finance.models import QuoteLine
    from ingest.tests.factories import file_row

    quote = services.quote_create(project=job, by=None)
    checks = [{"code": "small_hole", "message": "A hole is smaller than the thickness."}]
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=n + 1,
            kind="drawing",
            description=f"Part {n}",
            file=file_row(
                project=job, metadata={"warnings": checks, "warning_count": 1, "has_warnings": True}
            ),
            quantity=2,
            unit_price=Decimal("10.00"),
            line_total=Decimal("20.00"),
            breakdown=[{"code": "machine", "label": "Machine", "amount": "20.00"}],
            checks=checks,
        )
        for n in range(lines)
    )
    return quote


def test_the_quote_page_runs_as_many_queries_at_5_lines_as_at_100(client, make_user, job):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("boss", role="Manager"))
    counts = []
    for size in (5, 100):
        quote = _quote_of(job, size)
        client.get(_page(quote))  # the session and the menu's caches, as on any later page
        with CaptureQueriesContext(connection) as queries:
            page = client.get(_page(quote)).content.decode()
        assert f"{size} lines of this quote have drawing checks" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


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
