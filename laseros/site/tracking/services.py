"""What a client does through a tracking link: accept or decline the quote, send a proof of
payment. Each runs the house's own services (projects' transition, finance's quote moves and
payments, ingest's file checks) in one transaction, acting as nobody (the client has no user):
the job's history and the audit trail name the link and the address it was used from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import QuoteStatus
from finance.services import quote_accept, quote_decline
from ingest.models import FileSource
from ingest.services import ingest
from laseros.audit import record
from laseros.models import ActivityLog
from projects.models import DocumentKind, Project, ProjectStatus
from projects.services import clean_payment_amount, project_document_add, project_transition
from projects.uploads import check_upload

from ..models import TrackingLink
from .selectors import ANSWERABLE, PAYABLE, quote_document, shown_quote

MAX_DECLINE_REASON = 500
PROOF_TYPES = ("application/pdf", "image/")


def _where(link: TrackingLink, ip: str | None) -> str:
    """ "tracking link #12, from 198.51.100.7": what the history and audit say of the client."""
    return f"tracking link #{link.pk}, from {ip or 'an unknown address'}"


def _locked_job(link: TrackingLink) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=link.project_id)
    )


@transaction.atomic
def tracking_quote_accept(*, link: TrackingLink, ip: str | None) -> Project:
    """The client accepts the quote: the job moves to Approved through its transition service
    (from Request by way of Quoting), the history's reason naming the link and the address;
    finance's sent quote is accepted with it. Refused, nothing changes (ValidationError)."""
    project = _locked_job(link)
    quote = shown_quote(project)
    if project.status not in ANSWERABLE:
        raise ValidationError(
            f"The quote cannot be accepted now: the job is {project.get_status_display()}."
        )
    if quote is not None and quote.status != QuoteStatus.SENT:
        raise ValidationError(
            f"Quote {quote.label} is {quote.get_status_display().lower()}: ask us for a new one."
        )
    if quote is None and quote_document(project) is None:
        raise ValidationError("There is no quote to accept yet.")
    label = f"quote {quote.label}" if quote is not None else "the quote"
    why = f"{label} accepted by the client ({_where(link, ip)})"
    if project.status == ProjectStatus.REQUEST:
        project_transition(project=project, to=ProjectStatus.QUOTING, by=None, reason=why)
    project_transition(
        project=project,
        to=ProjectStatus.APPROVED,
        by=None,
        reason=why,
        from_status=ProjectStatus.QUOTING,
    )
    if quote is not None:
        quote_accept(quote=quote, by=None)  # the job is Approved already: it only prices it
    project.refresh_from_db()
    return project


@transaction.atomic
def tracking_quote_decline(*, link: TrackingLink, ip: str | None, reason: str = "") -> Project:
    """The client declines the quote (with a reason, if they give one): finance's sent quote is
    declined, and the job's audit trail says so; the job stays where it is, for the shop to
    decide (finance's rule)."""
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_DECLINE_REASON:
        raise ValidationError(
            {"reason": f"Please keep the reason to {MAX_DECLINE_REASON} characters."}
        )
    project = _locked_job(link)
    quote = shown_quote(project)
    if project.status not in ANSWERABLE:
        raise ValidationError(
            f"The quote cannot be declined now: the job is {project.get_status_display()}."
        )
    if quote is not None and quote.status != QuoteStatus.SENT:
        raise ValidationError(
            f"Quote {quote.label} is {quote.get_status_display().lower()} already."
        )
    if quote is None and quote_document(project) is None:
        raise ValidationError("There is no quote to decline yet.")
    label = f"quote {quote.label}" if quote is not None else "the quote"
    why = f"{label} declined by the client ({_where(link, ip)})" + (f": {reason}" if reason else "")
    if quote is not None:
        quote_decline(quote=quote, by=None, reason=why)
    record(action=ActivityLog.Action.UPDATE, obj=project, message=why[:500], user=None, ip=ip)
    return project


def _check_proof(file: Any) -> None:
    """A proof of payment is a PDF or a photo: the house's upload check, then its type."""
    if file is None:
        raise ValidationError({"proof": "Choose the proof of payment (a PDF or a photo)."})
    _name, content_type, _size = check_upload(file)
    if not content_type.startswith(PROOF_TYPES):
        raise ValidationError(
            {"proof": f"{_name} is not a PDF or a photo: send the proof of payment as one."}
        )
    file.seek(0)


@transaction.atomic
def _ingest_proof(*, project: Project, file: Any, name: str) -> Any:
    """The proof received by ingest (its file checks), refused in a client's words."""
    try:
        return ingest(
            source_file=file,
            original_name=name,
            project=project,
            source=FileSource.CLIENT_TRACKING,
            part="Proof of payment",
        )
    except ValidationError as exc:
        # ingest's own words name the drawing types the shop reads; a client needs fewer
        codes = (
            {getattr(e, "code", None) for e in exc.error_list}
            if hasattr(exc, "error_list")
            else set()
        )
        if codes & {"unsupported_type", "kind_mismatch"}:
            raise ValidationError(
                {
                    "proof": f"{name} cannot be read: send the proof of payment as a PDF, or a "
                    "photo (JPG or PNG)."
                }
            ) from None
        raise ValidationError({"proof": exc.messages}) from None


def tracking_payment_upload(
    *, link: TrackingLink, ip: str | None, file: Any, amount: Decimal | str | None
) -> Project:
    """The client's proof of payment: checked and received by ingest (stored with the job,
    read by the worker), kept as the job's proof of payment with the amount it shows, which
    finance records against the job's invoices; a job paid in full moves on (Approved → Paid,
    then production queues it, DOMAIN.md). Refused with a message naming the field, nothing
    kept: no file, a file that is not a PDF or a photo, the same file twice, a bad amount."""
    if amount in (None, ""):
        raise ValidationError({"amount": "Enter the amount you paid (R), as the proof shows."})
    try:
        value = clean_payment_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.messages}) from None
    _check_proof(file)
    project = _locked_job(link)
    if project.status not in PAYABLE:
        raise ValidationError(
            "A proof of payment is taken once the quote is accepted: accept it first."
        )
    name = getattr(file, "name", "") or "proof of payment"
    outcome = _ingest_proof(project=project, file=file, name=name)
    if not outcome.created:
        raise ValidationError(
            {"proof": "We already have this file: it was received before. Nothing was changed."}
        )
    try:
        file.seek(0)
        project_document_add(
            project=project,
            file=file,
            kind=DocumentKind.PROOF_OF_PAYMENT,
            by=None,
            amount=value,
            note=f"sent by the client ({_where(link, ip)}); file #{outcome.file.pk}"[:255],
        )
    except BaseException:
        outcome.file.file.delete(save=False)  # the row rolls back; its bytes must go too
        raise
    project.refresh_from_db()
    return project
