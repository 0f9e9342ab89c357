"""Benchmark: the drawing checks a manager reads (islands, separate parts, outlines drawn twice,
cut-outs) on drawings made to stress them, timed inside the DXF analysis.

    .venv/bin/python bench/drawing_checks.py [--count 20000] [--repeat 3]

Generates, in a temporary folder: COUNT parts of as many different sizes; COUNT circles each
drawn twice; COUNT concentric circles (every second one an island in a hole); COUNT slots
inside one plate. For each, prints the CPU seconds of the analysis after loading (the numpy
work: chaining, nesting, checks; the best of REPEAT runs in this process), of the whole parse,
and the warnings. Run it before and after a change to the checks. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def drawings(folder: Path, count: int) -> dict[str, Path]:
    import ezdxf

    def new():
        doc = ezdxf.new("R2010")
        doc.header["$INSUNITS"] = 4
        return doc, doc.modelspace()

    out = {}
    doc, msp = new()
    for i in range(count):  # parts of many sizes on a grid
        side = 5.0 + i * 0.01
        x, y = (i % 150) * 250.0, (i // 150) * 40.0
        msp.add_lwpolyline([(x, y), (x + side, y), (x + side, y + 5), (x, y + 5)], close=True)
    out["parts of many sizes"] = folder / "sizes.dxf"
    doc.saveas(out["parts of many sizes"])
    doc, msp = new()
    for i in range(count):  # every circle twice
        x, y = (i % 150) * 30.0, (i // 150) * 30.0
        msp.add_circle((x, y), 10)
        msp.add_circle((x, y), 10)
    out["circles drawn twice"] = folder / "twins.dxf"
    doc.saveas(out["circles drawn twice"])
    doc, msp = new()
    for k in range(count):  # concentric: islands in holes
        msp.add_circle((0, 0), 1 + k * 0.5)
    out["concentric circles"] = folder / "rings.dxf"
    doc.saveas(out["concentric circles"])
    doc, msp = new()
    side = int(count**0.5) + 1
    msp.add_lwpolyline([(0, 0), (side * 40.0, 0), (side * 40.0, side * 20.0), (0, side * 20.0)],
                       close=True)  # fmt: skip
    for i in range(count):  # slots in one plate
        x, y = 5 + (i % side) * 40.0, 5 + (i // side) * 20.0
        msp.add_lwpolyline(
            [(x, y, 0), (x + 22, y, 1), (x + 22, y + 8, 0), (x, y + 8, 1)], format="xyb", close=True
        )
    out["slots in a plate"] = folder / "slots.dxf"
    doc.saveas(out["slots in a plate"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    import django

    django.setup()
    from ingest.geometry import analysis
    from ingest.parsers.base import ParseContext
    from ingest.parsers.dxf import DxfParser

    spent: list[float] = []
    measured = analysis._analyse_flat

    def timed(*a, **k):
        start = time.process_time()
        try:
            return measured(*a, **k)
        finally:
            spent.append(time.process_time() - start)

    analysis._analyse_flat = timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'drawing':24} {'analysis CPU s':>15} {'parse CPU s':>12}  warnings")
        for name, path in drawings(Path(tmp), args.count).items():
            spent.clear()
            totals = []
            for _ in range(args.repeat):
                start = time.process_time()
                result = DxfParser().parse(path, ParseContext(make_preview=False))
                totals.append(time.process_time() - start)
            codes = ", ".join(w.code for w in result.warnings)
            print(f"{name:24} {min(spent):15.3f} {min(totals):12.2f}  {codes}")


if __name__ == "__main__":
    main()
