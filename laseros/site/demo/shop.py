"""The domain's demo steps (clients, projects, stock, production), run in order by seed_demo.

This module sits at the top layer: it may import every app. Records are written through the
apps' services, so the demo shop obeys the same rules, history and audit trail as a real one:
jobs are walked from Request to their status by `project_transition` (design files and quotes
attached through `project_document_add`, payments recorded with their amount and proof by
`project_payment_received`), paid jobs are queued by production's `queue_paid_project` (a client
on account's on approval, by `queue_approved_on_account`), cut ones have laser runs that took
their sheets from stock. Past SERVICE_JOBS jobs and SERVICE_CLIENTS clients the rest is written
in bulk with the same shape (laseros.site.demo.bulk says what bulk rows lack), so `--size 10000`
takes a minute or two, not hours.

`seed_demo --size N` makes N jobs in every status, about N/5 clients (at least 3), a product
catalogue, the materials of DOMAIN.md, two machines, operators, cut presets, sheet stock (some
of it below its reorder level), a queue and runs. The same --seed makes the same shop. Each step
tops up what is missing, so running it again adds nothing that is already there.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from clients.models import Client
from clients.services import client_create, contact_create
from inventory.constants import MATERIALS
from inventory.models import Material, SheetStock
from inventory.services import material_save, stock_adjust, stock_create
from laseros.site.demo.bulk import BulkJobs, bulk_clients
from laseros.site.demo.files import seed_files
from laseros.site.demo.jobs import JobMaker, ShopContext, demo_manager, made_counts
from production.models import CutPreset, Machine, Operator
from production.services import machine_save, operator_save, preset_create
from projects.models import Product, Project, ProjectStatus
from projects.services import product_create

S = ProjectStatus
Log = Callable[[str], None]
D = Decimal

# --- the plan ---------------------------------------------------------------------------------

# How a shop's jobs are spread over the statuses (most are done; a few wait on each step).
STATUS_WEIGHTS = {
    S.REQUEST: 7,
    S.QUOTING: 11,
    S.APPROVED: 7,
    S.PAID: 1,
    S.QUEUED: 8,
    S.CUTTING: 3,
    S.QC: 3,
    S.READY: 5,
    S.COMPLETED: 45,
    S.ON_HOLD: 4,
    S.CANCELLED: 6,
}


def status_plan(size: int) -> list[str]:
    """`size` statuses: one of each first (so even a small shop shows them all), then the rest
    in proportion to STATUS_WEIGHTS (largest remainders), in the table's order."""
    statuses = list(STATUS_WEIGHTS)
    first = statuses[: min(size, len(statuses))]
    rest = size - len(first)
    total = sum(STATUS_WEIGHTS.values())
    shares = {s: rest * w / total for s, w in STATUS_WEIGHTS.items()}
    counts = {s: int(v) for s, v in shares.items()}
    for s in sorted(statuses, key=lambda s: shares[s] - counts[s], reverse=True)[
        : rest - sum(counts.values())
    ]:
        counts[s] += 1
    return first + [s for s in statuses for _ in range(counts[s])]


def _step_rng(rng: random.Random) -> random.Random:
    """Each step draws its own generator from the shared one: a step that has nothing to do
    (already seeded) does not change what the steps after it make."""
    return random.Random(rng.getrandbits(64))


_manager = demo_manager

# Past these numbers the rest is written in bulk (see laseros.site.demo.bulk): the services take a
# few hundred queries per job, too slow for `--size 10000`; these many show every path in full.
SERVICE_JOBS = 120
SERVICE_CLIENTS = 40


# --- materials ----------------------------------------------------------------------------------


def seed_materials(size: int, rng: random.Random, log: Log) -> None:
    """DOMAIN.md's materials with their densities, the names users type and machine limits."""
    by = _manager()
    existing = set(Material.objects.values_list("code", flat=True))
    made = 0
    for spec in MATERIALS:
        if spec.code in existing:
            continue
        material_save(
            material=Material(
                code=spec.code,
                name=spec.name,
                density_g_cm3=spec.density_g_cm3,
                aliases=list(spec.aliases),
                max_thickness_mm=spec.max_thickness_mm,
            ),
            by=by,
        )
        made += 1
    there = Material.objects.filter(code__in=[m.code for m in MATERIALS]).count()
    log(
        f"materials: {there} of the {len(MATERIALS)} in DOMAIN.md there ({made} added by this step)"
    )


# --- clients ----------------------------------------------------------------------------------

_FIRST = (
    "Umgeni", "Tugela", "Berea", "Msunduzi", "Pinetown", "Drakensberg", "Umhlanga", "Ballito",
    "Hillcrest", "Westville", "Amanzimtoti", "Richards Bay", "Howick", "Verulam", "Mobeni",
    "Prospecton", "Jacobs", "Cato Ridge", "Isipingo", "Tongaat", "Kloof", "Queensburgh",
    "Shongweni", "Camperdown",
)  # fmt: skip
_SECOND = (
    "Steel", "Engineering", "Fabrication", "Signs", "Structures", "Gates", "Brackets",
    "Metalworks", "Shopfitters", "Trailers", "Balustrades", "Welding", "Projects", "Industrial",
)  # fmt: skip
_SUFFIX = ("(Pty) Ltd", "CC", "Pty Ltd", "& Sons", "Works", "")
_PEOPLE = (
    "Thandi Mkhize", "Sipho Ndlovu", "Priya Naidoo", "Johan van Wyk", "Ayesha Moosa",
    "Bongani Zulu", "Karen Pillay", "Pieter Botha", "Nomvula Dlamini", "Rajesh Govender",
    "Lindiwe Khumalo", "Francois du Toit", "Zanele Mthembu", "Devan Reddy", "Anele Shabalala",
)  # fmt: skip
_ROLES = ("buyer", "accounts", "site foreman", "owner", "draughtsman")


def client_count(size: int) -> int:
    return max(3, size // 5)


def _client_details(rng: random.Random, serial: int, names: set[str]) -> dict:
    name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {rng.choice(_SUFFIX)}".strip()
    if name in names:
        name = f"{name} {serial}"
    names.add(name)
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    person = rng.choice(_PEOPLE)
    return {
        "name": name,
        "contact_person": person,
        "email": f"orders@{slug}.example.co.za",
        "phone": f"031 {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
        "address": f"{rng.randint(1, 200)} Main Road, {rng.choice(_FIRST)}, KwaZulu-Natal",
        "vat_number": f"4{rng.randint(100000000, 999999999)}" if rng.random() < 0.7 else "",
        "payment_terms": rng.choice(
            [Client.PaymentTerms.PREPAID] * 6 + [Client.PaymentTerms.NET30, "cod"]
        ),
        "person": person,
        "role": rng.choice(_ROLES),
    }


def seed_clients(size: int, rng: random.Random, log: Log) -> None:
    """About one client for every five jobs (at least 3), each with one or two contacts; the
    first SERVICE_CLIENTS through the services, the rest in bulk."""
    rng = _step_rng(rng)
    by = _manager()
    wanted = client_count(size)
    have = Client.objects.count()
    names = set(Client.objects.values_list("name", flat=True))
    made = 0
    while have + made < min(wanted, SERVICE_CLIENTS):
        details = _client_details(rng, have + made + 1, names)
        if have + made == 1:  # the second client is on account, so every shop shows one
            details["payment_terms"] = Client.PaymentTerms.NET30
        person, role = details.pop("person"), details.pop("role")
        slug = details["email"].split("@")[1]
        client = client_create(by=by, **details)
        contact_create(
            client=client,
            name=person,
            by=by,
            role=role,
            email=f"{person.split()[0].lower()}@{slug}",
            phone=client.phone,
            is_primary=True,
        )
        if rng.random() < 0.5:
            other = rng.choice([p for p in _PEOPLE if p != person])
            contact_create(
                client=client, name=other, by=by, role="accounts", email=f"accounts@{slug}"
            )
        made += 1
    serial = have + made
    bulk = bulk_clients(
        wanted - have - made,
        lambda: _client_details(rng, serial + len(names), names),
        log,
    )
    log(f"clients: {made + bulk} added ({bulk} in bulk; {Client.objects.count()} in all)")


# --- products ---------------------------------------------------------------------------------

# (category, family, name, material, thicknesses, sizes, unit price per mm of thickness)
_FAMILIES = (
    ("CON", "BRK", "Mounting bracket", "MS", ("3", "5", "6"), ("A-80x80", "A-100x100", "L-50x50")),
    ("CON", "PLT", "Base plate", "MS", ("8", "10", "12"), ("200x200", "250x250", "300x300")),
    ("CON", "GUS", "Gusset", "MS", ("6", "8", "10"), ("100x100", "150x150")),
    ("STR", "TRD", "Stair tread", "VAST", ("4", "5"), ("250x900", "280x1000")),
    ("SGN", "LTR", "Sign letters", "SS", ("1", "2"), ("H-100", "H-200", "H-300")),
    ("SGN", "PNL", "Sign panel", "ACR", ("3", "5"), ("600x400", "900x600")),
    ("CVR", "BOX", "Gas cover box", "GALV", ("1", "1.2"), ("400x600", "600x800")),
    ("CVR", "DRN", "Drain cover", "GALV", ("1.2", "2"), ("150x1000", "200x1000")),
    ("AUT", "MNT", "Mount plate", "AL", ("3", "5"), ("100x150", "150x200")),
)  # fmt: skip


def product_count(size: int) -> int:
    return max(5, min(120, size // 20))


def seed_products(size: int, rng: random.Random, log: Log) -> None:
    """A SKU catalogue of the shop's recurring parts (brackets, base plates, treads, signs)."""
    rng = _step_rng(rng)
    by = _manager()
    materials = {m.code: m for m in Material.objects.all()}
    existing = set(Product.objects.values_list("sku", flat=True))
    combos = [
        (cat, fam, name, mat, thickness, item_size)
        for cat, fam, name, mat, thicknesses, sizes in _FAMILIES
        for item_size in sizes
        for thickness in thicknesses
    ]
    rng.shuffle(combos)
    wanted = min(product_count(size), len(combos))
    made = 0
    for cat, fam, name, mat, thickness, item_size in combos:
        if len(existing) >= wanted:
            break
        sku = f"SKU-{cat}-{fam}-{item_size}-{thickness}-{mat}-v1"
        if sku in existing:
            continue
        price = (D(thickness) * D(rng.randint(8, 40))).quantize(D("0.01"))
        product_create(
            name=f"{name} {item_size} {thickness}mm",
            unit_price=price,
            by=by,
            category=cat,
            family=fam,
            size=item_size,
            material=materials[mat],
            thickness_mm=D(thickness),
        )
        existing.add(sku)
        made += 1
    log(f"products: {made} added ({len(existing)} in the catalogue)")


# --- machines and operators --------------------------------------------------------------------


# What an hour of a 3 kW fibre laser costs a small shop (power, gas, wear, the operator), a demo
# figure: a job's page counts its cost so far at it (an empty rate leaves machine time uncosted).
DEMO_HOURLY_RATE = Decimal("1200.00")


def seed_machines(size: int, rng: random.Random, log: Log) -> None:
    """The Golden Laser X3 fibre the shop runs, a second machine, and operators for both."""
    by = _manager()
    machines = (
        Machine(
            code="X3",
            name="Golden Laser X3",
            machine_model="Golden Laser X3 fibre",
            controller="CypCut (FSCUT)",
            power_w=3000,
            max_sheet_width_mm=1500,
            max_sheet_length_mm=3000,
            hourly_rate=DEMO_HOURLY_RATE,
            notes="The shop's main machine.",
        ),
        Machine(
            code="X3B",
            name="Golden Laser X3 (second)",
            machine_model="Golden Laser X3 fibre",
            controller="CypCut (FSCUT)",
            power_w=3000,
            max_sheet_width_mm=1500,
            max_sheet_length_mm=3000,
            hourly_rate=DEMO_HOURLY_RATE,
            notes="Demo second machine: nothing assumes one.",
        ),
    )
    made = 0
    for machine in machines:
        if not Machine.objects.filter(code=machine.code).exists():
            machine_save(machine=machine, by=by)
            made += 1
    User = get_user_model()
    for username, display in (("operator", "Sipho (operator)"), ("manager", "Thandi (manager)")):
        user = User.objects.get(username=username)
        if not Operator.objects.filter(user=user).exists():
            operator_save(operator=Operator(user=user, display_name=display), by=by)
    log(f"machines: {made} added; operators: {Operator.objects.count()}")


# --- presets ----------------------------------------------------------------------------------

# Published fibre-laser speeds, mild steel at 3 kW (DOMAIN.md), m/min: the middle of each range,
# others interpolated; stainless and aluminium cut slower with nitrogen/air.
_MS_SPEED_M_MIN = {
    "1": 35,
    "1.2": 28,
    "1.6": 16,
    "2": 6.2,
    "2.5": 5.0,
    "3": 4.2,
    "4": 3.4,
    "5": 3.0,
    "6": 2.7,
    "8": 1.8,
    "10": 1.3,
    "12": 1.0,
    "16": 0.7,
}
_PRESET_GRID = (
    ("MS", "AIR", "1.5SN", ("1", "1.2", "1.6", "2", "2.5", "3", "4", "5", "6")),
    ("MS", "O2", "1.2D", ("3", "4", "5", "6", "8", "10", "12", "16")),
    ("SS", "N2", "1.5SN", ("1", "1.2", "1.6", "2", "3", "5")),
    ("GALV", "AIR", "1.5SN", ("0.9", "1", "1.2", "1.6", "2")),
    ("AL", "N2", "1.5SN", ("1.2", "2", "3", "4", "5")),
    ("VAST", "AIR", "1.5SN", ("4", "5", "6")),
    ("ACR", "AIR", "2SN", ("3", "5")),
)
_SPEED_FACTOR = {"MS": 1.0, "SS": 0.7, "GALV": 0.9, "AL": 0.6, "VAST": 0.9, "ACR": 1.0}


def _ms_speed(thickness: str) -> float:
    if thickness in _MS_SPEED_M_MIN:
        return _MS_SPEED_M_MIN[thickness]
    known = sorted((D(k), v) for k, v in _MS_SPEED_M_MIN.items())
    t = D(thickness)
    below = max((k for k in known if k[0] <= t), default=known[0])
    above = min((k for k in known if k[0] >= t), default=known[-1])
    if below[0] == above[0]:
        return below[1]
    share = float((t - below[0]) / (above[0] - below[0]))
    return below[1] + (above[1] - below[1]) * share


def seed_presets(size: int, rng: random.Random, log: Log) -> None:
    """Cut presets for the common material × thickness × gas, with realistic speeds and pierce
    times (thin sheet 0.3–0.8 s, thick plate 1–2.5 s)."""
    by = _manager()
    materials = {m.code: m for m in Material.objects.all()}
    existing = {
        (p.material_id, p.thickness_mm, p.gas, p.nozzle, p.note)
        for p in CutPreset.objects.filter(note="")
    }
    made = 0
    for code, gas, nozzle, thicknesses in _PRESET_GRID:
        material = materials[code]
        for thickness in thicknesses:
            t = D(thickness)
            if (material.pk, t.quantize(D("0.01")), gas, nozzle, "") in existing:
                continue
            speed = _ms_speed(thickness) * _SPEED_FACTOR[code]
            if code == "MS" and gas == "O2":
                speed *= 0.85  # oxygen cuts thick plate cleanly, a little slower
            pierce = 0.3 + float(t) * 0.12 if t <= 3 else min(2.5, 0.6 + float(t) * 0.12)
            preset_create(
                by=by,
                material=material,
                thickness_mm=t,
                gas=gas,
                nozzle=nozzle,
                name=f"{thickness}mm {gas.title() if gas == 'AIR' else gas} {code} {nozzle}",
                cut_speed_mm_min=D(str(round(speed * 1000, -1))),
                peak_power_w=3000,
                actual_power_w=min(3000, int(900 + float(t) * 250)),
                duty_cycle_pct=D("100"),
                pulse_frequency_hz=5000,
                gas_pressure_bar=D("0.8") if gas == "O2" else D("12") + t / 2,
                nozzle_height_mm=D("0.8") if gas == "O2" else D("0.5"),
                focus_position_mm=D(str(round(float(t) / 3, 1))) if gas == "O2" else -t / 2,
                pierce_time_s=D(str(round(pierce, 2))),
                pierce_power_w=min(3000, int(1200 + float(t) * 150)),
                corner_power_pct=D("60"),
                kerf_mm=D(str(round(0.1 + float(t) * 0.02, 3))),
                notes="Demo preset from published 3 kW figures; tune on the machine.",
            )
            made += 1
    log(f"presets: {made} added ({CutPreset.objects.count()} in all)")


# --- stock ------------------------------------------------------------------------------------

_STOCK_GRID = (
    ("MS", (1225, 2450), ("1", "1.6", "2", "3", "4", "5", "6", "8", "10", "12", "16"), 1800),
    ("MS", (1500, 3000), ("3", "6", "10"), 2700),
    ("SS", (1225, 2450), ("1", "1.2", "2", "3", "5"), 6000),
    ("GALV", (1225, 2450), ("0.9", "1", "1.2", "1.6", "2"), 1000),
    ("AL", (1250, 2500), ("1.2", "2", "3", "5"), 2400),
    ("VAST", (1225, 2450), ("4", "5", "6"), 2100),
    ("ACR", (1220, 2440), ("3", "5"), 800),
)
_LOCATIONS = ("Rack A", "Rack B", "Rack C", "Yard")


def _price(base: int, thickness: str) -> Decimal:
    return (D(base) * D(thickness) / D(3)).quantize(D("1")) if D(thickness) > 1 else D(base)


def seed_stock(size: int, rng: random.Random, log: Log) -> None:
    """Sheet stock of the common materials, thicknesses and sizes; counts scale with the shop."""
    rng = _step_rng(rng)
    by = _manager()
    materials = {m.code: m for m in Material.objects.all()}
    scale = max(1, size // 200)
    made = 0
    for index, (code, (width, length), thicknesses, base_price) in enumerate(_STOCK_GRID):
        for thickness in thicknesses:
            t = D(thickness).quantize(D("0.01"))
            location = _LOCATIONS[index % len(_LOCATIONS)]
            if SheetStock.objects.filter(
                material=materials[code], thickness_mm=t, width_mm=width, length_mm=length
            ).exists():
                continue
            level = rng.randint(2, 6) * scale
            stock_create(
                material=materials[code],
                thickness_mm=t,
                width_mm=width,
                length_mm=length,
                by=by,
                opening_quantity=level + rng.randint(2, 12) * scale,
                reorder_level=level,
                reorder_quantity=level * 2,
                location=location,
                unit_cost=_price(base_price, thickness),
                supplier=rng.choice(("Macsteel", "Allied Steelrode", "Aluminium City")),
            )
            made += 1
    log(f"stock: {made} kinds of sheet added")


def seed_stock_take(size: int, rng: random.Random, log: Log) -> None:
    """After the runs: a stock take that leaves about a quarter of the stock at or below its
    reorder level (the low-stock list and reorder suggestions have something to show)."""
    rng = _step_rng(rng)
    by = _manager()
    stocks = list(SheetStock.objects.order_by("pk"))
    low = 0
    for stock in stocks:
        if stock.quantity_on_hand <= stock.reorder_level:
            low += 1
            continue
        if rng.random() < 0.25 or low == 0:
            counted = rng.randint(0, stock.reorder_level)
            stock_adjust(stock=stock, counted=counted, by=by, reason="stock take (demo)")
            low += 1
    log(f"stock take: {low} of {len(stocks)} kinds of sheet at or below their reorder level")


def _plan_for_step(size: int, paid_step: bool) -> list[str]:
    plan = status_plan(size)
    return [s for s in plan if (s == S.PAID) == paid_step]


def seed_paid_jobs(size: int, rng: random.Random, log: Log) -> None:
    """Jobs whose proof of payment is in, waiting in Paid because a manager took them off the
    queue with a reason (production queues every paid job on a machine as its payment commits;
    this step runs after the machines exist)."""
    rng = _step_rng(rng)
    wanted = len(_plan_for_step(size, paid_step=True))
    have = Project.objects.filter(status=S.PAID).count()
    if have >= wanted:
        log(f"paid jobs: {have} already")
        return
    shop = ShopContext(rng, log)
    through_services = min(wanted - have, max(0, 3 - have))
    maker = JobMaker(shop)
    for _ in range(through_services):
        maker.make(S.PAID)
    bulk = BulkJobs(shop).make([S.PAID] * (wanted - have - through_services))
    log(f"paid jobs: {wanted - have} added ({bulk} in bulk)")


def job_plan(size: int, rng: random.Random) -> list[str]:
    """The statuses of the jobs the jobs step makes: one of each first, the rest shuffled."""
    plan = _plan_for_step(size, paid_step=False)
    first, rest = plan[: len(STATUS_WEIGHTS) - 1], plan[len(STATUS_WEIGHTS) - 1 :]
    rng.shuffle(rest)
    return first + rest


def seed_jobs(size: int, rng: random.Random, log: Log) -> None:
    """The shop's jobs in every status: the first SERVICE_JOBS walked there through the
    services (queue, runs and stock included), the rest written in bulk."""
    rng = _step_rng(rng)
    plan = job_plan(size, rng)
    have = Project.objects.exclude(status=S.PAID).count()
    todo = plan[have:]
    if not todo:
        log(f"jobs: {have} already")
        return
    shop = ShopContext(rng, log)
    service, bulk = todo[: max(0, SERVICE_JOBS - have)], todo[max(0, SERVICE_JOBS - have) :]
    # Jobs that will be cut go first, in batches, so their queue items come and go at the end
    # of the queue; the ones that stay queued or cutting are placed last.
    order = {S.COMPLETED: 0, S.READY: 0, S.QC: 0, S.CUTTING: 2, S.QUEUED: 3}
    service.sort(key=lambda s: order.get(s, 1))
    maker = JobMaker(shop)
    started = timezone.now()
    for target in service:
        maker.make(target)
        if len(maker.pending_cut) >= 25:
            maker.cut_pending()
    maker.cut_pending()
    seconds = (timezone.now() - started).total_seconds()
    log(f"jobs through the services: {made_counts(service)} ({seconds:.1f} s)")
    bulk_maker = BulkJobs(shop)
    if bulk:
        started = timezone.now()
        batch = 2000
        for index in range(0, len(bulk), batch):
            bulk_maker.make(bulk[index : index + batch])
        seconds = (timezone.now() - started).total_seconds()
        log(f"jobs in bulk: {made_counts(bulk)} ({seconds:.1f} s)")
    log(f"jobs: {len(todo)} added, {maker.runs + bulk_maker.runs} laser runs")


# Ingested drawings for the first jobs (laseros.site.demo.files): every file goes through the whole pipeline
# (type, checksum, stored name, parsing), so a bigger shop gets the same few dozen, not one each.
DEMO_FILE_JOBS = 30


def seed_drawings(size: int, rng: random.Random, log: Log) -> None:
    """Drawings for the first jobs, ingested through ingest's pipeline (demo.files.seed_files)."""
    seed_files(min(size, DEMO_FILE_JOBS), rng, log)
