"""Jobs: codes, details, the one status transition, quote expiry and the dates they set."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from inventory.models import Material
from laseros.actors import Actor, acting_user, acting_username
from laseros.audit import diff_instances, instance_values, record_created, save_changes
from laseros.events import send_after_commit
from laseros.moves import TransitionError, record_move
from laseros.outbox import record_event
from laseros.sequences import bump_to, next_number
from laseros.workdays import add_working_days

from .. import workflow
from ..models import (
    MAX_TOTAL,
    DocumentKind,
    Project,
    ProjectDocument,
    ProjectPriority,
    ProjectStatus,
    ProjectStatusChange,
)
from ..signals import project_status_changed

logger = logging.getLogger(__name__)

QUOTE_EXPIRED_REASON = "quote expired"
OVERRIDE_PERMISSION = "projects.override_gate"

PROJECT_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "priority",
        "material",
        "thickness_mm",
        "quantity",
        "promised_date",
        "quote_sent_on",
        "quoted_price",
        "final_price",
        "notes",
    }
)


def _changes(before: dict, obj) -> dict:
    changes = diff_instances(before, instance_values(obj))
    changes.pop("updated_at", None)
    return changes


# --- dates ----------------------------------------------------------------------------------------


def quote_dates(sent_on: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """(expires on, remind on) for a quote sent on `sent_on`, in working days."""
    if sent_on is None:
        return None, None
    expires = add_working_days(sent_on, settings.QUOTE_VALID_WORKING_DAYS)
    return expires, add_working_days(expires, -settings.QUOTE_REMINDER_DAYS_BEFORE_EXPIRY)


def due_date_after_payment(pop_on: dt.date, promised: dt.date | None) -> dt.date:
    """The sooner of the promised date and proof of payment + POP_DUE_WORKING_DAYS working days."""
    due = add_working_days(pop_on, settings.POP_DUE_WORKING_DAYS)
    return min(due, promised) if promised else due


def _refresh_dates(project: Project) -> None:
    """The quote's expiry and reminder from its date; once the job is past Approved, the due
    date from the day production was released (proof of payment, a manager's waiver, or the
    approval of a client on account)."""
    project.quote_expires_on, project.quote_reminder_on = quote_dates(project.quote_sent_on)
    released = workflow.production_released_at(project)
    if released is not None and project.status not in (
        ProjectStatus.REQUEST,
        ProjectStatus.QUOTING,
        ProjectStatus.APPROVED,
    ):
        project.due_date = due_date_after_payment(
            timezone.localdate(released), project.promised_date
        )


# --- payment --------------------------------------------------------------------------------------

_AMOUNT_RE = re.compile(r"^[+-]?\d+(\.\d*)?$")


def rand(amount: Decimal) -> str:
    """R 14 375.00: money as the shop writes it."""
    return f"R {amount:,.2f}".replace(",", " ")


def clean_payment_amount(value: Any) -> Decimal:
    """The amount a client paid, in rand and cents; TransitionError ("amount") saying what is
    wrong with anything else (text that is not a plain number, nought or less, past the most a
    job holds, fractions of a cent)."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, str) and _AMOUNT_RE.match(value.strip()):
        amount = Decimal(value.strip())
    else:
        amount = Decimal("NaN")
    if not amount.is_finite():
        shown = str(value)[:40]
        raise TransitionError(
            "amount", f"{shown!r} is not an amount: write it in rand, e.g. 1234.50.", field="amount"
        )
    if amount <= 0:
        raise TransitionError("amount", "The amount must be more than R 0.", field="amount")
    if amount > MAX_TOTAL:
        raise TransitionError("amount", f"The amount is at most {rand(MAX_TOTAL)}.", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise TransitionError(
            "amount", "Give the amount in rand and cents (two decimals at most).", field="amount"
        )
    return amount.quantize(Decimal("0.01"))


def _take_payment(
    current: Project,
    move: workflow.Move,
    *,
    amount: Decimal | None,
    document: ProjectDocument | None,
) -> None:
    """Put the payment a move records on the job (not saved): the proof of payment, which must
    be this job's, and the amount. Refused for a move that records no payment."""
    if amount is None and document is None:
        return
    if not workflow.records_payment(move):
        raise TransitionError(
            "payment_not_expected",
            f"“{move.label}” records no payment: send the amount and the proof of payment with "
            "“Payment received”.",
        )
    if document is not None:
        if document.project_id != current.pk or document.kind != DocumentKind.PROOF_OF_PAYMENT:
            raise TransitionError(
                "proof_of_payment",
                f"{document.original_name} is not a proof of payment of {current.code}.",
                field="proof_of_payment_document",
            )
        current.payment_document = document
    if amount is not None:
        current.payment_amount = clean_payment_amount(amount)


def _payment_summary(project: Project) -> str:
    """ "payment received: R 14 375.00, proof of payment EFT 0412.pdf", for the history."""
    amount = (
        rand(project.payment_amount) if project.payment_amount is not None else "amount not entered"
    )
    document = project.payment_document
    name = document.original_name if document is not None else "none"
    return f"payment received: {amount}, proof of payment {name}"


# --- codes ----------------------------------------------------------------------------------------


def project_sequence_key(client: Client, month: dt.date) -> str:
    return f"project:{client.code}:{month:%Y-%m}"


def _project_code(client: Client, month: dt.date, number: int) -> str:
    return f"JB-{month:%Y-%m}-{client.compact_code}-{number:03d}"


_CODE_RE = re.compile(r"^JB-(\d{4})-(\d{2})-(CL\d{4,})-(\d{3,})$")


def _claim_code(client: Client, code: str) -> str:
    """Accept an existing code (imports): it must be this client's, unused, and the client's
    sequence for that month moves past it."""
    code = code.strip().upper()
    match = _CODE_RE.match(code)
    if not match:
        raise ValidationError({"code": f"{code!r} is not a project code (JB-2025-10-CL0001-001)."})
    year, month, client_part, number = match.groups()
    if client_part != client.compact_code:
        raise ValidationError({"code": f"{code} belongs to {client_part}, not {client.code}."})
    if Project.objects.filter(code=code).exists():
        raise ValidationError({"code": f"Project {code} already exists."})
    bump_to(project_sequence_key(client, dt.date(int(year), int(month), 1)), int(number))
    return code


# --- projects -------------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    client: Client,
    name: str,
    by: Actor,
    description: str = "",
    material: Material | None = None,
    thickness_mm: Decimal | None = None,
    quantity: int = 1,
    priority: str = ProjectPriority.NORMAL,
    promised_date: dt.date | None = None,
    quote_sent_on: dt.date | None = None,
    quoted_price: Decimal | None = None,
    notes: str = "",
    code: str | None = None,
    month: dt.date | None = None,
) -> Project:
    """A new job in Request with the client's next code for the month (JB-2025-10-CL0001-001).

    Codes come from a locked sequence per client and month, so concurrent creations never share
    one and a deleted job's code is never handed out again. `month` dates the code (imports of
    older jobs); `code` keeps a code the job already has (imports).
    """
    if client is None or client.pk is None:
        raise ValidationError({"client": "Choose the client."})
    code = _code_for_new_project(client, code=code, month=month)
    now = timezone.now()
    project = Project(
        code=code,
        client=client,
        name=(name or "").strip(),
        description=description,
        material=material,
        thickness_mm=thickness_mm,
        quantity=quantity,
        priority=priority,
        promised_date=promised_date,
        quote_sent_on=quote_sent_on,
        quoted_price=quoted_price,
        notes=notes,
        status=ProjectStatus.REQUEST,
        status_changed_at=now,
        created_by=acting_user(by),
    )
    _refresh_dates(project)
    project.full_clean()
    project.save()
    _record_first_move(project, at=now, by=by)
    record_created(project, by=by)
    record_event(
        type="project.created",
        payload={
            **job_event_fields(project),
            "name": project.name,
            "status": str(project.status),
            "created_by": acting_username(by),
        },
    )
    return project


def job_event_fields(project: Project) -> dict[str, Any]:
    """The fields every job event's payload starts with (laseros.event_types)."""
    return {
        "project_id": project.pk,
        "project_code": project.code,
        "client_code": project.client.code,
    }


def _code_for_new_project(client: Client, *, code: str | None, month: dt.date | None) -> str:
    """The code a new job keeps (imports), else the client's next for `month` (today's)."""
    if code:
        return _claim_code(client, code)
    month = month or timezone.localdate()
    return _project_code(client, month, next_number(project_sequence_key(client, month)))


def _record_first_move(project: Project, *, at: dt.datetime, by: Actor) -> None:
    """A job's history starts with its creation in Request."""
    ProjectStatusChange.objects.create(
        project=project,
        from_status="",
        to_status=ProjectStatus.REQUEST,
        changed_at=at,
        changed_by=acting_user(by),
        reason="created",
    )


@transaction.atomic
def project_update(*, project: Project, by: Actor, **fields: Any) -> Project:
    """Change a job's details (never its code, client or status); the quote and due dates follow
    the quote date and promised date."""
    unknown = set(fields) - PROJECT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            f"These project fields cannot be changed here: {', '.join(sorted(unknown))}."
        )
    current = Project.objects.select_for_update().get(pk=project.pk)
    before = instance_values(current)
    for name, value in fields.items():
        setattr(current, name, value)
    _refresh_dates(current)
    save_changes(current, before, by=by)
    _copy_into(project, current)
    return current


def project_quote_sent(*, project: Project, by: Actor, sent_on: dt.date | None = None) -> Project:
    """The quote went to the client (today unless said): its expiry and reminder dates start."""
    if project.status != ProjectStatus.QUOTING:
        raise ValidationError(
            f"{project.code} is {project.get_status_display()}: only a job in Quoting has a quote "
            "to send."
        )
    return project_update(project=project, by=by, quote_sent_on=sent_on or timezone.localdate())


def _copy_into(target: Project, source: Project) -> None:
    if target is source:
        return
    for f in Project._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def can_override(by: Actor) -> bool:
    user = acting_user(by)
    return user is not None and user.is_active and user.has_perm(OVERRIDE_PERMISSION)


@transaction.atomic
def project_transition(
    *,
    project: Project,
    to: str,
    by: Actor,
    reason: str = "",
    override: bool = False,
    from_status: str | None = None,
    payment_amount: Decimal | None = None,
    payment_document: ProjectDocument | None = None,
) -> Project:
    """Move a job to status `to` if the workflow allows it; the only way a status changes.

    Locks the job, checks the move and its gates (a manager may override a gate with a reason,
    which is recorded), sets the dates the move makes true (quote date on entering Quoting, a
    new one on re-quote and reinstate; approval; proof of payment or waiver and the due date;
    completion), records the history and the audit entry, and sends `project_status_changed`
    once the transaction commits. "Payment received" records `payment_amount` and
    `payment_document` (a proof of payment of this job). `from_status` refuses the move if the
    job moved meanwhile (a button on a page that is out of date). Raises TransitionError.
    """
    try:
        to = ProjectStatus(to)
    except ValueError:
        raise TransitionError("unknown_status", f"{to!r} is not a project status.") from None
    reason = (reason or "").strip()
    current = (
        Project.objects.select_for_update(of=("self",))
        .select_related("client", "material")
        .get(pk=project.pk)
    )
    source = ProjectStatus(current.status)
    before = instance_values(current)
    move = _check_move(current, to, reason=reason, from_status=from_status)
    _take_payment(current, move, amount=payment_amount, document=payment_document)
    overridden = _check_gates(current, move, by=by, reason=reason, override=override)
    why = "; ".join(text for text in [reason, *_move_notes(current, move, overridden)] if text)
    _apply_move(current, move, to, reason=why, overridden=overridden, now=timezone.now())
    current.full_clean()
    current.save()
    _record_move(
        current, source, to, by=by, reason=why, given=reason, overridden=overridden, before=before
    )
    _copy_into(project, current)
    return current


def _move_notes(current: Project, move: workflow.Move, overridden: list[str]) -> list[str]:
    """What the history adds to the reason: why a gate passed on the client's terms, and the
    payment a move recorded."""
    notes = workflow.gate_notes(current, move)
    if workflow.records_payment(move) and not set(overridden) & set(workflow.PAYMENT):
        notes.append(_payment_summary(current))
    return notes


def _check_move(
    current: Project, to: ProjectStatus, *, reason: str, from_status: str | None
) -> workflow.Move:
    """The workflow's move from the job's status to `to`, or TransitionError saying why not."""
    source = ProjectStatus(current.status)
    if from_status and from_status != source:
        raise TransitionError(
            "stale",
            f"{current.code} is now {source.label}, not {ProjectStatus(from_status).label}; "
            "reload the page and try again.",
        )
    move = workflow.move_for(source, to)
    if move is None:
        raise TransitionError("not_allowed", f"A job cannot go from {source.label} to {to.label}.")
    if move.kind == workflow.MoveKind.RESUME and to != current.status_before_hold:
        before_hold = (
            ProjectStatus(current.status_before_hold).label if current.status_before_hold else "?"
        )
        raise TransitionError(
            "resume_target",
            f"{current.code} went on hold from {before_hold}; resuming returns it there.",
        )
    if move.reason_required and not reason:
        raise TransitionError("reason_required", f"Give a reason to {move.label.lower()}.")
    return move


def _check_gates(
    current: Project, move: workflow.Move, *, by: Actor, reason: str, override: bool
) -> list[str]:
    """The codes of the gates a manager overrode (empty when every gate passes); a gate that
    fails and is not overridden (or may not be) raises TransitionError naming it."""
    failed = workflow.failed_gates(current, move)
    if not failed:
        return []
    fixed = [g for g in failed if not g.overridable]
    if fixed or not override:
        first = (fixed or failed)[0]
        raise TransitionError(first.code, first.message, failures=failed)
    if not can_override(by):
        raise TransitionError(
            "override_not_permitted",
            "Only a manager may override: " + " ".join(g.message for g in failed),
            failures=failed,
        )
    if not reason:
        raise TransitionError(
            "reason_required", "Give the reason for the override; it is recorded."
        )
    return [g.code for g in failed]


def _apply_move(
    current: Project,
    move: workflow.Move,
    to: ProjectStatus,
    *,
    reason: str,
    overridden: list[str],
    now: dt.datetime,
) -> None:
    """The new status and the dates the move makes true (not saved)."""
    current.status_before_hold = current.status if move.kind == workflow.MoveKind.HOLD else ""
    if move.kind == workflow.MoveKind.REINSTATE or (
        to == ProjectStatus.QUOTING and move.kind == workflow.MoveKind.BACK
    ):
        # a new quote has to go out: the old one expired, was cancelled or is being redone
        current.quote_sent_on = None
        current.approved_at = None
    if to == ProjectStatus.REQUEST and move.kind == workflow.MoveKind.BACK:
        current.quote_sent_on = None  # the quote is withdrawn: quoting again dates a new one
    if to == ProjectStatus.QUOTING and current.quote_sent_on is None:
        current.quote_sent_on = timezone.localdate(now)  # "Quote sent today" re-dates it
    if to == ProjectStatus.APPROVED or (to == ProjectStatus.PAID and "approval" in overridden):
        current.approved_at = now
    if workflow.records_payment(move):
        if set(overridden) & set(workflow.PAYMENT):
            current.payment_waived_at = current.payment_waived_at or now
        elif current.pop_received_at is None:
            current.pop_received_at = now
    if "payment" in overridden:
        current.payment_waived_at = now
    if to == ProjectStatus.COMPLETED:
        current.completed_at = now
    current.status = to
    current.status_changed_at = now
    current.status_reason = reason[:255]
    _refresh_dates(current)


def _record_move(
    current: Project,
    source: ProjectStatus,
    to: ProjectStatus,
    *,
    by: Actor,
    reason: str,
    given: str,
    overridden: list[str],
    before: dict,
) -> None:
    """The history row and the audit entry (`reason`: the reason given and the notes the move
    adds), and the signal once the transaction commits (with the reason `given`)."""
    change = ProjectStatusChange.objects.create(
        project=current,
        from_status=source,
        to_status=to,
        changed_at=current.status_changed_at or timezone.now(),
        changed_by=acting_user(by),
        reason=reason,
        overridden_gates=overridden,
    )
    why = reason + (f" (overrode: {', '.join(overridden)})" if overridden else "")
    record_move(
        current,
        source=source.label,
        to=to.label,
        by=by,
        changes=_changes(before, current),
        reason=why.strip(),
    )
    record_event(
        type="project.status_changed",
        payload={
            **job_event_fields(current),
            "from_status": str(source),
            "to_status": str(to),
            "reason": given,
            "by": acting_username(by),
            "changed_at": change.changed_at,
        },
    )
    send_after_commit(
        project_status_changed,
        Project,
        label=f"project_status_changed of {current.code}",
        project=current,
        from_status=str(source),
        to_status=str(to),
        by=acting_user(by),
        reason=given,
        overridden_gates=overridden,
        change=change,
    )


@dataclass
class QuoteExpiryReport:
    expired: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        text = f"{len(self.expired)} quote(s) expired"
        if self.failed:
            text += f", {len(self.failed)} could not be cancelled: " + "; ".join(
                f"{code}: {why}" for code, why in self.failed.items()
            )
        return text


def quotes_expire(*, today: dt.date | None = None) -> QuoteExpiryReport:
    """Cancel jobs whose quote expired (its last valid day is before `today`), reason "quote
    expired"; they can be reinstated. One transaction per job, so one failure stops no other."""
    today = today or timezone.localdate()
    report = QuoteExpiryReport()
    due = Project.objects.filter(
        status=ProjectStatus.QUOTING, quote_expires_on__lt=today
    ).values_list("pk", "code")
    for pk, code in due:
        try:
            with transaction.atomic():
                project = Project.objects.select_for_update().get(pk=pk)
                if project.status != ProjectStatus.QUOTING or not (
                    project.quote_expires_on and project.quote_expires_on < today
                ):
                    continue  # it moved on, or the quote was re-sent, meanwhile
                project_transition(
                    project=project,
                    to=ProjectStatus.CANCELLED,
                    by=None,
                    reason=QUOTE_EXPIRED_REASON,
                    from_status=ProjectStatus.QUOTING,
                )
            report.expired.append(code)
        except ValidationError as exc:
            report.failed[code] = "; ".join(exc.messages)
            logger.warning("could not expire the quote of %s: %s", code, exc)
    return report
