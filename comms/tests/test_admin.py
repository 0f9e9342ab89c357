"""The comms admin: lists with flat query counts, a template refused by its form, a preview for
a real job, the outbox's actions, the timeline on the client's and the job's pages, and the
failed messages on the admin index."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from comms.models import (
    Channel,
    Communication,
    CommunicationStatus,
    ConversationNote,
    MessageTemplate,
)
from comms.services import message_queue, note_record
from laseros.testing import assert_constant_queries, change_form_data, grow_to, unchanged

pytestmark = pytest.mark.django_db
S = CommunicationStatus


@pytest.fixture
def manager(make_user, client):
    user = make_user("comms-manager", role="Manager")
    client.force_login(user)
    return client


def _message(job, i: int, **fields) -> Communication:
    communication = message_queue(
        channel=Channel.EMAIL,
        to=f"person{i}@acme.example",
        subject=f"Message {i}",
        body="Hello",
        job=job,
        by=None,
    )
    Communication.objects.filter(pk=communication.pk).update(**fields)
    return communication


def test_the_outbox_list_runs_the_same_queries_at_5_and_50_messages(manager, job, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    grow = grow_to(Communication, lambda i: _message(job, i, status=S.FAILED, last_error="x"))
    assert_constant_queries(lambda: manager.get("/admin/comms/communication/"), grow)


def test_the_notes_list_runs_the_same_queries_at_5_and_50_notes(manager, job):
    grow = grow_to(
        ConversationNote,
        lambda i: note_record(client=job.client, job=job, summary=f"call {i}", by=None),
    )
    assert_constant_queries(lambda: manager.get("/admin/comms/conversationnote/"), grow)


def test_the_templates_list_runs_the_same_queries_at_5_and_50_templates(manager):
    def make(i: int) -> None:
        MessageTemplate.objects.create(key=f"extra_{i}", name=f"Extra {i}", body="Hi", subject="S")

    MessageTemplate.objects.all().delete()
    grow = grow_to(MessageTemplate, make)
    assert_constant_queries(lambda: manager.get("/admin/comms/messagetemplate/"), grow)


def test_a_template_with_an_unknown_variable_is_refused_by_its_form_naming_it(manager):
    template = MessageTemplate.objects.get(key="collection_ready", channel=Channel.EMAIL)
    url = f"/admin/comms/messagetemplate/{template.pk}/change/"
    data = change_form_data(manager, url, body="Dear {{ contact.name }}, {{ settings.SECRET_KEY }}")
    with unchanged(MessageTemplate):
        response = manager.post(url, data)
    assert response.status_code == 200
    assert "Unknown variable {{ settings.SECRET_KEY }}" in response.content.decode()


def test_a_changed_template_is_saved_and_audited(manager):
    from laseros.models import ActivityLog

    template = MessageTemplate.objects.get(key="collection_ready", channel=Channel.EMAIL)
    url = f"/admin/comms/messagetemplate/{template.pk}/change/"
    data = change_form_data(manager, url, subject="Ready: {{ job.code }}")
    response = manager.post(url, data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "Ready: {{ job.code }}"
    assert ActivityLog.objects.filter(object_id=str(template.pk), action="update").exists()


def test_the_preview_renders_a_template_for_a_real_job(manager, job):
    job.name = "<script>alert(1)</script> brackets"
    job.save()
    template = MessageTemplate.objects.get(key="collection_ready", channel=Channel.EMAIL)
    url = f"/admin/comms/messagetemplate/{template.pk}/preview/"
    response = manager.get(url, {"job": job.code.lower()})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Your order {job.code} is ready for collection" in page
    assert "Dear Thandi Nkosi" in page
    assert "<script>alert(1)</script>" not in page  # the page escapes what the job says
    assert Communication.objects.count() == 0  # a preview sends nothing

    missing = manager.get(url, {"job": "JB-NOPE"})
    assert "There is no job JB-NOPE." in missing.content.decode()


def test_a_manager_sends_a_failed_message_again_from_the_outbox(manager, job, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    failed = _message(job, 1, status=S.FAILED, last_error="451 try later", attempts=5)
    response = manager.post(
        "/admin/comms/communication/",
        {"action": "resend", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.QUEUED and failed.attempts == 0


def test_a_viewer_cannot_send_again(make_user, client, job):
    client.force_login(make_user("viewer", role="Viewer"))
    failed = _message(job, 1, status=S.FAILED, last_error="x")
    with unchanged(Communication):
        client.post(
            "/admin/comms/communication/", {"action": "resend", "_selected_action": [failed.pk]}
        )


def test_failed_messages_show_on_the_admin_index(manager, job):
    _message(job, 1, status=S.FAILED, last_error="x")
    page = manager.get("/admin/").content.decode()
    assert "Messages that failed" in page


def test_the_jobs_page_shows_its_timeline_and_takes_a_note(manager, job, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _message(job, 1, status=S.FAILED, last_error="550 no such user")
    url = f"/admin/projects/project/{job.pk}/change/"
    page = manager.get(url).content.decode()
    assert "timeline: messages sent" in page.lower() and "550 no such user" in page

    data = change_form_data(manager, url)
    prefix = "conversation_notes"
    when = timezone.localtime() - dt.timedelta(hours=1)
    data |= {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-kind": "call_in",
        f"{prefix}-0-summary": "Asked if the brackets can be collected on Friday",
        f"{prefix}-0-happened_at_0": when.strftime("%Y-%m-%d"),
        f"{prefix}-0-happened_at_1": when.strftime("%H:%M:%S"),
    }
    response = manager.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"][0].formset
    ]
    note = ConversationNote.objects.get()
    assert note.client == job.client and note.job == job
    assert note.noted_by.username == "comms-manager"
    client_page = manager.get(f"/admin/clients/client/{job.client.pk}/change/").content.decode()
    assert "collected on Friday" in client_page


def test_the_timeline_puts_messages_and_notes_in_time_order(job, settings):
    from comms.selectors import timeline

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = timezone.now()
    old = _message(job, 1, status=S.SENT, sent_at=now - dt.timedelta(days=2))
    note_record(client=job.client, job=job, summary="called", by=None, happened_at=now)
    other_job_note = note_record(
        client=job.client, summary="general chat", by=None, happened_at=now - dt.timedelta(days=1)
    )
    for_job = timeline(job=job)
    assert [e.summary for e in for_job] == ["called", "Message 1"]
    assert for_job[-1].record == old
    for_client = timeline(client=job.client)
    assert [e.record for e in for_client][1] == other_job_note
