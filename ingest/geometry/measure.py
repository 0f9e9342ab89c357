"""Exact measures of cut pieces, vectorised over a `PieceTable`.

Lengths are analytic for lines and circular arcs, numerically integrated (Gauss-Legendre,
refined until stable to 1e-9) for elliptic arcs, and the polyline length for flattened curves.
Areas use the signed line integral ½∮(x dy − y dx), which is closed-form for conics:
½[C × (P(t1) − P(t0)) + (U × V)(t1 − t0)].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .primitives import CONIC, CURVE, LINE, TWO_PI, PieceTable

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(8)


@dataclass
class Measures:
    """Per-piece and per-edge measures of a table (all in the table's units)."""

    start: np.ndarray  # (n, 2) first point of each piece
    end: np.ndarray  # (n, 2) last point of each piece
    length: np.ndarray  # (n,)
    area: np.ndarray  # (n,) signed ½∫(x dy − y dx), relative to `origin`
    bbox: np.ndarray  # (n, 4) xmin, ymin, xmax, ymax
    circular: np.ndarray  # (n,) bool: CONIC with |U| = |V| and U ⟂ V
    radius: np.ndarray  # (n,) radius of circular conics, else 0
    origin: tuple[float, float]
    edge_first: np.ndarray
    edge_last: np.ndarray
    edge_start: np.ndarray  # (k, 2)
    edge_end: np.ndarray  # (k, 2)
    edge_length: np.ndarray
    edge_area: np.ndarray
    edge_bbox: np.ndarray  # (k, 4)

    def bbox_all(self) -> tuple[float, float, float, float] | None:
        if not self.bbox.shape[0]:
            return None
        return (
            float(self.bbox[:, 0].min()),
            float(self.bbox[:, 1].min()),
            float(self.bbox[:, 2].max()),
            float(self.bbox[:, 3].max()),
        )


def conic_points(par: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points C + U·cos t + V·sin t of conic rows `par` (n, 8) at parameters `t` (n,)."""
    cos_t, sin_t = np.cos(t), np.sin(t)
    x = par[:, 0] + par[:, 2] * cos_t + par[:, 4] * sin_t
    y = par[:, 1] + par[:, 3] * cos_t + par[:, 5] * sin_t
    return np.stack((x, y), axis=-1)


@dataclass
class _PieceArrays:
    """Per-piece measures, filled in kind by kind (lines, conics, curves)."""

    start: np.ndarray
    end: np.ndarray
    length: np.ndarray
    area: np.ndarray
    bbox: np.ndarray
    circular: np.ndarray
    radius: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> _PieceArrays:
        return cls(
            start=np.zeros((n, 2)),
            end=np.zeros((n, 2)),
            length=np.zeros(n),
            area=np.zeros(n),
            bbox=np.zeros((n, 4)),
            circular=np.zeros(n, bool),
            radius=np.zeros(n),
        )


def measure(table: PieceTable) -> Measures:
    """Endpoints, lengths, signed areas and bounding boxes of every piece and edge."""
    pieces = _PieceArrays.zeros(table.n_pieces)
    par, kind = table.par, table.kind
    is_line = kind == LINE
    is_conic = kind == CONIC
    is_curve = kind == CURVE
    origin = _origin(table)
    if is_line.any():
        _measure_lines(par[is_line], is_line, origin, pieces)
    if is_conic.any():
        _measure_conics(par[is_conic], is_conic, origin, pieces)
    if is_curve.any():
        _measure_curves(table, np.flatnonzero(is_curve), origin, pieces)
    return _with_edges(table, pieces, origin)


def _measure_lines(
    p: np.ndarray, rows: np.ndarray, origin: tuple[float, float], out: _PieceArrays
) -> None:
    ox, oy = origin
    out.start[rows] = p[:, 0:2]
    out.end[rows] = p[:, 2:4]
    out.length[rows] = np.hypot(p[:, 2] - p[:, 0], p[:, 3] - p[:, 1])
    out.area[rows] = 0.5 * ((p[:, 0] - ox) * (p[:, 3] - oy) - (p[:, 2] - ox) * (p[:, 1] - oy))
    out.bbox[rows] = np.column_stack(
        (
            np.minimum(p[:, 0], p[:, 2]),
            np.minimum(p[:, 1], p[:, 3]),
            np.maximum(p[:, 0], p[:, 2]),
            np.maximum(p[:, 1], p[:, 3]),
        )
    )


def _measure_conics(
    p: np.ndarray, rows: np.ndarray, origin: tuple[float, float], out: _PieceArrays
) -> None:
    """Circular arcs exactly; elliptic arcs by quadrature (`elliptic_arc_lengths`)."""
    ox, oy = origin
    p0 = conic_points(p, p[:, 6])
    p1 = conic_points(p, p[:, 7])
    out.start[rows], out.end[rows] = p0, p1
    span = p[:, 7] - p[:, 6]
    ulen = np.hypot(p[:, 2], p[:, 3])
    vlen = np.hypot(p[:, 4], p[:, 5])
    dot = p[:, 2] * p[:, 4] + p[:, 3] * p[:, 5]
    scale = np.maximum(ulen, vlen)
    circ = (np.abs(ulen - vlen) <= 1e-9 * scale) & (np.abs(dot) <= 1e-9 * scale * scale)
    out.circular[rows] = circ
    out.radius[rows] = np.where(circ, ulen, 0.0)
    lens = ulen * span
    if (~circ).any():
        lens[~circ] = elliptic_arc_lengths(p[~circ])
    out.length[rows] = lens
    cross_uv = p[:, 2] * p[:, 5] - p[:, 3] * p[:, 4]
    cx, cy = p[:, 0] - ox, p[:, 1] - oy
    dpx, dpy = p1[:, 0] - p0[:, 0], p1[:, 1] - p0[:, 1]
    out.area[rows] = 0.5 * (cx * dpy - cy * dpx + cross_uv * span)
    out.bbox[rows] = _conic_bboxes(p, p0, p1)


def _measure_curves(
    table: PieceTable, idx: np.ndarray, origin: tuple[float, float], out: _PieceArrays
) -> None:
    """Flattened curves: polyline lengths and shoelace areas, by cumulative sums over all the
    points at once."""
    ox, oy = origin
    offs = table.par[idx, 0].astype(np.int64)
    counts = table.par[idx, 1].astype(np.int64)
    pts = table.points
    out.start[idx] = pts[offs]
    out.end[idx] = pts[offs + counts - 1]
    seg = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]))
    cross = (pts[:-1, 0] - ox) * (pts[1:, 1] - oy) - (pts[1:, 0] - ox) * (pts[:-1, 1] - oy)
    # Segments inside each curve run from offs to offs + counts - 2.
    csum_len = np.concatenate(([0.0], np.cumsum(seg)))
    csum_cross = np.concatenate(([0.0], np.cumsum(cross)))
    last = offs + counts - 1
    out.length[idx] = csum_len[last] - csum_len[offs]
    out.area[idx] = 0.5 * (csum_cross[last] - csum_cross[offs])
    out.bbox[idx, 0] = np.minimum.reduceat(pts[:, 0], offs)
    out.bbox[idx, 1] = np.minimum.reduceat(pts[:, 1], offs)
    out.bbox[idx, 2] = np.maximum.reduceat(pts[:, 0], offs)
    out.bbox[idx, 3] = np.maximum.reduceat(pts[:, 1], offs)


def _with_edges(table: PieceTable, pieces: _PieceArrays, origin: tuple[float, float]) -> Measures:
    """The piece measures summed over each edge (its pieces are consecutive)."""
    first = table.edge_first
    last = table.edge_last()
    bbox = pieces.bbox
    if first.size:
        edge_length = np.add.reduceat(pieces.length, first)
        edge_area = np.add.reduceat(pieces.area, first)
        edge_bbox = np.column_stack(
            (
                np.minimum.reduceat(bbox[:, 0], first),
                np.minimum.reduceat(bbox[:, 1], first),
                np.maximum.reduceat(bbox[:, 2], first),
                np.maximum.reduceat(bbox[:, 3], first),
            )
        )
    else:
        edge_length = edge_area = np.zeros(0)
        edge_bbox = np.zeros((0, 4))
    return Measures(
        start=pieces.start,
        end=pieces.end,
        length=pieces.length,
        area=pieces.area,
        bbox=bbox,
        circular=pieces.circular,
        radius=pieces.radius,
        origin=origin,
        edge_first=first,
        edge_last=last,
        edge_start=pieces.start[first],
        edge_end=pieces.end[last],
        edge_length=edge_length,
        edge_area=edge_area,
        edge_bbox=edge_bbox,
    )


def _origin(table: PieceTable) -> tuple[float, float]:
    """A point near the geometry, so that shoelace sums do not lose digits far from (0, 0)."""
    if not table.n_pieces:
        return (0.0, 0.0)
    p = table.par[table.kind != CURVE, 0:2]
    pts = table.points
    both = np.concatenate((p, pts)) if pts.size else p
    if not both.size:
        return (0.0, 0.0)
    return (_median(both[:, 0]), _median(both[:, 1]))


def _median(values: np.ndarray) -> float:
    """np.median of a non-empty 1-D array, without importing numpy.ma: np.median asks whether
    its result is a masked array, which loads numpy.ma (about 20 ms) on the first DXF read."""
    n = values.size
    middle = n // 2
    part = np.partition(values, (middle - 1, middle) if n % 2 == 0 else middle)
    if np.isnan(part[-1]):  # as np.median: NaN anywhere makes the median NaN
        return float("nan")
    return float(part[middle]) if n % 2 else float((part[middle - 1] + part[middle]) / 2)


def _conic_bboxes(p: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """Exact bounding boxes of conic arcs: the ends plus every axis extreme inside the span."""
    xmin = np.minimum(p0[:, 0], p1[:, 0])
    xmax = np.maximum(p0[:, 0], p1[:, 0])
    ymin = np.minimum(p0[:, 1], p1[:, 1])
    ymax = np.maximum(p0[:, 1], p1[:, 1])
    t0, span = p[:, 6], p[:, 7] - p[:, 6]
    # x(t) = cx + ux cos t + vx sin t peaks at t = atan2(vx, ux), dips half a turn later.
    for axis, lo, hi in ((0, xmin, xmax), (1, ymin, ymax)):
        u, v = p[:, 2 + axis], p[:, 4 + axis]
        amp = np.hypot(u, v)
        centre = p[:, axis]
        t_peak = np.arctan2(v, u)
        for t_ext, value in ((t_peak, centre + amp), (t_peak + math.pi, centre - amp)):
            inside = np.mod(t_ext - t0, TWO_PI) <= span + 1e-12
            np.minimum(lo, np.where(inside, value, lo), out=lo)
            np.maximum(hi, np.where(inside, value, hi), out=hi)
    return np.column_stack((xmin, ymin, xmax, ymax))


def elliptic_arc_lengths(p: np.ndarray) -> np.ndarray:
    """Lengths of general conic arcs by composite 8-point Gauss-Legendre quadrature.

    The number of sub-intervals doubles until two successive estimates agree to 1e-10
    (relative), which converges fast even for flat ellipses (ratio 0.01).
    """
    out = np.zeros(p.shape[0])
    todo = np.arange(p.shape[0])
    k = 16
    prev = _gl_lengths(p, k)
    while todo.size and k < 16384:
        k *= 2
        cur = _gl_lengths(p[todo], k)
        done = np.abs(cur - prev) <= 1e-10 * np.maximum(np.abs(cur), 1e-300)
        out[todo[done]] = cur[done]
        todo, prev = todo[~done], cur[~done]
    out[todo] = prev
    return out


def _gl_lengths(p: np.ndarray, k: int) -> np.ndarray:
    result = np.zeros(p.shape[0])
    chunk = max(1, 400_000 // (k * 8))
    for s in range(0, p.shape[0], chunk):
        q = p[s : s + chunk]
        t0, t1 = q[:, 6:7], q[:, 7:8]
        h = (t1 - t0) / k  # (c, 1)
        j = np.arange(k)[None, :, None]
        t = t0[:, :, None] + h[:, :, None] * (j + (_GL_NODES[None, None, :] + 1.0) / 2.0)
        sin_t, cos_t = np.sin(t), np.cos(t)
        dx = -q[:, 2, None, None] * sin_t + q[:, 4, None, None] * cos_t
        dy = -q[:, 3, None, None] * sin_t + q[:, 5, None, None] * cos_t
        speed = np.hypot(dx, dy)
        result[s : s + chunk] = (speed * _GL_WEIGHTS).sum(axis=(1, 2)) * h[:, 0] / 2.0
    return result


@dataclass
class Samples:
    """Polyline approximation of every piece: piece i is points[start[i]:start[i + 1]]."""

    points: np.ndarray  # (M, 2)
    start: np.ndarray  # (n + 1,)


def sample_pieces(table: PieceTable, tolerance: float, min_per_turn: int = 16) -> Samples:
    """Approximate every piece by points, arcs to within `tolerance` (chord sagitta).

    A full turn gets at least `min_per_turn` segments (16 by default, so that point-in-polygon
    tests near a small hole are reliable) and at most 1024.
    """
    n = table.n_pieces
    kind, par = table.kind, table.par
    counts = np.full(n, 2, dtype=np.int64)
    is_conic = kind == CONIC
    is_curve = kind == CURVE
    segs = None
    if is_conic.any():
        p = par[is_conic]
        span = p[:, 7] - p[:, 6]
        r = np.maximum(np.hypot(p[:, 2], p[:, 3]), np.hypot(p[:, 4], p[:, 5]))
        ratio = np.clip(1.0 - tolerance / np.maximum(r, 1e-300), -1.0, 1.0)
        step = 2.0 * np.arccos(ratio)
        segs = np.ceil(span / np.maximum(step, 1e-9))
        segs = np.clip(segs, np.ceil(span * min_per_turn / TWO_PI), 1024).astype(np.int64)
        segs = np.maximum(segs, 1)
        counts[is_conic] = segs + 1
    if is_curve.any():
        counts[is_curve] = par[is_curve, 1].astype(np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    pts = np.zeros((int(start[-1]), 2))

    is_line = kind == LINE
    if is_line.any():
        s = start[:-1][is_line]
        pts[s] = par[is_line, 0:2]
        pts[s + 1] = par[is_line, 2:4]
    if segs is not None:
        p = par[is_conic]
        s_all = start[:-1][is_conic]
        c_all = counts[is_conic]
        # In chunks of ~250,000 points: the per-point temporaries stay small.
        bounds = np.searchsorted(np.cumsum(c_all), np.arange(250_000, int(c_all.sum()), 250_000))
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, p.shape[0]], strict=True):
            if hi <= lo:
                continue
            q, c, s = p[lo:hi], c_all[lo:hi], s_all[lo:hi]
            rep = np.repeat(np.arange(q.shape[0]), c)
            local = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
            t = q[rep, 6] + (q[rep, 7] - q[rep, 6]) * (local / np.repeat(segs[lo:hi], c))
            cos_t, sin_t = np.cos(t), np.sin(t)
            idx = np.repeat(s, c) + local
            pts[idx, 0] = q[rep, 0] + q[rep, 2] * cos_t + q[rep, 4] * sin_t
            pts[idx, 1] = q[rep, 1] + q[rep, 3] * cos_t + q[rep, 5] * sin_t
    if is_curve.any():
        s = start[:-1][is_curve]
        c = counts[is_curve]
        offs = par[is_curve, 0].astype(np.int64)
        local = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        pts[np.repeat(s, c) + local] = table.points[np.repeat(offs, c) + local]
    return Samples(pts, start)
