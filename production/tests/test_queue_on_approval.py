"""A client on account (7 or 30 days) has its job queued when the quote is approved, the way a cash
client's job is queued when it is paid (issue 10): same service, same audit, same "no active
machine" handling, once; the job's page says it was queued because the client is on account."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clients.models import Client
from clients.tests.factories import ClientFactory
from laseros.models import ActivityLog
from production import receivers
from production.models import QueueItem
from production.tests.factories import MachineFactory, make_project
from projects.models import Project, ProjectStatus
from projects.services import project_payment_received, project_transition
from projects.tests.factories import pdf

pytestmark = pytest.mark.django_db
S = ProjectStatus
T = Client.PaymentTerms


def _quoting(terms: str) -> Project:
    client = ClientFactory(name="Acme Steel", payment_terms=terms)
    return make_project(status=S.QUOTING, client=client)


def _approve(project: Project, committed, by=None) -> Project:
    with committed():
        project_transition(project=project, to=S.APPROVED, by=by)
    project.refresh_from_db()
    return project


@pytest.mark.parametrize("terms", [T.NET30, T.NET7])
def test_an_approved_job_on_account_is_queued_once_and_the_history_says_why(terms, committed):
    MachineFactory(code="X3")
    project = _approve(_quoting(terms), committed)
    assert project.status == S.QUEUED
    item = QueueItem.objects.get(project=project)
    assert (item.machine.code, item.position, item.status) == ("X3", 1, "queued")
    moves = list(project.status_changes.order_by("id").values_list("from_status", "to_status"))
    assert moves[-2:] == [("quoting", "approved"), ("approved", "queued")]
    change = project.status_changes.latest("id")
    label = T(terms).label
    assert "on account" in change.reason and label in change.reason
    assert "on account" in project.status_reason and "approv" in project.status_reason
    assert change.overridden_gates == [] and project.payment_waived_at is None
    # the same audit as a paid job: the queue item's creation and the job's move
    assert ActivityLog.objects.filter(
        content_type__model="queueitem", object_id=str(item.pk), action="create"
    ).exists()
    # a second approval signal (or a Paid one) does not queue it twice
    for to in ("approved", "paid"):
        receivers.on_project_status_changed(
            sender=Project, project=project, from_status="quoting", to_status=to
        )
    assert QueueItem.objects.filter(project=project).count() == 1
    assert project.status_changes.filter(to_status="queued").count() == 1


@pytest.mark.django_db(transaction=True)  # each request commits, as on a served site
def test_the_job_page_says_it_was_queued_because_the_client_is_on_account(admin_user_client):
    MachineFactory(code="X3")
    project = _quoting(T.NET30)
    response = admin_user_client.post(
        f"/admin/projects/project/{project.pk}/transition/approved/",
        {"from_status": "quoting"},
        follow=True,
    )
    project.refresh_from_db()
    assert project.status == S.QUEUED
    texts = " ".join(str(m) for m in response.context["messages"])
    assert "Queued" in texts and "on account (30 days)" in texts
    page = admin_user_client.get(f"/admin/projects/project/{project.pk}/change/")
    status_bar = page.content.decode().split('class="project-status"', 1)[1].split("</nav>")[0]
    assert "Status: Queued" in status_bar and "on account (30 days)" in status_bar


@pytest.mark.parametrize("terms", [T.PREPAID, T.COD])
def test_a_cash_clients_approved_job_waits_for_its_payment(terms, committed):
    MachineFactory(code="X3")
    project = _approve(_quoting(terms), committed)
    assert project.status == S.APPROVED
    assert not QueueItem.objects.filter(project=project).exists()
    with committed():
        project_payment_received(project=project, by=None, amount=Decimal("900"), file=pdf())
    project.refresh_from_db()
    assert project.status == S.QUEUED and QueueItem.objects.filter(project=project).count() == 1


def test_no_active_machine_leaves_it_approved_and_the_payment_queues_it_once(committed, caplog):
    MachineFactory(code="X3", is_active=False)
    with caplog.at_level(logging.WARNING, logger="production"):
        project = _approve(_quoting(T.NET30), committed)
    assert project.status == S.APPROVED and not QueueItem.objects.exists()
    assert "no active machine" in caplog.text and project.code in caplog.text
    MachineFactory(code="B2")
    with committed():
        project_payment_received(project=project, by=None, amount=Decimal("900"), file=pdf())
    project.refresh_from_db()
    assert project.status == S.QUEUED
    assert QueueItem.objects.filter(project=project).count() == 1
    assert project.status_changes.filter(to_status="queued").count() == 1


def test_a_failure_is_recorded_for_a_manager_not_raised(monkeypatch, committed):
    import projects.services as project_services

    def refusing_transition(**kwargs):
        if kwargs.get("to") == "queued":
            raise ValidationError("gate closed")
        return real(**kwargs)

    real = project_services.project_transition
    monkeypatch.setattr(project_services, "project_transition", refusing_transition)
    MachineFactory(code="X3")
    project = _approve(_quoting(T.NET30), committed)
    assert project.status == S.APPROVED
    assert not QueueItem.objects.exists()  # rolled back with the failed move
    entry = ActivityLog.objects.filter(action="other").latest("id")
    assert "on account" in entry.message and "not queued automatically" in entry.message
    assert "gate closed" in entry.message


def test_a_job_on_account_that_moved_on_meanwhile_is_left_where_it_is(committed):
    """Approved and moved on in the same transaction (an import walking it forward): the late
    approval signal finds it no longer Approved and queues nothing."""
    MachineFactory(code="X3")
    project = _quoting(T.NET30)
    with committed():
        project_transition(project=project, to=S.APPROVED, by=None)
        project_transition(project=project, to=S.CANCELLED, by=None, reason="client withdrew")
    project.refresh_from_db()
    assert project.status == S.CANCELLED and not QueueItem.objects.exists()
