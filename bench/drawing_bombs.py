"""Benchmark: drawings that cost far more than their size (issue 9), through `manage.py inspect`.

    .venv/bin/python bench/drawing_bombs.py [--cases 1000,5000,20000,blocks,lb1000,...] [--preview]

Generates, in a temporary folder, N concentric circles (each inside all the larger ones: every
contour has thousands of candidate containers) for N = 1,000 / 5,000 / 20,000, and the
nested-block file (a block of 100 inserts of a block of 100 inserts of a block of 100 circles:
a few KB standing for 1,000,000 circles). The LightBurn cases (lbN) are the same N concentric
circles as Ellipse shapes in a .lbrn2, and lbshared one Path of 1,000 closed triangles placed
again by 10,000 shapes that refer to its shared lists (a few hundred KB standing for 10 million
contours). Each file is read in a fresh subprocess by
`manage.py inspect FILE --json` (the worker's parse path, settings and memory ceiling), and the
child's time and peak RSS are printed beside the bar: read within 2 GB and 60 s, or refused in
under 5 s. Peak RSS includes the interpreter, Django and the libraries (the "baseline" column,
measured in the child after its imports). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MB, MAX_S, REFUSE_S = 2048, 60.0, 5.0


def concentric(path: Path, count: int) -> None:
    import ezdxf

    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    for k in range(count):
        msp.add_circle((0, 0), 1 + k)
    doc.saveas(path)


def nested_blocks(path: Path, sizes: tuple[int, ...] = (100, 100, 100)) -> None:
    """Model space holds one insert of a block of sizes[0] inserts of ... of sizes[-1] circles."""
    import ezdxf

    doc = ezdxf.new("R2000")
    doc.header["$INSUNITS"] = 4
    below = doc.blocks.new("CIRCLES")
    for k in range(sizes[-1]):
        below.add_circle((0, 0), 1 + k)
    name = "CIRCLES"
    for level, copies in enumerate(reversed(sizes[:-1])):
        block = doc.blocks.new(f"LEVEL{level}")
        for _ in range(copies):
            block.add_blockref(name, (0, 0))
        name = f"LEVEL{level}"
    doc.modelspace().add_blockref(name, (0, 0))
    doc.saveas(path)


LBRN2_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<LightBurnProject AppVersion="2.0.03" FormatVersion="1" MaterialHeight="0"'
    ' MirrorX="False" MirrorY="False">\n'
    '<CutSetting type="Cut"><index Value="0"/><name Value="C00"/><speed Value="100"/>'
    '<maxPower Value="20"/><numPasses Value="1"/></CutSetting>\n'
)


def lightburn_concentric(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(LBRN2_HEAD)
        for k in range(count):
            out.write(
                f'<Shape Type="Ellipse" CutIndex="0" Rx="{1 + k}" Ry="{1 + k}">'
                "<XForm>1 0 0 1 0 0</XForm></Shape>\n"
            )
        out.write("</LightBurnProject>\n")


def lightburn_shared(path: Path, triangles: int = 1000, copies: int = 10_000) -> None:
    """One Path of `triangles` closed triangles, placed again by `copies` shapes by its ids."""
    vertices = "".join(f"V{3 * k} 0V{3 * k + 2} 0V{3 * k + 1} 2" for k in range(triangles))
    prims = "".join(
        f"L{3 * k} {3 * k + 1}L{3 * k + 1} {3 * k + 2}L{3 * k + 2} {3 * k}"
        for k in range(triangles)
    )
    with path.open("w", encoding="utf-8") as out:
        out.write(LBRN2_HEAD)
        out.write(
            '<Shape Type="Path" CutIndex="0" VertID="0" PrimID="0"><XForm>1 0 0 1 0 0</XForm>'
            f"<VertList>{vertices}</VertList><PrimList>{prims}</PrimList></Shape>\n"
        )
        for k in range(copies):
            out.write(
                '<Shape Type="Path" CutIndex="0" VertID="0" PrimID="0">'
                f"<XForm>1 0 0 1 {3 * triangles * (k + 1)} 0</XForm></Shape>\n"
            )
        out.write("</LightBurnProject>\n")


def _suffix(case: str) -> str:
    return ".lbrn2" if case.startswith("lb") else ".dxf"


def _label(case: str) -> str:
    if case == "blocks":
        return "100x100x100 nested blocks"
    if case == "lbshared":
        return "lbrn2 1,000 x 10,000 shared"
    if case.startswith("lb"):
        return f"lbrn2 {int(case[2:]):,} circles"
    return f"{int(case):,} circles"


def _measure(path: str, preview: bool) -> None:
    """Child process: set Django up, then time `manage.py inspect PATH --json` and print JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    import django

    django.setup()
    from django.core.management import CommandError, call_command

    from ingest.parsers import registry

    registry.registered()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    args = ["inspect", path, "--json"]
    if preview:
        args += ["--preview", str(Path(path).with_suffix(".png"))]
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            call_command(*args, stdout=out, stderr=err)
        data = json.loads(out.getvalue())
        outcome = (
            f"read: {data['closed_contours']:,} closed, {data['part_count']} part(s), "
            f"{len(data['holes']):,} holes listed"
            + (" (the list stops at 5,000)" if path.endswith(".dxf") else "")
        )
        refused = False
    except CommandError as exc:
        outcome, refused = f"refused: {str(exc).split(': ', 1)[-1]}", True
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall_s": wall,
                "peak_rss_mb": peak / 1024,
                "baseline_rss_mb": baseline / 1024,
                "refused": refused,
                "outcome": outcome,
            }
        )
    )


def _run(path: Path, preview: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(path)]
    if preview:
        cmd.append("--preview")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="1000,5000,20000,blocks,lb1000,lb5000,lb20000,lbshared")
    parser.add_argument("--preview", action="store_true", help="Also draw the preview PNG.")
    parser.add_argument("--child", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(args.child, args.preview)
        return
    if args.generate:
        case, path = args.generate
        if case == "blocks":
            nested_blocks(Path(path))
        elif case == "lbshared":
            lightburn_shared(Path(path))
        elif case.startswith("lb"):
            lightburn_concentric(Path(path), int(case[2:]))
        else:
            concentric(Path(path), int(case))
        return

    with tempfile.TemporaryDirectory(prefix="bombs-bench-") as tmp:
        print(
            f"{'case':26s} {'file KB':>8s} {'wall s':>7s} {'peak RSS MiB':>13s} "
            f"{'baseline':>9s}  verdict   outcome"
        )
        for case in args.cases.split(","):
            path = Path(tmp) / f"{case}{_suffix(case)}"
            # Generated in a child too: Linux carries a process's peak RSS across fork and
            # exec, so a big parent would inflate every measurement it spawns.
            subprocess.run([sys.executable, __file__, "--generate", case, str(path)], check=True)
            r = _run(path, args.preview)
            if r["refused"]:
                ok = r["wall_s"] < REFUSE_S
            else:
                ok = r["wall_s"] < MAX_S and r["peak_rss_mb"] < MAX_MB
            label = _label(case)
            print(
                f"{label:26s} {path.stat().st_size / 1024:8.0f} {r['wall_s']:7.2f} "
                f"{r['peak_rss_mb']:13.1f} {r['baseline_rss_mb']:9.1f}  "
                f"{'ok' if ok else 'OVER':8s}  {r['outcome']}"
            )
        print(
            f"\nbar: read within {MAX_MB} MiB peak RSS and {MAX_S:.0f} s, "
            f"or refused in under {REFUSE_S:.0f} s"
        )


if __name__ == "__main__":
    main()
