"""Benchmark: a quote's PDF (issue 11, part 11: a 50-line quote PDF in at most 1 s on the target
machine; this one is about 2x slower, so at most 2 s here).

    .venv/bin/python bench/quote_pdf.py [--lines 50] [--runs 5] [--save quote.pdf]

A scratch SQLite database in a temporary folder (removed at the end): migrate, a client and a job
with `--lines` measured drawings, each with its own 800 px preview PNG (a plate with holes, drawn
with Pillow as the ingest worker's previews look), and a quote of one drawing line per part
(written in bulk: only the PDF is timed). Then `finance.pdf.quote_pdf` `--runs` times: reading the
quote, each part's thumbnail (made from its preview with the cache emptied first: "cold"; taken
from the cache: "warm"), the template and WeasyPrint. Prints the median and each run's seconds,
the pages and the size; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _preview(n: int) -> bytes:
    """An 800 px preview like the worker's: a pale part with one-pixel cut lines."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (800, 560), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((40, 40, 760, 520), fill=(226, 232, 240), outline=(30, 30, 30))
    for k in range(2 + n % 6):
        x = 100 + k * 100
        draw.ellipse((x, 120, x + 40 + n % 20, 160 + n % 20), fill="white", outline=(30, 30, 30))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _quote(count: int):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from clients.services import client_create
    from finance.models import Quote, QuoteLine, QuoteLineKind
    from ingest.models import FileIngest, FileMetadata
    from inventory.models import Material
    from projects.services import project_create

    ms, _ = Material.objects.get_or_create(code="MS", defaults={"name": "Mild steel"})
    client = client_create(
        name="Bench Steel (Pty) Ltd",
        by=None,
        address="1 Bench Road\nDurban",
        vat_number="4111111111",
    )
    job = project_create(
        client=client, name="Bench", by=None, material=ms, thickness_mm=Decimal("3"), quantity=5
    )
    now = timezone.now()
    files = FileIngest.objects.bulk_create(
        FileIngest(
            client=client,
            project=job,
            original_name=f"{n:04d}-Bracket {n}-MS-3mm-x2.dxf",
            file=f"bench/part-{n}.dxf",
            stored_name=f"Bracket{n}-v001.dxf",
            part=f"Bracket {n}",
            version=1,
            sha256=f"{n:064x}",
            size_bytes=1000 + n,
            kind="dxf",
            mime="image/vnd.dxf",
            extension="dxf",
            status="processed",
            received_at=now,
            source="api",
        )
        for n in range(count)
    )
    for n, file in enumerate(files):
        metadata = FileMetadata(
            file=file,
            material_code="MS",
            thickness_mm=Decimal("3"),
            bbox_width_mm=80.0 + n,
            bbox_height_mm=100.0,
            updated_at=now,
        )
        metadata.preview.save(f"previews/bench-{n}.png", ContentFile(_preview(n)), save=False)
        metadata.save()
    quote = Quote.objects.create(
        number="QT-2026-0001",
        project=job,
        client=client,
        delivery_name="Collection",
        vat_rate=Decimal("0.15"),
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=n + 1,
            kind=QuoteLineKind.DRAWING,
            file=file,
            description=f"Bracket {n}: MS 3 mm, {80 + n} × 100 mm",
            material_code="MS",
            thickness_mm=Decimal("3"),
            width_mm=Decimal(80 + n),
            height_mm=Decimal(100),
            quantity=10,
            unit_price=Decimal("12.34"),
            line_total=Decimal("123.40"),
        )
        for n, file in enumerate(files)
    )
    total = Decimal("123.40") * count
    Quote.objects.filter(pk=quote.pk).update(
        subtotal=total,
        total_excl_vat=total,
        vat=(total * Decimal("0.15")).quantize(Decimal("0.01")),
        total_incl_vat=total + (total * Decimal("0.15")).quantize(Decimal("0.01")),
    )
    return Quote.objects.get(pk=quote.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--save", type=Path, help="write the last PDF here, to look at")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-quote-pdf-"))
    try:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            DATA_DIR=str(folder),
            MEDIA_ROOT=str(folder / "media"),
            DJANGO_SETTINGS_MODULE="laseros.settings",
            DEBUG="0",
            SITE_HTTPS="0",
            SECRET_KEY="bench-" + "x" * 50,
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        import pymupdf
        from django.core.cache import cache
        from django.core.management import call_command

        from finance.pdf import quote_pdf

        call_command("migrate", verbosity=0)
        quote = _quote(args.lines)
        quote_pdf(quote)  # fonts found, templates compiled, as in a running server
        timed: dict[str, list[float]] = {"cold": [], "warm": []}
        cpu: dict[str, list[float]] = {"cold": [], "warm": []}
        data = b""
        for kind in timed:
            for _run in range(args.runs):
                if kind == "cold":
                    cache.clear()  # every thumbnail made again from its 800 px preview
                start, used = time.perf_counter(), time.process_time()
                data = quote_pdf(quote)
                timed[kind].append(time.perf_counter() - start)
                cpu[kind].append(time.process_time() - used)
        if args.save:
            args.save.write_bytes(data)
        with pymupdf.open(stream=data, filetype="pdf") as document:
            pages = document.page_count
            pictures = len(document[0].get_images())
        for kind, what in (
            ("cold", "thumbnails made from the previews"),
            ("warm", "thumbnails from the cache, as a quote drawn again"),
        ):
            times = timed[kind]
            print(
                f"{args.lines} drawing lines, a quote PDF ({what}): median "
                f"{statistics.median(times):.2f} s of {args.runs} "
                f"({', '.join(f'{t:.2f}' for t in times)}); CPU median "
                f"{statistics.median(cpu[kind]):.2f} s (all threads)"
            )
        print(
            f"{pages} pages, {pictures} pictures, {len(data) / 1024:.0f} KiB. Goal: 1 s on the "
            "target machine, about 2 s here. Load average now "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it)."
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
