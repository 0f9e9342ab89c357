"""The demo shop's floor, for a look at /floor/: a queue on every active machine, a run in
progress (its first sheet photographed and checked, the next one waiting), and jobs in QC and
Ready. Made through production's services (queue, floor runs, sheets) after the jobs step, and
topped up only where something is missing, so running seed_demo again adds nothing."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q

from inventory.models import SheetStock
from inventory.services import stock_receive
from production.models import (
    FIVE_H,
    QUEUE_ACTIVE,
    FloorRun,
    Machine,
    Operator,
    QueueItem,
    QueueStatus,
)
from production.services import (
    SheetRecord,
    SheetsWanted,
    floor_run_start,
    floor_sheet_record,
    queue_add,
    queue_remove,
)
from production.services.floor_runs import sheets_held
from projects.models import Project, ProjectStatus

from .jobs import JobMaker, ShopContext

S = ProjectStatus
Log = Callable[[str], None]

RUN_SHEETS = 2


def seed_floor(size: int, rng: random.Random, log: Log) -> None:
    """A queue on every machine, a run in progress, and jobs in QC and Ready."""
    rng = random.Random(rng.getrandbits(64))  # this step's own generator (see shop._step_rng)
    if not Machine.objects.active().exists():
        log("floor: no active machine")
        return
    shop = ShopContext(rng, log)
    maker = JobMaker(shop)
    queued = _queue_on_every_machine(maker)
    made = _jobs_in(maker, (S.QC, S.READY))
    run = _run_in_progress(shop, rng)
    log(
        f"floor: {queued} jobs moved to machines with an empty queue, {made} jobs cut for QC "
        "and Ready, "
        + (f"run {run.pk} in progress on {run.machine.code}" if run else "no run in progress")
    )


def _queue_on_every_machine(maker: JobMaker) -> int:
    """Every machine with an empty queue gets a queued job from the busiest one (a planner
    sharing the work out); a job is made for it only when no machine has one to spare."""
    moved = 0
    for machine in Machine.objects.active().order_by("code"):
        if QueueItem.objects.filter(machine=machine, status__in=QUEUE_ACTIVE).exists():
            continue
        spare = _spare_item(exclude=machine)
        if spare is None:
            maker.make(S.QUEUED)  # queued on the default machine, as every paid job is
            spare = _spare_item(exclude=machine)
        if spare is not None:
            _move_to(spare, machine, by=maker.by)
            moved += 1
    return moved


def _spare_item(*, exclude: Machine) -> QueueItem | None:
    """The last queued item of the machine with the most active items, if it has two or more
    (it keeps a queue of its own)."""
    busiest = (
        Machine.objects.active()
        .exclude(pk=exclude.pk)
        .annotate(n=Count("queue_items", filter=Q(queue_items__status__in=QUEUE_ACTIVE)))
        .order_by("-n", "code")
        .first()
    )
    if busiest is None or busiest.n < 2:
        return None
    return (
        QueueItem.objects.filter(machine=busiest, status=QueueStatus.QUEUED)
        .select_related("project")
        .order_by("-position")
        .first()
    )


def _move_to(item: QueueItem, machine: Machine, *, by) -> None:
    """The item off its machine and onto `machine`, keeping its priority."""
    job, priority = item.project, item.priority
    queue_remove(item=item, by=by, reason=f"moved to {machine.code} to share the work")
    queue_add(project=job, machine=machine, priority=priority, by=by)


def _jobs_in(maker: JobMaker, statuses: tuple[str, ...]) -> int:
    """A job in each of `statuses` where there is none (the jobs step makes one of each status
    even in a small shop; this tops up a shop seeded before it did)."""
    made = 0
    for status in statuses:
        if not Project.objects.filter(status=status).exists():
            maker.make(status)
            made += 1
    if made:
        maker.cut_pending()
    return made


def _run_in_progress(shop: ShopContext, rng: random.Random) -> FloorRun | None:
    """A run in progress on a machine: its cutting job if it has one, else its next queued job,
    on two sheets of the job's stock (a delivery first when they are short), with the first
    sheet photographed and checked."""
    existing = FloorRun.objects.open().first()
    if existing is not None:
        return existing
    operator = Operator.objects.filter(user__username="operator", is_active=True).first()
    operator = operator or Operator.objects.filter(is_active=True).order_by("pk").first()
    if operator is None:
        return None
    for item in _candidates():
        job = item.project
        if job.material_id is None or job.thickness_mm is None:
            continue
        stock = shop.stock.get((job.material_id, job.thickness_mm))
        if stock is None:
            continue
        _enough_sheets(stock, by=shop.by)
        run = floor_run_start(
            machine=item.machine,
            operator=operator,
            projects=[item.project],
            sheets=[SheetsWanted(stock, RUN_SHEETS)],
            token=f"demo-floor-{item.machine.code}",
            notes="Nest from the morning's DXF; check the small holes on sheet 2.",
            by=operator.user,
        )
        first = run.sheets.order_by("number")[0]
        parts = max(1, min(item.project.quantity, rng.randint(4, 12)))
        floor_sheet_record(
            sheet=first,
            given=SheetRecord(
                checks=frozenset(name for name, _, _ in FIVE_H),
                parts_cut=parts,
                notes="Clean cut; light dross on the lead-ins.",
            ),
            photo=_sheet_photo(),
            by=operator.user,
        )
        return run
    return None


def _candidates() -> list[QueueItem]:
    """Active items whose job can be started: cutting ones first, then the next in each queue."""
    items = (
        QueueItem.objects.filter(status__in=QUEUE_ACTIVE, project__status__in=("queued", "cutting"))
        .exclude(project__material__isnull=True)
        .exclude(project__thickness_mm__isnull=True)
        .select_related("machine", "project__material")
        .with_queue_keys()
        .order_by("machine__code", "priority_rank", "position")
    )
    return sorted(items, key=lambda i: i.status != QueueStatus.CUTTING)


def _enough_sheets(stock: SheetStock, *, by) -> None:
    """A delivery of the stock when the run's sheets are not there (besides what runs hold)."""
    free = stock.quantity_on_hand - sheets_held([stock.pk]).get(stock.pk, 0)
    if free < RUN_SHEETS:
        stock_receive(
            stock=stock,
            quantity=RUN_SHEETS - free + 5,
            by=by,
            reason="delivery for the run on the machine",
        )
        stock.refresh_from_db()


def _sheet_photo() -> SimpleUploadedFile:
    """A photo of a cut sheet: grey plate, the parts' outlines cut out."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (1600, 1000), (148, 152, 160))
    draw = ImageDraw.Draw(picture)
    for row in range(3):
        for column in range(6):
            x, y = 80 + column * 250, 80 + row * 300
            draw.rectangle([x, y, x + 200, y + 240], fill=(40, 40, 44), outline=(220, 220, 225))
            draw.ellipse([x + 70, y + 90, x + 130, y + 150], fill=(148, 152, 160))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=82)
    return SimpleUploadedFile("demo-sheet-1.jpg", out.getvalue(), content_type="image/jpeg")
