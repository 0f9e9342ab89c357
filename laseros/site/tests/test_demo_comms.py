"""The demo shop's messages: the templates, an outbox with sent and failed messages (the failed
ones with their reason), a WhatsApp to send by hand, calls noted by hand; once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from comms.models import (
    ClientMessagePreference,
    Communication,
    CommunicationStatus,
    ConversationNote,
    MessageTemplate,
)

pytestmark = pytest.mark.django_db
S = CommunicationStatus


def test_the_demo_outbox_has_sent_failed_and_by_hand_messages_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--size", "8", "--seed", "7", stdout=out)
    assert "comms: 11 templates" in out.getvalue()  # nine e-mail, two WhatsApp
    assert MessageTemplate.objects.filter(channel="email").count() == 9
    statuses = set(Communication.objects.values_list("status", flat=True))
    assert {S.SENT, S.FAILED, S.BY_HAND} <= statuses
    for failed in Communication.objects.filter(status=S.FAILED):
        assert failed.last_error and failed.body
    assert not Communication.objects.filter(body__contains="{{").exists()
    assert ConversationNote.objects.count() == 3
    assert ClientMessagePreference.objects.filter(status_updates=True).count() == 1
    counts = (Communication.objects.count(), ConversationNote.objects.count())

    again = io.StringIO()
    call_command("seed_demo", "--size", "8", "--seed", "7", stdout=again)
    assert "the outbox has its demo messages already" in again.getvalue()
    assert (Communication.objects.count(), ConversationNote.objects.count()) == counts
