"""The client's tracking page (laseros.site.tracking): a signed, expiring, revocable link per
job; what it shows; accept, decline and a proof of payment through it; its rate limit; the
staff API that hands out the link; the admin that revokes it; comms' messages that carry it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from finance.models import Payment, QuoteStatus
from ingest.models import FileIngest, FileSource
from laseros.models import ActivityLog
from laseros.site.models import TrackingLink
from laseros.site.tracking.links import (
    link_path,
    link_token,
    link_url,
    open_link,
    tracking_link_create,
    tracking_link_revoke,
)
from laseros.testing import count_queries
from projects.models import DocumentKind, ProjectDocument, ProjectStatus, ProjectStatusChange
from projects.tests.factories import PDF_BYTES, ProjectFactory, design_document

pytestmark = pytest.mark.django_db

CLIENT_IP = "198.51.100.7"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def quoted_job():
    """A job in Quoting whose quote (R 360 excl. VAT, R 414 incl.) was sent to the client."""
    from finance.services import quote_create, quote_line_add, quote_send

    project = ProjectFactory(name="Base plates for the Pinetown yard")
    design_document(project)
    quote = quote_create(project=project, by=None)
    quote_line_add(quote=quote, by=None, description="Base plate", unit_price="120", quantity=3)
    quote = quote_send(quote=quote, by=None)
    project.refresh_from_db()
    assert project.status == ProjectStatus.QUOTING
    return project


@pytest.fixture
def link(quoted_job):
    return tracking_link_create(project=quoted_job, by=None)


def _open(client, link, **extra):
    return client.get(link_path(link), REMOTE_ADDR=CLIENT_IP, **extra)


def _post(client, link, name, data=None, **extra):
    url = reverse(f"tracking:{name}", args=[link_token(link)])
    return client.post(url, data or {}, REMOTE_ADDR=CLIENT_IP, **extra)


# --- the link ----------------------------------------------------------------------------------


def test_the_page_shows_the_job_in_plain_words(client, link, quoted_job):
    response = _open(client, link)
    assert response.status_code == 200
    text = response.content.decode()
    assert quoted_job.code in text and "Base plates for the Pinetown yard" in text
    assert "Your quote is ready. Please accept or decline it below." in text
    assert "Request received" in text and "Quote prepared" in text  # the history
    assert "R 414.00" in text and "Accept the quote" in text
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert "<script" not in text  # the CSP runs none; the page needs none
    link.refresh_from_db()
    assert link.last_used_at is not None


def test_tampered_expired_revoked_and_unknown_links_get_the_same_plain_404(client, link):
    token = link_token(link)
    other = tracking_link_create(project=link.project, by=None)
    expired = tracking_link_create(project=link.project, by=None)
    TrackingLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    tracking_link_revoke(link=other, by=None)
    forged = signing.Signer(salt="another-salt").sign(str(link.pk))  # right id, wrong key
    live_other = tracking_link_create(project=ProjectFactory(), by=None)
    swapped = str(live_other.pk)  # a live link's id, under this link's signature
    bad = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        forged,
        swapped + ":" + token.split(":", 1)[1],  # another id under this link's signature
        link_token(expired),
        link_token(other),
        "nothing-here",
    ]
    bodies = set()
    for value in bad:
        response = client.get(f"/t/{value}/", REMOTE_ADDR=CLIENT_IP)
        assert response.status_code == 404, value
        bodies.add(response.content)
        for name in ("accept", "decline", "payment"):
            assert client.post(f"/t/{value}/{name}/").status_code == 404
        assert client.get(f"/t/{value}/quote/").status_code == 404
    assert len(bodies) == 1  # nothing says which of them it was
    body = bodies.pop().decode()
    assert "Page not found" in body
    for word in ("expired", "revoked", "signature", "tamper", link.project.code):
        assert word not in body
    assert _open(client, link).status_code == 200  # the real one still opens
    assert open_link(token) == link


def test_an_expired_link_stops_at_its_time(link):
    token = link_token(link)
    assert open_link(token, now=link.expires_at - dt.timedelta(seconds=1)) == link
    assert open_link(token, now=link.expires_at) is None


def test_a_link_lasts_the_setting(settings, quoted_job):
    settings.TRACKING_LINK_DAYS = 3
    before = timezone.now()
    made = tracking_link_create(project=quoted_job, by=None)
    assert before + dt.timedelta(days=3) <= made.expires_at <= timezone.now() + dt.timedelta(days=3)
    assert ActivityLog.objects.filter(object_id=str(made.pk), action="create").exists()


# --- accept and decline ------------------------------------------------------------------------


def test_accept_moves_the_job_to_approved_naming_the_link_and_the_address(client, link, quoted_job):
    response = _post(client, link, "accept")
    assert response.status_code == 302
    assert response["Location"].endswith("?done=accepted")
    quoted_job.refresh_from_db()
    assert quoted_job.status == ProjectStatus.APPROVED
    assert quoted_job.approved_at is not None
    change = ProjectStatusChange.objects.filter(project=quoted_job).latest("changed_at", "id")
    assert change.to_status == ProjectStatus.APPROVED and change.changed_by is None
    assert f"tracking link #{link.pk}" in change.reason and CLIENT_IP in change.reason
    assert "accepted by the client" in change.reason
    quote = quoted_job.quotes.get()
    assert quote.status == QuoteStatus.ACCEPTED  # finance's quote with it
    move = ActivityLog.objects.filter(object_id=str(quoted_job.pk), message__contains="Approved")
    assert move.filter(ip_address=CLIENT_IP).exists()
    page = client.get(response["Location"], REMOTE_ADDR=CLIENT_IP).content.decode()
    assert "you accepted the quote" in page
    assert "Accept the quote" not in page  # answered: no second button


def test_accepting_twice_is_refused_and_changes_nothing(client, link, quoted_job):
    _post(client, link, "accept")
    changes = ProjectStatusChange.objects.count()
    response = _post(client, link, "accept")
    assert response.status_code == 400
    assert "cannot be accepted now: the job is Approved" in response.content.decode()
    assert ProjectStatusChange.objects.count() == changes


def test_an_expired_quote_cannot_be_accepted(client, link, quoted_job):
    quote = quoted_job.quotes.get()
    type(quote).objects.filter(pk=quote.pk).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    response = _post(client, link, "accept")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    quoted_job.refresh_from_db()
    assert quoted_job.status == ProjectStatus.QUOTING  # rolled back with the quote's refusal
    assert quoted_job.quotes.get().status == QuoteStatus.SENT


def test_decline_records_it_and_leaves_the_job_to_the_shop(client, link, quoted_job):
    response = _post(client, link, "decline", {"reason": "  Too dear;  found one closer  "})
    assert response.status_code == 302
    quote = quoted_job.quotes.get()
    assert quote.status == QuoteStatus.DECLINED
    assert f"tracking link #{link.pk}" in quote.status_reason
    assert "Too dear; found one closer" in quote.status_reason
    quoted_job.refresh_from_db()
    assert quoted_job.status == ProjectStatus.QUOTING
    entry = ActivityLog.objects.filter(object_id=str(quoted_job.pk), message__contains="declined")
    assert entry.filter(ip_address=CLIENT_IP).exists()
    assert _post(client, link, "decline").status_code == 400  # answered already


def test_a_too_long_decline_reason_is_refused(client, link, quoted_job):
    response = _post(client, link, "decline", {"reason": "x" * 501})
    assert response.status_code == 400
    assert "500 characters" in response.content.decode()
    assert quoted_job.quotes.get().status == QuoteStatus.SENT


def test_a_job_with_a_quote_document_only_can_be_accepted(client):
    from projects.services import project_document_add, project_transition

    project = ProjectFactory()
    design_document(project)
    project_transition(project=project, to=ProjectStatus.QUOTING, by=None)
    project_document_add(
        project=project,
        file=SimpleUploadedFile("quote-42.pdf", PDF_BYTES),
        kind=DocumentKind.QUOTE,
        by=None,
    )
    made = tracking_link_create(project=project, by=None)
    pdf = client.get(reverse("tracking:quote", args=[link_token(made)]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert _post(client, made, "accept").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED


def test_nothing_to_accept_yet(client):
    project = ProjectFactory()
    made = tracking_link_create(project=project, by=None)
    page = _open(client, made).content.decode()
    assert "We have your request and are preparing your quote." in page
    assert "Accept the quote" not in page
    response = _post(client, made, "accept")
    assert response.status_code == 400
    assert "There is no quote to accept yet." in response.content.decode()


# --- the quote and the invoice -----------------------------------------------------------------


def test_the_quote_pdf_and_the_jobs_own_invoices_only(client, link, quoted_job):
    from finance.services.invoices import invoice_create, invoice_issue

    quote = client.get(reverse("tracking:quote", args=[link_token(link)]))
    assert quote.status_code == 200
    assert quote["Content-Type"] == "application/pdf" and quote.content.startswith(b"%PDF")
    lines = [{"description": "Cutting", "quantity": 2, "unit_price": "150"}]
    mine = invoice_issue(invoice=invoice_create(project=quoted_job, by=None, lines=lines), by=None)
    other_job = ProjectFactory()
    theirs = invoice_issue(invoice=invoice_create(project=other_job, by=None, lines=lines), by=None)
    token = link_token(link)
    page = _open(client, link).content.decode()
    assert mine.number in page and theirs.number not in page
    assert "R 345.00 to pay." in page  # nothing paid yet: no "R 0.00 paid of" to read
    got = client.get(reverse("tracking:invoice", args=[token, mine.pk]))
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert client.get(reverse("tracking:invoice", args=[token, theirs.pk])).status_code == 404


# --- the proof of payment ----------------------------------------------------------------------


@pytest.fixture
def approved(client, link, quoted_job):
    assert _post(client, link, "accept").status_code == 302
    quoted_job.refresh_from_db()
    return quoted_job


def test_a_proof_of_payment_goes_through_ingest_and_finance_and_moves_the_job_on(
    client, link, approved
):
    page = _open(client, link).content.decode()
    assert "Send your proof of payment" in page and 'value="414.00"' in page
    proof = SimpleUploadedFile("EFT 0412.pdf", PDF_BYTES, content_type="application/pdf")
    response = _post(client, link, "payment", {"amount": "414.00", "proof": proof})
    assert response.status_code == 302, response.content.decode()[:2000]
    received = FileIngest.objects.get(project=approved)
    assert received.source == FileSource.CLIENT_TRACKING and received.kind == "pdf"
    document = ProjectDocument.objects.get(project=approved, kind=DocumentKind.PROOF_OF_PAYMENT)
    assert f"tracking link #{link.pk}" in document.note and CLIENT_IP in document.note
    payment = Payment.objects.get(project=approved)
    assert payment.amount == Decimal("414.00")
    approved.refresh_from_db()
    assert approved.status == ProjectStatus.PAID  # paid in full: DOMAIN.md's next step
    assert approved.pop_received_at is not None and approved.due_date is not None
    assert approved.payment_document == document
    page = client.get(response["Location"]).content.decode()
    assert "we have your proof of payment" in page
    assert "Paid in full" in page
    assert "Send your proof of payment" not in page  # nothing left to pay


def test_a_part_payment_is_kept_and_the_job_waits(client, link, approved):
    proof = SimpleUploadedFile("half.png", _png(), content_type="image/png")
    assert _post(client, link, "payment", {"amount": "200", "proof": proof}).status_code == 302
    approved.refresh_from_db()
    assert approved.status == ProjectStatus.APPROVED
    page = _open(client, link).content.decode()
    assert "R 214.00 to pay (R 200.00 paid of R 414.00)" in page
    assert 'value="214.00"' in page


@pytest.mark.parametrize(
    ("name", "data", "amount", "says"),
    [
        ("pop.pdf", b"MZ\x90\x00" + b"\x00" * 200, "414", "is a program"),
        ("pop.pdf", b"just some text, not a pdf" * 4, "414", "is called .pdf but is not a PDF"),
        ("pop.docx", b"PK\x03\x04" + b"\x00" * 100, "414", "not a PDF or a photo"),
        ("empty.pdf", b"", "414", "empty"),
        ("pop.pdf", PDF_BYTES, "four hundred", "is not an amount"),
        ("pop.pdf", PDF_BYTES, "-5", "more than R 0"),
        ("pop.pdf", PDF_BYTES, "", "Enter the amount you paid"),
        (None, None, "414", "Choose the proof of payment"),
    ],
)
def test_a_bad_upload_says_why_and_changes_nothing(
    client, link, approved, settings, name, data, amount, says
):
    from laseros.testing import unchanged

    form = {"amount": amount}
    if name is not None:
        form["proof"] = SimpleUploadedFile(name, data)
    with unchanged(FileIngest, ProjectDocument, Payment, ProjectStatusChange):
        response = _post(client, link, "payment", form)
    assert response.status_code == 400
    assert says in response.content.decode()
    media = settings.MEDIA_ROOT
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert not [p for p in stored if "Proof" in p.name or p.name.startswith("pop")]


def test_the_same_proof_twice_is_refused(client, link, approved):
    def send():
        proof = SimpleUploadedFile("half.png", _png(), content_type="image/png")
        return _post(client, link, "payment", {"amount": "100", "proof": proof})

    assert send().status_code == 302
    again = send()
    assert again.status_code == 400
    assert "We already have this file" in again.content.decode()
    assert Payment.objects.filter(project=approved).count() == 1


def test_no_proof_of_payment_before_the_quote_is_accepted(client, link, quoted_job):
    assert "Send your proof of payment" not in _open(client, link).content.decode()
    proof = SimpleUploadedFile("pop.pdf", PDF_BYTES)
    response = _post(client, link, "payment", {"amount": "414", "proof": proof})
    assert response.status_code == 400
    assert "accept it first" in response.content.decode()
    assert not FileIngest.objects.exists()


def test_collection_details_when_ready(client, settings, quoted_job, link):
    from projects.models import Project

    settings.SHOP_PHONE = "031 555 0101"
    Project.objects.filter(pk=quoted_job.pk).update(status=ProjectStatus.READY)
    page = _open(client, link).content.decode()
    assert "Your parts are ready for collection." in page
    assert "Collect your parts" in page and "031 555 0101" in page
    assert "Mon 07:00–16:00" in page


# --- the rate limit ----------------------------------------------------------------------------


def test_requests_past_the_limit_get_429_per_address(client, settings, link):
    settings.TRACKING_RATE_LIMIT = "3/min"
    for _ in range(3):
        assert _open(client, link).status_code == 200
    limited = _open(client, link)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many requests" in limited.content.decode()
    # bad links count too: guessing is as slow as reading
    assert client.get("/t/guess/", REMOTE_ADDR=CLIENT_IP).status_code == 429
    assert client.get(link_path(link), REMOTE_ADDR="203.0.113.9").status_code == 200


# --- the API -----------------------------------------------------------------------------------


def test_the_api_gives_staff_the_link(api, quoted_job, client):
    url = f"/api/v1/projects/{quoted_job.pk}/tracking-link/"
    manager = api("Manager")
    response = manager.get(url)
    assert response.status_code == 200, response.content
    assert set(response.data) == {"url", "expires"}
    assert response.data["url"].startswith("http://127.0.0.1:8000/t/")
    path = response.data["url"].removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    link = TrackingLink.objects.get()
    assert link.created_by == manager.user
    assert response.data["expires"].startswith(str(timezone.localtime(link.expires_at).date()))
    assert manager.get(url).data["url"] == response.data["url"]  # the same link, not a new one
    assert api("Viewer").get(url).status_code == 403
    assert api("Operator").get(url).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(url).status_code in (401, 403)
    assert manager.get("/api/v1/projects/999999/tracking-link/").status_code == 404
    assert TrackingLink.objects.count() == 1


def test_the_api_makes_a_new_link_once_the_old_one_is_revoked(api, quoted_job):
    url = f"/api/v1/projects/{quoted_job.pk}/tracking-link/"
    manager = api("Manager")
    first = manager.get(url).data["url"]
    tracking_link_revoke(link=TrackingLink.objects.get(), by=None)
    assert manager.get(url).data["url"] != first


def test_the_schema_describes_the_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/projects/{id}/tracking-link/"]["get"]
    assert operation["operationId"] == "projects_tracking_link"
    assert {"200", "403", "404"} <= set(operation["responses"])


# --- comms' messages ---------------------------------------------------------------------------


def test_a_message_about_a_job_carries_its_link(client, quoted_job):
    from comms.rendering import message_context

    context = message_context(job=quoted_job)
    url = context["tracking_url"]
    assert url.startswith("http://127.0.0.1:8000/t/")
    assert client.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert message_context(job=quoted_job)["tracking_url"] == url  # reused, not one per message
    assert TrackingLink.objects.count() == 1
    assert message_context(client=quoted_job.client)["tracking_url"] == ""  # no job, no link


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_revokes_links_and_the_job_list_makes_them(admin_user_client, quoted_job, client):
    made = tracking_link_create(project=quoted_job, by=None)
    changelist = reverse("admin:laseros_site_trackinglink_changelist")
    response = admin_user_client.post(
        changelist, {"action": "revoke_links", "_selected_action": [made.pk]}, follow=True
    )
    assert "1 link(s) revoked." in response.content.decode()
    assert client.get(link_path(made)).status_code == 404
    made.refresh_from_db()
    assert made.revoked_by == admin_user_client.user

    jobs = reverse("admin:projects_project_changelist")
    response = admin_user_client.post(
        jobs, {"action": "make_tracking_links", "_selected_action": [quoted_job.pk]}, follow=True
    )
    fresh = TrackingLink.objects.exclude(pk=made.pk).get()
    assert link_url(fresh) in response.content.decode()
    page = admin_user_client.get(reverse("admin:projects_project_change", args=[quoted_job.pk]))
    assert link_url(fresh) in page.content.decode()  # the job's page lists its links


def test_a_viewer_sees_links_but_cannot_revoke(make_user, client, link):
    viewer = make_user("viewer", role="Viewer")
    client.force_login(viewer)
    changelist = reverse("admin:laseros_site_trackinglink_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "revoke_links", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.revoked_at is None


# --- query counts ------------------------------------------------------------------------------


def test_the_page_reads_the_same_queries_however_long_the_history(client, quoted_job, link):
    from finance.services.invoices import invoice_create, invoice_issue

    lines = [{"description": "Cutting", "quantity": 1, "unit_price": "10"}]

    def grow(n: int) -> None:
        now = timezone.now()
        for _ in range(n):
            ProjectStatusChange.objects.create(
                project=quoted_job, from_status="quoting", to_status="quoting", changed_at=now
            )
            invoice_issue(invoice=invoice_create(project=quoted_job, by=None, lines=lines), by=None)

    grow(2)
    small, response = count_queries(lambda: _open(client, link))
    assert response.status_code == 200
    grow(20)
    large, response = count_queries(lambda: _open(client, link))
    assert response.content.decode().count("/invoices/") == 22
    assert small == large, f"{small} queries with 2 invoices, {large} with 22"


def test_the_links_list_reads_the_same_queries_at_5_and_50(admin_user_client, quoted_job):
    from laseros.testing import assert_constant_queries, grow_to

    changelist = reverse("admin:laseros_site_trackinglink_changelist")
    assert_constant_queries(
        lambda: admin_user_client.get(changelist),
        grow_to(TrackingLink, lambda i: tracking_link_create(project=ProjectFactory(), by=None)),
    )


def test_the_endpoint_is_listed_with_the_jobs():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/projects/{id}/tracking-link/"]["get"]
    assert operation["tags"] == ["jobs"]  # Swagger's group, as every /projects/ path
