"""The workflow table walked move by move, its gates, overrides, hold/resume, cancel/reinstate,
and the dates it sets (working days, SA public holidays)."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from laseros.models import ActivityLog
from projects import workflow
from projects.models import Project, ProjectStatus, ProjectStatusChange
from projects.services import (
    QUOTE_EXPIRED_REASON,
    TransitionError,
    project_payment_received,
    project_quote_sent,
    project_transition,
    project_update,
    quotes_expire,
)
from projects.signals import project_status_changed
from projects.tests.factories import ProjectFactory, design_document, pdf

pytestmark = pytest.mark.django_db
S = ProjectStatus


@pytest.mark.parametrize("move", workflow.MOVES, ids=lambda m: f"{m.source}->{m.target}")
def test_every_allowed_move(move, job_in, manager):
    project = job_in(move.source, before_hold=move.target)
    if move.kind == workflow.MoveKind.RESUME:
        Project.objects.filter(pk=project.pk).update(status_before_hold=move.target)
        project.refresh_from_db()
    failing = workflow.failed_gates(project, move)
    project_transition(
        project=project, to=move.target, by=manager, reason="test move", override=bool(failing)
    )
    assert project.status == move.target
    change = project.status_changes.latest("id")
    assert (change.from_status, change.to_status, change.changed_by) == (
        move.source,
        move.target,
        manager,
    )
    assert change.reason == "test move"
    assert change.overridden_gates == [g.code for g in failing]
    entry = ActivityLog.objects.filter(action=ActivityLog.Action.TRANSITION).latest("id")
    assert entry.object_id == str(project.pk) and entry.changes["status"] == [
        move.source,
        move.target,
    ]


def test_every_move_not_in_the_table_is_refused(job_in, manager):
    project = job_in(S.REQUEST)
    for source in S.values:
        Project.objects.filter(pk=project.pk).update(
            status=source, status_before_hold=S.CUTTING if source == S.ON_HOLD else ""
        )
        for target in S.values:
            if workflow.move_for(source, target):
                continue
            with pytest.raises(TransitionError) as err:
                project_transition(
                    project=project, to=target, by=manager, reason="x", override=True
                )
            assert err.value.gate == "not_allowed", (source, target)
    assert ProjectStatusChange.objects.filter(project=project).count() == 1  # just "created"


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.REQUEST, S.PAID),
        (S.REQUEST, S.COMPLETED),
        (S.QUOTING, S.CUTTING),
        (S.PAID, S.COMPLETED),
        (S.COMPLETED, S.REQUEST),
        (S.CANCELLED, S.PAID),
        (S.ON_HOLD, S.ON_HOLD),
    ],
)
def test_a_sample_of_forbidden_moves(source, target, job_in, manager):
    project = job_in(source)
    with pytest.raises(TransitionError, match="cannot go from") as err:
        project_transition(project=project, to=target, by=manager, reason="x")
    assert err.value.gate == "not_allowed"
    project.refresh_from_db()
    assert project.status == source


def test_unknown_status_is_refused(job_in, manager):
    with pytest.raises(TransitionError) as err:
        project_transition(project=job_in(S.REQUEST), to="melted", by=manager)
    assert err.value.gate == "unknown_status"


def test_quoting_needs_a_design_file(manager):
    project = ProjectFactory()
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUOTING, by=manager)
    assert err.value.gate == "design_file"
    assert "at least one design file" in err.value.detail
    project.refresh_from_db()
    assert project.status == S.REQUEST
    design_document(project)
    project_transition(project=project, to=S.QUOTING, by=manager)
    assert project.status == S.QUOTING


def test_quoting_needs_material_and_thickness(manager):
    project = ProjectFactory(material=None, thickness_mm=None)
    design_document(project)
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUOTING, by=manager)
    assert err.value.gate == "material"
    assert [g.code for g in err.value.failures] == ["material", "thickness"]


def test_design_files_from_higher_apps_count_through_the_hook(manager):
    project = ProjectFactory()
    counter = mock.Mock(return_value=2)
    with mock.patch.object(workflow, "design_file_counters", [counter]):
        assert workflow.design_file_count(project) == 2
        project_transition(project=project, to=S.QUOTING, by=manager)
    counter.assert_called_with(project)
    assert project.status == S.QUOTING


def test_register_design_file_counter_adds_once():
    def counter(project):
        return 0

    with mock.patch.object(workflow, "design_file_counters", []):
        workflow.register_design_file_counter(counter)
        workflow.register_design_file_counter(counter)
        assert workflow.design_file_counters == [counter]


def test_manager_override_records_the_reason_and_the_gate(manager):
    project = ProjectFactory()
    project_transition(
        project=project, to=S.QUOTING, by=manager, reason="drawing on paper", override=True
    )
    change = project.status_changes.latest("id")
    assert project.status == S.QUOTING
    assert change.overridden_gates == ["design_file"] and change.reason == "drawing on paper"
    entry = ActivityLog.objects.filter(action=ActivityLog.Action.TRANSITION).latest("id")
    assert "overrode: design_file" in entry.message


def test_override_needs_a_reason(manager):
    project = ProjectFactory()
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUOTING, by=manager, override=True)
    assert err.value.gate == "reason_required"


def test_operator_cannot_override(operator, job_in):
    project = job_in(S.APPROVED)
    with pytest.raises(TransitionError) as err:
        project_transition(
            project=project, to=S.QUEUED, by=operator, reason="trust me", override=True
        )
    assert err.value.gate == "override_not_permitted"
    assert "No production until paid" in err.value.detail
    project.refresh_from_db()
    assert project.status == S.APPROVED


def test_no_production_until_paid_unless_a_manager_overrides(job_in, manager):
    project = job_in(S.APPROVED)
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUEUED, by=manager)
    assert err.value.gate == "payment"
    project_transition(
        project=project, to=S.QUEUED, by=manager, reason="account client", override=True
    )
    assert project.payment_waived_at is not None
    # released once: cutting does not ask again
    project_transition(project=project, to=S.CUTTING, by=manager)
    assert project.status == S.CUTTING


def test_hold_and_resume_returns_where_it_was(job_in, manager):
    project = job_in(S.CUTTING)
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.ON_HOLD, by=manager)
    assert err.value.gate == "reason_required"
    project_transition(project=project, to=S.ON_HOLD, by=manager, reason="waiting on material")
    assert (project.status, project.status_before_hold) == (S.ON_HOLD, S.CUTTING)
    assert project.status_reason == "waiting on material"
    assert [m.target for m in workflow.available_moves(project) if m.kind == "resume"] == [
        S.CUTTING
    ]
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUOTING, by=manager)
    assert err.value.gate == "resume_target"
    project_transition(project=project, to=S.CUTTING, by=manager)
    assert (project.status, project.status_before_hold) == (S.CUTTING, "")


def test_cancel_and_reinstate(job_in, manager):
    project = job_in(S.QUOTING)
    project_update(project=project, quote_sent_on=dt.date(2025, 3, 3), by=manager)
    project_transition(project=project, to=S.CANCELLED, by=manager, reason="client went elsewhere")
    assert project.status == S.CANCELLED
    project_transition(project=project, to=S.QUOTING, by=manager, reason="client came back")
    assert project.status == S.QUOTING
    assert project.quote_sent_on == timezone.localdate()  # a new quote, dated by the move


def test_stale_button_is_refused(job_in, manager):
    project = job_in(S.PAID)
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.CUTTING, by=manager, from_status=S.QUEUED)
    assert err.value.gate == "stale"


def test_quote_dates_in_working_days(job_in, manager):
    project = job_in(S.QUOTING)
    # Fri 2025-12-05 + 20 working days, skipping weekends and 16, 25, 26 Dec and 1 Jan
    project_quote_sent(project=project, sent_on=dt.date(2025, 12, 5), by=manager)
    assert project.quote_expires_on == dt.date(2026, 1, 8)
    # 5 working days before: 7, 6, 5, 2 Jan (1 Jan a holiday), 31 Dec
    assert project.quote_reminder_on == dt.date(2025, 12, 31)


def test_quote_dates_follow_the_settings(job_in, manager, settings):
    settings.QUOTE_VALID_WORKING_DAYS = 2
    settings.QUOTE_REMINDER_DAYS_BEFORE_EXPIRY = 1
    project = job_in(S.QUOTING)
    project_quote_sent(project=project, sent_on=dt.date(2025, 12, 12), by=manager)  # a Friday
    assert project.quote_expires_on == dt.date(2025, 12, 17)  # Tue 16th is a holiday
    assert project.quote_reminder_on == dt.date(2025, 12, 15)


@pytest.mark.parametrize(
    ("promised", "due"),
    [
        (None, dt.date(2025, 12, 18)),  # POP Fri 12th + 3 working days: 15, 17, 18 (16th a holiday)
        (dt.date(2025, 12, 15), dt.date(2025, 12, 15)),  # the promise is sooner
        (dt.date(2026, 1, 30), dt.date(2025, 12, 18)),
    ],
)
def test_due_date_on_paid(promised, due, job_in, manager):
    project = job_in(S.APPROVED, promised_date=promised)
    Project.objects.filter(pk=project.pk).update(pop_received_at=None)
    pop_time = timezone.make_aware(dt.datetime(2025, 12, 12, 10, 0))
    with mock.patch("django.utils.timezone.now", return_value=pop_time):
        project_payment_received(project=project, by=manager, amount=Decimal("10"), file=pdf())
    project.refresh_from_db()
    assert project.due_date == due
    assert project.pop_received_at == pop_time


def test_expired_quotes_are_cancelled_and_can_be_reinstated(job_in, manager):
    expired, valid, approved = job_in(S.QUOTING), job_in(S.QUOTING), job_in(S.APPROVED)
    project_quote_sent(project=expired, sent_on=dt.date(2025, 1, 6), by=manager)
    project_quote_sent(project=valid, sent_on=dt.date(2025, 2, 20), by=manager)
    Project.objects.filter(pk=approved.pk).update(quote_expires_on=dt.date(2025, 1, 1))
    report = quotes_expire(today=dt.date(2025, 2, 25))
    assert report.expired == [expired.code] and not report.failed
    expired.refresh_from_db()
    valid.refresh_from_db()
    approved.refresh_from_db()
    assert expired.status == S.CANCELLED and expired.status_reason == QUOTE_EXPIRED_REASON
    change = expired.status_changes.latest("id")
    assert change.changed_by is None and change.reason == QUOTE_EXPIRED_REASON
    assert (valid.status, approved.status) == (S.QUOTING, S.APPROVED)
    assert "1 quote(s) expired" in report.summary()
    project_transition(project=expired, to=S.QUOTING, by=manager)
    assert expired.status == S.QUOTING


def test_the_expiry_task_calls_the_service(job_in, manager):
    from laseros.tasks import SCHEDULES
    from projects.tasks import expire_quotes

    assert SCHEDULES["projects.expire_quotes"]["func"] == "projects.tasks.expire_quotes"
    project = job_in(S.QUOTING)
    project_quote_sent(project=project, sent_on=dt.date(2020, 1, 6), by=manager)
    assert expire_quotes().startswith("1 quote(s) expired")


def test_signal_is_sent_once_on_commit_with_the_payload(
    job_in, manager, django_capture_on_commit_callbacks
):
    project = job_in(S.APPROVED)
    received = []

    def listener(sender, **kwargs):
        received.append((sender, kwargs))

    project_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            project_payment_received(
                project=project, by=manager, reason="EFT seen", amount=Decimal("10"), file=pdf()
            )
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        project_status_changed.disconnect(listener)
    assert len(received) == 1
    sender, payload = received[0]
    assert sender is Project
    assert payload["project"].pk == project.pk and payload["project"].status == S.PAID
    assert (payload["from_status"], payload["to_status"]) == ("approved", "paid")
    assert payload["by"] == manager and payload["reason"] == "EFT seen"
    assert payload["overridden_gates"] == [] and payload["change"].to_status == "paid"


def test_a_failing_receiver_is_logged_and_does_not_undo_the_move(
    job_in, manager, django_capture_on_commit_callbacks, caplog
):
    project = job_in(S.APPROVED)

    def broken(sender, **kwargs):
        raise RuntimeError("queue is down")

    project_status_changed.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            project_payment_received(project=project, by=manager, amount=Decimal("10"), file=pdf())
    finally:
        project_status_changed.disconnect(broken)
    project.refresh_from_db()
    assert project.status == S.PAID
    assert "queue is down" in caplog.text


def test_no_signal_for_a_refused_move(job_in, manager, django_capture_on_commit_callbacks):
    project = job_in(S.REQUEST)
    Project.objects.filter(pk=project.pk).update(thickness_mm=None)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TransitionError):
        project_transition(project=project, to=S.QUOTING, by=manager)
    assert callbacks == []


def test_project_update_keeps_the_code_and_status(job_in, manager):
    project = job_in(S.REQUEST)
    with pytest.raises(Exception, match="cannot be changed"):
        project_update(project=project, status=S.COMPLETED, by=manager)
    project_update(project=project, quoted_price=Decimal("1250.00"), by=manager)
    assert project.quoted_price == Decimal("1250.00")


# --- the dates each move stamps -------------------------------------------------------------------


def test_start_quoting_stamps_the_quote_date_so_expiry_and_reminders_count_it(manager):
    from projects.selectors import quotes_expiring

    project = ProjectFactory()
    design_document(project)
    friday = timezone.make_aware(dt.datetime(2025, 12, 5, 10, 0))
    with mock.patch("django.utils.timezone.now", return_value=friday):
        project_transition(project=project, to=S.QUOTING, by=manager)
    assert project.quote_sent_on == dt.date(2025, 12, 5)
    assert project.quote_expires_on == dt.date(2026, 1, 8)  # 20 working days, as quote_dates
    assert project.quote_reminder_on == dt.date(2025, 12, 31)
    assert list(quotes_expiring(dt.date(2026, 1, 5), dt.date(2026, 1, 11))) == [project]
    assert quotes_expire(today=dt.date(2026, 1, 9)).expired == [project.code]


def test_start_quoting_keeps_a_quote_date_already_given(manager):
    project = ProjectFactory(quote_sent_on=dt.date(2025, 12, 1))
    design_document(project)
    project_transition(project=project, to=S.QUOTING, by=manager)
    assert project.quote_sent_on == dt.date(2025, 12, 1)


@pytest.mark.parametrize(
    ("source", "reason"), [(S.CANCELLED, "client came back"), (S.APPROVED, "new drawing")]
)
def test_a_new_quote_is_dated_by_the_move_that_asks_for_it(source, reason, job_in, manager):
    project = job_in(source)
    Project.objects.filter(pk=project.pk).update(quote_sent_on=dt.date(2025, 1, 6))
    project.refresh_from_db()
    project_transition(project=project, to=S.QUOTING, by=manager, reason=reason)
    assert project.quote_sent_on == timezone.localdate()
    assert project.quote_expires_on > timezone.localdate()


def test_every_date_a_move_makes_true_is_set_by_it(job_in, manager):
    """Walk a cash job from Request to Completed: each move leaves the dates the workflow, the
    dashboard and the filters read (quote, approval, payment, due date, completion)."""
    project = ProjectFactory(promised_date=None)
    design_document(project)
    project_transition(project=project, to=S.QUOTING, by=manager)
    assert project.quote_sent_on and project.quote_expires_on and project.quote_reminder_on
    project_transition(project=project, to=S.APPROVED, by=manager)
    assert project.approved_at is not None and project.due_date is None
    project_payment_received(project=project, by=manager, amount=Decimal("10"), file=pdf())
    assert project.pop_received_at is not None and project.due_date is not None
    for step in (S.QUEUED, S.CUTTING, S.QC, S.READY, S.COMPLETED):
        before = project.status_changed_at
        project_transition(project=project, to=step, by=manager)
        assert project.status_changed_at >= before
    assert project.completed_at is not None


def test_back_to_request_withdraws_the_quote_so_quoting_again_dates_a_new_one(job_in, manager):
    project = job_in(S.QUOTING)
    project_quote_sent(project=project, sent_on=dt.date(2025, 1, 6), by=manager)
    project_transition(project=project, to=S.REQUEST, by=manager)
    assert (project.quote_sent_on, project.quote_expires_on) == (None, None)
    project_transition(project=project, to=S.QUOTING, by=manager)
    assert project.quote_sent_on == timezone.localdate()  # not expired the night it comes back
