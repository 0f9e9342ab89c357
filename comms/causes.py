"""The causes comms evaluates itself, from the apps it may read (projects, inventory and its own
outbox): jobs that sit too long (DOMAIN.md's escalations), jobs past their due date, low stock
and messages that failed. Registered in laseros.notifications by CommsConfig.ready().

"Waiting on material" has no status of its own: a job waits on material when it is paid or
queued (the shop may cut it) and no active sheet of its material within the stock tolerance of
its thickness has a sheet on hand, or when it was put On hold for material (a reason naming
material, stock or sheets: projects.workflow.on_hold_for_material, which the Daily Ops report's
blockers read too), for more than ESCALATE_MATERIAL_DAYS working days in that status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from inventory.models import SheetStock
from inventory.selectors import low_stock
from laseros.notifications import EVERYONE, MANAGERS, Cause, register_cause_source
from laseros.workdays import working_days_between
from projects.models import Project, ProjectStatus
from projects.workflow import ProjectStatusGroups, on_hold_for_material

from .models import Communication, CommunicationStatus

S = ProjectStatus

# status -> (setting with its working days, who is told, severity)
ESCALATIONS: dict[str, tuple[str, str, str]] = {
    S.QUOTING: ("ESCALATE_QUOTING_DAYS", MANAGERS, "warning"),
    S.CUTTING: ("ESCALATE_CUTTING_DAYS", EVERYONE, "warning"),
    S.READY: ("ESCALATE_READY_DAYS", MANAGERS, "warning"),
}
WAITING_ON_MATERIAL = (S.PAID, S.QUEUED)


def _job_url(project: Project) -> str:
    return reverse("admin:projects_project_change", args=[project.pk])


def _days(entered: dt.datetime, now: dt.datetime) -> int:
    """Whole working days a job has sat since it entered its status (the day it entered is not
    counted)."""
    return working_days_between(timezone.localtime(entered).date(), timezone.localtime(now).date())


def _sitting(statuses, limit_days: int, now: dt.datetime):
    """Jobs in `statuses` since before `limit_days` calendar days ago (a working day is never
    more than a calendar day, so this is a safe first cut)."""
    since = now - dt.timedelta(days=limit_days)
    return (
        Project.objects.filter(status__in=list(statuses), status_changed_at__lt=since)
        .select_related("client", "material")
        .order_by("pk")
    )


def escalations(now: dt.datetime) -> Iterator[Cause]:
    """Jobs sitting in Quoting, Cutting or Ready past their limit, and paid or queued jobs with
    no sheet of their material on hand past theirs."""
    for status, (setting, audience, severity) in ESCALATIONS.items():
        limit = int(getattr(settings, setting))
        for job in _sitting([status], limit, now):
            days = _days(job.status_changed_at, now)
            if days <= limit:
                continue
            label = ProjectStatus(status).label
            yield Cause(
                key=f"escalation:{status}:job:{job.pk}",
                kind="escalation",
                title=f"{job.code} has been in {label} for {days} working days",
                text=f"{job.client.name}: {job.name}. The limit is {limit} working days "
                f"({setting}); it entered {label} on "
                f"{timezone.localtime(job.status_changed_at):%d %b %Y}.",
                url=_job_url(job),
                severity=severity,
                audience=audience,
            )
    yield from _waiting_on_material(now)


def _on_hand() -> list[tuple[int, Decimal]]:
    """(material, thickness) of every active stock with a sheet on hand. One query."""
    return list(
        SheetStock.objects.filter(is_active=True, quantity_on_hand__gt=0).values_list(
            "material_id", "thickness_mm"
        )
    )


def _waiting_on_material(now: dt.datetime) -> Iterator[Cause]:
    limit = int(settings.ESCALATE_MATERIAL_DAYS)
    jobs = [j for j in _sitting(WAITING_ON_MATERIAL, limit, now) if j.material_id]
    yield from _on_hold_for_material(limit, now)
    if not jobs:
        return
    tolerance = Decimal(str(settings.STOCK_THICKNESS_TOLERANCE_MM))
    on_hand = _on_hand()
    for job in jobs:
        thickness = job.thickness_mm
        if thickness is not None and any(
            material == job.material_id and abs(stock_mm - thickness) <= tolerance
            for material, stock_mm in on_hand
        ):
            continue
        if thickness is None and any(material == job.material_id for material, _ in on_hand):
            continue
        days = _days(job.status_changed_at, now)
        if days <= limit:
            continue
        what = f"{job.material.code} {thickness.normalize():f} mm" if thickness else job.material
        yield Cause(
            key=f"escalation:material:job:{job.pk}",
            kind="escalation",
            title=f"{job.code} has waited {days} working days for {what}",
            text=f"{job.client.name}: {job.name}. It is {job.get_status_display()} and no "
            f"sheet of {what} is on hand; the limit is {limit} working days "
            "(ESCALATE_MATERIAL_DAYS).",
            url=_job_url(job),
            severity="warning",
            audience=MANAGERS,
        )


def overdue_jobs(now: dt.datetime) -> Iterator[Cause]:
    """Open jobs not yet Ready whose due date has passed."""
    today = timezone.localtime(now).date()
    not_done = [s for s in ProjectStatusGroups.OPEN if s != S.READY]
    jobs = (
        Project.objects.filter(status__in=not_done, due_date__lt=today)
        .select_related("client")
        .order_by("pk")
    )
    for job in jobs:
        late = (today - job.due_date).days
        yield Cause(
            key=f"overdue:job:{job.pk}",
            kind="overdue",
            title=f"{job.code} is overdue ({late} day{'s' if late != 1 else ''})",
            text=f"{job.client.name}: {job.name}. Due {job.due_date:%d %b %Y}; it is "
            f"{job.get_status_display()}.",
            url=_job_url(job),
            severity="critical",
            audience=EVERYONE,
        )


def low_stock_sheets(now: dt.datetime) -> Iterator[Cause]:
    """Inventory's reorder alerts: active stock at or below its reorder level."""
    for stock in low_stock():
        yield Cause(
            key=f"low_stock:sheet:{stock.pk}",
            kind="low_stock",
            title=f"Low stock: {stock}",
            text=f"{stock.quantity_on_hand} on hand, reorder level {stock.reorder_level}; "
            f"order {stock.to_order}.",  # type: ignore[attr-defined] # annotated by .low()
            url=reverse("admin:inventory_sheetstock_change", args=[stock.pk]),
            severity="critical" if stock.quantity_on_hand <= 0 else "warning",
            audience=EVERYONE,
        )


def failed_messages(now: dt.datetime) -> Iterator[Cause]:
    """Messages the outbox gave up on (a manager resends them or tells the client otherwise)."""
    failed = (
        Communication.objects.filter(status=CommunicationStatus.FAILED)
        .select_related("job")
        .order_by("pk")
    )
    for message in failed:
        about = f" ({message.job.code})" if message.job_id else ""
        yield Cause(
            key=f"message_failed:communication:{message.pk}",
            kind="message_failed",
            title=f"A message to {message.to} failed{about}",
            text=f"{message.subject or message.body[:80]}: {message.last_error[:300]}",
            url=reverse("admin:comms_communication_change", args=[message.pk]),
            severity="warning",
            audience=MANAGERS,
        )


def register() -> None:
    register_cause_source("comms.escalations", prefix="escalation:", evaluate=escalations)
    register_cause_source("comms.overdue", prefix="overdue:", evaluate=overdue_jobs)
    register_cause_source("comms.low_stock", prefix="low_stock:", evaluate=low_stock_sheets)
    register_cause_source(
        "comms.failed_messages", prefix="message_failed:", evaluate=failed_messages
    )


def _on_hold_for_material(limit: int, now: dt.datetime) -> Iterator[Cause]:
    """Jobs the shop put On hold for material, past the limit (whatever stock shows: the reason
    is the shop's word)."""
    for job in _sitting([S.ON_HOLD], limit, now):
        days = _days(job.status_changed_at, now)
        if days <= limit or not on_hold_for_material(job.status_reason):
            continue
        yield Cause(
            key=f"escalation:material:job:{job.pk}",
            kind="escalation",
            title=f"{job.code} has been on hold for material for {days} working days",
            text=f"{job.client.name}: {job.name}. On hold: {job.status_reason}. The limit is "
            f"{limit} working days (ESCALATE_MATERIAL_DAYS).",
            url=_job_url(job),
            severity="warning",
            audience=MANAGERS,
        )
