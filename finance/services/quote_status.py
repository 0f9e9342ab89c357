"""A quote's life: draft → sent → accepted / declined / expired (or revised), the moves as data
in QUOTE_MOVES and checked in `move_quote`, the one place a quote's status changes. Accepting
moves the job to Approved through projects' own transition service and its gates; auto-quote
makes a draft from a job's measured drawings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ingest.models import FileIngest, FileStatus
from laseros.actors import Actor, acting_user
from laseros.audit import record_created
from laseros.moves import check_move, record_move
from laseros.outbox import record_event
from laseros.tasks import enqueue_on_commit
from laseros.workdays import add_working_days
from projects.models import Project, ProjectStatus
from projects.services import project_quote_sent, project_transition, project_update
from projects.services.jobs import job_event_fields

from ..models import Quote, QuoteLine, QuoteStatus
from .quotes import (
    PRICED_KINDS,
    NewLine,
    job_material_from_drawings,
    quote_create,
    quote_lines_add,
    refresh_totals,
    save_totals,
)

S = QuoteStatus

# The moves a quote may make; anything else is refused with the message of `move_quote`.
QUOTE_MOVES: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.SENT,),
    S.SENT: (S.ACCEPTED, S.DECLINED, S.EXPIRED, S.REVISED),
    S.ACCEPTED: (),
    S.DECLINED: (),
    S.EXPIRED: (),
    S.REVISED: (),
}

_DONE: dict[str, str] = {
    S.SENT: "sent",
    S.ACCEPTED: "accepted",
    S.DECLINED: "declined",
    S.EXPIRED: "expired",
    S.REVISED: "revised",
}


def move_quote(quote: Quote, to: str, *, by: Actor, reason: str = "") -> None:
    """Check the move against QUOTE_MOVES, set the status and record it (saved). TransitionError
    says why a move is refused ('QT-2026-0001 is a draft: only a sent quote can be accepted')."""
    source = quote.status
    allowed_from = [s for s, targets in QUOTE_MOVES.items() if to in targets]
    needs = " or ".join(QuoteStatus(s).label.lower() for s in allowed_from) or "no"
    check_move(
        allowed=QUOTE_MOVES,
        statuses=QuoteStatus,
        current=source,
        to=to,
        refused=f"{quote.label} is {quote.get_status_display().lower()}: only a {needs} quote "
        f"can be {_DONE.get(to, 'moved')}.",
    )
    quote.status = to
    quote.status_changed_at = timezone.now()
    if reason:
        quote.status_reason = reason[:255]
    quote.full_clean()
    quote.save()
    record_move(quote, source=source, to=to, by=by, reason=reason)


def _locked(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("project").get(pk=quote.pk)


def _copy_back(quote: Quote, current: Quote) -> Quote:
    for f in Quote._meta.concrete_fields:
        setattr(quote, f.attname, getattr(current, f.attname))
    return current


@transaction.atomic
def quote_send(*, quote: Quote, by: Actor, today: dt.date | None = None) -> Quote:
    """Mark a draft sent (the comms issue will e-mail it): it is valid QUOTE_VALID_WORKING_DAYS
    working days from today. A job in Request moves to Quoting through its own transition and
    gates (its material and thickness taken from its drawings when it has none and they agree);
    a gate that refuses refuses the send, with its message, and nothing changes. A job in
    Quoting takes the date as its quote date."""
    current = _locked(quote)
    if current.status == S.DRAFT and not current.lines.exists():
        raise ValidationError(f"{current.label} has no lines: add what it prices before sending.")
    sent_on = today or timezone.localdate()
    current.sent_on = sent_on
    current.expires_on = add_working_days(sent_on, settings.QUOTE_VALID_WORKING_DAYS)
    # the validity is the quote's own field (expires_on); the reason says what happened
    move_quote(current, S.SENT, by=by, reason="sent to the client")
    project = current.project
    if project.status == ProjectStatus.REQUEST:
        job_material_from_drawings(project=project, by=by)
        project_transition(
            project=project, to=ProjectStatus.QUOTING, by=by, reason=f"quote {current.label} sent"
        )
    if project.status == ProjectStatus.QUOTING:
        project_quote_sent(project=project, by=by, sent_on=sent_on)
    record_event(
        type="quote.sent",
        payload={**_quote_event_fields(current), "valid_until": current.expires_on},
    )
    # the client's e-mail with the PDF, drawn by the worker once this commits (comms.quote_sent)
    enqueue_on_commit("finance.tasks.email_quote", current.pk)
    return _copy_back(quote, current)


def _quote_event_fields(quote: Quote) -> dict[str, Any]:
    """What the quote.* events say of a quote (laseros.event_types)."""
    return {
        **job_event_fields(quote.project),
        "quote_id": quote.pk,
        "quote_code": quote.label,
        "total": quote.total_incl_vat,
    }


def quote_message_fields(quote: Quote) -> dict[str, Any]:
    """What comms' templates may say of a quote ({{ quote.code }}, total, valid_until)."""
    from ..pricing.engine import rand

    return {
        "code": quote.label,
        "total": rand(quote.total_incl_vat),
        "valid_until": quote.expires_on,
    }


@transaction.atomic
def quote_accept(*, quote: Quote, by: Actor, today: dt.date | None = None) -> Quote:
    """The client accepted: the job moves to Approved through its own transitions and gates
    (from Request by way of Quoting); a gate that refuses refuses the acceptance, with its
    message, and nothing changes. The job's quoted price becomes this quote's total."""
    current = _locked(quote)
    today = today or timezone.localdate()
    if current.status == S.SENT and current.expires_on and current.expires_on < today:
        raise ValidationError(
            f"{current.label} expired on {current.expires_on:%Y-%m-%d}: revise it and send the "
            "new revision."
        )
    move_quote(current, S.ACCEPTED, by=by, reason="accepted by the client")
    current.accepted_at = timezone.now()
    current.save(update_fields=["accepted_at"])
    _approve_job(current, by=by)
    record_event(type="quote.accepted", payload=_quote_event_fields(current))
    return _copy_back(quote, current)


def _approve_job(quote: Quote, *, by: Actor) -> None:
    project = Project.objects.get(pk=quote.project_id)
    why = f"quote {quote.label} accepted"
    if project.status == ProjectStatus.REQUEST:
        project_transition(project=project, to=ProjectStatus.QUOTING, by=by, reason=why)
    if project.status != ProjectStatus.APPROVED:
        project_transition(project=project, to=ProjectStatus.APPROVED, by=by, reason=why)
    project_update(project=project, by=by, quoted_price=quote.total_excl_vat)


@transaction.atomic
def quote_decline(*, quote: Quote, by: Actor, reason: str = "") -> Quote:
    """The client said no (the reason kept); the job stays where it is, for a manager to decide."""
    current = _locked(quote)
    move_quote(current, S.DECLINED, by=by, reason=(reason or "").strip() or "declined")
    return _copy_back(quote, current)


@dataclass
class QuoteExpiryReport:
    expired: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        text = f"{len(self.expired)} quote(s) expired"
        if self.failed:
            text += ", not expired: " + "; ".join(f"{k}: {v}" for k, v in self.failed.items())
        return text


def quotes_expire(*, today: dt.date | None = None) -> QuoteExpiryReport:
    """Sent quotes whose last valid day is before `today` expire (the scheduled task). One
    transaction per quote, so one that fails stops no other."""
    today = today or timezone.localdate()
    report = QuoteExpiryReport()
    due = Quote.objects.filter(status=S.SENT, expires_on__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        try:
            with transaction.atomic():
                current = Quote.objects.select_for_update().get(pk=pk)
                if current.status != S.SENT or not (
                    current.expires_on and current.expires_on < today
                ):
                    continue  # accepted, declined or revised meanwhile
                move_quote(current, S.EXPIRED, by=None, reason="quote expired")
            report.expired.append(current.label)
        except ValidationError as exc:
            report.failed[str(pk)] = "; ".join(exc.messages)
    return report


# --- revisions ------------------------------------------------------------------------------------


@transaction.atomic
def quote_revise(*, quote: Quote, by: Actor, reason: str = "") -> Quote:
    """The next revision of a sent quote: a draft with the same number and the same lines (their
    prices and what they were priced from copied as they are), to change and send again. The
    sent revision keeps its lines and totals; its status says a later revision replaces it."""
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    why = (reason or "").strip() or "changed after sending"
    move_quote(current, QuoteStatus.REVISED, by=by, reason=why)
    fields = ("project_id", "client_id", "delivery_name", "delivery_price", "notes")
    copy = Quote(
        number=current.number,
        revision=current.revision + 1,
        minimum_per_order=current.minimum_per_order,
        vat_rate=current.vat_rate,
        created_by=acting_user(by),
        **{name: getattr(current, name) for name in fields},
    )
    refresh_totals(copy, lines=[])
    copy.full_clean()
    copy.save()
    lines = list(current.lines.all())
    record_created(
        copy,
        by=by,
        message=f"revision {copy.revision} of {current.number}: {why}",
        extra={"lines": [None, len(lines)]},
    )
    for line in lines:
        line.pk = None
        line.quote = copy
    QuoteLine.objects.bulk_create(lines)
    save_totals(copy, by=by)
    quote.status = current.status
    return copy


# --- auto-quote -----------------------------------------------------------------------------------


def quotable_drawings(project: Project) -> list[FileIngest]:
    """The job's measured drawings, the latest version of each part."""
    files = (
        FileIngest.objects.live()
        .filter(project=project, status=FileStatus.PROCESSED, kind__in=PRICED_KINDS)
        .select_related("metadata")
        .order_by("part", "-version", "-id")
    )
    latest: dict[str, FileIngest] = {}
    for file in files:
        if getattr(file, "metadata", None) is not None:
            latest.setdefault(file.part or file.original_name, file)
    return list(latest.values())


@dataclass(frozen=True)
class DrawingQuantity:
    """How many of a part a quote line prices, and what the line says about where it came from
    (`note` ends the description, `flag` joins the line's flags)."""

    count: int
    note: str = ""
    flag: str = ""


def drawing_quantity(file: FileIngest, project: Project, *, parts: int) -> DrawingQuantity:
    """How many of a part: the job's quantity is what the client ordered, and a drawing's name
    (x4), or what its sender said, is how many of that part one of them takes.

    - the drawing says nothing, or says the job's own quantity: the job's quantity;
    - the job's quantity is 1 (the default: nothing more was said): the drawing's;
    - a job of one part: the job's quantity, saying that the drawing's name differs (x1 is often
      the drawing template's default, and the order is what the office entered);
    - a job of several parts: the job's quantity in sets × the drawing's a set (10 sets of a
      frame whose bracket drawing says x4 is 40 brackets), said on the line.
    """
    metadata: Any = file.metadata
    given = (file.given or {}).get("quantity")
    named = next((v for v in (metadata.quantity, given) if isinstance(v, int) and v >= 1), None)
    job = project.quantity or 1
    if named is None or named == job:
        return DrawingQuantity(job)
    if job == 1:
        return DrawingQuantity(named)
    if parts == 1:
        return DrawingQuantity(
            job,
            note=f"{job} (the job's quantity; the drawing's name says x{named})",
            flag="quantity_from_job",
        )
    return DrawingQuantity(job * named, note=f"{job} sets × {named} a set", flag="quantity_per_set")


@transaction.atomic
def quote_auto(*, project: Project, by: Actor, gas: str = "", rush: bool = False) -> Quote:
    """A draft quote for a job from its measured drawings: one line per part, its quantity from
    the job and the drawing (`drawing_quantity`). A drawing that cannot be priced refuses the
    whole quote, naming the file."""
    drawings = quotable_drawings(project)
    if not drawings:
        raise ValidationError(
            f"{project.code} has no measured drawings (processed DXF or LightBurn files) to "
            "quote from: upload them to the job and wait for them to be read."
        )
    quote = quote_create(project=project, by=by)
    lines = []
    for file in drawings:
        quantity = drawing_quantity(file, project, parts=len(drawings))
        lines.append(
            NewLine(
                file=file,
                quantity=quantity.count,
                gas=gas,
                rush=rush,
                distinct_parts=len(drawings),
                quantity_note=quantity.note,
                flags=(quantity.flag,) if quantity.flag else (),
            )
        )
    quote_lines_add(quote=quote, by=by, lines=lines)
    quote.refresh_from_db()
    return quote
