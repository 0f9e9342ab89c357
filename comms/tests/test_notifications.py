"""In-app notifications: each cause opens one notification, a second evaluation opens none, the
cause going closes it; each person reads their own; a person sees only their audience; the bell's
count; the list and a page with the bell in a flat number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from comms import selectors
from comms.models import (
    Communication,
    CommunicationStatus,
    Notification,
    NotificationRead,
)
from comms.services.notifications import (
    notification_mark_read,
    notifications_evaluate,
    notifications_mark_all_read,
)
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.notifications import Cause, register_cause_source
from laseros.testing import count_queries
from projects.models import Project, ProjectStatus

pytestmark = pytest.mark.django_db

SAST = ZoneInfo("Africa/Johannesburg")
# A Wednesday with no public holiday in the week before it.
NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=SAST)
S = ProjectStatus


def entered(job: Project, status: str, day: dt.date, **fields) -> Project:
    """Put the job in `status` since 09:00 on `day` (the transitions' gates are tested in
    projects; here only where a job sits matters)."""
    since = dt.datetime.combine(day, dt.time(9, 0), tzinfo=SAST)
    Project.objects.filter(pk=job.pk).update(status=status, status_changed_at=since, **fields)
    job.refresh_from_db()
    return job


def open_keys() -> set[str]:
    return set(Notification.objects.open().values_list("cause_key", flat=True))


def evaluate(now=NOW):
    return notifications_evaluate(now=now)


# --- each cause opens one, a re-run opens none, the cause going closes it ---------------------


def test_a_job_in_quoting_more_than_four_working_days_opens_one_escalation(job):
    entered(job, S.QUOTING, dt.date(2026, 12, 2))  # Thu, Fri, Mon, Tue, Wed: 5 working days
    key = f"escalation:quoting:job:{job.pk}"

    first = evaluate()
    again = evaluate()

    assert first.opened == 1 and key in open_keys()
    assert again.opened == 0 and again.kept == 1
    assert Notification.objects.filter(cause_key=key).count() == 1
    notification = Notification.objects.get(cause_key=key)
    assert notification.kind == "escalation" and notification.audience == "managers"
    assert job.code in notification.title and "5 working days" in notification.title
    assert notification.url == reverse("admin:projects_project_change", args=[job.pk])


def test_four_working_days_in_quoting_is_not_yet_too_long_and_a_weekend_does_not_count(job):
    entered(job, S.QUOTING, dt.date(2026, 12, 3))  # Fri, Mon, Tue, Wed: 4 working days
    evaluate()
    assert open_keys() == set()

    # Cutting since Friday: Monday is its first working day, Tuesday its second (> 1)
    entered(job, S.CUTTING, dt.date(2026, 12, 4))
    evaluate(now=dt.datetime(2026, 12, 7, 16, 0, tzinfo=SAST))
    assert open_keys() == set()
    evaluate(now=dt.datetime(2026, 12, 8, 8, 0, tzinfo=SAST))
    assert open_keys() == {f"escalation:cutting:job:{job.pk}"}


def test_the_job_moving_on_closes_its_escalation_and_opens_the_next_one_when_it_is_due(job):
    entered(job, S.QUOTING, dt.date(2026, 12, 1))
    evaluate()
    quoting = Notification.objects.get(cause_key=f"escalation:quoting:job:{job.pk}")

    entered(job, S.READY, dt.date(2026, 12, 4))  # Mon, Tue, Wed: 3 working days in Ready
    result = evaluate()

    quoting.refresh_from_db()
    assert quoting.closed_at == NOW
    assert result.closed == 1 and result.opened == 1
    assert open_keys() == {f"escalation:ready:job:{job.pk}"}


def test_cutting_escalations_are_for_operators_too(job):
    entered(job, S.CUTTING, dt.date(2026, 12, 7))
    evaluate()
    assert Notification.objects.get().audience == "everyone"


def test_a_setting_changes_the_limit(job, settings):
    settings.ESCALATE_READY_DAYS = 5
    entered(job, S.READY, dt.date(2026, 12, 4))
    evaluate()
    assert open_keys() == set()
    settings.ESCALATE_READY_DAYS = 2
    evaluate()
    assert open_keys() == {f"escalation:ready:job:{job.pk}"}


def test_a_paid_job_with_no_sheet_of_its_material_waits_on_material(job):
    ms = MaterialFactory(code="MS")
    entered(job, S.QUEUED, dt.date(2026, 12, 3), material_id=ms.pk, thickness_mm=Decimal("6"))
    SheetStockFactory(material=ms, thickness_mm=Decimal("3"), quantity_on_hand=20)
    empty = SheetStockFactory(material=ms, thickness_mm=Decimal("6"), quantity_on_hand=0)
    key = f"escalation:material:job:{job.pk}"

    evaluate()
    evaluate()

    assert open_keys() >= {key}
    assert Notification.objects.filter(cause_key=key).count() == 1
    assert "MS 6 mm" in Notification.objects.get(cause_key=key).title

    # the sheets arrive: it no longer waits
    empty.quantity_on_hand = 5
    empty.save()
    evaluate()
    assert key not in open_keys()


def test_a_job_on_hold_for_material_waits_on_material_as_the_daily_report_says(job):
    """On hold with a reason naming material, stock or sheets is waiting for material: the bell
    says so as the Daily Ops report's blockers do; on hold for another reason is not."""
    entered(job, S.ON_HOLD, dt.date(2026, 12, 3), status_reason="Waiting for 6 mm sheets")
    evaluate()
    key = f"escalation:material:job:{job.pk}"
    assert key in open_keys()
    assert "on hold for material" in Notification.objects.get(cause_key=key).title

    entered(job, S.ON_HOLD, dt.date(2026, 12, 3), status_reason="The client is away")
    evaluate()
    assert key not in open_keys()


def test_a_job_paid_yesterday_has_not_waited_long_enough_for_material(job):
    ms = MaterialFactory(code="MS")
    entered(job, S.PAID, dt.date(2026, 12, 8), material_id=ms.pk, thickness_mm=Decimal("6"))
    evaluate()
    assert not any(k.startswith("escalation:material") for k in open_keys())


def test_low_stock_opens_one_and_receiving_sheets_closes_it():
    stock = SheetStockFactory(quantity_on_hand=1, reorder_level=2)
    SheetStockFactory(quantity_on_hand=10, reorder_level=2)  # not low
    key = f"low_stock:sheet:{stock.pk}"

    evaluate()
    evaluate()
    assert open_keys() == {key}
    notification = Notification.objects.get(cause_key=key)
    assert notification.kind == "low_stock" and "1 on hand" in notification.text

    stock.quantity_on_hand = 12
    stock.save()
    evaluate()
    assert open_keys() == set()
    assert Notification.objects.get(cause_key=key).closed_at == NOW


def test_stock_out_of_sheets_is_critical():
    SheetStockFactory(quantity_on_hand=0, reorder_level=0)
    evaluate()
    assert Notification.objects.get().severity == "critical"


def failed_message(job, **fields) -> Communication:
    return Communication.objects.create(
        channel="email",
        to="thandi@acme.example",
        subject="Your order is ready",
        body="Hello",
        status=CommunicationStatus.FAILED,
        last_error="550 5.1.1 Mailbox unavailable",
        job=job,
        client=job.client,
        **fields,
    )


def test_a_failed_message_opens_one_and_its_resend_closes_it(job):
    message = failed_message(job)
    key = f"message_failed:communication:{message.pk}"

    evaluate()
    evaluate()
    notification = Notification.objects.get(cause_key=key)
    assert notification.is_open and "550 5.1.1" in notification.text
    assert notification.audience == "managers"

    Communication.objects.filter(pk=message.pk).update(status=CommunicationStatus.SENT)
    evaluate()
    notification.refresh_from_db()
    assert not notification.is_open


def test_an_overdue_job_opens_one_and_closes_when_it_is_ready(job):
    entered(job, S.CUTTING, dt.date(2026, 12, 8), due_date=dt.date(2026, 12, 7))
    key = f"overdue:job:{job.pk}"

    evaluate()
    evaluate()
    notification = Notification.objects.get(cause_key=key)
    assert "overdue (2 days)" in notification.title
    assert notification.audience == "everyone" and notification.severity == "critical"

    entered(job, S.READY, dt.date(2026, 12, 9), due_date=dt.date(2026, 12, 7))
    evaluate()
    assert key not in open_keys()


def test_a_job_due_today_or_done_is_not_overdue(job, client_rec):
    entered(job, S.CUTTING, dt.date(2026, 12, 8), due_date=dt.date(2026, 12, 9))
    evaluate()
    assert open_keys() == set()
    entered(job, S.COMPLETED, dt.date(2026, 12, 8), due_date=dt.date(2026, 12, 1))
    evaluate()
    assert open_keys() == set()


def test_a_cause_that_comes_back_opens_a_new_notification_and_the_old_stays_closed():
    stock = SheetStockFactory(quantity_on_hand=1, reorder_level=2)
    evaluate()
    stock.quantity_on_hand = 9
    stock.save()
    evaluate(now=NOW + dt.timedelta(hours=1))
    stock.quantity_on_hand = 0
    stock.save()
    evaluate(now=NOW + dt.timedelta(hours=2))

    rows = list(Notification.objects.order_by("opened_at"))
    assert len(rows) == 2
    assert rows[0].closed_at == NOW + dt.timedelta(hours=1)
    assert rows[1].is_open


def test_the_database_keeps_one_open_notification_per_cause():
    Notification.objects.create(
        cause_key="low_stock:sheet:1", kind="low_stock", title="a", opened_at=NOW
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            cause_key="low_stock:sheet:1", kind="low_stock", title="b", opened_at=NOW
        )
    # a closed one with the same cause is history, not a second open one
    Notification.objects.filter(cause_key="low_stock:sheet:1").update(closed_at=NOW)
    Notification.objects.create(
        cause_key="low_stock:sheet:1", kind="low_stock", title="c", opened_at=NOW
    )


def test_a_failing_source_closes_nothing_and_the_others_still_run(monkeypatch):
    from laseros import notifications as registry

    SheetStockFactory(quantity_on_hand=1, reorder_level=2)
    evaluate()
    assert len(open_keys()) == 1

    def broken(now):
        raise RuntimeError("the stock table is locked")

    monkeypatch.setitem(
        registry._SOURCES,
        "comms.low_stock",
        registry.CauseSource("comms.low_stock", "low_stock:", broken),
    )
    result = evaluate()
    assert result.failed_sources == ["comms.low_stock"]
    assert len(open_keys()) == 1  # not closed: we do not know that the cause went


def test_a_source_may_not_write_outside_its_prefix(monkeypatch):
    from laseros import notifications as registry

    monkeypatch.setattr(registry, "_SOURCES", dict(registry._SOURCES))
    register_cause_source(
        "test.stray",
        prefix="stray:",
        evaluate=lambda now: [Cause(key="low_stock:sheet:99", kind="low_stock", title="x")],
    )
    result = evaluate()
    assert "test.stray" in result.failed_sources
    assert open_keys() == set()


def test_the_scheduled_task_evaluates():
    from comms.tasks import evaluate_notifications
    from laseros.tasks import SCHEDULES

    SheetStockFactory(quantity_on_hand=0, reorder_level=2)
    assert "1 opened" in evaluate_notifications()
    assert SCHEDULES["comms.evaluate_notifications"]["func"] == "comms.tasks.evaluate_notifications"


# --- audiences, reading, the bell's count -------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user("manager", role="Manager"),
        "admin": make_user("admin", role="Admin", superuser=True),
        "viewer": make_user("viewer", role="Viewer"),
        "operator": make_user("operator", role="Operator"),
        "nobody": make_user("nobody"),
    }


@pytest.fixture
def three(db):
    """One notification for each audience."""
    made = {}
    for audience in ("managers", "operators", "everyone"):
        made[audience] = Notification.objects.create(
            cause_key=f"overdue:job:{audience}",
            kind="overdue",
            title=f"For {audience}",
            audience=audience,
            opened_at=NOW,
        )
    return made


def test_each_person_sees_their_audience(people, three):
    seen = {name: {n.title for n in selectors.notification_list(u)} for name, u in people.items()}
    everything = {"For managers", "For operators", "For everyone"}
    assert seen["manager"] == everything
    assert seen["admin"] == everything
    assert seen["viewer"] == {"For managers", "For everyone"}
    assert seen["operator"] == {"For operators", "For everyone"}
    assert seen["nobody"] == set()


def test_marking_read_is_per_person_and_the_count_follows(people, three):
    manager, operator = people["manager"], people["operator"]
    assert selectors.unread_count(manager) == 3
    assert selectors.unread_count(operator) == 2

    assert notification_mark_read(notification=three["everyone"], user=manager) is True
    assert notification_mark_read(notification=three["everyone"], user=manager) is False

    assert selectors.unread_count(manager) == 2
    assert selectors.unread_count(operator) == 2  # the manager's reading is not theirs
    assert notifications_mark_all_read(user=operator) == 2
    assert selectors.unread_count(operator) == 0
    assert selectors.unread_count(manager) == 2
    assert NotificationRead.objects.count() == 3


def test_an_operator_cannot_mark_a_managers_notification(people, three):
    with pytest.raises(PermissionError):
        notification_mark_read(notification=three["managers"], user=people["operator"])
    assert not NotificationRead.objects.exists()


def test_a_closed_notification_leaves_the_count(people, three):
    Notification.objects.filter(pk=three["everyone"].pk).update(closed_at=NOW)
    assert selectors.unread_count(people["operator"]) == 1
    assert notifications_mark_all_read(user=people["operator"]) == 1


def test_the_list_shows_open_ones_first(people, three):
    Notification.objects.filter(pk=three["everyone"].pk).update(
        closed_at=NOW, opened_at=NOW + dt.timedelta(days=1)
    )
    titles = [n.title for n in selectors.notification_list(people["manager"])]
    assert titles[-1] == "For everyone"


def test_the_list_shows_the_critical_ones_first_then_the_newest(people, three):
    """A sheet with none on hand (critical) comes before newer warnings, as a manager reads it."""
    Notification.objects.filter(pk=three["everyone"].pk).update(
        severity="critical", opened_at=NOW - dt.timedelta(days=3)
    )
    titles = [n.title for n in selectors.notification_list(people["manager"])]
    assert titles[0] == "For everyone"


# --- the pages: the list, mark read, mark all read (POST, CSRF), the bell ----------------------


def test_the_list_page_and_marking_read(client, people, three):
    client.force_login(people["manager"])
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "For operators" in body and 'class="bell' in body
    assert 'class="bell__count">3<' in body

    answer = client.post(
        reverse("notifications:read", args=[three["managers"].pk]),
        {"next": reverse("notifications:list")},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("notifications:list")
    assert selectors.unread_count(people["manager"]) == 2

    answer = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert answer["Location"] == reverse("notifications:list")  # no open redirect
    assert selectors.unread_count(people["manager"]) == 0
    assert 'class="bell__count"' not in client.get(reverse("notifications:list")).content.decode()


def test_marking_read_needs_a_post_with_the_csrf_token(people, three):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["manager"])
    assert browser.get(reverse("notifications:read_all")).status_code == 405
    assert browser.post(reverse("notifications:read_all")).status_code == 403
    assert selectors.unread_count(people["manager"]) == 3


def test_an_operator_cannot_read_a_managers_notification_by_its_url(client, people, three):
    client.force_login(people["operator"])
    answer = client.post(reverse("notifications:read", args=[three["managers"].pk]))
    assert answer.status_code == 404
    assert not NotificationRead.objects.exists()


def test_a_role_with_no_notifications_is_refused(client, people, three):
    client.force_login(people["nobody"])
    assert client.post(reverse("notifications:read_all")).status_code == 403
    assert 'class="bell' not in client.get(reverse("admin:index")).content.decode()


def test_the_bell_is_in_the_admin_header_with_the_count(client, people, three):
    client.force_login(people["viewer"])
    body = client.get(reverse("admin:index")).content.decode()
    assert 'aria-label="Notifications: 2 unread"' in body
    assert "For managers" in body and "For operators" not in body


def grow_notifications(n: int) -> None:
    have = Notification.objects.count()
    Notification.objects.bulk_create(
        Notification(
            cause_key=f"overdue:job:g{i}",
            kind="overdue",
            title=f"Job {i} is overdue",
            audience="everyone",
            opened_at=NOW,
        )
        for i in range(have, n)
    )


@pytest.mark.parametrize(
    "url", ["notifications:list", "admin:index", "admin:comms_notification_changelist"]
)
def test_the_list_and_a_page_with_the_bell_take_the_same_queries_at_5_and_50(
    client, people, url, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    grow_notifications(5)
    small, _ = count_queries(lambda: client.get(reverse(url)))
    grow_notifications(50)
    for n in Notification.objects.all()[:20]:
        NotificationRead.objects.create(notification=n, user=people["manager"], read_at=NOW)
    with django_assert_max_num_queries(small):
        page = client.get(reverse(url))
    assert page.status_code == 200
    assert 'aria-label="Notifications: 30 unread"' in page.content.decode()
    if url == "notifications:list":
        assert page.content.decode().count('class="notification ') == 50


def test_the_admin_lists_notifications_read_only_with_filters(client, people, three):
    Notification.objects.filter(pk=three["operators"].pk).update(closed_at=NOW)
    NotificationRead.objects.create(
        notification=three["managers"], user=people["viewer"], read_at=NOW
    )
    client.force_login(people["manager"])
    url = reverse("admin:comms_notification_changelist")

    page = client.get(url, {"state": "open"}).content.decode()
    assert "For managers" in page and "For everyone" in page and "For operators" not in page
    assert "1 person" in page  # read by the viewer
    assert client.get(url, {"kind__exact": "low_stock"}).status_code == 200
    assert client.get(reverse("admin:comms_notification_add")).status_code == 403
    change = client.get(reverse("admin:comms_notification_change", args=[three["managers"].pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    client.force_login(people["operator"])  # operators read theirs on the floor, not here
    assert client.get(url).status_code == 403
