"""The planner (production.planning) and a manager's slot overrides (production.services.planning).

Dates are December 2026 in the shop's time zone: Mon 14 to Fri 18 Dec, Wednesday 16 Dec is the
Day of Reconciliation (a South African public holiday); Friday closes at 14:30.
"""

from __future__ import annotations

import datetime as dt
import random
import types

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from laseros.models import ActivityLog
from laseros.testing import assert_constant_queries, count_queries, unchanged
from production import planning
from production.models import QueueSlotOverride
from production.planning import DEFAULT_MINUTES, PlanJob, ShopCalendar, plan_machine
from production.services import queue_add, queue_start
from production.services.planning import slot_override_clear, slot_override_set
from production.tests.factories import MachineFactory, make_project


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def job(n: int, minutes: int | None = 60, **fields) -> PlanJob:
    return PlanJob(
        item_id=n,
        machine_id=1,
        project_code=f"JB-{n}",
        position=n,
        estimated_minutes=minutes,
        **fields,
    )


@pytest.fixture
def clock(monkeypatch):
    """clock.move_to(moment): timezone.now() answers `moment` (services, auto_now fields)."""

    class Clock:
        def move_to(self, moment: dt.datetime) -> None:
            monkeypatch.setattr(timezone, "now", lambda: moment)

    return Clock()


def spans(slots):
    return [(s.job.item_id, s.start, s.finish) for s in slots]


# --- capacity -------------------------------------------------------------------------------------


def test_the_shop_works_mon_to_thu_nine_hours_friday_to_half_past_two_and_not_on_holidays():
    calendar = ShopCalendar()
    assert calendar.minutes_on(dt.date(2026, 12, 14)) == 540  # Monday
    assert calendar.minutes_on(dt.date(2026, 12, 18)) == 450  # Friday 07:00-14:30
    assert calendar.minutes_on(dt.date(2026, 12, 16)) == 0  # Day of Reconciliation
    assert calendar.minutes_on(dt.date(2026, 12, 19)) == 0  # Saturday
    assert calendar.window(dt.date(2026, 12, 18)) == (at(18, 7), at(18, 14, 30))


def test_a_long_job_goes_on_next_morning_and_skips_the_holiday():
    # Tuesday 15:00, 120 minutes: one hour on Tuesday, Wednesday 16 Dec is off, one on Thursday
    [slot] = plan_machine([job(1, 120)], now=at(15, 15))
    assert (slot.start, slot.finish) == (at(15, 15), at(17, 8))
    assert slot.pieces == [(at(15, 15), at(15, 16)), (at(17, 7), at(17, 8))]


def test_friday_closes_at_half_past_two_and_the_job_goes_on_monday():
    [slot] = plan_machine([job(1, 60)], now=at(11, 14))
    assert slot.pieces == [(at(11, 14), at(11, 14, 30)), (at(14, 7), at(14, 7, 30))]


def test_after_hours_and_at_the_weekend_the_plan_starts_on_the_next_working_morning():
    [slot] = plan_machine([job(1, 30)], now=at(12, 10))  # Saturday 12 Dec
    assert (slot.start, slot.finish) == (at(14, 7), at(14, 7, 30))
    [slot] = plan_machine([job(1, 30)], now=at(14, 18))  # Monday evening
    assert slot.start == at(15, 7)


def test_a_machine_may_keep_its_own_hours(settings):
    settings.SHOP_MACHINE_WORKING_HOURS = {"X9": {5: ("08:00", "12:00")}}  # Saturdays only
    machine = types.SimpleNamespace(code="X9")
    calendar = planning.machine_calendar(machine)
    [slot] = plan_machine([job(1, 300)], now=at(14, 7), calendar=calendar)
    # Saturday 26 Dec is the Day of Goodwill: the next Saturday is 2 January
    assert slot.pieces == [
        (at(19, 8), at(19, 12)),
        (at(2, 8, month=1).replace(year=2027), at(2, 9, month=1).replace(year=2027)),
    ]
    assert (
        planning.machine_calendar(types.SimpleNamespace(code="X3")).minutes_on(
            dt.date(2026, 12, 14)
        )
        == 540
    )


# --- placing --------------------------------------------------------------------------------------


def test_items_go_by_priority_then_due_date_then_position_one_after_another():
    jobs = [
        job(1, 60, priority="normal", due_date=dt.date(2026, 12, 30)),
        job(2, 60, priority="normal", due_date=dt.date(2026, 12, 18)),
        job(3, 60, priority="urgent"),
        job(4, 60, priority="normal"),  # no due date: after the dated ones
        job(5, 60, priority="low", due_date=dt.date(2026, 12, 14)),
        job(6, 60, priority="normal", due_date=dt.date(2026, 12, 18)),
    ]
    slots = plan_machine(jobs, now=at(14, 7))
    assert [s.job.item_id for s in slots] == [3, 2, 6, 1, 4, 5]
    assert [s.start for s in slots] == [at(14, h) for h in range(7, 13)]


def test_a_running_item_holds_the_machine_from_its_start():
    jobs = [job(1, 120, running_since=at(14, 7)), job(2, 60, priority="urgent")]
    slots = plan_machine(jobs, now=at(14, 8))
    assert spans(slots) == [(1, at(14, 7), at(14, 9)), (2, at(14, 9), at(14, 10))]


def test_a_run_over_its_estimate_holds_the_machine_until_now_and_says_so():
    slots = plan_machine([job(1, 30, running_since=at(14, 7)), job(2, 60)], now=at(14, 10))
    assert spans(slots) == [(1, at(14, 7), at(14, 10)), (2, at(14, 10), at(14, 11))]
    assert "over its estimate" in " ".join(slots[0].warnings)


def test_an_item_without_an_estimate_is_planned_at_the_default_and_says_so():
    [slot] = plan_machine([job(1, None)], now=at(14, 7))
    assert slot.finish == at(14, 7) + dt.timedelta(minutes=DEFAULT_MINUTES)
    assert slot.estimate_missing
    assert any("Estimate missing" in w for w in slot.warnings)


def test_a_slot_finishing_after_the_due_date_is_late_and_a_past_due_date_is_overdue():
    jobs = [job(1, 540, due_date=dt.date(2026, 12, 14)), job(2, 60, due_date=dt.date(2026, 12, 14))]
    first, second = plan_machine(jobs, now=at(14, 7))
    assert not first.late and first.finish == at(14, 16)
    assert second.late and "Late: promised Mon 14 Dec" in " ".join(second.warnings)
    [slot] = plan_machine([job(3, 60, due_date=dt.date(2026, 12, 11))], now=at(14, 7))
    assert slot.overdue and slot.late
    assert "Overdue" in " ".join(slot.warnings)


def test_pinned_items_keep_their_time_and_the_others_fill_around_them():
    jobs = [
        job(1, 120),
        job(2, 60, pin_start=at(14, 8), pin_reason="client collects at 09:00"),
        job(3, 60),
        job(4, 120, pin_day=dt.date(2026, 12, 17), pin_reason="waiting for sheets"),
    ]
    slots = {s.job.item_id: s for s in plan_machine(jobs, now=at(14, 7))}
    assert (slots[2].start, slots[2].finish) == (at(14, 8), at(14, 9))
    # item 1 (2 h) does not fit the hour before the pin: it goes after it; item 3 fills 07:00
    assert slots[3].start == at(14, 7)
    assert slots[1].start == at(14, 9)
    assert slots[4].start == at(17, 7)
    assert all(not s.warnings for s in slots.values())


def test_a_pin_the_machine_cannot_keep_is_moved_and_says_why():
    jobs = [job(1, 240, running_since=at(14, 7)), job(2, 60, pin_start=at(14, 9))]
    running, pinned = plan_machine(jobs, now=at(14, 8))
    assert pinned.start == at(14, 11)
    assert "busy" in " ".join(pinned.warnings)
    full = [job(1, 540, pin_day=dt.date(2026, 12, 14)), job(2, 60, pin_day=dt.date(2026, 12, 14))]
    _, second = plan_machine(full, now=at(14, 7))
    assert second.start == at(15, 7) and "full" in " ".join(second.warnings)
    [passed] = plan_machine([job(3, 60, pin_day=dt.date(2026, 12, 11))], now=at(14, 7))
    assert passed.start == at(14, 7) and "has passed" in " ".join(passed.warnings)


def test_no_two_items_overlap_and_every_minute_is_in_working_hours():
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    now = at(14, 7) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 10))
    jobs = [
        job(
            n,
            rng.choice([None, 1, 15, 90, 600, 2000]),
            priority=rng.choice(["low", "normal", "high", "urgent"]),
            due_date=rng.choice([None, dt.date(2026, 12, rng.randrange(1, 31))]),
            pin_start=rng.choice([None, None, None, now + dt.timedelta(hours=rng.randrange(80))]),
            pin_day=rng.choice([None, None, dt.date(2026, 12, rng.randrange(10, 31))]),
        )
        for n in range(1, 60)
    ]
    calendar = ShopCalendar()
    slots = plan_machine(jobs, now=now, calendar=calendar)
    assert len(slots) == len(jobs), seed
    pieces = sorted(p for s in slots for p in s.pieces)
    for (_, end), (start, _) in zip(pieces, pieces[1:], strict=False):
        assert end <= start, f"seed {seed}: pieces overlap"
    for slot in slots:
        assert slot.start >= now
        worked = sum((b - a).total_seconds() for a, b in slot.pieces) / 60
        assert round(worked) == slot.minutes, seed
        for a, b in slot.pieces:
            window = calendar.window(timezone.localtime(a).date())
            assert window and window[0] <= a < b <= window[1], seed


# --- from the database ------------------------------------------------------------------------------


@pytest.fixture
def x3(db):
    return MachineFactory(code="X3")


def queued(machine, minutes=60, **fields):
    return queue_add(project=make_project(), machine=machine, estimated_minutes=minutes, **fields)


def test_the_shop_plan_reads_the_queue_and_the_jobs_due_dates(x3, clock):
    clock.move_to(at(14, 7))
    first = queued(x3, 90)
    second = queued(x3, None)
    queue_start(item=first)
    [plan] = planning.shop_plan()
    assert [s.job.item_id for s in plan.slots] == [first.pk, second.pk]
    assert plan.slots[0].running and plan.slots[1].estimate_missing
    assert plan.slots[1].start == at(14, 8, 30)


def test_the_plan_runs_the_same_queries_at_5_and_at_50_items(x3, clock):
    clock.move_to(at(14, 7))
    other = MachineFactory(code="X4")

    def grow(n):
        for i in range(len(planning.planned_items()), n):
            item = queued(x3 if i % 2 else other, 30 + i)
            if i % 5 == 0:
                QueueSlotOverride.objects.create(item=item, day=dt.date(2026, 12, 17), reason="r")

    def fetch():
        slots = [s for p in planning.shop_plan() for s in p.slots]
        return types.SimpleNamespace(status_code=200, data=slots)

    assert_constant_queries(fetch, grow)
    n, _ = count_queries(lambda: planning.next_slot(minutes=30))
    assert n == 2


# --- overrides ------------------------------------------------------------------------------------


def test_a_manager_pins_an_item_with_a_reason_it_is_recorded_and_the_plan_keeps_it(
    x3, clock, make_user
):
    clock.move_to(at(14, 7))
    boss = make_user("boss", role="Manager")
    first, second = queued(x3), queued(x3)
    pin = slot_override_set(
        item=second, start_at=at(14, 13), reason="laser service at 07:00", by=boss
    )
    assert (pin.reason, pin.by, pin.start_at) == ("laser service at 07:00", boss, at(14, 13))
    entry = ActivityLog.objects.filter(object_id=str(second.pk)).latest("id")
    assert entry.actor == boss
    assert "laser service at 07:00" in entry.message
    slots = {s.job.item_id: s for s in planning.shop_plan()[0].slots}
    assert slots[second.pk].start == at(14, 13) and slots[second.pk].pinned
    assert slots[first.pk].start == at(14, 7)
    # pinned again to a day, then cleared: each change is recorded with its reason
    slot_override_set(item=second, day=dt.date(2026, 12, 17), reason="sheets on Thursday", by=boss)
    assert QueueSlotOverride.objects.get().day == dt.date(2026, 12, 17)
    slot_override_clear(item=second, reason="sheets came early", by=boss)
    assert not QueueSlotOverride.objects.exists()
    messages = list(
        ActivityLog.objects.filter(object_id=str(second.pk)).values_list("message", flat=True)
    )
    assert any("sheets on Thursday" in m for m in messages)
    assert any("sheets came early" in m for m in messages)


def test_a_pin_overlapping_another_pin_is_refused_by_name_and_changes_nothing(x3, clock):
    clock.move_to(at(14, 7))
    first, second = queued(x3, 120), queued(x3, 60)
    slot_override_set(item=first, start_at=at(14, 10), reason="client waits")
    with unchanged(QueueSlotOverride), pytest.raises(ValidationError) as refused:
        slot_override_set(item=second, start_at=at(14, 11), reason="also wants it")
    message = str(refused.value)
    assert first.project.code in message and "overlaps" in message and "client waits" in message
    # just after the other pin is fine
    slot_override_set(item=second, start_at=at(14, 12), reason="after it")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"start_at": at(14, 13), "reason": "  "}, "reason", "why"),
        ({"start_at": at(16, 9), "reason": "r"}, "start_at", "not a working day"),  # holiday
        ({"start_at": at(18, 15), "reason": "r"}, "start_at", "outside the working hours"),
        ({"start_at": at(11, 9), "reason": "r"}, "start_at", "has passed"),
        ({"day": dt.date(2026, 12, 16), "reason": "r"}, "day", "not a working day"),
        ({"reason": "r"}, "start_at", "start time or to a day"),
        ({"start_at": at(14, 13), "day": dt.date(2026, 12, 17), "reason": "r"}, "start_at", "one"),
    ],
)
def test_a_bad_pin_is_refused_with_the_field_named(x3, clock, fields, field, words):
    clock.move_to(at(14, 7))
    item = queued(x3)
    with unchanged(QueueSlotOverride), pytest.raises(ValidationError) as refused:
        slot_override_set(item=item, **fields)
    assert field in refused.value.message_dict
    assert words in " ".join(refused.value.message_dict[field])


def test_an_item_being_cut_cannot_be_pinned(x3, clock):
    clock.move_to(at(14, 7))
    item = queued(x3)
    queue_start(item=item)
    with pytest.raises(ValidationError, match="being cut"):
        slot_override_set(item=item, start_at=at(14, 13), reason="r")
