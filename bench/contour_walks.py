"""Benchmark: the two hot loops in Python of the geometry, without file reading around them.

    .venv/bin/python bench/contour_walks.py [--repeat 5]

  chain squares    `ingest.geometry.chaining.chain_edges` on 100,000 squares drawn as 400,000
                   loose lines in random order and direction (every contour a plain loop: the
                   tight walk of nodes of degree 2)
  chain branching  the same on 300,000 lines between random points of a 700 × 700 grid (nodes of
                   every degree: the general walk that cuts trails at revisited nodes)
  nest concentric  `ingest.parsers.lightburn.geometry.nest` on 5,000 concentric circles
  nest mixed       the same on 20,000 circles, ellipses, squares and bézier D shapes at random

Issue 8 split these functions into named steps with the loops kept whole; this prints the CPU
seconds (best of --repeat, in this process) to compare before and after such a change: run it on
both commits. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.geometry.chaining import chain_edges
from ingest.parsers.lightburn import geometry as lb

TOLERANCE_MM = 0.01


def squares(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Edge starts and ends of `count` 25 mm squares as loose lines, shuffled and flipped."""
    k = np.arange(count)
    x, y = (k % 300) * 40.0, (k // 300) * 40.0
    corners = np.stack(
        [np.column_stack((x + dx, y + dy)) for dx, dy in ((0, 0), (25, 0), (25, 25), (0, 25))],
        axis=1,
    )  # (count, 4, 2)
    start = corners.reshape(-1, 2)
    end = np.roll(corners, -1, axis=1).reshape(-1, 2)
    flip = rng.random(start.shape[0]) < 0.5
    start[flip], end[flip] = end[flip].copy(), start[flip].copy()
    order = rng.permutation(start.shape[0])
    return start[order], end[order]


def branching(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ends = rng.integers(0, 700, size=(count, 2, 2)).astype(float)
    return ends[:, 0].copy(), ends[:, 1].copy()


def chain(start: np.ndarray, end: np.ndarray) -> Callable[[], object]:
    n = start.shape[0]
    closed, alone = np.zeros(n, bool), np.zeros(n, bool)
    length = np.hypot(*(end - start).T)
    return lambda: chain_edges(start, end, closed, length, TOLERANCE_MM, alone=alone)


def circles(count: int) -> list[lb.Contour]:
    return [
        lb.Contour([lb.Arc((0.0, 0.0), (1.0 + k, 0.0, 0.0, 1.0 + k), 0.0, lb.TAU)], True, "C", "E")
        for k in range(count)
    ]


def mixed(count: int, rng: np.random.Generator) -> list[lb.Contour]:
    out = []
    for _ in range(count):
        cx, cy = rng.uniform(0, 500, 2)
        size, pick = float(rng.uniform(1, 200)), rng.random()
        if pick < 0.4:
            ratio = float(rng.uniform(0.3, 1.0))
            segments: list[lb.Segment] = [
                lb.Arc((cx, cy), (size, 0.0, 0.0, size * ratio), 0.0, lb.TAU)
            ]
        elif pick < 0.8:
            p = [(cx, cy), (cx + size, cy), (cx + size, cy + size), (cx, cy + size)]
            segments = [lb.Line(p[i], p[(i + 1) % 4]) for i in range(4)]
        else:
            a, b = (cx, cy), (cx + size, cy)
            segments = [lb.Cubic(a, (cx, cy + size), (cx + size, cy + size), b), lb.Line(b, a)]
        out.append(lb.Contour(segments, True, "C", "Path"))
    return out


def nest(contours: list[lb.Contour]) -> Callable[[], object]:
    return lambda: lb.nest(contours)


def best_cpu(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("chain squares (400,000 lines)", chain(*squares(100_000, rng))),
        ("chain branching (300,000 lines)", chain(*branching(300_000, rng))),
        ("nest concentric (5,000 circles)", nest(circles(5000))),
        ("nest mixed (20,000 contours)", nest(mixed(20_000, rng))),
    ]
    print(f"{'case':34s} {'CPU s (best of ' + str(args.repeat) + ')':>20s}")
    for label, run in cases:
        print(f"{label:34s} {best_cpu(run, args.repeat):20.3f}")


if __name__ == "__main__":
    main()
