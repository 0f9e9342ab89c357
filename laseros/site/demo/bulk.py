"""The demo shop's jobs (and clients) written in bulk, past the representative number made
through the services (laseros.site.demo.jobs), so `seed_demo --size 10000` finishes in minutes.

Bulk jobs are rows written directly in batches with the same shape as service-made ones: a code
from the client's monthly sequence (moved past), the history of every move with its time and
reason, lines, queue items with gap-free positions, runs with their shares, and each paid job's
payment (the amount and its proof of payment, a PDF stored with the job). They have no other
documents (their Request → Quoting move records the design-file gate as overridden, with that
reason), their runs take no sheets from stock, and they have no audit entries (the hash-chained
trail is written one entry at a time by `laseros.audit.record`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from clients.models import Client, Contact
from laseros.models import CodeSequence
from laseros.sequences import bump_to
from laseros.workdays import add_working_days
from production.models import QUEUE_ACTIVE, LaserRun, LaserRunProject, QueueItem, QueueStatus
from production.services import compute_shares
from projects.models import (
    DocumentKind,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectStatus,
    ProjectStatusChange,
)
from projects.services import due_date_after_payment, project_sequence_key, quote_dates
from projects.services.jobs import rand

from .files import job_part, plate_measures
from .jobs import (
    CANCEL_REASONS,
    HOLD_REASONS,
    MAIN_LINE,
    OFF_THE_QUEUE_REASONS,
    STEP_REASONS,
    ShopContext,
    demo_manager,
)
from .payments import paid_for, proof_of_payment_name, proof_of_payment_pdf

S = ProjectStatus
D = Decimal
Log = Callable[[str], None]


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
