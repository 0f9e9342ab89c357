"""The outbox's own rules: a message a dead worker left 'sending' goes again, a sent message
sent again is a copy, a template switched off sends nothing, and a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from comms.models import Channel, Communication, CommunicationStatus, MessageTemplate
from comms.services import (
    Attachment,
    communication_mark_sent,
    communication_resend,
    message_queue,
    send_due,
    send_template,
)
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db
S = CommunicationStatus


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _queued(job, **extra) -> Communication:
    return message_queue(
        channel=Channel.EMAIL,
        to="thandi@acme.example",
        subject="Plates",
        body="Your plates",
        job=job,
        attachments=[Attachment("cut-list.pdf", b"%PDF-1.4 list")],
        by=None,
        **extra,
    )


def test_a_message_a_dead_worker_left_sending_goes_again(job, mailoutbox):
    message = _queued(job)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Communication.objects.filter(pk=message.pk).update(
        status=S.SENDING, attempts=1, next_attempt_at=long_ago
    )
    [outcome] = send_due()
    assert outcome.sent
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 2
    assert len(mailoutbox) == 1


def test_a_message_being_sent_now_is_left_alone(job, mailoutbox):
    message = _queued(job)
    Communication.objects.filter(pk=message.pk).update(
        status=S.SENDING, attempts=1, next_attempt_at=timezone.now()
    )
    assert send_due() == []
    assert mailoutbox == []


def test_a_sent_message_sent_again_is_a_copy_with_its_attachment(job, make_user):
    message = _queued(job)
    Communication.objects.filter(pk=message.pk).update(status=S.SENT)
    copy = communication_resend(communication=message, by=make_user("m", role="Manager"))
    assert copy.pk != message.pk and copy.status == S.QUEUED
    assert copy.attachments.get().filename == "cut-list.pdf"
    message.refresh_from_db()
    assert message.status == S.SENT


def test_a_queued_message_cannot_be_sent_again_or_marked_sent(job):
    message = _queued(job)
    with unchanged(Communication), pytest.raises(ValidationError, match="only a sent or a failed"):
        communication_resend(communication=message, by=None)
    with unchanged(Communication), pytest.raises(ValidationError, match="sent by hand"):
        communication_mark_sent(communication=message, by=None)


def test_a_template_switched_off_sends_nothing(job):
    MessageTemplate.objects.filter(key="collection_ready").update(is_active=False)
    assert send_template(key="collection_ready", job=job, event_key="x:1", by=None) is None
    assert not Communication.objects.exists()


def test_a_bad_address_is_refused_and_nothing_is_written(job):
    with unchanged(Communication), pytest.raises(ValidationError):
        message_queue(channel=Channel.EMAIL, to="not an address", body="Hi", job=job, by=None)
    with unchanged(Communication), pytest.raises(ValidationError, match="digits"):
        message_queue(channel=Channel.WHATSAPP, to="082 123", body="Hi", job=job, by=None)
