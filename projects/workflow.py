"""A job's life as data (DOMAIN.md, "A job's life"): the status groups, the allowed moves and the
gates that guard them. `projects.services.project_transition` is the one place that applies them.

Request → Quoting → Approved → Paid → Queued → Cutting → QC → Ready → Completed, with a few
steps back; On hold from any open status (with a reason; resuming returns to where it was);
Cancelled from any open status (with a reason; reinstating returns to Quoting).

Higher apps that hold design files (ingest) add a counter to `design_file_counters`, so the
Quoting gate sees their files without this app importing them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

from .models import DocumentKind, Project, ProjectStatus

S = ProjectStatus


# "Waiting for material" is no status (DOMAIN.md names it only as an escalation): a job put On
# hold with a reason naming one of these words waits for material. The Daily Ops report's
# blockers and the bell's escalation read it the same way.
ON_HOLD_FOR_MATERIAL_WORDS = ("material", "stock", "sheet")


def on_hold_for_material(reason: str) -> bool:
    """Whether an On hold reason says the job waits for material (ON_HOLD_FOR_MATERIAL_WORDS)."""
    reason = (reason or "").lower()
    return any(word in reason for word in ON_HOLD_FOR_MATERIAL_WORDS)


class ProjectStatusGroups:
    """Named groups of statuses, for filters, tiles and rules."""

    # A job the shop still has to do something about.
    OPEN = (
        S.REQUEST,
        S.QUOTING,
        S.APPROVED,
        S.PAID,
        S.QUEUED,
        S.CUTTING,
        S.QC,
        S.READY,
        S.ON_HOLD,
    )
    # Finished one way or the other.
    DONE = (S.COMPLETED, S.CANCELLED)
    # Open statuses a job can be put on hold from (and resumed to).
    HOLDABLE = tuple(s for s in OPEN if s != S.ON_HOLD)
    # Quoted and approved, proof of payment not in yet.
    WAITING_PAYMENT = (S.APPROVED,)
    # Production has it (paid, or released by a manager's override).
    PRODUCTION = (S.QUEUED, S.CUTTING, S.QC, S.READY)


OPEN = ProjectStatusGroups.OPEN
DONE = ProjectStatusGroups.DONE


class MoveKind(enum.StrEnum):
    FORWARD = "forward"
    BACK = "back"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    REINSTATE = "reinstate"


@dataclass(frozen=True)
class Move:
    """One allowed move: from, to, the button's label, whether a reason is needed, its gates."""

    source: str
    target: str
    label: str
    kind: MoveKind = MoveKind.FORWARD
    reason_required: bool = False
    gates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gate:
    """A condition a move needs. A manager (projects.override_gate) may override one, with a
    reason that is recorded, unless it is not `overridable`.

    `explain` writes the message for one job (naming its client's terms, say); `note` says why
    a job passes other than by the rule itself (a client on account passes "payment" unpaid),
    for the history and the person who moved it ("" when it passes by the rule)."""

    code: str
    message: str
    check: Callable[[Project], bool]
    overridable: bool = True
    explain: Callable[[Project], str] | None = None
    note: Callable[[Project], str] | None = None

    def for_project(self, project: Project) -> Gate:
        """The gate with its message written for `project`."""
        return replace(self, message=self.explain(project)) if self.explain else self


# --- the design-file hook -------------------------------------------------------------------------

# Functions that count a project's design files kept by higher apps (ingest appends one).
# Each takes the project and returns how many design files it holds; the Quoting gate adds
# them to the project's own ProjectDocuments of kind "design".
design_file_counters: list[Callable[[Project], int]] = []


def register_design_file_counter(counter: Callable[[Project], int]) -> None:
    """Add a counter once (safe to call from AppConfig.ready(), which may run twice in tests)."""
    if counter not in design_file_counters:
        design_file_counters.append(counter)


def design_file_count(project: Project) -> int:
    """The project's design files: its design documents plus what higher apps report."""
    count = project.documents.filter(kind=DocumentKind.DESIGN).count()
    for counter in design_file_counters:
        count += int(counter(project) or 0)
    return count


# --- payment --------------------------------------------------------------------------------------


def _on_account(project: Project) -> bool:
    client = project.client if project.client_id else None
    return client is not None and client.on_account


def _terms(project: Project) -> str:
    """ "30 days": the client's terms as the client page shows them."""
    return project.client.get_payment_terms_display().lower() if project.client_id else "none"


def _client_name(project: Project) -> str:
    return project.client.name if project.client_id else "the client"


# --- the payment hook -----------------------------------------------------------------------------

# Finance keeps invoices and payments: it registers a reader that says whether a job is paid in
# full by its balance (None while it keeps nothing for the job: the proof of payment then says),
# and a recorder that keeps the payment a proof of payment records.


@dataclass(frozen=True)
class PaidReading:
    """Whether the job is paid in full, and the figures that say so for a person."""

    paid_in_full: bool
    text: str  # "R 1 200.00 paid of R 4 650.00 due (QT-2026-0003)"


PaidReader = Callable[[Project], "PaidReading | None"]
PaymentRecorder = Callable[..., object]
paid_readers: list[PaidReader] = []
payment_recorders: list[PaymentRecorder] = []


def register_paid_reader(reader: PaidReader) -> None:
    if reader not in paid_readers:
        paid_readers.append(reader)


def register_payment_recorder(recorder: PaymentRecorder) -> None:
    if recorder not in payment_recorders:
        payment_recorders.append(recorder)


def paid_reading(project: Project) -> PaidReading | None:
    """What finance says of the job's balance; None when it keeps nothing for the job."""
    for reader in paid_readers:
        reading = reader(project)
        if reading is not None:
            return reading
    return None


def _paid(project: Project) -> bool:
    reading = paid_reading(project)
    return project.pop_received_at is not None if reading is None else reading.paid_in_full


def _paid_or_released(project: Project) -> bool:
    return project.payment_waived_at is not None or _paid(project)


def _not_short(project: Project) -> bool:
    """The "paid_in_full" gate: finance's balance, when it keeps one for the job, says paid."""
    reading = paid_reading(project)
    return reading is None or reading.paid_in_full


def _balance_message(project: Project) -> str:
    reading = paid_reading(project)
    return (
        f"Not paid in full: {reading.text}. Record the rest of the payment, or a manager may "
        "override with a reason."
        if reading is not None
        else ""
    )


def _payment_message(project: Project) -> str:
    if balance := _balance_message(project):
        return balance
    return (
        f"No production until paid in full ({_client_name(project)}'s terms: {_terms(project)}): "
        "record the proof of payment, or a manager may override with a reason. Clients on "
        "account (7 or 30 days) may be queued on approval."
    )


def _payment_note(project: Project) -> str:
    if _paid_or_released(project) or not _on_account(project):
        return ""
    return (
        f"{_client_name(project)} is on account ({_terms(project)}): production may start "
        "before payment"
    )


def production_released_at(project: Project) -> dt.datetime | None:
    """When the job could go into production: proof of payment, a manager's waiver, or, for a
    client on account, the client's approval (the earliest of these); None while it may not."""
    candidates = [project.pop_received_at, project.payment_waived_at]
    if _on_account(project):
        candidates.append(project.approved_at)
    times = [t for t in candidates if t is not None]
    return min(times) if times else None


# --- gates ----------------------------------------------------------------------------------------

GATES: dict[str, Gate] = {
    gate.code: gate
    for gate in (
        Gate("client", "The job has no client.", lambda p: p.client_id is not None, False),
        Gate(
            "material",
            "Choose the material before quoting.",
            lambda p: p.material_id is not None,
        ),
        Gate(
            "thickness",
            "Enter the thickness (mm) before quoting.",
            lambda p: p.thickness_mm is not None and p.thickness_mm > 0,
        ),
        Gate(
            "design_file",
            "Attach at least one design file (a design document or an uploaded drawing) "
            "before quoting.",
            lambda p: design_file_count(p) > 0,
        ),
        Gate(
            "approval",
            "The client has not approved the quote; a manager may take the payment as approval "
            "(override, with a reason).",
            lambda p: p.approved_at is not None,
        ),
        Gate(
            "payment",
            "No production until paid in full: record the proof of payment, or a manager may "
            "override with a reason.",
            lambda p: _paid_or_released(p) or _on_account(p),
            explain=_payment_message,
            note=_payment_note,
        ),
        Gate(
            "proof_of_payment",
            "Payment received needs the proof of payment and the amount received: attach the "
            "proof of payment and enter the amount; or a manager may waive the payment (override, "
            "with a reason).",
            lambda p: p.payment_document_id is not None,
        ),
        Gate(
            "paid_in_full",
            "Not paid in full: record the rest of the payment, or a manager may override with a "
            "reason.",
            _not_short,
            explain=_balance_message,
        ),
    )
}

TO_QUOTING = ("client", "material", "thickness", "design_file")
TO_PRODUCTION = ("payment",)
# The moves that record a payment: they ask for the proof of payment and the amount.
PAYMENT = ("proof_of_payment", "paid_in_full")

# --- the moves ------------------------------------------------------------------------------------

MOVES: tuple[Move, ...] = (
    Move(S.REQUEST, S.QUOTING, "Start quoting", gates=TO_QUOTING),
    Move(S.QUOTING, S.APPROVED, "Quote approved"),
    Move(S.QUOTING, S.PAID, "Paid before approval", gates=("approval", *PAYMENT)),
    Move(S.QUOTING, S.REQUEST, "Back to request", MoveKind.BACK),
    Move(S.APPROVED, S.PAID, "Payment received", gates=PAYMENT),
    Move(S.APPROVED, S.QUOTING, "Re-quote", MoveKind.BACK, True, TO_QUOTING),
    Move(S.APPROVED, S.QUEUED, "Queue before payment", gates=TO_PRODUCTION),
    Move(S.PAID, S.QUEUED, "Queue for cutting", gates=TO_PRODUCTION),
    Move(S.QUEUED, S.CUTTING, "Start cutting", gates=TO_PRODUCTION),
    Move(S.QUEUED, S.PAID, "Take off the queue", MoveKind.BACK),
    Move(S.CUTTING, S.QC, "Cut: to QC"),
    Move(S.CUTTING, S.QUEUED, "Back to the queue", MoveKind.BACK, True),
    Move(S.QC, S.READY, "QC passed: ready"),
    Move(S.QC, S.CUTTING, "QC failed: recut", MoveKind.BACK, True),
    Move(S.READY, S.COMPLETED, "Collected / delivered: completed"),
    *(Move(s, S.ON_HOLD, "Put on hold", MoveKind.HOLD, True) for s in ProjectStatusGroups.HOLDABLE),
    *(
        Move(S.ON_HOLD, s, f"Resume ({s.label})", MoveKind.RESUME)
        for s in ProjectStatusGroups.HOLDABLE
    ),
    *(Move(s, S.CANCELLED, "Cancel", MoveKind.CANCEL, True) for s in OPEN),
    Move(S.CANCELLED, S.QUOTING, "Reinstate", MoveKind.REINSTATE, gates=TO_QUOTING),
)

_BY_PAIR: dict[tuple[str, str], Move] = {(m.source, m.target): m for m in MOVES}
assert len(_BY_PAIR) == len(MOVES), "two moves share a source and a target"
assert all(code in GATES for m in MOVES for code in m.gates), "a move names an unknown gate"


def move_for(source: str, target: str) -> Move | None:
    """The move from `source` to `target`, or None when the workflow does not allow it."""
    return _BY_PAIR.get((str(source), str(target)))


def moves_from(status: str) -> list[Move]:
    return [m for m in MOVES if m.source == status]


def available_moves(project: Project) -> list[Move]:
    """The moves a person may try from where the job is (resume only back to where it was)."""
    return [
        m
        for m in moves_from(project.status)
        if m.kind != MoveKind.RESUME or m.target == project.status_before_hold
    ]


def failed_gates(project: Project, move: Move) -> list[Gate]:
    """The move's gates the job does not pass yet, in the order the table lists them, each
    with its message written for this job."""
    return [GATES[c].for_project(project) for c in move.gates if not GATES[c].check(project)]


def gate_notes(project: Project, move: Move) -> list[str]:
    """Why the job passes the move's gates other than by their rule ("on account (Acme Steel
    pays 30 days): production may start before payment"); empty when nothing needs saying."""
    notes = []
    for code in move.gates:
        gate = GATES[code]
        if gate.note is not None and gate.check(project) and (text := gate.note(project)):
            notes.append(text)
    return notes


def records_payment(move: Move) -> bool:
    """Whether the move records a payment (it asks for the proof of payment and the amount)."""
    return any(code in move.gates for code in PAYMENT)
