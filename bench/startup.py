"""Benchmark: what a command pays before it reads anything (issue 8: start-up).

    .venv/bin/python bench/startup.py [--repeat 5] [--file DXF] [--top 15]

Runs each case N times, each in a fresh process, and prints the median wall time, the median
CPU time (user + system: less disturbed than wall time when other work shares the machine) and
the median peak RSS (ru_maxrss of the child, from os.wait4):

  ezdxf     python -c "import ezdxf; ezdxf.readfile(DXF)"   (the floor: the library alone; it
            falls back to ezdxf.recover.readfile, as the DXF parser does, for a damaged file)
  check     manage.py check
  inspect   manage.py inspect DXF

Then it runs `manage.py inspect DXF` once more under `python -X importtime` and prints the 15
imports that took longest (cumulative, microseconds as Python reports them) and which of the
heavy libraries the command loaded. The goal for `inspect` on a small DXF is 0.6 s and 90 MB.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DXF = ROOT / "ingest/tests/samples/dxf/ezdxf__AC1003_LINE_Example.dxf"
GOAL_SECONDS = 0.6
GOAL_MB = 90
# Libraries a DXF never needs: none of them should be loaded by `inspect` on a DXF.
HEAVY = (
    "pymupdf",
    "fitz",
    "openpyxl",
    "PIL",
    "pytesseract",
    "psycopg",
    "requests",
    "urllib3",
    "boto3",
    "botocore",
    "rest_framework",
    "drf_spectacular",
)
READ_WITH_EZDXF = (
    "import ezdxf\nfrom ezdxf import recover\n"
    "try:\n    ezdxf.readfile({path!r})\n"
    "except ezdxf.DXFStructureError:\n    recover.readfile({path!r})\n"
)
LOADED_PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('LOADED ' + ' '.join(sorted(m for m in {heavy!r} "
    "if m in sys.modules)) + '\\n'))\n"
)


def cases(dxf: Path) -> dict[str, list[str]]:
    python = sys.executable
    manage = str(ROOT / "manage.py")
    return {
        "ezdxf": [python, "-c", READ_WITH_EZDXF.format(path=str(dxf))],
        "check": [python, manage, "check"],
        "inspect": [python, manage, "inspect", str(dxf)],
    }


def run_once(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env()
    )
    with process.stderr:  # read to the end first: a full pipe would block the child
        stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({returncode}):\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def import_profile(command: list[str], top: int) -> tuple[list[tuple[int, int, str]], list[str]]:
    """The `top` imports by cumulative time, and the heavy libraries the command loaded."""
    python, script, *args = command
    probe = LOADED_PROBE.format(heavy=HEAVY)
    runner = (
        f"{probe}import runpy; sys.argv = {[script, *args]!r}; sys.path.insert(0, {str(ROOT)!r})\n"
        f"runpy.run_path({script!r}, run_name='__main__')\n"
    )
    done = subprocess.run(
        [python, "-X", "importtime", "-c", runner],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    rows: list[tuple[int, int, str]] = []
    loaded: list[str] = []
    for line in done.stderr.splitlines():
        if line.startswith("LOADED"):
            loaded = line.split()[1:]
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        rows.append((int(cumulative), int(own), name.rstrip()))
    rows.sort(reverse=True)
    return rows[:top], loaded


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per case")
    parser.add_argument("--file", type=Path, default=DEFAULT_DXF, help="a small DXF")
    parser.add_argument("--top", type=int, default=15, help="imports to list")
    args = parser.parse_args()

    with open("/proc/loadavg") as fh:
        print(f"load average: {' '.join(fh.read().split()[:3])}  (CPUs: {os.cpu_count()})")
    print(f"file: {args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file}")
    print(f"{args.repeat} fresh processes per case; medians\n")
    print(f"{'case':<9} {'wall s':>7} {'cpu s':>7} {'peak RSS MB':>12}   (min wall, min RSS)")
    commands = cases(args.file.resolve())
    results: dict[str, tuple[float, float, float]] = {}
    for name, command in commands.items():
        runs = [run_once(command) for _ in range(args.repeat)]
        walls, cpus, rss = zip(*runs, strict=True)
        results[name] = (statistics.median(walls), statistics.median(cpus), statistics.median(rss))
        print(
            f"{name:<9} {results[name][0]:7.2f} {results[name][1]:7.2f} {results[name][2]:12.1f}"
            f"   ({min(walls):.2f} s, {min(rss):.1f} MB)"
        )
    wall, cpu, rss = results["inspect"]
    print(
        f"\ninspect: {cpu:.2f} s CPU, {wall:.2f} s wall, {rss:.0f} MB "
        f"(goal {GOAL_SECONDS} s, {GOAL_MB} MB; ezdxf alone {results['ezdxf'][1]:.2f} s CPU, "
        f"{results['ezdxf'][2]:.0f} MB)"
    )

    rows, loaded = import_profile(commands["inspect"], args.top)
    print(f"\nheavy libraries loaded by inspect: {', '.join(loaded) or 'none'}")
    print(f"\ntop {args.top} imports of inspect by cumulative time (-X importtime, microseconds)")
    print(f"{'cumulative':>11} {'self':>9}  module")
    for cumulative, own, name in rows:
        print(f"{cumulative:11d} {own:9d}  {name.strip()}")


if __name__ == "__main__":
    main()
