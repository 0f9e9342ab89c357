"""ingest.mail.services: an e-mail stored once and filed with its client's job — a new request
makes a job in Request, a reply joins the job it names, attachments go through ingest(); an
unknown sender waits for a manager; a failure is kept with its reason and tried again; finance
hears once when the drawings an e-mail brought are measured."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from clients.models import Contact
from ingest.mail import services
from ingest.models import (
    FileIngest,
    FileSource,
    FileStatus,
    MailAttachmentOutcome,
    MailMessage,
    MailStatus,
)
from ingest.signals import mail_job_files_measured
from projects.models import Project, ProjectStatus

from . import mail_builders as mb
from .factories import ClientFactory, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    client = ClientFactory(code="CL-0001", name="ACME Gates")
    Contact.objects.create(client=client, name="Thandi Mokoena", email="Thandi@Acme.example")
    return client


@pytest.fixture
def measured():
    """Every mail_job_files_measured payload sent while the test runs."""
    seen: list[dict] = []

    def _remember(sender, event, payload, **kwargs):
        seen.append(payload)

    mail_job_files_measured.connect(_remember, dispatch_uid="test-mail-measured")
    yield seen
    mail_job_files_measured.disconnect(dispatch_uid="test-mail-measured")


def _receive(committed, mail, **kwargs):
    with committed():
        return services.receive_message(raw=mb.raw(mail), mailbox="test", **kwargs)


def _outcomes(message):
    return [(a.name, a.outcome) for a in message.attachments.order_by("position")]


def test_a_new_request_from_a_known_contact_becomes_a_job_with_its_drawing(
    committed, acme, measured
):
    mail = mb.message(
        sender="THANDI@acme.EXAMPLE", attachments=[mb.dxf("bracket.dxf")], logo=mb.LOGO_PNG
    )
    outcome = _receive(committed, mail)

    message = outcome.message
    assert outcome.stored and message.status == MailStatus.FILED
    assert message.client == acme and message.created_job
    job = Project.objects.get()
    assert message.project == job and job.client == acme
    assert job.status == ProjectStatus.REQUEST and job.name == "Brackets for the gate"
    assert "Brackets for the gate" in job.notes and "thandi@acme.example" in job.notes
    assert job.description.startswith("Hi, please quote 10")
    file = FileIngest.objects.get()
    assert file.project == job and file.source == FileSource.EMAIL
    assert file.original_name == "bracket.dxf" and file.status == FileStatus.PROCESSED
    assert _outcomes(message) == [
        ("image001.png", MailAttachmentOutcome.INLINE),
        ("bracket.dxf", MailAttachmentOutcome.INGESTED),
    ]
    assert message.attachments.get(name="bracket.dxf").file == file
    # the whole message is kept, and finance hears once that the drawing is measured
    assert default_storage.open(message.raw.name).read() == mb.raw(mail)
    assert [p["project_code"] for p in measured] == [job.code]
    assert measured[0]["file_ids"] == [file.pk] and measured[0]["new_job"] is True
    message.refresh_from_db()
    assert message.measured_at is not None
    assert f"made {job.code}" in outcome.text and "image001.png" in outcome.text


def test_the_same_message_is_read_once(committed, acme):
    mail = mb.message(attachments=[mb.dxf()])
    first = _receive(committed, mail)
    again = _receive(committed, mail)

    assert first.stored and not again.stored and again.message == first.message
    assert "already read" in again.text
    assert MailMessage.objects.count() == 1 and Project.objects.count() == 1


def test_a_reply_joins_the_job_its_subject_names(committed, acme, measured):
    job = make_project(acme, name="Gate brackets")
    mail = mb.message(
        subject=f"RE: Fwd: {job.code.lower()} revised drawing",
        attachments=[mb.dxf("bracket-rev2.dxf", mb.PLATE_DXF)],
    )
    message = _receive(committed, mail).message

    assert message.status == MailStatus.FILED and message.project == job
    assert not message.created_job and Project.objects.count() == 1
    assert FileIngest.objects.get().project == job
    assert f"a reply: joined {job.code}" in message.outcome
    assert measured and measured[0]["new_job"] is False


def test_a_subject_naming_another_clients_job_makes_a_new_request(committed, acme):
    other = make_project(ClientFactory(code="CL-0002"))
    message = _receive(committed, mb.message(subject=f"Re: {other.code}")).message

    assert message.project != other and message.project.client == acme
    assert f"{other.code}, which is not one of CL-0001's jobs" in message.outcome


def test_a_message_with_no_attachment_still_makes_the_job(committed, acme, measured):
    message = _receive(committed, mb.message(text="Can you cut 2 mm aluminium?")).message

    assert message.status == MailStatus.FILED and message.project.description.startswith("Can")
    assert "no attachments" in message.outcome
    assert FileIngest.objects.count() == 0 and measured == []  # no drawing, no quote


def test_latin1_and_rfc2231_attachment_names_are_stored_decoded(committed, acme):
    for sample in ("latin1-names-outlook.eml", "rfc2231-names.eml"):
        raw = (mb.MAIL_SAMPLES / sample).read_bytes()
        with committed():
            services.receive_message(raw=raw, mailbox="samples")
    names = sorted(FileIngest.objects.values_list("original_name", flat=True))
    assert names == []  # the samples' senders are unknown: nothing is stored yet
    waiting = MailMessage.objects.filter(status=MailStatus.UNKNOWN_SENDER)
    assert waiting.count() == 2

    Contact.objects.create(client=acme, name="Jürgen", email="juergen.mueller@stahlbau.example")
    Contact.objects.create(client=acme, name="Site", email="site@builders.example")
    for message in waiting:
        with committed():
            services.mail_match_client(message=message, client=acme, by=None)
    names = sorted(FileIngest.objects.values_list("original_name", flat=True))
    assert names == ["Geländer Flügel.dxf", "Plättchen.dxf", "Träger groß.dxf", "équerre nº2.dxf"]


def test_a_forwarded_message_stores_the_attachment_inside_it(committed, acme):
    inner = mb.message(sender="end.client@far.example", attachments=[mb.dxf("plate.dxf")])
    mail = mb.forwarded(inner, sender="thandi@acme.example", subject="Fwd: plates")
    message = _receive(committed, mail).message

    row = message.attachments.get()
    assert row.forwarded and row.outcome == MailAttachmentOutcome.INGESTED
    assert row.file.project == message.project


def test_an_unknown_sender_waits_with_everything_kept_then_a_manager_matches_it(
    committed, acme, make_user
):
    mail = mb.message(sender="stranger@nowhere.example", attachments=[mb.dxf()])
    message = _receive(committed, mail).message

    assert message.status == MailStatus.UNKNOWN_SENDER and message.client is None
    assert "no client has a contact with the address stranger@nowhere.example" in message.outcome
    assert _outcomes(message) == [("bracket.dxf", MailAttachmentOutcome.WAITING)]
    assert FileIngest.objects.count() == 0 and Project.objects.count() == 0
    assert default_storage.exists(message.raw.name)

    manager = make_user("manager", role="Manager")
    with committed():
        services.mail_match_client(message=message, client=acme, by=manager)
    message.refresh_from_db()
    assert message.status == MailStatus.FILED and message.client == acme
    assert _outcomes(message) == [("bracket.dxf", MailAttachmentOutcome.INGESTED)]
    assert FileIngest.objects.get().uploaded_by == manager

    with pytest.raises(ValidationError, match="only an e-mail from an unknown sender"):
        services.mail_match_client(message=message, client=acme, by=manager)


def test_a_discarded_message_leaves_the_list_and_its_stored_copy_stays(committed):
    message = _receive(committed, mb.message(sender="spam@junk.example")).message
    services.mail_discard(message=message, by=None)

    message.refresh_from_db()
    assert message.status == MailStatus.DISCARDED and default_storage.exists(message.raw.name)
    with pytest.raises(ValidationError, match="cannot become"):
        services.mail_discard(message=message, by=None)


def test_a_sender_who_is_a_contact_of_two_clients_waits_for_a_manager(committed, acme):
    other = ClientFactory(code="CL-0002")
    Contact.objects.create(client=other, name="Thandi", email="thandi@acme.example")
    message = _receive(committed, mb.message()).message

    assert message.status == MailStatus.UNKNOWN_SENDER
    assert "more than one client (CL-0001, CL-0002)" in message.outcome


def test_hostile_attachments_are_refused_clearly_and_the_rest_of_the_message_is_kept(
    committed, acme, settings
):
    settings.INGEST_MAX_UPLOAD_MB = 1
    huge = ("huge.dxf", b"0\nSECTION\n" + b"999\nx\n" * 300_000, "application/dxf")
    mail = mb.message(
        attachments=[huge, mb.dxf("../../../etc/passwd.dxf", mb.PLATE_DXF), mb.dxf("good.dxf")]
    )
    message = _receive(committed, mail).message

    assert message.status == MailStatus.FILED
    rows = list(message.attachments.order_by("position"))
    assert [(r.name, r.outcome) for r in rows] == [
        ("huge.dxf", MailAttachmentOutcome.REFUSED),
        ("passwd.dxf", MailAttachmentOutcome.REFUSED),
        ("good.dxf", MailAttachmentOutcome.INGESTED),
    ]
    assert "too large" in rows[0].detail and "the limit is 1 MB" in rows[0].detail
    assert "tries to reach folders outside its own" in rows[1].detail
    assert [f.original_name for f in FileIngest.objects.all()] == ["good.dxf"]
    assert default_storage.exists(message.raw.name)  # the refused bytes are still on record


def test_an_attachment_ingest_does_not_read_is_refused_with_its_reason(committed, acme):
    mail = mb.message(attachments=[("notes.docx", b"PK\x03\x04 not really", "application/zip")])
    message = _receive(committed, mail).message

    row = message.attachments.get()
    assert row.outcome == MailAttachmentOutcome.REFUSED and "not a file type" in row.detail
    assert message.status == MailStatus.FILED


def test_a_failure_keeps_the_message_with_its_reason_and_a_retry_files_it_once(
    committed, acme, settings
):
    real_ingest = services.ingest
    calls = {"n": 0}

    def ingest_fails_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("the file store is full")
        return real_ingest(**kwargs)

    mail = mb.message(attachments=[mb.dxf()])
    with mock.patch.object(services, "ingest", ingest_fails_once):
        message = _receive(committed, mail).message
        assert message.status == MailStatus.FAILED and message.attempts == 1
        assert message.failure_reason == "OSError: the file store is full"
        assert "OSError" in message.traceback
        assert Project.objects.count() == 1  # the job was made before the failure ...

        with committed():
            [retried] = services.retry_failed()
    assert retried.status == MailStatus.FILED and retried.attempts == 2
    assert Project.objects.count() == 1  # ... and is not made twice
    assert retried.project == Project.objects.get()
    assert FileIngest.objects.get().project == retried.project


def test_failed_messages_are_retried_until_the_limit_then_stay_visible(committed, acme, settings):
    settings.INGEST_MAIL_MAX_ATTEMPTS = 2
    with mock.patch.object(services, "project_create", side_effect=RuntimeError("db hiccup")):
        message = _receive(committed, mb.message()).message
        services.retry_failed()
        assert services.retry_failed() == []
    message.refresh_from_db()
    assert message.status == MailStatus.FAILED and message.attempts == 2
    assert "db hiccup" in message.failure_reason


def test_a_message_that_is_not_an_email_is_kept_for_a_manager(committed):
    outcome = _receive_raw(committed, b"Subject: no sender\r\n\r\nhello\r\n")
    assert outcome.stored and outcome.message.status == MailStatus.UNKNOWN_SENDER
    assert "no sender address" in outcome.message.outcome


def _receive_raw(committed, raw):
    with committed():
        return services.receive_message(raw=raw, mailbox="test")


def test_an_empty_message_is_refused_and_nothing_is_written():
    with pytest.raises(ValidationError, match="empty"):
        services.receive_message(raw=b"", mailbox="test")
    assert MailMessage.objects.count() == 0


def test_finance_hears_when_the_drawings_are_read_later_by_the_worker(
    committed, acme, measured, settings
):
    settings.TASKS_RUN_INLINE = False  # the worker reads the drawing afterwards
    with mock.patch("django_q.tasks.async_task"):
        message = _receive(committed, mb.message(attachments=[mb.dxf()])).message
    file = FileIngest.objects.get()
    assert file.status == FileStatus.QUEUED and measured == []
    assert services.check_all_measured() == 0

    from ingest.tasks import process_file

    with committed():
        process_file(file.pk)
    assert [p["mail_id"] for p in measured] == [message.pk]
    assert services.check_all_measured() == 0  # once


def test_a_message_stored_but_never_filed_is_filed_by_the_next_run(committed, acme):
    """The worker died between storing the message and filing it: it stays 'received' until the
    mail task, a few minutes later, files it (nothing is lost)."""
    import datetime as dt

    from django.utils import timezone

    with mock.patch.object(services, "process_message"):  # the worker dies here
        message = _receive(committed, mb.message(attachments=[mb.dxf()])).message
    assert message.status == MailStatus.RECEIVED
    assert services.retry_failed() == []  # not while it may still be being filed

    MailMessage.objects.filter(pk=message.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=30)
    )
    with committed():
        [filed] = services.retry_failed()
    assert filed.status == MailStatus.FILED and FileIngest.objects.get().project == filed.project
