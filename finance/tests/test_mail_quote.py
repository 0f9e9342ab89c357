"""A job asked for by e-mail gets a draft quote once its drawings are measured: finance listens
to ingest's mail_job_files_measured and runs its auto-quote (once, and only for a job still in
Request or Quoting with no open quote)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from clients.models import Contact
from finance.models import Quote, QuoteStatus
from finance.tests.conftest import BASE_PLATE
from ingest.mail.services import receive_message
from projects.models import Project

pytestmark = pytest.mark.django_db


def _mail(name: str, data: bytes, subject: str = "Base plates please") -> bytes:
    mail = EmailMessage()
    mail["From"] = "buyer@acme.example"
    mail["To"] = "orders@shop.example"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{name}-{len(data)}-{subject}@acme.example>".replace(" ", "-")
    mail.set_content("Please quote the attached.")
    mail.add_attachment(data, maintype="application", subtype="dxf", filename=name)
    return mail.as_bytes()


@pytest.fixture
def acme(pricing_shop):
    from clients.tests.factories import ClientFactory

    client = ClientFactory()
    Contact.objects.create(client=client, name="Buyer", email="buyer@acme.example")
    return client


def test_an_emailed_drawing_once_measured_gives_the_new_job_a_draft_quote(committed, acme):
    with committed():
        receive_message(
            raw=_mail("0002-Base plate-MS-10mm-x2.dxf", BASE_PLATE.read_bytes()), mailbox="t"
        )

    job = Project.objects.get(client=acme)
    quote = Quote.objects.get(project=job)
    assert quote.status == QuoteStatus.DRAFT and quote.lines.count() == 1
    assert quote.lines.get().unit_price > 0


def test_a_reply_with_a_revised_drawing_leaves_the_open_quote_alone(committed, acme):
    with committed():
        receive_message(
            raw=_mail("0002-Base plate-MS-10mm-x2.dxf", BASE_PLATE.read_bytes()), mailbox="t"
        )
    job = Project.objects.get(client=acme)
    revised = BASE_PLATE.read_bytes().replace(b"EOF", b"EOF\n", 1)
    with committed():
        receive_message(
            raw=_mail("0002-Base plate-MS-10mm-x2-rev.dxf", revised, f"Re: {job.code}"),
            mailbox="t",
        )
    assert Project.objects.filter(client=acme).count() == 1
    assert Quote.objects.filter(project=job).count() == 1


def test_a_drawing_that_cannot_be_priced_leaves_the_job_without_a_quote(committed, acme):
    with committed():  # 3 mm stainless: the shop has no preset to price it
        receive_message(
            raw=_mail("0003-Bracket-SS-3mm-x4.dxf", BASE_PLATE.read_bytes()), mailbox="t"
        )
    job = Project.objects.get(client=acme)
    assert job.files.get().status == "processed"
    assert not Quote.objects.filter(project=job).exists()
