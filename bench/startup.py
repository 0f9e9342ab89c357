"""Benchmark: what a command pays before it reads anything (issue 8: start-up).

    .venv/bin/python bench/startup.py [--repeat 5] [--file DXF] [--top 15] [--cached-bytecode]

Runs each case N times, each in a fresh process, and prints the median wall time, the median
CPU time (user + system: less disturbed than wall time when other work shares the machine) and
the median peak RSS (ru_maxrss of the child, from os.wait4):

  ezdxf     python -c "import ezdxf; ezdxf.readfile(DXF)"   (the floor: the library alone; it
            falls back to ezdxf.recover.readfile, as the DXF parser does, for a damaged file)
  check     manage.py check
  inspect   manage.py inspect DXF

Then it runs `manage.py inspect DXF` once more under `python -X importtime` and prints the 15
imports that took longest (cumulative, microseconds as Python reports them), which of the
heavy libraries the command loaded, the CPU time its garbage collections took and the CPU time
of the interpreter's teardown after the exit began. The goal for `inspect` on a small DXF is
0.6 s and 90 MB. Prints figures; asserts nothing.

Bytecode: with PYTHONDONTWRITEBYTECODE set (as in some shells and containers), every module
that has no cached bytecode yet is compiled from source at every start: the project's own
modules, typically. The bench says how many of the modules `inspect` imports are compiled so.
--cached-bytecode measures what an installation that caches bytecode pays: the children write
and read their bytecode in bench/out/pycache (PYTHONPYCACHEPREFIX), after one warm-up run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PYCACHE = ROOT / "bench/out/pycache"
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
# Run first in the profiled child: on exit it says which heavy libraries were loaded, the CPU
# time of the garbage collections until then, how many modules were compiled from source and
# the CPU time used when the exit began (the rest is the interpreter's teardown: its last
# collection and freeing every object).
PROBE = """
import atexit, gc, sys, time

atexit.register(lambda: sys.stderr.write(f"EXIT {{time.process_time():.4f}}\\n"))  # runs last
import importlib._bootstrap_external as _external

_collections = [0, 0.0, 0.0]  # count, CPU seconds, start of the current one
_compiled = []
_source_to_code = _external.SourceLoader.source_to_code


def _watch_collections(phase, info):
    if phase == "start":
        _collections[2] = time.process_time()
    else:
        _collections[0] += 1
        _collections[1] += time.process_time() - _collections[2]


def _count_compiled(self, data, path, *args, **kwargs):
    _compiled.append(path)
    return _source_to_code(self, data, path, *args, **kwargs)


def _report():
    loaded = sorted(m for m in {heavy!r} if m in sys.modules)
    own = [p for p in _compiled if p.startswith({root!r} + "/") and "/.venv/" not in p]
    sys.stderr.write("LOADED " + " ".join(loaded) + "\\n")
    sys.stderr.write(f"GC {{_collections[0]}} {{_collections[1]:.4f}}\\n")
    sys.stderr.write(f"COMPILED {{len(_compiled)}} {{len(own)}}\\n")


gc.callbacks.append(_watch_collections)
_external.SourceLoader.source_to_code = _count_compiled
atexit.register(_report)
"""


def cases(dxf: Path) -> dict[str, list[str]]:
    python = sys.executable
    manage = str(ROOT / "manage.py")
    return {
        "ezdxf": [python, "-c", READ_WITH_EZDXF.format(path=str(dxf))],
        "check": [python, manage, "check"],
        "inspect": [python, manage, "inspect", str(dxf)],
    }


class Profile(NamedTuple):
    """What the profiled run of a command reports."""

    imports: list[tuple[int, int, str]]  # (cumulative us, self us, module), slowest first
    loaded: list[str]  # heavy libraries loaded
    collections: int  # garbage collections until the exit
    collection_seconds: float  # their CPU time
    compiled: int  # modules compiled from source (no usable cached bytecode)
    compiled_own: int  # ...of them, the project's
    teardown_seconds: float  # CPU time after the exit began


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    with process.stderr:  # read to the end first: a full pipe would block the child
        stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({returncode}):\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def import_profile(command: list[str], top: int, env: dict[str, str]) -> Profile:
    """The `top` imports by cumulative time, the heavy libraries the command loaded, its
    garbage collections and the modules it compiled."""
    python, script, *args = command
    probe = PROBE.format(heavy=HEAVY, root=str(ROOT))
    runner = (
        f"{probe}import runpy; sys.argv = {[script, *args]!r}; sys.path.insert(0, {str(ROOT)!r})\n"
        f"runpy.run_path({script!r}, run_name='__main__')\n"
    )
    process = subprocess.Popen(
        [python, "-X", "importtime", "-c", runner],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    with process.stderr:  # read to the end first: a full pipe would block the child
        stderr = process.stderr.read().decode(errors="replace")
    _, _, usage = os.wait4(process.pid, 0)
    rows: list[tuple[int, int, str]] = []
    loaded: list[str] = []
    collections, collection_seconds, compiled, compiled_own, exit_began = 0, 0.0, 0, 0, 0.0
    for line in stderr.splitlines():
        if line.startswith("LOADED"):
            loaded = line.split()[1:]
        elif line.startswith("GC "):
            collections, collection_seconds = int(line.split()[1]), float(line.split()[2])
        elif line.startswith("COMPILED "):
            compiled, compiled_own = map(int, line.split()[1:3])
        elif line.startswith("EXIT "):
            exit_began = float(line.split()[1])
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        rows.append((int(cumulative), int(own), name.rstrip()))
    rows.sort(reverse=True)
    teardown = usage.ru_utime + usage.ru_stime - exit_began
    return Profile(
        rows[:top], loaded, collections, collection_seconds, compiled, compiled_own, teardown
    )


def child_env(cached_bytecode: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    if cached_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per case")
    parser.add_argument("--file", type=Path, default=DEFAULT_DXF, help="a small DXF")
    parser.add_argument("--top", type=int, default=15, help="imports to list")
    parser.add_argument(
        "--cached-bytecode",
        action="store_true",
        help=f"children cache their bytecode in {PYCACHE.relative_to(ROOT)} (one warm-up run)",
    )
    args = parser.parse_args()
    env = child_env(args.cached_bytecode)

    with open("/proc/loadavg") as fh:
        print(f"load average: {' '.join(fh.read().split()[:3])}  (CPUs: {os.cpu_count()})")
    print(f"file: {args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file}")
    if args.cached_bytecode:
        print(f"bytecode: cached in {PYCACHE.relative_to(ROOT)}")
    elif os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("bytecode: PYTHONDONTWRITEBYTECODE is set; modules without cached bytecode are")
        print("          compiled at every start (see below; --cached-bytecode to cache it)")
    print(f"{args.repeat} fresh processes per case; medians\n")
    print(f"{'case':<9} {'wall s':>7} {'cpu s':>7} {'peak RSS MB':>12}   (min wall, min RSS)")
    commands = cases(args.file.resolve())
    results: dict[str, tuple[float, float, float]] = {}
    for name, command in commands.items():
        if args.cached_bytecode:
            run_once(command, env)  # writes the bytecode
        runs = [run_once(command, env) for _ in range(args.repeat)]
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

    profile = import_profile(commands["inspect"], args.top, env)
    print(f"\nheavy libraries loaded by inspect: {', '.join(profile.loaded) or 'none'}")
    print(
        f"garbage collections until the exit: {profile.collections}, "
        f"{profile.collection_seconds:.3f} s CPU"
    )
    print(
        f"modules compiled from source: {profile.compiled} "
        f"({profile.compiled_own} of them the project's)"
    )
    print(
        f"teardown after the exit began (the last collection, freeing every object): "
        f"{profile.teardown_seconds:.3f} s CPU"
    )
    print(f"\ntop {args.top} imports of inspect by cumulative time (-X importtime, microseconds)")
    print(f"{'cumulative':>11} {'self':>9}  module")
    for cumulative, own, name in profile.imports:
        print(f"{cumulative:11d} {own:9d}  {name.strip()}")


if __name__ == "__main__":
    main()
