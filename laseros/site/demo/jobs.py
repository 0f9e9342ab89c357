"""The demo shop's jobs: made through the services (JobMaker) or, past a representative number,
in bulk (BulkJobs) so `seed_demo --size 10000` finishes in minutes.

Service-made jobs carry everything a real job does: documents (a design file, the quote, the
proof of payment), each move through `project_transition`, production's queue and laser runs
that took sheets from stock, and the audit trail. Bulk jobs are rows written directly in batches
with the same shape: a code from the client's monthly sequence (moved past), the history of
every move with its time and reason, lines, queue items with gap-free positions, runs with their
shares, and each paid job's payment (the amount and its proof of payment, a PDF stored with the
job). They have no other documents (their Request → Quoting move records the design-file gate as
overridden, with that reason), their runs take no sheets from stock, and they have no audit
entries (the hash-chained trail is written one entry at a time by `laseros.audit.record`).

Every job is paid its quote plus VAT (demo.payments), with a proof of payment that shows it: a
cash client's through "Payment received"; a client on account's job is queued on approval and
its proof filed once it is in the queue.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from clients.models import Client, Contact
from ingest.models import FileIngest
from inventory.models import Material, SheetStock
from inventory.services import offcut_create, stock_receive
from laseros.models import CodeSequence
from laseros.sequences import bump_to
from laseros.workdays import add_working_days
from production.models import (
    QUEUE_ACTIVE,
    CutPreset,
    LaserRun,
    LaserRunProject,
    Machine,
    Operator,
    QueueItem,
    QueueStatus,
)
from production.services import (
    compute_shares,
    queue_approved_on_account,
    queue_paid_project,
    queue_remove,
    queue_start,
    run_record,
)
from projects.models import (
    DocumentKind,
    Product,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectPriority,
    ProjectStatus,
    ProjectStatusChange,
)
from projects.services import (
    due_date_after_payment,
    project_create,
    project_document_add,
    project_line_add,
    project_payment_received,
    project_quote_sent,
    project_sequence_key,
    project_transition,
    project_update,
    quote_dates,
)
from projects.services.jobs import rand

from .files import ingest_job_drawing, job_part, plate_measures
from .payments import paid_for, proof_of_payment_name, proof_of_payment_pdf

S = ProjectStatus
D = Decimal
Log = Callable[[str], None]

DXF_BYTES = (
    b"0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n8\nOUTLINE\n90\n4\n70\n1\n"
    b"10\n0\n20\n0\n10\n200\n20\n0\n10\n200\n20\n200\n10\n0\n20\n200\n0\nENDSEC\n0\nEOF\n"
)

# The main line a job walks; on hold and cancelled branch off it.
MAIN_LINE = (S.REQUEST, S.QUOTING, S.APPROVED, S.PAID, S.QUEUED, S.CUTTING, S.QC, S.READY)
MAIN_LINE += (S.COMPLETED,)
STEP_REASONS = {
    S.QUOTING: "",
    S.APPROVED: "client accepted the quote",
    S.PAID: "proof of payment received",
    S.QUEUED: "paid: queued",
    S.CUTTING: "on the machine",
    S.QC: "cut",
    S.READY: "QC passed",
    S.COMPLETED: "collected",
}
# Why a paid job waits off the queue (a manager took it off: Queued -> Paid).
OFF_THE_QUEUE_REASONS = ("material on back order", "client asked to hold the cut until Monday")
HOLD_REASONS = (
    "client asked us to wait for site measurements",
    "waiting on a revised drawing",
    "material on back order",
)
CANCEL_REASONS = ("quote expired", "client went elsewhere", "duplicate request")
QUANTITIES = (1, 2, 4, 5, 10, 12, 20, 25, 40, 50, 100)


def demo_manager():
    """The demo manager: the person the demo's records are made by (may override gates)."""
    return get_user_model().objects.get(username="manager")


class ShopContext:
    """What every job maker looks up: clients, products, machines, operators, presets, stock."""

    def __init__(self, rng: random.Random, log: Log):
        self.rng = rng
        self.log = log
        self.by = demo_manager()
        self.today = timezone.localdate()
        self.clients = list(Client.objects.order_by("pk"))
        self.products = list(Product.objects.select_related("material").filter(is_active=True))
        self.materials = {m.code: m for m in Material.objects.all()}
        self.machines = list(Machine.objects.active().order_by("code"))
        self.operators = list(Operator.objects.filter(is_active=True).order_by("pk"))
        self.presets: dict[tuple[int, Decimal], CutPreset] = {}
        for preset in CutPreset.objects.filter(is_active=True).order_by("gas", "pk"):
            self.presets.setdefault((preset.material_id, preset.thickness_mm), preset)
        self.stock: dict[tuple[int, Decimal], SheetStock] = {}
        stocks = SheetStock.objects.filter(is_active=True).select_related("material")
        for stock in stocks.order_by("-width_mm", "pk"):
            self.stock.setdefault((stock.material_id, stock.thickness_mm), stock)

    def job_basics(self, *, waits_for_payment: bool = False) -> dict:
        """A client, a catalogue product and a quantity, as the shop's recurring work goes. A
        job that `waits_for_payment` in Approved is a cash client's: a client on account's
        approved job is queued at once (production's receiver)."""
        rng = self.rng
        product = rng.choice(self.products) if self.products else None
        quantity = rng.choice(QUANTITIES)
        material = product.material if product else self.materials["MS"]
        thickness = product.thickness_mm if product else D("3.00")
        clients = self.clients
        if waits_for_payment:
            clients = [c for c in self.clients if not c.on_account] or self.clients
        return {
            "client": rng.choice(clients),
            "product": product,
            "quantity": quantity,
            "material": material,
            "thickness_mm": thickness,
            "name": f"{product.name if product else 'Brackets'} x{quantity}",
            "description": f"{quantity} off, {material.name.lower()} {thickness.normalize():f} mm",
            "priority": rng.choice([ProjectPriority.NORMAL] * 6 + list(ProjectPriority.values)),
        }


# --- through the services -----------------------------------------------------------------------


class JobMaker:
    """Makes one job and walks it to its planned status through the services."""

    def __init__(self, shop: ShopContext):
        self.shop = shop
        self.rng = shop.rng
        self.by = shop.by
        self.pending_cut: list[tuple[Project, QueueItem | None, str]] = []
        self.runs = 0

    def make(self, target: str) -> Project:
        rng, shop = self.rng, self.shop
        basics = shop.job_basics(waits_for_payment=target == S.APPROVED)
        product = basics.pop("product")
        project = project_create(
            by=self.by, promised_date=add_working_days(shop.today, rng.randint(5, 25)), **basics
        )
        if product is not None:
            project_line_add(
                project=project, product=product, by=self.by, quantity=project.quantity
            )
        if target == S.REQUEST:
            if rng.random() < 0.5:
                self._design(project)
            return project
        self._design(project)
        hold_or_cancel = target in (S.ON_HOLD, S.CANCELLED)
        stop = rng.choice((S.REQUEST, S.QUOTING, S.APPROVED)) if hold_or_cancel else target
        self._walk_to(project, S.QUEUED if target == S.PAID else stop)
        if target == S.PAID:
            self._take_off_the_queue(project)
        if target == S.ON_HOLD:
            project_transition(
                project=project, to=S.ON_HOLD, by=self.by, reason=rng.choice(HOLD_REASONS)
            )
        elif target == S.CANCELLED:
            project_transition(
                project=project, to=S.CANCELLED, by=self.by, reason=rng.choice(CANCEL_REASONS)
            )
        return project

    def _take_off_the_queue(self, project: Project) -> None:
        """A paid job waits in Paid only when a manager took it off the queue, with a reason
        (production queues every paid job on an active machine)."""
        reason = self.rng.choice(OFF_THE_QUEUE_REASONS)
        for item in QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE):
            queue_remove(item=item, by=self.by, reason=reason)
        project_transition(project=project, to=S.PAID, by=self.by, reason=reason)

    def _design(self, project: Project) -> None:
        part = project.name.split(" x")[0].replace(" ", "")[:30] or "Part"
        project_document_add(
            project=project,
            file=ContentFile(DXF_BYTES, name=f"{part}.dxf"),
            kind=DocumentKind.DESIGN,
            by=self.by,
        )

    def _walk_to(self, project: Project, target: str) -> None:
        rng = self.rng
        for step in MAIN_LINE[1 : MAIN_LINE.index(target) + 1]:
            if step == S.QUOTING:
                project_transition(project=project, to=S.QUOTING, by=self.by)
                # the quote: the job's lines (the catalogue's prices), or a price of its own
                lines = sum((line.line_total or 0 for line in project.lines.all()), D(0))
                quoted = D(lines).quantize(D("0.01")) if lines else D(rng.randint(400, 20000))
                project_update(project=project, by=self.by, quoted_price=quoted)
                sent = add_working_days(self.shop.today, -rng.randint(0, 12))
                project_quote_sent(project=project, by=self.by, sent_on=sent)
            elif step == S.APPROVED:
                project_transition(
                    project=project, to=S.APPROVED, by=self.by, reason=STEP_REASONS[S.APPROVED]
                )
                if project.client.on_account and target != S.APPROVED:
                    # production queues a client on account's job on approval (its receiver
                    # does once the approval commits; done here, so it finds the job queued)
                    item = queue_approved_on_account(project=project, by=self.by)
                    self._pay(project, move=False)
                    self._queued(project, item, target)
                    return
            elif step == S.PAID:
                self._pay(project, move=True)
            elif step == S.QUEUED:
                # production queues a paid job (what its receiver does once the payment commits;
                # done here so the receiver finds the job queued and leaves it)
                item = queue_paid_project(project=project, by=self.by)
                self._queued(project, item, target)
                return  # cut in batches: see cut_pending()

    def _queued(self, project: Project, item: QueueItem | None, target: str) -> None:
        if target not in (S.QUEUED, S.PAID):
            self.pending_cut.append((project, item, target))

    def _pay(self, project: Project, *, move: bool) -> None:
        """The client pays the quote plus VAT and sends a proof of payment (a PDF showing the
        amount). A cash client's pays for the move to Paid ("Payment received", which records
        both); a client on account's job is already queued, so the proof is filed on the job,
        which records the payment the same way."""
        project.refresh_from_db()
        amount = paid_for(project.quoted_price)
        pdf = proof_of_payment_pdf(
            code=project.code,
            client=project.client.name,
            amount=amount,
            paid_on=self.shop.today,
        )
        proof = ContentFile(pdf, name=proof_of_payment_name(project.code))
        if move:
            project_payment_received(
                project=project,
                by=self.by,
                amount=amount,
                file=proof,
                reason=STEP_REASONS[S.PAID],
            )
        else:
            project_document_add(
                project=project,
                file=proof,
                kind=DocumentKind.PROOF_OF_PAYMENT,
                by=self.by,
                amount=amount,
            )

    def cut_pending(self) -> None:
        """Start the jobs that stay in Cutting on the machine; cut the ones that go further in
        runs of one to three jobs of the same material and thickness (one nest): each job's
        drawing is ingested and measured first, the run moves its queue item to done and the job
        to QC (production's run_record), then QC passes, ready, completed."""
        rng = self.rng
        for project, item, target in self.pending_cut:
            if target != S.CUTTING:
                continue
            if item is not None:
                queue_start(item=item, by=self.by)
            project_transition(
                project=project, to=S.CUTTING, by=self.by, reason=STEP_REASONS[S.CUTTING]
            )
        to_cut = [(p, i, t) for p, i, t in self.pending_cut if t != S.CUTTING]
        groups: dict[tuple[int, Decimal], list] = defaultdict(list)
        for entry in to_cut:
            if not FileIngest.objects.filter(project=entry[0]).exists():
                ingest_job_drawing(entry[0])
            groups[(entry[0].material_id, entry[0].thickness_mm)].append(entry)
        for key, entries in groups.items():
            while entries:
                nest = [entries.pop() for _ in range(min(len(entries), rng.randint(1, 3)))]
                self._run(key, nest)
        for project, _item, target in to_cut:
            project.refresh_from_db()
            for step in MAIN_LINE[MAIN_LINE.index(S.QC) + 1 : MAIN_LINE.index(target) + 1]:
                project_transition(project=project, to=step, by=self.by, reason=STEP_REASONS[step])
        self.pending_cut = []

    def _run(self, key: tuple[int, Decimal], nest: list) -> None:
        rng, shop = self.rng, self.shop
        # the machine the nest's jobs are queued on (the run moves their queue items on)
        machine = next(
            (item.machine for _p, item, _t in nest if item is not None),
            shop.machines[self.runs % len(shop.machines)],
        )
        operator = shop.operators[self.runs % len(shop.operators)]
        stock = shop.stock.get(key)
        sheets = []
        if stock is not None:
            needed = max(1, len(nest) * rng.randint(1, 2) // 2)
            stock.refresh_from_db(fields=["quantity_on_hand"])
            if stock.quantity_on_hand < needed:
                stock_receive(
                    stock=stock,
                    quantity=needed + stock.reorder_quantity,
                    by=self.by,
                    reason="delivery",
                    reference=f"PO {8800 + self.runs}",
                )
            sheets = [(stock, needed)]
        started = timezone.now() - dt.timedelta(hours=rng.randint(2, 24 * 20))
        run = run_record(
            machine=machine,
            operator=operator,
            started_at=started,
            ended_at=started + dt.timedelta(minutes=rng.randint(10, 180)),
            # cut length and area measured from each job's drawing (run_record), not typed
            projects=[(project, project.quantity, 0, 0) for project, _item, _target in nest],
            sheets=sheets,
            preset=shop.presets.get(key) if stock is not None else None,
            scrap_parts=rng.choice((0, 0, 0, 1, 2)),
            notes="5H check done: head, height, hold-downs, hardware, hazards.",
            by=self.by,
        )
        self.runs += 1
        if stock is not None and self.runs % 4 == 0:
            offcut_create(
                material=stock.material,
                thickness_mm=stock.thickness_mm,
                width_mm=rng.randint(160, 600),
                length_mm=rng.randint(320, 1200),
                by=self.by,
                location="Offcut rack",
                source_stock=stock,
                source_reference=f"Laser run {run.pk}",
            )


def _run_entry(project: Project) -> tuple[Project, int, Decimal, Decimal]:
    """(project, parts, cut length mm, area mm²) of one bulk job's share of a nest: its part
    (the one its name says) measured as ingest would measure its drawing, × the quantity."""
    cut, area, _pierces = plate_measures(job_part(project))
    tenth = D("0.1")
    return (
        project,
        project.quantity,
        (D(str(cut)) * project.quantity).quantize(tenth),
        (D(str(area)) * project.quantity).quantize(tenth),
    )


# --- in bulk --------------------------------------------------------------------------------------


def bulk_clients(count: int, make_name: Callable[[], dict], log: Log) -> int:
    """`count` more clients (codes from the client sequence, moved past) with a contact each."""
    if count <= 0:
        return 0
    by = demo_manager()
    row = CodeSequence.objects.filter(key="client").first()
    start = max(
        row.last_value if row else 0,
        *(int(code.split("-")[1]) for code in Client.objects.values_list("code", flat=True)),
        0,
    )
    clients, people = [], []
    for number in range(start + 1, start + count + 1):
        details = make_name()
        person = details.pop("person")
        role = details.pop("role")
        clients.append(Client(code=f"CL-{number:04d}", created_by=by, **details))
        people.append((person, role))
    Client.objects.bulk_create(clients, batch_size=500)
    Contact.objects.bulk_create(
        (
            Contact(
                client=client,
                name=person,
                role=role,
                email=client.email,
                phone=client.phone,
                is_primary=True,
            )
            for client, (person, role) in zip(clients, people, strict=True)
        ),
        batch_size=500,
    )
    bump_to("client", start + count)
    return count


# A bulk job before it is written: the project, its target status, its moves
# [(from, to, at, reason, overridden gates)] and {"product", "created"}.
Plan = tuple[Project, str, list[tuple[str, str, dt.datetime, str, list]], dict]


class BulkJobs:
    """Jobs written in batches with the same shape as service-made ones (see the module doc)."""

    def __init__(self, shop: ShopContext):
        self.shop = shop
        self.rng = shop.rng
        self.now = timezone.now()
        self.sequences = dict(
            CodeSequence.objects.filter(key__startswith="project:").values_list("key", "last_value")
        )
        self.runs = 0

    def make(self, targets: list[str]) -> int:
        """Plan each job in memory, then write the jobs, their histories, lines and production
        in batches, and move the clients' sequences past the codes used."""
        plans = [self._plan(target) for target in targets]
        self._write_projects(plans)
        self._write_payments(plans)
        self._write_history(plans)
        self._write_lines(plans)
        self._production(plans)
        for key, value in self.sequences.items():
            bump_to(key, value)
        return len(plans)

    def _plan(self, target: str) -> Plan:
        """One job, not yet saved: its code from the client's monthly sequence, its moves from
        creation to `target` applied, its product and creation time."""
        rng, shop = self.rng, self.shop
        basics = shop.job_basics(waits_for_payment=target == S.APPROVED)
        product = basics.pop("product")
        recent = target not in (S.COMPLETED, S.CANCELLED)
        age = dt.timedelta(days=rng.randint(0, 25 if recent else 365), minutes=rng.randint(0, 600))
        created = self.now - age
        client = basics["client"]
        month = timezone.localdate(created).replace(day=1)
        key = project_sequence_key(client, month)
        self.sequences[key] = self.sequences.get(key, 0) + 1
        code = f"JB-{month:%Y-%m}-{client.compact_code}-{self.sequences[key]:03d}"
        moves = self._moves(target, created, on_account=client.on_account)
        project = Project(
            code=code,
            promised_date=add_working_days(timezone.localdate(created), rng.randint(5, 25)),
            created_by=shop.by,
            **basics,
        )
        self._apply(project, moves, created)
        return project, target, moves, {"product": product, "created": created}

    def _write_projects(self, plans: list[Plan]) -> None:
        """The jobs in batches, then their own creation and update times (the insert stamps
        them with now)."""
        projects = [project for project, _target, _moves, _extra in plans]
        Project.objects.bulk_create(projects, batch_size=500)
        for project, _target, _moves, extra in plans:
            project.created_at = extra["created"]
            project.updated_at = project.status_changed_at
        Project.objects.bulk_update(projects, ["created_at", "updated_at"], batch_size=500)

    def _write_payments(self, plans: list[Plan]) -> None:
        """Each paid job's proof of payment: a PDF stored with the job's documents (one file
        each, as an upload would be), uploaded when the payment arrived."""
        documents, paid = [], []
        for project, _target, _moves, _extra in plans:
            if project.payment_amount is None or project.pop_received_at is None:
                continue
            pdf = proof_of_payment_pdf(
                code=project.code,
                client=project.client.name,
                amount=project.payment_amount,
                paid_on=timezone.localdate(project.pop_received_at),
            )
            document = ProjectDocument(
                project=project,
                kind=DocumentKind.PROOF_OF_PAYMENT,
                original_name=proof_of_payment_name(project.code),
                content_type="application/pdf",
                size_bytes=len(pdf),
                uploaded_by=self.shop.by,
            )
            document.file.save(document.original_name, ContentFile(pdf), save=False)
            documents.append(document)
            paid.append(project)
        ProjectDocument.objects.bulk_create(documents, batch_size=500)
        for project, document in zip(paid, documents, strict=True):
            document.uploaded_at = project.pop_received_at  # auto_now_add set "now" on insert
            project.payment_document = document
        ProjectDocument.objects.bulk_update(documents, ["uploaded_at"], batch_size=500)
        Project.objects.bulk_update(paid, ["payment_document"], batch_size=500)

    def _write_history(self, plans: list[Plan]) -> None:
        ProjectStatusChange.objects.bulk_create(
            (
                ProjectStatusChange(
                    project=project,
                    from_status=source,
                    to_status=to,
                    changed_at=at,
                    changed_by=self.shop.by,
                    reason=reason,
                    overridden_gates=gates,
                )
                for project, _target, moves, _extra in plans
                for source, to, at, reason, gates in moves
            ),
            batch_size=1000,
        )

    def _write_lines(self, plans: list[Plan]) -> None:
        ProjectLine.objects.bulk_create(
            (
                ProjectLine(
                    project=project,
                    product=extra["product"],
                    quantity=project.quantity,
                    unit_price=extra["product"].unit_price,
                )
                for project, _target, _moves, extra in plans
                if extra["product"] is not None
            ),
            batch_size=1000,
        )

    def _moves(self, target: str, created: dt.datetime, *, on_account: bool = False) -> list:
        """[(from, to, at, reason, overridden gates)] from creation to `target`. A client on
        account's job goes from Approved to Queued (queued on approval), not through Paid."""
        rng = self.rng
        if target in (S.ON_HOLD, S.CANCELLED):
            stop = rng.choice((S.REQUEST, S.QUOTING, S.APPROVED))
        else:
            stop = target
        moves = [("", S.REQUEST, created, "created", [])]
        at = created
        span = max((self.now - created).total_seconds(), 60.0)
        path = list(MAIN_LINE[1 : MAIN_LINE.index(stop) + 1])
        if target in (S.ON_HOLD, S.CANCELLED):
            path.append(target)
        elif target == S.PAID:  # queued on payment, then taken off the queue by a manager
            path += [S.QUEUED, S.PAID]
        if on_account and S.QUEUED in path:
            path.remove(S.PAID)  # the first Paid: the payment; the job was queued on approval
        step_seconds = span / (len(path) + 1)
        source = S.REQUEST
        for to in path:
            at = at + dt.timedelta(seconds=rng.uniform(0.3, 1.0) * step_seconds)
            reason, gates = STEP_REASONS.get(to, ""), []
            if to == S.QUOTING:
                reason, gates = "demo data made in bulk: no drawing attached", ["design_file"]
            elif to == S.ON_HOLD:
                reason = rng.choice(HOLD_REASONS)
            elif to == S.CANCELLED:
                reason = rng.choice(CANCEL_REASONS)
            elif to == S.PAID and source == S.QUEUED:
                reason = rng.choice(OFF_THE_QUEUE_REASONS)
            elif to == S.QUEUED and source == S.APPROVED:
                reason = "approved on account: queued"
            moves.append((source, to, at, reason, gates))
            source = to
        return moves

    def _apply(self, project: Project, moves: list, created: dt.datetime) -> None:
        """The fields the transition service would have set along these moves (and the payment
        its move records, said in the move's reason as "Payment received" says it)."""
        rng = self.rng
        for index, (source, to, at, reason, gates) in enumerate(moves):
            day = timezone.localdate(at)
            if to == S.QUOTING:
                project.quote_sent_on = day
                project.quote_expires_on, project.quote_reminder_on = quote_dates(day)
                project.quoted_price = D(rng.randint(400, 20000))
            elif to == S.APPROVED:
                project.approved_at = at
            elif to == S.PAID and source == S.APPROVED:  # "Payment received"
                project.pop_received_at = at
                project.payment_amount = paid_for(project.quoted_price)
                project.due_date = due_date_after_payment(day, project.promised_date)
                summary = (
                    f"payment received: {rand(project.payment_amount)}, "
                    f"proof of payment {proof_of_payment_name(project.code)}"
                )
                moves[index] = (source, to, at, f"{reason}; {summary}", gates)
            elif to == S.QUEUED and source == S.APPROVED:  # on account: queued on approval
                client = project.client
                terms = client.get_payment_terms_display().lower()
                note = f"{client.name} is on account ({terms}): production may start before payment"
                moves[index] = (source, to, at, f"{reason}; {note}", gates)
                # released on approval (the due date counts from it); paid when it was queued
                released = timezone.localdate(project.approved_at or at)
                project.due_date = due_date_after_payment(released, project.promised_date)
                project.pop_received_at = at
                project.payment_amount = paid_for(project.quoted_price)
            elif to == S.COMPLETED:
                project.completed_at = at
                project.final_price = project.quoted_price
        project.status = moves[-1][1]
        project.status_changed_at = moves[-1][2]
        project.status_reason = moves[-1][3][:255] if len(moves) > 1 else ""
        if project.status == S.ON_HOLD:
            project.status_before_hold = moves[-2][1]

    def _production(self, plans: list[Plan]) -> None:
        """Queue items (gap-free after what is there) and runs (with shares) for bulk jobs."""
        rng, shop = self.rng, self.shop
        if not shop.machines or not shop.operators:
            return
        next_position = {
            machine.pk: (
                QueueItem.objects.filter(machine=machine, status__in=QUEUE_ACTIVE).aggregate(
                    top=Max("position")
                )["top"]
                or 0
            )
            for machine in shop.machines
        }
        items, added, cut = [], [], []
        for project, target, moves, _extra in plans:
            times = {to: at for _source, to, at, _reason, _gates in moves}
            if S.QUEUED not in times:
                continue
            machine = shop.machines[0] if rng.random() < 0.7 else rng.choice(shop.machines)
            item = QueueItem(
                machine=machine,
                project=project,
                priority=project.priority,
                estimated_minutes=rng.randint(10, 240),
                added_by=shop.by,
                scheduled_date=timezone.localdate(times[S.QUEUED]) + dt.timedelta(days=1),
            )
            if target in (S.QUEUED, S.CUTTING):
                next_position[machine.pk] += 1
                item.position = next_position[machine.pk]
                item.status = QueueStatus.CUTTING if target == S.CUTTING else QueueStatus.QUEUED
                item.started_at = times.get(S.CUTTING)
            elif target == S.PAID:  # taken off the queue (the job's last move)
                item.status = QueueStatus.CANCELLED
                item.finished_at = times[S.PAID]
            else:
                item.status = QueueStatus.DONE
                item.started_at = times[S.CUTTING]
                item.finished_at = times[S.QC]
                cut.append((project, times[S.CUTTING], times[S.QC]))
            items.append(item)
            added.append(times[S.QUEUED])
        QueueItem.objects.bulk_create(items, batch_size=1000)
        for item, at in zip(items, added, strict=True):
            item.added_at = at  # auto_now_add set "now" on insert
        QueueItem.objects.bulk_update(items, ["added_at"], batch_size=1000)
        self._runs(cut)

    def _runs(self, cut: list) -> None:
        rng, shop = self.rng, self.shop
        groups: dict[tuple[int, Decimal], list] = defaultdict(list)
        for entry in cut:
            groups[(entry[0].material_id, entry[0].thickness_mm)].append(entry)
        runs, nests = [], []
        for key, entries in groups.items():
            while entries:
                nest = [entries.pop() for _ in range(min(len(entries), rng.randint(1, 3)))]
                started = max(e[1] for e in nest)  # every job of the nest was on the machine
                checked = min(e[2] for e in nest)  # and the run ended before the first QC
                minutes = dt.timedelta(minutes=rng.randint(10, 180))
                ended = max(started, min(started + minutes, checked))
                run = LaserRun(
                    machine=shop.machines[self.runs % len(shop.machines)],
                    operator=shop.operators[self.runs % len(shop.operators)],
                    preset=shop.presets.get(key),
                    started_at=started,
                    ended_at=ended,
                    parts_cut=sum(e[0].quantity for e in nest),
                    scrap_parts=rng.choice((0, 0, 0, 1, 2)),
                    notes="5H check done: head, height, hold-downs, hardware, hazards.",
                    recorded_by=shop.by,
                )
                self.runs += 1
                runs.append(run)
                nests.append([_run_entry(e[0]) for e in nest])
        LaserRun.objects.bulk_create(runs, batch_size=1000)
        shares = []
        for run, entries in zip(runs, nests, strict=True):
            for (project, parts, length, area), share in zip(
                entries, compute_shares([(e[2], e[3], e[1]) for e in entries]), strict=True
            ):
                shares.append(
                    LaserRunProject(
                        run=run,
                        project=project,
                        parts=parts,
                        cut_length_mm=length,
                        area_mm2=area,
                        share=share,
                    )
                )
        LaserRunProject.objects.bulk_create(shares, batch_size=1000)


def made_counts(targets: list[str]) -> str:
    made = Counter(targets)
    return ", ".join(f"{S(s).label} {made[s]}" for s in S.values if made[s])
