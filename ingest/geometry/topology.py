"""Which closed contour lies inside which: parts, holes and net area.

Nesting depth is even-odd: a contour inside no other is a part's outline (depth 0), inside one
it is a hole (depth 1), inside two an island in a hole (depth 2), and so on. Candidate
containers come from a hierarchy of grids over the contours' boxes, tried in rising area a few
at a time (never every pair: 20,000 concentric circles are 200 million pairs); only candidates
whose box holds the contour's box get a point-in-polygon test, and a circular container is
tested analytically.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .chaining import Contours, open_ends
from .measure import Measures, Samples
from .primitives import CONIC, LINE, PieceTable


@dataclass
class ContourTable:
    """Per-contour measures (all contours, open and closed)."""

    contours: Contours
    length: np.ndarray
    signed_area: np.ndarray  # meaningful for closed contours only
    bbox: np.ndarray  # (c, 4)
    ends: np.ndarray  # (c, 2, 2) first and last point
    circle: np.ndarray  # bool: every piece is an arc of one circle (closed contours)
    center: np.ndarray  # (c, 2) circle centre where `circle`
    radius: np.ndarray  # circle radius where `circle`


def contour_table(
    table: PieceTable, m: Measures, contours: Contours, tolerance: float
) -> ContourTable:
    """Lengths, signed areas, boxes and circle fits of every contour."""
    c = contours.count
    if c == 0:
        z = np.zeros(0)
        return ContourTable(contours, z, z, np.zeros((0, 4)), np.zeros((0, 2, 2)),
                            np.zeros(0, bool), np.zeros((0, 2)), z)  # fmt: skip
    idx = contours.start[:-1]
    e = contours.edges
    sign = np.where(contours.reversed, -1.0, 1.0)
    length = np.add.reduceat(m.edge_length[e], idx)
    signed_area = np.add.reduceat(m.edge_area[e] * sign, idx)
    eb = m.edge_bbox[e]
    bbox = np.column_stack(
        (
            np.minimum.reduceat(eb[:, 0], idx),
            np.minimum.reduceat(eb[:, 1], idx),
            np.maximum.reduceat(eb[:, 2], idx),
            np.maximum.reduceat(eb[:, 3], idx),
        )
    )
    ends = open_ends(contours, m.edge_start, m.edge_end)

    # Circle fit: all pieces circular conics sharing one centre and radius.
    circ_piece = m.circular.astype(np.int8)
    cx = np.where(m.circular, table.par[:, 0], np.nan)
    cy = np.where(m.circular, table.par[:, 1], np.nan)
    r = np.where(m.circular, m.radius, np.nan)
    ef = m.edge_first
    stats = []
    for arr, red in (
        (circ_piece, np.minimum),
        (cx, np.fmin),
        (cx, np.fmax),
        (cy, np.fmin),
        (cy, np.fmax),
        (r, np.fmin),
        (r, np.fmax),
    ):
        per_edge = red.reduceat(arr, ef) if ef.size else arr[:0]
        stats.append(red.reduceat(per_edge[e], idx))
    all_circ, cx0, cx1, cy0, cy1, r0, r1 = stats
    rad = (r0 + r1) / 2.0
    tol = np.maximum(tolerance, 1e-6 * np.nan_to_num(rad))
    circle = (
        contours.closed
        & (all_circ == 1)
        & (np.nan_to_num(cx1 - cx0, nan=np.inf) <= tol)
        & (np.nan_to_num(cy1 - cy0, nan=np.inf) <= tol)
        & (np.nan_to_num(r1 - r0, nan=np.inf) <= tol)
    )
    center = np.column_stack((np.nan_to_num((cx0 + cx1) / 2.0), np.nan_to_num((cy0 + cy1) / 2.0)))
    radius = np.where(circle, np.nan_to_num(rad), 0.0)
    return ContourTable(contours, length, signed_area, bbox, ends, circle, center, radius)


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs (start, count): the owner of every element and its index start + k."""
    owner = np.repeat(np.arange(counts.size), counts)
    local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + local


def _chunks(counts: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Split items into consecutive runs whose counts sum to about `budget` at most."""
    if counts.size == 0:
        return []
    csum = np.cumsum(counts)
    out, s = [], 0
    while s < counts.size:
        base = csum[s - 1] if s else 0
        e = int(np.searchsorted(csum, base + budget, "right"))
        e = max(e, s + 1)
        out.append((s, e))
        s = e
    return out


class Shapes:
    """Contour outlines as index arrays: sampled polygons (walking order) and piece lists.

    Everything is built once with numpy, so that point-in-contour and distance-to-contour
    questions for many (point, contour) pairs are answered in a few vectorised passes.
    """

    BUDGET = 2_000_000  # elements per vectorised pass

    def __init__(self, table: PieceTable, m: Measures, samples: Samples, ct: ContourTable):
        self.table, self.m, self.samples, self.ct = table, m, samples, ct
        contours = ct.contours
        e, rev = contours.edges, contours.reversed
        # Sampled outline of every contour, honouring each edge's direction.
        s = samples.start[m.edge_first[e]]
        t = samples.start[m.edge_last[e] + 1]
        cnt = t - s
        owner, fwd = _expand(s, cnt)
        back = np.repeat(t - 1 + s, cnt) - fwd  # mirror inside the run
        self.poly_idx = np.where(rev[owner], back, fwd) if owner.size else fwd
        run_start = np.zeros(cnt.size + 1, np.int64)
        np.cumsum(cnt, out=run_start[1:])
        self.poly_start = run_start[contours.start]
        # Pieces of every contour (order irrelevant).
        pc = m.edge_last[e] - m.edge_first[e] + 1
        _, self.piece_idx = _expand(m.edge_first[e], pc)
        run_start = np.zeros(pc.size + 1, np.int64)
        np.cumsum(pc, out=run_start[1:])
        self.piece_start = run_start[contours.start]

    def polygon(self, i: int) -> np.ndarray:
        """The sampled outline of contour i, in walking order."""
        return self.samples.points[self.poly_idx[self.poly_start[i] : self.poly_start[i + 1]]]

    def inside(self, points: np.ndarray, cids: np.ndarray) -> np.ndarray:
        """Even-odd test of points[k] against the sampled outline of contour cids[k]."""
        out = np.zeros(points.shape[0], bool)
        pts = self.samples.points
        nv = self.poly_start[cids + 1] - self.poly_start[cids]
        for s, e in _chunks(nv, self.BUDGET):
            owner, pos = _expand(self.poly_start[cids[s:e]], nv[s:e])
            if owner.size == 0:
                continue
            last = np.repeat(self.poly_start[cids[s:e]] + nv[s:e] - 1, nv[s:e])
            first = np.repeat(self.poly_start[cids[s:e]], nv[s:e])
            nxt = np.where(pos == last, first, pos + 1)
            a = pts[self.poly_idx[pos]]
            b = pts[self.poly_idx[nxt]]
            q = points[s:e][owner]
            crosses = (a[:, 1] > q[:, 1]) != (b[:, 1] > q[:, 1])
            dy = np.where(crosses, b[:, 1] - a[:, 1], 1.0)  # non-zero wherever it matters
            xint = a[:, 0] + (q[:, 1] - a[:, 1]) * (b[:, 0] - a[:, 0]) / dy
            hits = (crosses & (q[:, 0] < xint)).astype(np.int64)
            out[s:e] = np.bincount(owner, weights=hits, minlength=e - s) % 2 == 1
        return out

    def distances(self, points: np.ndarray, cids: np.ndarray) -> np.ndarray:
        """Distance from points[k] to the boundary of contour cids[k].

        Exact for lines and circular arcs; other curves use their sampled polyline.
        """
        out = np.full(points.shape[0], np.inf)
        kind, par, m = self.table.kind, self.table.par, self.m
        npieces = self.piece_start[cids + 1] - self.piece_start[cids]
        for s, e in _chunks(npieces, self.BUDGET):
            owner, pos = _expand(self.piece_start[cids[s:e]], npieces[s:e])
            piece = self.piece_idx[pos]
            q = points[s:e][owner]
            d = np.full(piece.size, np.inf)
            k = kind[piece]
            sel = k == LINE
            if sel.any():
                p = par[piece[sel]]
                d[sel] = _segment_distance(q[sel], p[:, 0:2], p[:, 2:4])
            sel = (k == CONIC) & m.circular[piece]
            if sel.any():
                d[sel] = _arc_distance(q[sel], par[piece[sel]], m, piece[sel])
            other = np.flatnonzero(~((k == LINE) | ((k == CONIC) & m.circular[piece])))
            if other.size:
                ss = self.samples.start[piece[other]]
                ns = self.samples.start[piece[other] + 1] - ss - 1
                sub_owner, a_idx = _expand(ss, ns)
                sp = self.samples.points
                dd = _segment_distance(q[other][sub_owner], sp[a_idx], sp[a_idx + 1])
                best = np.full(other.size, np.inf)
                np.minimum.at(best, sub_owner, dd)
                d[other] = best
            np.minimum.at(out[s:e], owner, d)
        return out


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each point p[k] to the segment a[k]→b[k]."""
    ab = b - a
    ab2 = np.maximum((ab**2).sum(axis=1), 1e-300)
    t = np.clip(((p - a) * ab).sum(axis=1) / ab2, 0.0, 1.0)
    d = p - (a + t[:, None] * ab)
    return np.hypot(d[:, 0], d[:, 1])


def _arc_distance(p: np.ndarray, par: np.ndarray, m: Measures, ids: np.ndarray) -> np.ndarray:
    """Distance from each point p[k] to the circular arc piece ids[k] (parameters par[k])."""
    d = p - par[:, 0:2]
    r = m.radius[ids]
    r2 = np.maximum(r * r, 1e-300)
    alpha = (d[:, 0] * par[:, 2] + d[:, 1] * par[:, 3]) / r2
    beta = (d[:, 0] * par[:, 4] + d[:, 1] * par[:, 5]) / r2
    t = np.arctan2(beta, alpha)
    within = np.mod(t - par[:, 6], 2 * math.pi) <= (par[:, 7] - par[:, 6])
    on_arc = np.abs(np.hypot(d[:, 0], d[:, 1]) - r)
    s, e = m.start[ids], m.end[ids]
    to_ends = np.minimum(
        np.hypot(p[:, 0] - s[:, 0], p[:, 1] - s[:, 1]),
        np.hypot(p[:, 0] - e[:, 0], p[:, 1] - e[:, 1]),
    )
    return np.where(within, on_arc, to_ends)


@dataclass
class Nesting:
    """Nesting of the closed contours (indices into the contour table)."""

    closed: np.ndarray  # contour ids of closed contours
    depth: np.ndarray  # per closed contour
    parent: np.ndarray  # per closed contour: contour id of the innermost container, or -1


def nest(
    ct: ContourTable, shapes: Shapes, tolerance: float, leave_out: np.ndarray | None = None
) -> Nesting:
    """Even-odd nesting depth and innermost container of every closed contour (but those marked
    in `leave_out`: copies of an outline drawn twice, which would otherwise hold their twin).

    The innermost container of a contour is the smallest-area contour around it; its depth is
    one more than its container's. Candidates come from a grid of levels (`_LevelIndex`) in
    rising area, a few at a time, so the work stays near-linear even for thousands of contours
    nested inside each other (where every contour has every larger one around it).
    """
    keep = ct.contours.closed if leave_out is None else ct.contours.closed & ~leave_out
    closed = np.flatnonzero(keep)
    n = closed.size
    if n == 0:
        return Nesting(closed, np.zeros(0, np.int64), np.zeros(0, np.int64))
    bbox = ct.bbox[closed]
    area = np.abs(ct.signed_area[closed])
    probes = _probe_points(shapes, closed)
    eps = tolerance

    def contains(pi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """Whether contour pj[k] holds contour pi[k] (local ids; boxes already checked)."""
        # Three points spread along contour i: it is inside j when at least two of them are,
        # so one point on a shared boundary or a crossing outline does not decide alone.
        cj = closed[pj]
        votes = np.zeros(pi.size, np.int64)
        circ = ct.circle[cj]
        for k in range(3):
            pts = probes[pi, k]
            hit = np.zeros(pi.size, bool)
            if circ.any():
                c, r = ct.center[cj[circ]], ct.radius[cj[circ]]
                p = pts[circ]
                hit[circ] = np.hypot(p[:, 0] - c[:, 0], p[:, 1] - c[:, 1]) < r
            if (~circ).any():
                hit[~circ] = shapes.inside(pts[~circ], cj[~circ])
            votes += hit
        return votes >= 2

    local_parent, depth = nest_boxes(bbox, area, ct.ends[closed, 0], contains, eps)
    parent = np.where(local_parent >= 0, closed[np.maximum(local_parent, 0)], -1)
    return Nesting(closed, depth, parent)


def nest_boxes(
    bbox: np.ndarray,
    area: np.ndarray,
    rep: np.ndarray,
    contains: Callable[[np.ndarray, np.ndarray], np.ndarray],
    eps: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(innermost container, even-odd depth) of n closed outlines, near-linear in n.

    `bbox` is (n, 4), `area` (n,) orders containers (only a larger one may hold a smaller
    one; pass ranks to break ties), `rep` (n, 2) a point on each outline, and
    `contains(pi, pj)` says whether outline pj[k] holds outline pi[k] for candidates whose
    box holds the other's (within `eps`). Shared by the DXF and LightBurn readers.
    """
    local_parent = _LevelIndex(bbox, area, eps).innermost(rep, contains)
    return local_parent, _chain_depth(local_parent)


def _probe_points(shapes: Shapes, closed: np.ndarray) -> np.ndarray:
    """(n, 3, 2): points at 0, 1/3 and 2/3 of the way along each contour's outline."""
    start = shapes.poly_start[closed]
    count = shapes.poly_start[closed + 1] - start
    offsets = (count[:, None] * np.array([0, 1, 2])[None, :]) // 3
    return shapes.samples.points[shapes.poly_idx[start[:, None] + offsets]]


def _chain_depth(parent: np.ndarray) -> np.ndarray:
    """Number of ancestors of every node of a forest given by `parent` (-1 for a root), by
    pointer jumping: a few passes over the arrays even for a chain thousands deep."""
    depth = (parent >= 0).astype(np.int64)
    jump = parent.copy()
    while True:
        up = np.flatnonzero(jump >= 0)
        if up.size == 0:
            return depth
        above = jump[up]
        depth[up] += depth[above]
        jump[up] = jump[above]


class _LevelIndex:
    """Closed contours' boxes in a hierarchy of grids, for "which contour holds this one".

    Level L has square cells of `base · 2**L`; a box is filed at the lowest level whose cell is
    at least as large as the box, in the (at most 2 × 2) cells it touches. A contour that
    holds another has a box around the other's, so it is filed at the same level or higher, in
    the cell of that level where the other's first point lies: one cell per level to look in.
    Each cell keeps its boxes in rising area, and containers are tried in that order a few at a
    time; the first one that holds the contour, once no smaller candidate is left, is its
    innermost container. Memory is a few entries per contour; a pass never holds more than
    `BUDGET` candidate pairs.
    """

    BUDGET = 1_000_000
    FIRST_TAKE = 4  # candidates per (contour, level) in the first pass; doubled each pass
    MAX_TAKE = 4096
    FINEST = 2**20  # the finest level has this many cells across the drawing

    def __init__(self, bbox: np.ndarray, area: np.ndarray, eps: float):
        self.bbox, self.area, self.eps = bbox, area, eps
        grown = bbox + np.array([-eps, -eps, eps, eps])
        self.x0, self.y0 = float(grown[:, 0].min()), float(grown[:, 1].min())
        extent = max(float(grown[:, 2].max()) - self.x0, float(grown[:, 3].max()) - self.y0)
        self.base = max(extent, 1e-9) / self.FINEST
        size = np.maximum(grown[:, 2] - grown[:, 0], grown[:, 3] - grown[:, 1])
        self.level = self._level_of(size)
        self.top = int(self.level.max())
        # File every box in the cells it touches at its level (at most 3 × 3 with rounding).
        cell = self.base * np.exp2(self.level)
        ix0 = np.floor((grown[:, 0] - self.x0) / cell).astype(np.int64)
        iy0 = np.floor((grown[:, 1] - self.y0) / cell).astype(np.int64)
        nx = np.clip(np.floor((grown[:, 2] - self.x0) / cell).astype(np.int64) - ix0 + 1, 1, 3)
        ny = np.clip(np.floor((grown[:, 3] - self.y0) / cell).astype(np.int64) - iy0 + 1, 1, 3)
        owner, local = _expand(np.zeros(area.size, np.int64), nx * ny)
        keys = self._key(
            self.level[owner], ix0[owner] + local % nx[owner], iy0[owner] + local // nx[owner]
        )
        order = np.lexsort((area[owner], keys))
        self.keys, self.entry = keys[order], owner[order]
        self.entry_area = area[self.entry]

    def _level_of(self, size: np.ndarray) -> np.ndarray:
        ratio = np.maximum(size / self.base, 1.0)
        return np.ceil(np.log2(ratio) - 1e-12).astype(np.int64).clip(0, 62)

    @staticmethod
    def _key(level: np.ndarray, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        # ix, iy lie in [-1, 2**21] at every level: 23 bits each, shifted to be non-negative.
        return (level << 48) | ((ix + 2) << 24) | (iy + 2)

    def innermost(
        self,
        rep: np.ndarray,
        contains: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """Local id of the smallest-area box holder that `contains` accepts, per contour (-1:
        none). `rep` is a point on each contour."""
        n = self.area.size
        best = np.full(n, -1, np.int64)
        best_area = np.full(n, np.inf)
        qi, ptr, end = self._queries(rep)
        take = self.FIRST_TAKE
        bbox, area, eps = self.bbox, self.area, self.eps
        while qi.size:
            # A list whose next candidate is no smaller than a container already found is done.
            go = self.entry_area[ptr] < best_area[qi]
            qi, ptr, end = qi[go], ptr[go], end[go]
            if not qi.size:
                break
            count = np.minimum(end - ptr, take)
            for s, e in _chunks(count, self.BUDGET):
                owner, pos = _expand(ptr[s:e], count[s:e])
                pi, pj = qi[s:e][owner], self.entry[pos]
                ok = (
                    (pi != pj)
                    & (area[pj] > area[pi])
                    & (bbox[pj, 0] <= bbox[pi, 0] + eps)
                    & (bbox[pj, 1] <= bbox[pi, 1] + eps)
                    & (bbox[pj, 2] >= bbox[pi, 2] - eps)
                    & (bbox[pj, 3] >= bbox[pi, 3] - eps)
                )
                pi, pj = pi[ok], pj[ok]
                if not pi.size:
                    continue
                held = contains(pi, pj)
                pi, pj = pi[held], pj[held]
                if not pi.size:
                    continue
                order = np.lexsort((area[pj], pi))
                pi, pj = pi[order], pj[order]
                first = np.r_[True, pi[1:] != pi[:-1]]
                pi, pj = pi[first], pj[first]
                better = area[pj] < best_area[pi]
                best[pi[better]] = pj[better]
                best_area[pi[better]] = area[pj[better]]
            ptr = ptr + count
            left = ptr < end
            qi, ptr, end = qi[left], ptr[left], end[left]
            take = min(take * 2, self.MAX_TAKE)
        return best

    def _queries(self, rep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each contour and each level that may hold its containers: the contour, and the
        range of that cell's list holding larger areas than the contour's."""
        n = self.area.size
        grown = self.bbox + np.array([-self.eps, -self.eps, self.eps, self.eps])
        size = np.maximum(grown[:, 2] - grown[:, 0], grown[:, 3] - grown[:, 1])
        low = np.maximum(self._level_of(size - 4 * self.eps) - 1, 0)
        count = self.top - low + 1
        qi, step = _expand(np.zeros(n, np.int64), count)
        level = low[qi] + step
        cell = self.base * np.exp2(level)
        ix = np.floor((rep[qi, 0] - self.x0) / cell).astype(np.int64)
        iy = np.floor((rep[qi, 1] - self.y0) / cell).astype(np.int64)
        keys = self._key(level, ix, iy)
        lo = np.searchsorted(self.keys, keys, "left")
        end = np.searchsorted(self.keys, keys, "right")
        # First entry of the cell with an area larger than the contour's (vectorised bisection).
        value = self.area[qi]
        a, b = lo.copy(), end.copy()
        while True:
            active = np.flatnonzero(a < b)
            if not active.size:
                break
            mid = (a[active] + b[active]) // 2
            right = self.entry_area[mid] <= value[active]
            a[active[right]] = mid[right] + 1
            b[active[~right]] = mid[~right]
        keep = a < end
        return qi[keep], a[keep], end[keep]


def polygon_circle(poly: np.ndarray, tolerance: float) -> tuple[float, float, float] | None:
    """(cx, cy, r) when a closed polyline is a circle drawn with straight segments, else None.

    Needs at least 24 distinct vertices, every vertex within 1 % (or the tolerance) of the
    mean radius about the area centroid, and an enclosed area within 1.5 % of πr² (a 16-gon is
    2.5 % short and is not a circle).
    """
    step = np.diff(poly, axis=0, append=poly[:1])
    pts = poly[np.hypot(step[:, 0], step[:, 1]) > 1e-12]  # no repeated points
    if pts.shape[0] < 24:
        return None
    x, y = pts[:, 0], pts[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area2 = float(cross.sum())
    if abs(area2) < 1e-300:
        return None
    cx = float(((x + x1) * cross).sum() / (3.0 * area2))
    cy = float(((y + y1) * cross).sum() / (3.0 * area2))
    d = np.hypot(x - cx, y - cy)
    r = float(d.mean())
    if r <= 0 or float(np.abs(d - r).max()) > max(0.01 * r, tolerance):
        return None
    if abs(abs(area2) / 2.0 / (math.pi * r * r) - 1.0) > 0.015:
        return None
    return cx, cy, r
