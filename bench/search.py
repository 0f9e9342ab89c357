"""How fast global search answers in a shop of 10,000 jobs (the issue's bar: 200 ms).

    .venv/bin/python bench/search.py [--jobs 10000] [--repeats 15] [--seed 2026]
    DATABASE_URL=postgres://… .venv/bin/python bench/search.py      # the PostgreSQL path

Makes a throwaway database with Django's test-database machinery (a file in a temporary folder
on SQLite; `test_<name>` on PostgreSQL when DATABASE_URL points there), writes the shop in bulk
(bulk_create: clients and contacts, --jobs jobs, a file per job whose reading holds a page of
text for one in three, catalogue products, quotes and invoices), then runs a set of queries (words,
a word's start, codes, a file's text, nothing found) through `laseros.site.search.search` as a
superuser (every kind searched) and through GET /api/v1/search/ (the test client, in process):
the median and p95 of --repeats runs each, after one warm-up. Prints a table; asserts nothing
(the machine is shared: figures, not verdicts). The database and the folder are removed at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "base",
    "plate",
    "gate",
    "hinge",
    "bracket",
    "gusset",
    "flange",
    "cover",
    "panel",
    "frame",
    "rail",
    "stair",
    "tread",
    "bollard",
    "sign",
    "letter",
    "logo",
    "bin",
    "shelf",
    "mount",
    "clamp",
    "washer",
    "spacer",
    "tab",
    "fin",
    "rib",
    "lid",
    "door",
    "truss",
    "pipe",
    "saddle",
]
TOWNS = [
    "Durban",
    "Pinetown",
    "Kloof",
    "Hillcrest",
    "Umhlanga",
    "Ballito",
    "Westville",
    "Amanzimtoti",
    "Richards",
]
TRADES = [
    "Steelworks",
    "Welding",
    "Fabrication",
    "Engineering",
    "Structures",
    "Gates",
    "Signs",
    "Shopfitters",
]
PAGE_TEXT = (
    "General notes: all dimensions in millimetres. Material {material} {thickness} mm. "
    "Quantity {quantity} off. Deburr all edges; tolerance ±0.2 unless stated. Finish: "
    "{finish}. Drawing {drawing} revision {revision}. Customer order {order}."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs in the shop (10000)")
    parser.add_argument("--repeats", type=int, default=15, help="runs per query (15)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
    return parser.parse_args(argv)


def setup_django(data_dir: str) -> None:
    os.environ["DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(jobs: int, rng: random.Random) -> dict[str, str]:
    """The shop in bulk; returns codes the queries name (a client's, a job's, …)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from clients.models import Client, Contact
    from finance.models import Invoice, Quote
    from ingest.models import FileExtraction, FileIngest
    from inventory.models import Material
    from projects.models import Product, Project, ProjectStatus

    steel, _ = Material.objects.get_or_create(code="MS", defaults={"name": "Mild steel"})
    n_clients = max(jobs // 30, 10)
    Client.objects.bulk_create(
        Client(
            code=f"CL-{n:04d}",
            name=f"{rng.choice(TOWNS)} {rng.choice(TRADES)} {n} (Pty) Ltd",
            contact_person=f"Person {n}",
            email=f"orders{n}@client{n}.example.co.za",
            phone=f"031 555 {n:04d}",
        )
        for n in range(1, n_clients + 1)
    )
    clients = list(Client.objects.order_by("pk"))
    Contact.objects.bulk_create(
        Contact(client=c, name=f"Contact {c.pk} {k}", email=f"c{c.pk}.{k}@client.example")
        for c in clients
        for k in range(2)
    )
    now = timezone.now()
    statuses = [s.value for s in ProjectStatus]
    per_client: dict[int, int] = {}
    rows = []
    for n in range(jobs):
        client = clients[n % len(clients)]
        per_client[client.pk] = per_client.get(client.pk, 0) + 1
        month = 1 + n % 12
        rows.append(
            Project(
                code=f"JB-2026-{month:02d}-CL{client.pk:04d}-{per_client[client.pk]:03d}",
                client=client,
                name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} batch {n}",
                description=f"{rng.choice(WORDS)} and {rng.choice(WORDS)} for site {n % 97}",
                status=rng.choice(statuses),
                material=steel,
                thickness_mm=Decimal(rng.choice(["1.6", "3", "5", "8"])),
                quantity=rng.randint(1, 200),
                due_date=(now + dt.timedelta(days=rng.randint(-60, 60))).date(),
            )
        )
    Project.objects.bulk_create(rows, batch_size=1000)
    projects = list(Project.objects.order_by("pk").values_list("pk", "client_id", "code"))
    Product.objects.bulk_create(
        Product(
            sku=f"SKU-CON-{rng.choice(['BRK', 'PLT', 'GUS'])}-A-{n}x80-6-MS-v1",
            name=f"{rng.choice(WORDS).title()} {n}",
            category="CON",
            family="BRK",
            size=f"A-{n}x80",
            material=steel,
            thickness_mm=Decimal("6"),
            unit_price=Decimal("45.50"),
        )
        for n in range(1, 301)
    )
    files = [
        FileIngest(
            client_id=client_id,
            project_id=pk,
            original_name=f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{pk}.pdf",
            file=f"bench/{pk}.pdf",
            stored_name=f"CL{client_id:04d}-{code}-Part{pk}-v001.pdf",
            part=f"Part{pk}",
            version=1,
            sha256=f"{pk:064x}",
            size_bytes=10_000,
            kind="pdf",
            extension="pdf",
            status="processed",
            source="api",
        )
        for pk, client_id, code in projects
    ]
    FileIngest.objects.bulk_create(files, batch_size=1000)
    FileExtraction.objects.bulk_create(
        (
            FileExtraction(
                file_id=file_pk,
                parser="pdf",
                raw={
                    "pages": [
                        {
                            "number": 1,
                            "text": PAGE_TEXT.format(
                                material="mild steel",
                                thickness=rng.choice([3, 5, 8]),
                                quantity=rng.randint(1, 50),
                                finish=rng.choice(["galvanised", "powder coat", "raw"]),
                                drawing=f"D-{file_pk}",
                                revision=rng.randint(1, 4),
                                order=f"PO-{100000 + file_pk}",
                            ),
                        }
                    ]
                },
                created_at=now,
            )
            for file_pk in FileIngest.objects.order_by("pk").values_list("pk", flat=True)[::3]
        ),
        batch_size=1000,
    )
    picks = projects[:: max(len(projects) // 3000, 1)][:3000]
    Quote.objects.bulk_create(
        (
            Quote(
                number=f"QT-2026-{n:04d}",
                project_id=pk,
                client_id=client_id,
                status=rng.choice(["draft", "sent", "accepted"]),
                notes=f"{rng.choice(WORDS)} as drawn",
            )
            for n, (pk, client_id, _code) in enumerate(picks, start=1)
        ),
        batch_size=1000,
    )
    Invoice.objects.bulk_create(
        (
            Invoice(
                number=f"INV-2026-{n:04d}",
                project_id=pk,
                client_id=client_id,
                status="issued",
                issued_on=now.date(),
                due_on=now.date(),
                reference=f"PO-{200000 + n}",
                client_name=clients[0].name,
            )
            for n, (pk, client_id, _code) in enumerate(picks[:2000], start=1)
        ),
        batch_size=1000,
    )
    middle = projects[len(projects) // 2]
    return {
        "client code": clients[len(clients) // 2].code,
        "job code": middle[2],
        "job month": middle[2][: len("JB-2026-05")],
        "quote number": "QT-2026-1500",
        "invoice number": "INV-2026-1000",
        "file text (order no.)": f"PO-{100000 + 3 * (len(projects) // 6) + 1}",
    }


def queries(codes: dict[str, str]) -> dict[str, str]:
    return {
        "a word (bracket)": "bracket",
        "a word's start (brack)": "brack",
        "two words (gate hinge)": "gate hinge",
        "a town (kloof)": "kloof",
        "file text (galvanised)": "galvanised",
        "nothing found": "zyxwvut",
        **codes,
    }


def measure(call, repeats: int) -> tuple[float, float]:
    call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from laseros.site.search import search

    rng = random.Random(args.seed)
    started = time.perf_counter()
    codes = seed(args.jobs, rng)
    print(f"== seeded {args.jobs} jobs in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        # VACUUM as autovacuum would in a live shop: it also moves the rows just written from the
        # GIN indexes' pending lists into the indexes (else the first query measured scans them)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    user = get_user_model().objects.create_superuser("bench", password="bench-Pass-123")
    client = Client()
    client.force_login(user)
    print(f"{'query':<26} {'text':<24} {'found':>5} {'search ms':>17} {'API ms':>17}")
    print(f"{'':<26} {'':<24} {'':>5} {'median':>8} {'p95':>8} {'median':>8} {'p95':>8}")
    medians = []
    for name, text in queries(codes).items():
        found = len(search(user=user, query=text).results)
        s_median, s_p95 = measure(lambda text=text: search(user=user, query=text), args.repeats)
        a_median, a_p95 = measure(
            lambda text=text: client.get("/api/v1/search/", {"q": text}, secure=True),
            args.repeats,
        )
        medians.append(a_median)
        print(
            f"{name:<26} {text[:24]:<24} {found:>5} {s_median:>8.1f} {s_p95:>8.1f} "
            f"{a_median:>8.1f} {a_p95:>8.1f}"
        )
    print(f"== slowest API median {max(medians):.1f} ms ({connection.vendor}, {args.jobs} jobs)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = tempfile.mkdtemp(prefix="laseros-bench-")
    try:
        setup_django(folder)
        from django.db import connection
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        print(f"== throwaway database: {connection.settings_dict['NAME']} ({connection.vendor})")
        try:
            run(args)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
