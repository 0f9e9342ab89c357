"""Drawing checks (DOMAIN.md, "Drawing checks"), each a warning with a stable code.

The checks look at measured geometry only; thresholds are keyword arguments with the shop's
defaults so that a per-material setting can be passed in later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from laseros.units import format_mm

from .measure import Measures, conic_points
from .primitives import CONIC, LINE, TWO_PI, PieceTable

HOLE_TO_THICKNESS = 1.0  # holes at least 1 × the material thickness
EDGE_DISTANCE_DIAMETERS = 1.0  # hole centre at least 1 diameter from the part's outer edge


@dataclass
class Hole:
    """A circular inner contour."""

    contour: int
    center: tuple[float, float]
    diameter: float
    parent: int  # contour id of the part outline (or island) around it


def fmt_point(p: np.ndarray | tuple[float, float]) -> str:
    return f"({p[0]:.1f}, {p[1]:.1f})"


def duplicate_segments(
    table: PieceTable, m: Measures, tolerance: float, skip: np.ndarray | None = None
) -> tuple[int, list]:
    """Segments drawn twice (either direction) or overlapping a collinear/concentric twin.

    Returns (count, up to three example points); pieces marked in `skip` (those of whole
    outlines drawn twice, told as such) are left out. Lines are grouped by their carrier line
    (angle, offset) and circular arcs by (centre, radius); within a group, intervals sorted by
    position that overlap by more than the tolerance are duplicates.
    """
    count = 0
    examples: list[np.ndarray] = []
    tol = max(tolerance, 1e-9)

    usable = m.length > tol if skip is None else (m.length > tol) & ~skip
    lines = np.flatnonzero((table.kind == LINE) & usable)
    if lines.size > 1:
        p0, p1 = m.start[lines], m.end[lines]
        d = p1 - p0
        theta = np.mod(np.arctan2(d[:, 1], d[:, 0]), math.pi)
        ang_q = np.round(theta / 1e-6).astype(np.int64)
        ang_q[ang_q == round(math.pi / 1e-6)] = 0
        ux, uy = np.cos(ang_q * 1e-6), np.sin(ang_q * 1e-6)
        offset = p0[:, 0] * -uy + p0[:, 1] * ux
        off_q = np.round(offset / tol).astype(np.int64)
        s0 = p0[:, 0] * ux + p0[:, 1] * uy
        s1 = p1[:, 0] * ux + p1[:, 1] * uy
        lo, hi = np.minimum(s0, s1), np.maximum(s0, s1)
        c, ex = _interval_overlaps(np.column_stack((ang_q, off_q)), lo, hi, tol, p0)
        count += c
        examples += ex

    arcs = np.flatnonzero((table.kind == CONIC) & m.circular & usable)
    if arcs.size > 1:
        par = table.par[arcs]
        r = m.radius[arcs]
        ccw = (par[:, 2] * par[:, 5] - par[:, 3] * par[:, 4]) > 0
        first = np.where(ccw[:, None], m.start[arcs], m.end[arcs])
        a0 = np.mod(np.arctan2(first[:, 1] - par[:, 1], first[:, 0] - par[:, 0]), TWO_PI)
        span = par[:, 7] - par[:, 6]
        keys = np.column_stack(
            (
                np.round(par[:, 0] / tol).astype(np.int64),
                np.round(par[:, 1] / tol).astype(np.int64),
                np.round(r / tol).astype(np.int64),
            )
        )
        # Angular intervals in [0, 2π); one that wraps past 2π is split in two.
        wraps = a0 + span > TWO_PI + 1e-12
        keys = np.concatenate((keys, keys[wraps]))
        lo = np.concatenate((a0, np.zeros(int(wraps.sum()))))
        hi = np.concatenate((np.minimum(a0 + span, TWO_PI), (a0 + span - TWO_PI)[wraps]))
        rr = np.concatenate((r, r[wraps]))
        where = np.concatenate((first, first[wraps]))
        c, ex = _interval_overlaps(keys, lo * rr, hi * rr, tol, where)
        count += c
        examples += ex
    return count, examples[:3]


def exact_duplicate_edges(table: PieceTable, m: Measures, tolerance: float) -> np.ndarray:
    """Mask of single-piece edges (a LINE, an ARC) that repeat an earlier edge exactly."""
    return duplicate_edge_ranks(table, m, tolerance) > 0


def duplicate_edge_ranks(table: PieceTable, m: Measures, tolerance: float) -> np.ndarray:
    """Per edge: 0 for an edge drawn once or the first of its copies, 1 for its second copy,
    2 for the third, and so on (single-piece edges: a LINE, an ARC).

    Endpoints are compared unordered after rounding to the tolerance, so a line drawn twice in
    opposite directions is caught; arcs also compare their centre.
    """
    k = table.n_edges
    out = np.zeros(k, np.int64)
    if k < 2:
        return out
    single = m.edge_first == m.edge_last
    kind = table.kind[m.edge_first]
    candidates = np.flatnonzero(
        single & ((kind == LINE) | ((kind == CONIC) & m.circular[m.edge_first]))
    )
    if candidates.size < 2:
        return out
    tol = max(tolerance, 1e-9)
    a = np.round(m.edge_start[candidates] / tol).astype(np.int64)
    b = np.round(m.edge_end[candidates] / tol).astype(np.int64)
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    # Arcs also compare their middle point: two halves of a circle share both ends.
    par = table.par[m.edge_first[candidates]]
    middle = np.round(conic_points(par, (par[:, 6] + par[:, 7]) / 2.0) / tol).astype(np.int64)
    middle[kind[candidates] == LINE] = 0
    keys = np.column_stack((kind[candidates].astype(np.int64), lo, hi, middle))
    # Sorted by key (stable, so the earliest edge comes first): a row equal to the one before
    # it is a repeat.
    order = np.lexsort(keys.T[::-1])
    srt = keys[order]
    repeat = np.zeros(candidates.size, bool)
    repeat[1:] = (srt[1:] == srt[:-1]).all(axis=1)
    first = np.flatnonzero(~repeat)
    group = np.cumsum(~repeat) - 1
    rank = np.arange(candidates.size) - first[group]
    out[candidates[order]] = rank
    return out


def _interval_overlaps(
    keys: np.ndarray, lo: np.ndarray, hi: np.ndarray, tol: float, where: np.ndarray
) -> tuple[int, list]:
    order = np.lexsort((lo, *keys.T[::-1]))
    keys, lo, hi, where = keys[order], lo[order], hi[order], where[order]
    same = (keys[1:] == keys[:-1]).all(axis=1)
    overlap = same & (lo[1:] < hi[:-1] - tol)
    hits = np.flatnonzero(overlap) + 1
    return int(hits.size), [where[i] for i in hits[:3]]


def hole_warnings(
    holes: list[Hole],
    distances: dict[int, float],
    thickness_mm: float | None,
    *,
    hole_to_thickness: float = HOLE_TO_THICKNESS,
    edge_distance_diameters: float = EDGE_DISTANCE_DIAMETERS,
) -> list[tuple[str, str]]:
    """hole_smaller_than_thickness and feature_near_edge warnings."""
    out: list[tuple[str, str]] = []
    if thickness_mm:
        limit = thickness_mm * hole_to_thickness
        small = [h for h in holes if h.diameter < limit - 1e-9]
        if small:
            smallest = min(small, key=lambda h: h.diameter)
            out.append(
                (
                    "hole_smaller_than_thickness",
                    f"{len(small)} hole(s) smaller than the material thickness "
                    f"({format_mm(thickness_mm)}); the smallest is Ø{format_mm(smallest.diameter)} "
                    f"at {fmt_point(smallest.center)}.",
                )
            )
    near = [
        h
        for h in holes
        if h.contour in distances
        and distances[h.contour] < edge_distance_diameters * h.diameter - 1e-9
    ]
    if near:
        worst = min(near, key=lambda h: distances[h.contour] / h.diameter)
        out.append(
            (
                "feature_near_edge",
                f"{len(near)} hole(s) closer than one diameter to the part's edge; e.g. "
                f"Ø{format_mm(worst.diameter)} at {fmt_point(worst.center)} has its centre "
                f"{format_mm(distances[worst.contour])} from the edge.",
            )
        )
    return out
