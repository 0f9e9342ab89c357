"""What the tracking page shows a client, in plain words, read in a fixed number of queries
(however long the job's history or however many invoices it has)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from finance.models import Invoice, InvoiceStatus, Quote, QuoteStatus
from finance.pricing.engine import rand
from finance.selectors import JobBalance, job_balance
from projects.models import DocumentKind, Project, ProjectDocument, ProjectStatus
from projects.models import ProjectStatusChange as Change

S = ProjectStatus

# What each status means to the client, in the shop's words.
STATUS_WORDS: dict[str, str] = {
    S.REQUEST: "We have your request and are preparing your quote.",
    S.QUOTING: "Your quote is ready. Please accept or decline it below.",
    S.APPROVED: "You accepted the quote. We start cutting once your payment is in.",
    S.PAID: "Your payment is in. Your job is waiting for its turn on the laser.",
    S.QUEUED: "Your job is in the cutting queue.",
    S.CUTTING: "Your parts are being cut.",
    S.QC: "Your parts are cut and being checked.",
    S.READY: "Your parts are ready for collection.",
    S.COMPLETED: "Your parts were collected. Thank you!",
    S.ON_HOLD: "Your job is on hold. We will contact you.",
    S.CANCELLED: "This job was cancelled. Contact us if you still need it.",
}
# What a move into each status says in the history.
STEP_WORDS: dict[str, str] = {
    S.REQUEST: "Request received",
    S.QUOTING: "Quote prepared",
    S.APPROVED: "Quote accepted",
    S.PAID: "Payment received",
    S.QUEUED: "Queued for cutting",
    S.CUTTING: "Cutting started",
    S.QC: "Cut; quality check",
    S.READY: "Ready for collection",
    S.COMPLETED: "Collected",
    S.ON_HOLD: "Put on hold",
    S.CANCELLED: "Cancelled",
}
# The road a job travels, as the page's progress list shows it.
ROAD = (S.REQUEST, S.QUOTING, S.APPROVED, S.PAID, S.QUEUED, S.CUTTING, S.QC, S.READY, S.COMPLETED)
ROAD_WORDS: dict[str, str] = {
    S.REQUEST: "Request",
    S.QUOTING: "Quote",
    S.APPROVED: "Accepted",
    S.PAID: "Paid",
    S.QUEUED: "Queued",
    S.CUTTING: "Cutting",
    S.QC: "Checking",
    S.READY: "Ready",
    S.COMPLETED: "Collected",
}
# A client may answer a quote while the job waits for one; a proof of payment is taken once the
# quote is accepted (and later, for what an invoice still asks).
ANSWERABLE = (S.REQUEST, S.QUOTING)
PAYABLE = (S.APPROVED, S.PAID, S.QUEUED, S.CUTTING, S.QC, S.READY, S.COMPLETED, S.ON_HOLD)
SHOWN_QUOTES = (QuoteStatus.SENT, QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.EXPIRED)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    words: str


@dataclass
class TrackingPage:
    """Everything the page shows; nothing a client must not see (no internal notes, reasons
    or who at the shop moved the job)."""

    project: Project
    status_words: str
    steps: list[Step]
    history: list[Event]
    quote: Quote | None
    quote_document: ProjectDocument | None
    invoices: list[Invoice]
    balance: JobBalance | None
    can_answer: bool
    can_pay: bool
    amount_hint: Decimal | None
    collection: dict[str, object] | None = None
    proofs: list[ProjectDocument] = field(default_factory=list)

    @property
    def has_quote(self) -> bool:
        return self.quote is not None or self.quote_document is not None

    @property
    def balance_words(self) -> str:
        b = self.balance
        if b is None:
            return ""
        if b.paid_in_full:
            return f"Paid in full: {rand(b.paid)} of {rand(b.due)}."
        if b.paid <= 0:
            return f"{rand(b.balance)} to pay."
        return f"{rand(b.balance)} to pay ({rand(b.paid)} paid of {rand(b.due)})."


def shown_quote(project: Project) -> Quote | None:
    """The quote the client was sent: the newest revision that went out (not a draft, not one
    a later revision replaced)."""
    return (
        Quote.objects.filter(project=project, status__in=SHOWN_QUOTES)
        .order_by("-revision", "-id")
        .first()
    )


def quote_document(project: Project) -> ProjectDocument | None:
    """A quote kept as a document with the job (a PDF made elsewhere), the newest."""
    return (
        ProjectDocument.objects.filter(project=project, kind=DocumentKind.QUOTE)
        .order_by("-uploaded_at", "-id")
        .first()
    )


def job_invoices(project: Project) -> list[Invoice]:
    """The job's issued invoices (a draft is not the client's yet), oldest first."""
    rows = Invoice.objects.filter(
        project=project, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.CREDITED)
    )
    return list(rows.order_by("issued_on", "id"))


def _steps(status: str, reached: set[str]) -> list[Step]:
    """The road with what the job has done, where it is, and what is to come; a job on hold or
    cancelled shows the steps it reached."""
    current = status if status in ROAD else None
    steps = []
    seen_current = False
    for s in ROAD:
        if s == current:
            steps.append(Step(ROAD_WORDS[s], "current"))
            seen_current = True
        elif not seen_current and (current is not None or s in reached):
            steps.append(Step(ROAD_WORDS[s], "done"))
        else:
            steps.append(Step(ROAD_WORDS[s], "todo"))
    return steps


def _collection() -> dict[str, object]:
    days = settings.SHOP_WORKING_HOURS
    hours = [f"{WEEKDAYS[d]} {days[d][0]}–{days[d][1]}" for d in sorted(days)]
    return {
        "name": settings.SHOP_NAME,
        "address": [line.strip() for line in settings.SHOP_ADDRESS.splitlines() if line.strip()],
        "hours": hours,
        "phone": settings.SHOP_PHONE,
    }


def tracking_page(project: Project) -> TrackingPage:
    """The page for `project` (loaded with its client)."""
    changes = list(
        Change.objects.filter(project=project)
        .order_by("changed_at", "id")
        .values_list("to_status", "changed_at")
    )
    history = [Event(at, STEP_WORDS.get(to, to)) for to, at in changes]
    quote = shown_quote(project)
    document = None if quote is not None else quote_document(project)
    invoices = job_invoices(project)
    balance = job_balance(project)
    status = project.status
    can_answer = status in ANSWERABLE and (
        (quote is not None and quote.status == QuoteStatus.SENT)
        or (quote is None and document is not None)
    )
    if status == S.QUOTING and not can_answer:
        words = "We are preparing your quote."
    else:
        words = STATUS_WORDS.get(status, "")
    can_pay = status in PAYABLE and (balance is None or not balance.paid_in_full)
    if status == S.APPROVED and balance is None:
        amount_hint = quote.total_incl_vat if quote is not None else None
    else:
        amount_hint = balance.balance if balance is not None and balance.balance > 0 else None
    proofs = list(
        ProjectDocument.objects.filter(project=project, kind=DocumentKind.PROOF_OF_PAYMENT)
        .order_by("uploaded_at", "id")
        .only("original_name", "uploaded_at", "project_id")
    )
    return TrackingPage(
        project=project,
        status_words=words,
        steps=_steps(status, {to for to, _ in changes}),
        history=history,
        quote=quote,
        quote_document=document,
        invoices=invoices,
        balance=balance,
        can_answer=can_answer,
        can_pay=can_pay,
        amount_hint=amount_hint,
        collection=_collection() if status == S.READY else None,
        proofs=proofs,
    )
