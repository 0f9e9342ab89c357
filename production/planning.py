"""The planner: where each active queue item falls in its machine's working hours.

Capacity is the shop's hours (settings.SHOP_WORKING_HOURS: weekday -> ("07:00", "16:00")), with
South African public holidays off (laseros.workdays). A machine may keep its own hours in
settings.SHOP_MACHINE_WORKING_HOURS ({"X3": {0: ("06:00", "18:00"), ...}}); without an entry it
keeps the shop's.

How items are placed, per machine, from now on:
1. a running (cutting) item holds the machine from its start for its estimated minutes, and at
   least until now when it runs over;
2. items pinned to a start time (a manager's override) are placed at that time;
3. items pinned to a day go to the first free time from the start of that day;
4. the rest by priority (Urgent, High, Normal, Low), then the job's due date (none last), then
   queue position, each at the first free stretch long enough for it.

A job longer than what is left of a day goes on the next working morning (split across days, as
a shop does); it is never split around another job. No two items overlap. An item without an
estimate counts DEFAULT_MINUTES and says so. A slot finishing after its job's due date is late.

The placing is pure (no database): `plan_machine`. The selectors `shop_plan`, `board` and
`next_slot` read what it needs in two queries, whatever the number of items.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.utils import timezone

from laseros.workdays import is_holiday, is_working_day

from .models import QUEUE_ACTIVE, Machine, QueueItem, QueuePriority, QueueStatus, priority_rank

DEFAULT_MINUTES = 60  # what an item without an estimate is planned at
HORIZON_DAYS = 3 * 366  # a plan never looks further than this for working time
Hours = Mapping[int, tuple[str, str]]


def _clock(text: str) -> dt.time:
    hours, minutes = map(int, text.split(":"))
    return dt.time(hours, minutes)


class ShopCalendar:
    """The working hours of one machine: windows per day, and time counted in working minutes.

    `hours` is weekday -> ("HH:MM", "HH:MM"); by default the shop's. Public holidays are off."""

    def __init__(self, hours: Hours | None = None):
        self.shop_hours = hours is None
        self.hours = dict(settings.SHOP_WORKING_HOURS if hours is None else hours)
        self._windows: dict[dt.date, tuple[dt.datetime, dt.datetime] | None] = {}
        self.zone = timezone.get_current_timezone()  # read once: the lookup is not free

    def is_working_day(self, day: dt.date) -> bool:
        if self.shop_hours:
            return is_working_day(day)
        return day.weekday() in self.hours and not is_holiday(day)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The day's working hours as aware datetimes, or None on a day off."""
        if day not in self._windows:
            found = None
            if self.is_working_day(day):
                start, end = self.hours[day.weekday()]
                found = (
                    timezone.make_aware(dt.datetime.combine(day, _clock(start)), self.zone),
                    timezone.make_aware(dt.datetime.combine(day, _clock(end)), self.zone),
                )
            self._windows[day] = found
        return self._windows[day]

    def minutes_on(self, day: dt.date) -> int:
        window = self.window(day)
        return int((window[1] - window[0]).total_seconds() // 60) if window else 0

    def next_working(self, moment: dt.datetime) -> dt.datetime:
        """`moment` if the machine works then, else the start of its next working time."""
        moment = moment.astimezone(self.zone)
        day = moment.date()
        for _ in range(HORIZON_DAYS):
            window = self.window(day)
            if window and moment < window[1]:
                return max(moment, window[0])
            day += dt.timedelta(days=1)
        raise ValueError("No working hours in the next three years: check SHOP_WORKING_HOURS.")

    def advance(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The moment `minutes` of working time after `start` (nights and days off skipped)."""
        moment = self.next_working(start)
        left = dt.timedelta(minutes=minutes)
        while True:
            window = self.window(moment.date())
            assert window is not None  # next_working lands in a window
            room = window[1] - moment
            if left <= room:
                return moment + left
            left -= room
            moment = self.next_working(window[1])

    def pieces(self, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working stretches between `start` and `end`, one per day."""
        found = []
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            window = self.window(day)
            if window:
                a, b = max(start, window[0]), min(end, window[1])
                if a < b:
                    found.append((a, b))
            day += dt.timedelta(days=1)
        return found


@dataclass(frozen=True)
class PlanJob:
    """What the planner knows of one queue item."""

    item_id: int
    machine_id: int
    project_code: str = ""
    client_name: str = ""
    priority: str = QueuePriority.NORMAL
    due_date: dt.date | None = None
    position: int = 0
    estimated_minutes: int | None = None
    running_since: dt.datetime | None = None
    pin_start: dt.datetime | None = None
    pin_day: dt.date | None = None
    pin_reason: str = ""

    @property
    def minutes(self) -> int:
        return self.estimated_minutes or DEFAULT_MINUTES

    @property
    def estimate_missing(self) -> bool:
        return not self.estimated_minutes

    @property
    def order_key(self) -> tuple:
        return (
            priority_rank(self.priority),
            self.due_date or dt.date.max,
            self.position or 0,
            self.item_id,
        )


@dataclass
class Slot:
    """Where one item falls: its start and finish, its working stretch on each day, warnings."""

    job: PlanJob
    start: dt.datetime
    finish: dt.datetime
    pieces: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    today: dt.date | None = None

    @property
    def minutes(self) -> int:
        return self.job.minutes

    @property
    def running(self) -> bool:
        return self.job.running_since is not None

    @property
    def pinned(self) -> bool:
        return bool(self.job.pin_start or self.job.pin_day)

    @property
    def estimate_missing(self) -> bool:
        return self.job.estimate_missing

    @property
    def late(self) -> bool:
        """It finishes after the date promised (the job's due date)."""
        due = self.job.due_date
        return due is not None and timezone.localtime(self.finish).date() > due

    @property
    def overdue(self) -> bool:
        """The due date has already passed."""
        due = self.job.due_date
        return due is not None and self.today is not None and due < self.today


def _label(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b %H:%M")


class _MachineTime:
    """A machine's booked stretches, sorted, never overlapping; first-fit placing."""

    def __init__(self, calendar: ShopCalendar):
        self.calendar = calendar
        self.busy: list[tuple[dt.datetime, dt.datetime]] = []

    def book(self, start: dt.datetime, end: dt.datetime) -> None:
        """Mark [start, end) taken. Stretches with no working time between them are merged, so
        a queue placed back to back is one stretch and the next search is one step."""
        index = bisect.bisect_left(self.busy, (start, end))
        self.busy.insert(index, (start, end))
        if index + 1 < len(self.busy):
            self._merge(index)
        if index > 0:
            self._merge(index - 1)

    def _merge(self, index: int) -> None:
        (a, b), (c, d) = self.busy[index], self.busy[index + 1]
        if b >= c or self.calendar.next_working(b) >= c:
            self.busy[index : index + 2] = [(a, max(b, d))]

    def first_fit(self, earliest: dt.datetime, minutes: int) -> tuple[dt.datetime, dt.datetime]:
        """The first start at or after `earliest` where `minutes` of working time are free."""
        start = self.calendar.next_working(earliest)
        end = self.calendar.advance(start, minutes)
        index = bisect.bisect_left(self.busy, (start, start))
        if index and self.busy[index - 1][1] > start:
            index -= 1
        for booked_start, booked_end in self.busy[index:]:
            if booked_end <= start:
                continue
            if booked_start >= end:
                break
            start = self.calendar.next_working(booked_end)
            end = self.calendar.advance(start, minutes)
        return start, end


def _place_running(job: PlanJob, time: _MachineTime, now: dt.datetime) -> Slot:
    assert job.running_since is not None
    start = job.running_since
    finish = time.calendar.advance(start, job.minutes)
    warnings = []
    if finish < now:
        warnings.append(f"Running over its estimate of {job.minutes} min.")
        finish = now
    if time.busy and time.busy[-1][1] > start:  # two items cutting at once: one after the other
        start = time.busy[-1][1]
        finish = max(finish, time.calendar.advance(start, job.minutes))
    time.book(start, finish)
    return Slot(job=job, start=start, finish=finish, warnings=warnings)


def _place(job: PlanJob, time: _MachineTime, now: dt.datetime) -> Slot:
    warnings = []
    earliest = now
    if job.pin_start is not None:
        if job.pin_start < now:
            warnings.append(f"Pinned to {_label(job.pin_start)}, which has passed.")
        earliest = max(job.pin_start, now)
    elif job.pin_day is not None:
        window = time.calendar.window(job.pin_day)
        day_start = (
            window[0]
            if window
            else timezone.make_aware(dt.datetime.combine(job.pin_day, dt.time.min))
        )
        earliest = max(day_start, now)
    start, finish = time.first_fit(earliest, job.minutes)
    if job.pin_start is not None and start != time.calendar.next_working(earliest):
        warnings.append(f"Pinned to {_label(job.pin_start)} but the machine is busy then.")
    if job.pin_day is not None and timezone.localtime(start).date() != job.pin_day:
        if job.pin_day < timezone.localtime(now).date():
            warnings.append(f"Pinned to {job.pin_day:%a %-d %b}, which has passed.")
        else:
            warnings.append(f"Pinned to {job.pin_day:%a %-d %b} but that day is full.")
    time.book(start, finish)
    return Slot(job=job, start=start, finish=finish, warnings=warnings)


def plan_machine(
    jobs: Iterable[PlanJob], *, now: dt.datetime, calendar: ShopCalendar | None = None
) -> list[Slot]:
    """Place one machine's active items (see the module's docstring); slots in time order."""
    calendar = calendar or ShopCalendar()
    time = _MachineTime(calendar)
    jobs = list(jobs)
    running = sorted(
        (j for j in jobs if j.running_since), key=lambda j: (j.running_since, j.item_id)
    )
    waiting = [j for j in jobs if not j.running_since]
    by_start = sorted((j for j in waiting if j.pin_start), key=lambda j: (j.pin_start, j.order_key))
    by_day = sorted(
        (j for j in waiting if j.pin_day and not j.pin_start),
        key=lambda j: (j.pin_day, j.order_key),
    )
    free = sorted(
        (j for j in waiting if not j.pin_start and not j.pin_day), key=lambda j: j.order_key
    )
    slots = [_place_running(job, time, now) for job in running]
    slots += [_place(job, time, now) for job in (*by_start, *by_day, *free)]
    today = timezone.localtime(now).date()
    for slot in slots:
        slot.today = today
        slot.pieces = calendar.pieces(slot.start, slot.finish)
        if slot.estimate_missing:
            slot.warnings.append(f"Estimate missing: planned at {DEFAULT_MINUTES} min.")
        if slot.overdue:
            slot.warnings.append(f"Overdue: it was due {slot.job.due_date:%a %-d %b}.")
        elif slot.late:
            slot.warnings.append(
                f"Late: promised {slot.job.due_date:%a %-d %b}, finishes {_label(slot.finish)}."
            )
    return sorted(slots, key=lambda s: (s.start, s.job.item_id))


# --- reads ----------------------------------------------------------------------------------------


def machine_calendar(machine: Machine) -> ShopCalendar:
    """The machine's own hours (settings.SHOP_MACHINE_WORKING_HOURS[code]) or the shop's."""
    own = getattr(settings, "SHOP_MACHINE_WORKING_HOURS", {}) or {}
    return ShopCalendar(own.get(machine.code))


def plan_job(item: QueueItem) -> PlanJob:
    """The planner's view of a queue item loaded with `planned_items()`'s related rows."""
    pin = getattr(item, "slot_override", None)
    return PlanJob(
        item_id=item.pk,
        machine_id=item.machine_id,
        project_code=item.project.code,
        client_name=item.project.client.name,
        priority=item.priority,
        due_date=item.project.due_date,
        position=item.position or 0,
        estimated_minutes=item.estimated_minutes,
        running_since=(item.started_at or timezone.now())
        if item.status == QueueStatus.CUTTING
        else None,
        pin_start=pin.start_at if pin else None,
        pin_day=pin.day if pin else None,
        pin_reason=pin.reason if pin else "",
    )


def planned_items(machine_ids: Sequence[int] | None = None):
    """The active queue items with what the planner and the board show (one query)."""
    items = QueueItem.objects.filter(status__in=QUEUE_ACTIVE).select_related(
        "project__client", "slot_override"
    )
    if machine_ids is not None:
        items = items.filter(machine_id__in=list(machine_ids))
    return items


@dataclass
class MachinePlan:
    machine: Machine
    calendar: ShopCalendar
    slots: list[Slot]

    @cached_property
    def late(self) -> list[Slot]:
        return [s for s in self.slots if s.late]


def shop_plan(
    *, now: dt.datetime | None = None, machines: Sequence[Machine] | None = None
) -> list[MachinePlan]:
    """Every active machine's plan from `now` (two queries: machines, items)."""
    now = now or timezone.now()
    machines = list(Machine.objects.active()) if machines is None else list(machines)
    jobs: dict[int, list[PlanJob]] = {m.pk: [] for m in machines}
    for item in planned_items([m.pk for m in machines]):
        jobs[item.machine_id].append(plan_job(item))
    plans = []
    for machine in machines:
        calendar = machine_calendar(machine)
        slots = plan_machine(jobs[machine.pk], now=now, calendar=calendar)
        plans.append(MachinePlan(machine=machine, calendar=calendar, slots=slots))
    return plans


# --- "when can you have it?" ----------------------------------------------------------------------


@dataclass(frozen=True)
class NextSlot:
    """Where a new job of `minutes` would fall on `machine`, behind today's queue."""

    machine: Machine
    start: dt.datetime
    finish: dt.datetime
    minutes: int


def next_slot(
    *,
    minutes: int,
    machines: Sequence[Machine] | None = None,
    priority: str = QueuePriority.NORMAL,
    now: dt.datetime | None = None,
) -> list[NextSlot]:
    """Per machine (all active ones by default), where a new job would be planned: queued now
    at `priority`, behind the items of that priority and above it. Earliest finish first."""
    now = now or timezone.now()
    machines = list(Machine.objects.active()) if machines is None else list(machines)
    jobs: dict[int, list[PlanJob]] = {m.pk: [] for m in machines}
    for item in planned_items([m.pk for m in machines]):
        jobs[item.machine_id].append(plan_job(item))
    answers = []
    for machine in machines:
        new = PlanJob(
            item_id=0,
            machine_id=machine.pk,
            priority=priority,
            position=2**31,
            estimated_minutes=minutes,
        )
        slots = plan_machine([*jobs[machine.pk], new], now=now, calendar=machine_calendar(machine))
        slot = next(s for s in slots if s.job is new)
        answers.append(
            NextSlot(machine=machine, start=slot.start, finish=slot.finish, minutes=minutes)
        )
    return sorted(answers, key=lambda a: (a.finish, a.machine.code))


# --- the board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardPiece:
    """One slot's working stretch on one day."""

    slot: Slot
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)

    @property
    def continued(self) -> bool:
        """The slot began on an earlier day."""
        return self.start != self.slot.start

    @property
    def continues(self) -> bool:
        """The slot goes on the next working day."""
        return self.end != self.slot.finish


@dataclass
class BoardCell:
    day: dt.date
    capacity: int  # working minutes
    pieces: list[BoardPiece]
    day_off: str = ""  # "Day of Reconciliation", "Weekend"

    @property
    def booked(self) -> int:
        return sum(p.minutes for p in self.pieces)


@dataclass
class BoardRow:
    plan: MachinePlan
    cells: list[BoardCell]


@dataclass
class Board:
    days: list[dt.date]
    rows: list[BoardRow]
    today: dt.date

    @cached_property
    def late(self) -> list[tuple[Machine, Slot]]:
        """Every slot (on any day, not only those shown) that misses its due date."""
        return [(row.plan.machine, s) for row in self.rows for s in row.plan.slots if s.late]


def board_days(first: dt.date, count: int) -> list[dt.date]:
    """`count` days from `first`, leaving out Saturdays and Sundays on which nobody works."""
    worked = set(settings.SHOP_WORKING_HOURS)
    for own in (getattr(settings, "SHOP_MACHINE_WORKING_HOURS", {}) or {}).values():
        worked |= set(own)
    days = [first + dt.timedelta(days=n) for n in range(count)]
    return [d for d in days if d.weekday() in worked or d.weekday() < 5]


def _day_off(calendar: ShopCalendar, day: dt.date) -> str:
    if calendar.window(day):
        return ""
    if is_holiday(day):
        import holidays

        names = holidays.country_holidays(settings.SHOP_HOLIDAY_COUNTRY, years=day.year)
        return names.get(day) or "Public holiday"
    return "Closed"


def board(*, days: Sequence[dt.date], now: dt.datetime | None = None) -> Board:
    """The plan of every active machine laid out on `days` (two queries)."""
    now = now or timezone.now()
    plans = shop_plan(now=now)
    rows = []
    for plan in plans:
        by_day: dict[dt.date, list[BoardPiece]] = {day: [] for day in days}
        for slot in plan.slots:
            for start, end in slot.pieces:
                day = timezone.localtime(start).date()
                if day in by_day:
                    by_day[day].append(BoardPiece(slot=slot, start=start, end=end))
        cells = [
            BoardCell(
                day=day,
                capacity=plan.calendar.minutes_on(day),
                pieces=sorted(by_day[day], key=lambda p: p.start),
                day_off=_day_off(plan.calendar, day),
            )
            for day in days
        ]
        rows.append(BoardRow(plan=plan, cells=cells))
    return Board(days=list(days), rows=rows, today=timezone.localtime(now).date())
