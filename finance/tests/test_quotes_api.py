"""POST /api/v1/projects/{id}/quote/ (auto-quote) and GET /api/v1/quotes/{id}/: a job's drawings
become a draft quote whose lines, money as strings, the API answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finance.models import Quote
from finance.tests.conftest import SAMPLES
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db
BRACKET = SAMPLES / "dxf" / "fdlb__L_bracket_blank_50x50_t2_2x5.dxf"


def test_auto_quote_answers_the_draft_with_its_lines(api, job, measured):
    measured()
    measured(BRACKET, "0001-Bracket-MS-10mm-x4.dxf")
    manager = api("Manager")
    response = manager.post(f"/api/v1/projects/{job.pk}/quote/")
    assert response.status_code == 201, response.content
    body = response.json()
    quote = Quote.objects.get(project=job)
    assert body["number"] == quote.number and body["status"] == "draft"
    assert sorted(line["quantity"] for line in body["lines"]) == [20, 40]  # 10 sets
    assert body["subtotal"] == f"{quote.subtotal:.2f}"
    assert sum(Decimal(line["line_total"]) for line in body["lines"]) == quote.subtotal
    line = quote.lines.order_by("position").first()
    assert body["lines"][0]["thumbnail_url"].endswith(f"/api/v1/files/{line.file_id}/preview/")
    detail = manager.get(f"/api/v1/quotes/{quote.pk}/").json()
    assert detail["lines"] == body["lines"] and detail["total_incl_vat"] == body["total_incl_vat"]


def test_a_retried_auto_quote_answers_the_first_quote_and_makes_no_second(api, job, measured):
    """A client that lost the 201 sends the same POST with the same Idempotency-Key: the draft
    it made is answered again, and the job does not gain a second quote."""
    measured()
    manager = api("Manager")
    address = f"/api/v1/projects/{job.pk}/quote/"
    first = manager.post(address, HTTP_IDEMPOTENCY_KEY="auto-quote-7")
    again = manager.post(address, HTTP_IDEMPOTENCY_KEY="auto-quote-7")
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Quote.objects.filter(project=job).count() == 1
    # without a key each POST is a request of its own
    assert manager.post(address).status_code == 201
    assert Quote.objects.filter(project=job).count() == 2


def test_a_job_with_no_drawings_is_a_400_that_says_why(api, job):
    with unchanged(Quote):
        response = api("Manager").post(f"/api/v1/projects/{job.pk}/quote/")
    assert response.status_code == 400
    assert "no measured drawings" in str(response.json())


@pytest.mark.parametrize("role", ["Viewer", "Operator"])
def test_only_those_who_make_quotes_may_auto_quote(api, job, measured, role):
    measured()
    with unchanged(Quote):
        assert api(role).post(f"/api/v1/projects/{job.pk}/quote/").status_code == 403


def test_an_unknown_job_is_a_404(api, pricing_shop):
    assert api("Manager").post("/api/v1/projects/999999/quote/").status_code == 404
