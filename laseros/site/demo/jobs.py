"""The demo shop's jobs made through the services (JobMaker), and what every job maker shares:
the shop it looks up (ShopContext), the manager it acts as, the moves a job walks and their
reasons. Past a representative number the rest are written in bulk (laseros.site.demo.bulk) so
`seed_demo --size 10000` finishes in minutes.

Service-made jobs carry everything a real job does: documents (a design file, the quote, the
proof of payment), each move through `project_transition`, production's queue and laser runs
that took sheets from stock, and the audit trail.

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
from django.utils import timezone

from clients.models import Client
from ingest.models import FileIngest
from inventory.models import Material, SheetStock
from inventory.services import offcut_create, stock_receive
from laseros.workdays import add_working_days
from production.models import QUEUE_ACTIVE, CutPreset, Machine, Operator, QueueItem
from production.services import (
    queue_approved_on_account,
    queue_paid_project,
    queue_remove,
    queue_start,
    run_record,
)
from projects.models import DocumentKind, Product, Project, ProjectPriority, ProjectStatus
from projects.services import (
    project_create,
    project_document_add,
    project_line_add,
    project_payment_received,
    project_quote_sent,
    project_transition,
    project_update,
)

from .files import ingest_job_drawing
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
            queue_remove(item=item, by=self.by, reason=reason)  # the job goes back to Paid
        project.refresh_from_db()
        if project.status != S.PAID:
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
                queue_start(item=item, by=self.by)  # the job goes into Cutting with its item
                project.refresh_from_db()
            if project.status != S.CUTTING:
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


def made_counts(targets: list[str]) -> str:
    made = Counter(targets)
    return ", ".join(f"{S(s).label} {made[s]}" for s in S.values if made[s])
