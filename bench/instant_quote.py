"""Benchmark: the instant quote of a large DXF against `manage.py inspect` on it (issue 11, part
11: the instant quote of a 100,000-entity DXF in at most 1.2× the time of inspect).

    .venv/bin/python bench/instant_quote.py [--entities 100000] [--repeat 3]

What it does, all in a temporary folder removed at the end:
  1. writes the drawing with bench/dxf_analysis.py's generator (the same shuffled soup of lines,
     circles, arcs, slots and block inserts the DXF analysis bench reads);
  2. runs `manage.py inspect --json DXF` --repeat times, each a fresh process (what a person
     waits for at the command line), and takes the median wall time;
  3. in one child process with a scratch SQLite database (DATABASE_URL, DATA_DIR and MEDIA_ROOT
     point into the temporary folder): migrate, a machine at R 1 200/h, 3 mm mild steel sheets
     and a 3 mm air preset; then POSTs the drawing to /api/v1/quotes/instant/ --repeat times as a
     manager (DRF's test client, in process: a warm server, as in production) and takes the
     median wall time of the request; it also times the reading alone (the worker's
     `analyse`, the part of both that reads the drawing), warm, for the overhead of pricing.
Prints the figures and the ratios, in wall time and in CPU time (the processes' own, which a
machine busy with other work changes far less); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.2


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _inspect_once(dxf: Path, env: dict[str, str]) -> tuple[float, float]:
    """The wall time of one `manage.py inspect` and the CPU time its process used."""
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(
        [sys.executable, "manage.py", "inspect", "--json", str(dxf)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def _child(dxf: str, repeat: int) -> None:
    """In the child: a scratch shop, then time the API request and the reading alone."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    from finance.models import RATES_PK, ShopRates
    from ingest.content.context import build_parse_context
    from ingest.content.pipeline import analyse
    from inventory.models import Material, SheetStock
    from production.models import CutPreset, Machine

    ms, _ = Material.objects.get_or_create(code="MS", defaults={"name": "Mild steel"})
    Material.objects.filter(pk=ms.pk).update(density_g_cm3=Decimal("7.85"))
    machine = Machine.objects.create(code="X3", name="X3", hourly_rate=Decimal("1200"))
    SheetStock.objects.create(
        material=ms, thickness_mm=3, width_mm=1225, length_mm=2450, unit_cost=Decimal("1800")
    )
    CutPreset.objects.create(
        material=ms,
        thickness_mm=3,
        gas="AIR",
        nozzle="1.5SN",
        cut_speed_mm_min=Decimal("4000"),
        pierce_time_s=Decimal("0.5"),
    )
    ShopRates.objects.filter(pk=RATES_PK).update(machine=machine)
    user = get_user_model().objects.create_user("bench", is_staff=True)
    user.groups.add(Group.objects.get(name="Manager"))
    client = APIClient()
    client.force_authenticate(user)
    content = Path(dxf).read_bytes()

    def quote() -> tuple[float, float, dict]:
        upload = SimpleUploadedFile("bench-MS-3mm-x10.dxf", content)
        data = {"file": upload, "material": "MS", "thickness_mm": "3", "quantity": "10"}
        start, cpu = time.perf_counter(), time.process_time()
        response = client.post("/api/v1/quotes/instant/", data, format="multipart")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if response.status_code != 200:
            raise SystemExit(
                f"the instant quote answered {response.status_code}: {response.content!r}"
            )
        return elapsed, cpu, response.json()

    def read_alone() -> float:
        context = build_parse_context(original_name="bench.dxf", make_preview=False)
        start = time.perf_counter()
        analyse(Path(dxf), context)
        return time.perf_counter() - start

    quote()  # the first request loads ezdxf and numpy, as a server's first drawing does
    quotes, cpus, answers, readings = [], [], [], []
    for _ in range(repeat):
        elapsed, cpu, answer = quote()
        quotes.append(elapsed)
        cpus.append(cpu)
        answers.append(answer)
        readings.append(read_alone())
    print(
        json.dumps(
            {
                "quote": statistics.median(quotes),
                "quote_cpu": statistics.median(cpus),
                "read": statistics.median(readings),
                "total_excl_vat": answers[-1]["total_excl_vat"],
                "cut_length_mm": answers[-1]["cut_length_mm"],
                "machine_minutes": answers[-1]["machine_minutes"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.repeat)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dxf_analysis import generate

    with tempfile.TemporaryDirectory(prefix="bench-instant-quote-") as folder:
        where = Path(folder)
        dxf = where / "bench.dxf"
        counts = generate(dxf, args.entities)
        print(
            f"drawing: {sum(counts.values()):,} entities ({counts}), "
            f"{dxf.stat().st_size / 1e6:.1f} MB"
        )
        env = {
            **os.environ,
            "DATA_DIR": str(where / "data"),
            "MEDIA_ROOT": str(where / "media"),
            "DATABASE_URL": f"sqlite:///{where / 'bench.sqlite3'}",
            "DEBUG": "0",
            "SITE_HTTPS": "0",
            "SECRET_KEY": "bench-" + "x" * 50,
        }
        (where / "data").mkdir()
        inspect_runs = [_inspect_once(dxf, env) for _ in range(args.repeat)]
        inspect = statistics.median(wall for wall, _ in inspect_runs)
        inspect_cpu = statistics.median(cpu for _, cpu in inspect_runs)
        print(
            f"manage.py inspect: median {inspect:.2f} s wall, {inspect_cpu:.2f} s CPU of "
            f"{args.repeat} runs"
        )
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(dxf), "--repeat", str(args.repeat)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            raise SystemExit(f"the instant-quote child failed:\n{child.stderr[-3000:]}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        quote, read = figures["quote"], figures["read"]
        print(
            f"instant quote (POST /api/v1/quotes/instant/, warm): median {quote:.2f} s wall, "
            f"{figures['quote_cpu']:.2f} s CPU "
            f"(R {figures['total_excl_vat']} excl. VAT, {figures['cut_length_mm']} mm, "
            f"{figures['machine_minutes']} min)"
        )
        print(f"the reading alone (analyse, warm): median {read:.2f} s")
        ratio = quote / inspect
        verdict = "within" if ratio <= GOAL else "OVER"
        print(f"instant quote ÷ inspect = {ratio:.2f} ({verdict} the goal of {GOAL}×)")
        cpu_ratio = figures["quote_cpu"] / inspect_cpu
        print(
            f"in CPU time (what a busy machine does not change): {cpu_ratio:.2f} "
            f"({'within' if cpu_ratio <= GOAL else 'OVER'} the goal)"
        )
        print(f"instant quote ÷ the reading alone = {quote / read:.2f} (pricing and upload cost)")


if __name__ == "__main__":
    main()
