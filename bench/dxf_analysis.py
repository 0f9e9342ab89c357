"""Benchmark: DXF analysis (DxfParser.parse) against bare ezdxf.readfile on the same file.

    .venv/bin/python bench/dxf_analysis.py [--entities 100000] [--repeat 3] [--tracemalloc]

Generates a drawing of N entities (a shuffled soup of LINEs forming closed squares, CIRCLEs,
ARCs closed by a LINE, LWPOLYLINE slots with bulges, INSERTs of a small bracket block) in a
temporary folder, then measures each case in a fresh subprocess (so that peak RSS is fair):

  readfile  ezdxf.readfile(path)
  parse     DxfParser().parse(path, ParseContext())   (loading included, preview included)

Both subprocesses import the same modules before the clock starts, so the interpreter
baseline is the same. Peak memory is ru_maxrss; "above baseline" subtracts the RSS measured
after imports. With --tracemalloc, Python-allocation peaks are measured too (extra runs,
slower; not used for timing). Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


def generate(path: Path, n_entities: int, seed: int = 2025) -> dict[str, int]:
    """Write the benchmark drawing; returns the entity counts."""
    import ezdxf

    rng = random.Random(seed)
    doc = ezdxf.new("R2018")
    doc.header["$INSUNITS"] = 4
    bracket = doc.blocks.new("BRACKET")
    bracket.add_lwpolyline([(0, 0), (30, 0), (30, 20, 0.4), (0, 20)], format="xyb", close=True)
    bracket.add_circle((8, 10), 3)
    bracket.add_circle((22, 10), 3)

    specs: list[tuple] = []
    counts = {"LINE": 0, "CIRCLE": 0, "ARC": 0, "LWPOLYLINE": 0, "INSERT": 0}
    cell = 0
    while sum(counts.values()) < n_entities:
        x, y = (cell % 200) * 40.0, (cell // 200) * 40.0
        kind = cell % 6
        cell += 1
        if kind in (0, 1):  # a square as four loose lines, random directions
            pts = [(x, y), (x + 25, y), (x + 25, y + 25), (x, y + 25)]
            for i in range(4):
                a, b = pts[i], pts[(i + 1) % 4]
                specs.append(("LINE", b, a) if rng.random() < 0.5 else ("LINE", a, b))
            counts["LINE"] += 4
        elif kind == 2:
            specs.append(("CIRCLE", (x + 12, y + 12), 10))
            counts["CIRCLE"] += 1
        elif kind == 3:  # a D shape: half circle plus its diameter
            specs.append(("ARC", (x + 12, y + 5), 10, 0, 180))
            specs.append(("LINE", (x + 2, y + 5), (x + 22, y + 5)))
            counts["ARC"] += 1
            counts["LINE"] += 1
        elif kind == 4:  # a slot with round ends
            specs.append(("SLOT", [(x + 5, y + 5, 0), (x + 25, y + 5, 1), (x + 25, y + 15, 0),
                                   (x + 5, y + 15, 1)]))  # fmt: skip
            counts["LWPOLYLINE"] += 1
        else:
            specs.append(("INSERT", (x, y), rng.choice((0, 90, 180))))
            counts["INSERT"] += 1
    rng.shuffle(specs)
    msp = doc.modelspace()
    for spec in specs:
        if spec[0] == "LINE":
            msp.add_line(spec[1], spec[2])
        elif spec[0] == "CIRCLE":
            msp.add_circle(spec[1], spec[2])
        elif spec[0] == "ARC":
            msp.add_arc(*spec[1:])
        elif spec[0] == "SLOT":
            msp.add_lwpolyline(spec[1], format="xyb", close=True)
        else:
            rotation = spec[2]
            msp.add_blockref("BRACKET", spec[1], dxfattribs={"rotation": rotation})
    doc.saveas(path)
    return counts


def _measure(mode: str, path: str, use_tracemalloc: bool) -> None:
    """Child process: import everything, then time one case and print JSON."""
    import resource
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    import ezdxf

    from ingest.parsers.base import ParseContext
    from ingest.parsers.dxf import DxfParser

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if use_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    cpu_start = time.process_time()
    if mode == "readfile":
        doc = ezdxf.readfile(path)
        summary = {"entities": len(doc.modelspace())}
    else:
        result = DxfParser().parse(Path(path), ParseContext())
        md = result.metadata
        summary = {
            k: md[k]
            for k in (
                "cut_length_mm",
                "pierce_count",
                "part_count",
                "closed_contours",
                "open_contours",
            )
        }
        summary["holes"] = result.raw["hole_count"]
        summary["warnings"] = [w.code for w in result.warnings]
        summary["preview_bytes"] = len(result.preview_png or b"")
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_py = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_rss_mb": peak / 1024,
                "baseline_rss_mb": baseline / 1024,
                "tracemalloc_peak_mb": None if peak_py is None else peak_py / 2**20,
                "summary": summary,
            }
        )
    )


def _run(mode: str, path: Path, use_tracemalloc: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(path)]
    if use_tracemalloc:
        cmd.append("--tracemalloc")
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("PATH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(generate(Path(args.generate[0]), int(args.generate[1]))))
        return
    if args.child:
        _measure(args.child[0], args.child[1], args.tracemalloc)
        return

    with tempfile.TemporaryDirectory(prefix="dxf-bench-") as tmp:
        path = Path(tmp) / "bench.dxf"
        t = time.perf_counter()
        # In a child too: Linux carries a process's peak RSS across fork and exec, so a big
        # parent would inflate every measurement it spawns.
        out = subprocess.run(
            [sys.executable, __file__, "--generate", str(path), str(args.entities)],
            check=True,
            capture_output=True,
            text=True,
        )
        counts = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"generated {sum(counts.values()):,} entities {counts}")
        print(f"  {path.stat().st_size / 2**20:.1f} MiB in {time.perf_counter() - t:.1f} s")

        runs: dict[str, list[dict]] = {"readfile": [], "parse": []}
        for i in range(args.repeat):
            for mode in ("readfile", "parse"):  # interleaved, so drift hits both alike
                runs[mode].append(_run(mode, path))
            print(f"  run {i + 1}/{args.repeat} done")

        def med(mode: str, key: str) -> float:
            return statistics.median(r[key] for r in runs[mode])

        rows = {}
        for mode in ("readfile", "parse"):
            rows[mode] = {
                "wall": med(mode, "wall_s"),
                "cpu": med(mode, "cpu_s"),
                "peak": med(mode, "peak_rss_mb"),
                "above": med(mode, "peak_rss_mb") - med(mode, "baseline_rss_mb"),
            }
        print()
        print(f"median of {args.repeat} fresh processes per case")
        print(
            f"{'case':10s} {'wall s':>8s} {'CPU s':>8s} {'peak RSS MiB':>13s} "
            f"{'above baseline':>15s}"
        )
        for mode, row in rows.items():
            print(
                f"{mode:10s} {row['wall']:8.2f} {row['cpu']:8.2f} {row['peak']:13.1f} "
                f"{row['above']:15.1f}"
            )
        r_wall = rows["parse"]["wall"] / rows["readfile"]["wall"]
        r_cpu = rows["parse"]["cpu"] / rows["readfile"]["cpu"]
        r_peak = rows["parse"]["peak"] / rows["readfile"]["peak"]
        r_above = rows["parse"]["above"] / rows["readfile"]["above"]
        print()
        print(
            f"time ratio   parse / readfile: {r_wall:.2f} wall, {r_cpu:.2f} CPU (target <= {TARGET})"
        )
        print(f"memory ratio parse / readfile: {r_peak:.2f} peak RSS, {r_above:.2f} above baseline")
        print(
            f"analysis on top of loading: {rows['parse']['wall'] - rows['readfile']['wall']:.2f} s"
        )
        print(f"parse summary: {runs['parse'][0]['summary']}")

        if args.tracemalloc:
            tm = {mode: _run(mode, path, use_tracemalloc=True) for mode in ("readfile", "parse")}
            a = tm["readfile"]["tracemalloc_peak_mb"]
            b = tm["parse"]["tracemalloc_peak_mb"]
            print(f"tracemalloc peak: readfile {a:.1f} MiB, parse {b:.1f} MiB, ratio {b / a:.2f}")


if __name__ == "__main__":
    main()
