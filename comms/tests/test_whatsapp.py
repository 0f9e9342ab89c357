"""WhatsApp: numbers in E.164, template messages to a fake Cloud API on loopback, and the wa.me
link when the API is not configured."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from comms.models import Channel, Communication, CommunicationStatus
from comms.services import communication_mark_sent, send_due, send_template
from comms.whatsapp import PhoneNumberError, normalise_phone, wa_me_link

S = CommunicationStatus


@pytest.mark.parametrize(
    "written, e164",
    [
        ("082 123 4567", "+27821234567"),
        ("0821234567", "+27821234567"),
        ("082-123-4567", "+27821234567"),
        ("(082) 123 4567", "+27821234567"),
        ("+27 82 123 4567", "+27821234567"),
        ("0027821234567", "+27821234567"),
        ("27821234567", "+27821234567"),
        ("+27 (0)82 123 4567".replace("(0)", ""), "+27821234567"),
        ("031 555 0101", "+27315550101"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_written_in_e164_south_africa_by_default(written, e164):
    assert normalise_phone(written) == e164


@pytest.mark.parametrize(
    "written, says",
    [
        ("", "no phone number"),
        ("082 123 456", "9"),  # a digit short
        ("082 123 45678", "9"),  # a digit too many
        ("82 123 4567", "not a phone number"),
        ("082 123 4567 ext 2", "not digits"),
        ("+0 82 123 4567", "does not start with 0"),
    ],
)
def test_a_number_that_is_not_one_is_refused_saying_why(written, says):
    with pytest.raises(PhoneNumberError, match=says):
        normalise_phone(written)


def test_another_default_country_code(settings):
    settings.WHATSAPP_DEFAULT_COUNTRY_CODE = "264"
    assert normalise_phone("081 123 4567") == "+264811234567"


def test_the_wa_me_link_carries_the_number_and_the_text():
    link = wa_me_link("+27821234567", "Your order JB-1 is ready & waiting?")
    parsed = urlparse(link)
    assert parsed.netloc == "wa.me" and parsed.path == "/27821234567"
    assert parse_qs(parsed.query)["text"] == ["Your order JB-1 is ready & waiting?"]


@pytest.mark.django_db
def test_a_template_message_goes_to_the_cloud_api(
    whatsapp_api, job, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        communication = send_template(
            key="collection_ready", job=job, channel=Channel.WHATSAPP, event_key="t:1", by=None
        )
    communication.refresh_from_db()
    assert communication.status == S.SENT, communication.last_error
    assert communication.to == "+27821234567"
    assert communication.provider_id == "wamid.TEST1"
    [request] = whatsapp_api.requests
    assert request["path"] == "/v21.0/1234567890/messages"
    assert request["authorization"] == "Bearer test-token"
    sent = request["json"]
    assert sent["messaging_product"] == "whatsapp" and sent["to"] == "27821234567"
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "collection_ready"
    params = sent["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == ["Thandi Nkosi", job.code, "Gate brackets"]


@pytest.mark.django_db
def test_a_refusal_from_the_api_fails_with_its_reason(
    whatsapp_api, job, django_capture_on_commit_callbacks
):
    whatsapp_api.status = 400
    whatsapp_api.body = {"error": {"message": "(#132001) Template name does not exist"}}
    with django_capture_on_commit_callbacks(execute=True):
        communication = send_template(
            key="collection_ready", job=job, channel=Channel.WHATSAPP, event_key="t:2", by=None
        )
    communication.refresh_from_db()
    assert communication.status == S.FAILED
    assert "400" in communication.last_error
    assert "Template name does not exist" in communication.last_error


@pytest.mark.django_db
def test_an_api_that_is_down_is_tried_again(
    whatsapp_api, job, settings, django_capture_on_commit_callbacks
):
    whatsapp_api.status = 503
    whatsapp_api.body = {"error": {"message": "Service temporarily unavailable"}}
    with django_capture_on_commit_callbacks(execute=True):
        communication = send_template(
            key="collection_ready", job=job, channel=Channel.WHATSAPP, event_key="t:3", by=None
        )
    communication.refresh_from_db()
    assert communication.status == S.QUEUED
    assert "503" in communication.last_error
    assert send_due() == []  # its next attempt is later


@pytest.mark.django_db
def test_without_the_api_the_outbox_offers_a_wa_me_link(job, settings, make_user):
    settings.WHATSAPP_TOKEN = ""
    communication = send_template(
        key="collection_ready", job=job, channel=Channel.WHATSAPP, event_key="t:4", by=None
    )
    assert communication.status == S.BY_HAND
    assert Communication.objects.filter(status=S.QUEUED).count() == 0
    communication_mark_sent(communication=communication, by=make_user("m", role="Manager"))
    communication.refresh_from_db()
    assert communication.status == S.SENT and communication.sent_at
