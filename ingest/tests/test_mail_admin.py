"""The e-mail admin: the list (constant queries), the unknown senders' list with "Match to
client…" and "Discard" for managers only, "Try again", the stored .eml, and a help text on
every field a person sees."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.admin import helpers

from clients.models import Contact
from ingest.mail import services
from ingest.models import FileIngest, MailAttachment, MailMessage, MailStatus
from laseros.testing import assert_constant_queries, grow_to
from projects.models import Project

from . import mail_builders as mb
from .factories import ClientFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/ingest/mailmessage/"


def _stranger(committed, n=0, **kwargs):
    mail = mb.message(sender=f"stranger{n}@nowhere.example", **kwargs)
    with committed():
        return services.receive_message(raw=mb.raw(mail), mailbox="test").message


def _act(browser, action, messages, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [m.pk for m in messages], **extra}
    return browser.post(CHANGELIST, data, follow=True)


def test_the_list_shows_the_unknown_senders_with_constant_queries(admin_user_client, committed):
    make = lambda i: _stranger(committed, i, attachments=[mb.dxf(f"p{i}.dxf")])  # noqa: E731
    assert_constant_queries(
        lambda: admin_user_client.get(CHANGELIST, {"status__exact": "unknown_sender"}),
        grow_to(MailMessage, make),
    )
    html = admin_user_client.get(CHANGELIST, {"status__exact": "unknown_sender"}).content.decode()
    assert "stranger0@nowhere.example" in html and "Unknown sender" in html


def test_a_manager_matches_an_unknown_sender_to_a_client_and_it_is_filed(
    admin_user_client, committed
):
    acme = ClientFactory(code="CL-0001", name="ACME")
    message = _stranger(committed, attachments=[mb.dxf()])

    page = _act(admin_user_client, "match_to_client", [message])
    assert page.status_code == 200 and "File with this client" in page.content.decode()
    assert MailMessage.objects.get().status == MailStatus.UNKNOWN_SENDER  # nothing yet

    with committed():
        done = _act(admin_user_client, "match_to_client", [message], apply="1", client=acme.pk)
    message.refresh_from_db()
    assert message.status == MailStatus.FILED and message.client == acme
    assert Project.objects.get().client == acme and FileIngest.objects.get().project
    assert "filed with a job" in done.content.decode()


def test_matching_without_choosing_a_client_changes_nothing(admin_user_client, committed):
    message = _stranger(committed)
    page = _act(admin_user_client, "match_to_client", [message], apply="1", client="")
    assert "This field is required" in page.content.decode()
    message.refresh_from_db()
    assert message.status == MailStatus.UNKNOWN_SENDER and Project.objects.count() == 0


def test_a_manager_discards_and_the_message_stays_on_record(admin_user_client, committed):
    message = _stranger(committed)
    page = _act(admin_user_client, "discard", [message])
    assert "1 e-mail(s) discarded" in page.content.decode()
    message.refresh_from_db()
    assert message.status == MailStatus.DISCARDED
    eml = admin_user_client.get(f"{CHANGELIST}{message.pk}/eml/")
    assert eml.status_code == 200 and eml["Content-Disposition"].startswith("attachment")
    assert b"".join(eml.streaming_content) == message.raw.open("rb").read()


def test_a_failed_message_is_tried_again_from_the_list(admin_user_client, committed):
    ClientFactory(code="CL-0001").contacts.create(name="T", email="thandi@acme.example")
    failing = mock.patch.object(services, "project_create", side_effect=RuntimeError("hiccup"))
    with failing, committed():
        message = services.receive_message(raw=mb.raw(mb.message()), mailbox="test").message
    assert message.status == MailStatus.FAILED
    html = admin_user_client.get(f"{CHANGELIST}{message.pk}/change/").content.decode()
    assert "RuntimeError: hiccup" in html

    _act(admin_user_client, "try_again", [message])
    message.refresh_from_db()
    assert message.status == MailStatus.FILED and message.attempts == 2


def test_an_operator_sees_the_list_but_may_not_match_or_discard(client, make_user, committed):
    operator = make_user("op", role="Operator")
    client.force_login(operator)
    message = _stranger(committed)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "match_to_client" not in page.content.decode()
    _act(client, "discard", [message])
    message.refresh_from_db()
    assert message.status == MailStatus.UNKNOWN_SENDER


def test_the_change_page_shows_the_attachments_and_is_read_only(admin_user_client, committed):
    message = _stranger(committed, attachments=[mb.dxf("a.dxf"), mb.dxf("../b.dxf", mb.PLATE_DXF)])
    html = admin_user_client.get(f"{CHANGELIST}{message.pk}/change/").content.decode()
    assert "a.dxf" in html and "tries to reach folders outside its own" in html
    assert "Download the .eml" in html and 'name="_save"' not in html


@pytest.mark.parametrize("model", [MailMessage, MailAttachment])
def test_every_field_a_person_sees_has_a_help_text(model):
    missing = [
        f.name
        for f in model._meta.concrete_fields
        if f.name != "id" and not str(f.help_text or "").strip()
    ]
    assert missing == []


def test_dashboard_tiles_count_unknown_senders_and_failures(admin_user_client, committed):
    _stranger(committed)
    html = admin_user_client.get("/admin/").content.decode()
    assert "E-mails waiting for a manager" in html
    assert "status__exact=unknown_sender" in html


def test_a_contact_added_after_the_fact_matches_the_next_email(committed):
    acme = ClientFactory(code="CL-0001")
    _stranger(committed)
    Contact.objects.create(client=acme, name="New", email="Stranger0@nowhere.example")
    mail = mb.message(sender="stranger0@nowhere.example", subject="second")
    with committed():
        message = services.receive_message(raw=mb.raw(mail), mailbox="test").message
    assert message.status == MailStatus.FILED and message.client == acme


def test_the_jobs_page_lists_the_emails_it_came_from(admin_user_client, committed):
    ClientFactory(code="CL-0001").contacts.create(name="T", email="thandi@acme.example")
    with committed():
        message = services.receive_message(
            raw=mb.raw(mb.message(subject="Gate brackets please")), mailbox="test"
        ).message
    html = admin_user_client.get(
        f"/admin/projects/project/{message.project_id}/change/"
    ).content.decode()
    assert "Gate brackets please" in html and "thandi@acme.example" in html


def test_a_message_filed_meanwhile_by_someone_else_is_not_filed_twice(committed):
    acme = ClientFactory(code="CL-0001")
    message = _stranger(committed)
    stale = MailMessage.objects.get(pk=message.pk)
    services.mail_match_client(message=message, client=acme, by=None)

    services.mail_match_client(message=stale, client=acme, by=None)  # loaded before the match
    assert stale.status == MailStatus.FILED and Project.objects.count() == 1
