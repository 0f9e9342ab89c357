"""Contour chaining: loose edges (in any order and direction) joined end to end.

Endpoints are clustered into nodes on a grid whose cells are one tolerance wide. Points in the
same cell share a node at once (vectorised); a cell holding an odd number of endpoints — a
possible near-miss straddling a cell border — looks into its eight neighbours for points
within the tolerance (vectorised too). Nothing is O(n²).

The graph is then split into trails: open chains start at nodes of odd degree, the rest are
cycles; a trail that comes back to a node it already passed is cut there, so two squares
touching at a corner become two closed contours rather than one figure-eight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Contours:
    """Edges grouped into contours. Contour i is edges[start[i]:start[i + 1]], in order."""

    edges: np.ndarray  # int64 edge indices
    reversed: np.ndarray  # bool: the edge is walked from its end to its start
    start: np.ndarray  # int64 (count + 1,)
    closed: np.ndarray  # bool (count,)

    @property
    def count(self) -> int:
        return int(self.closed.shape[0])


def unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like np.unique(rows, axis=0, return_inverse=True, return_counts=True), but by lexsort
    (several times faster and lighter than the structured-array path numpy takes)."""
    n = rows.shape[0]
    order = np.lexsort(rows.T[::-1])
    srt = rows[order]
    new = np.ones(n, bool)
    if n > 1:
        new[1:] = (srt[1:] != srt[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(n, np.int64)
    inverse[order] = group
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, n))
    return srt[starts], inverse, counts


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """np.unique(values) for a 1-D integer array, without importing numpy.ma: np.unique asks
    whether its argument is a masked array, which loads numpy.ma (about 20 ms) on the first DXF
    read."""
    ordered = np.sort(values)
    new = np.ones(ordered.size, bool)
    new[1:] = ordered[1:] != ordered[:-1]
    return ordered[new]


def cluster_points(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Node id for each point; points closer than `tolerance` (via chains of such) share one."""
    n = points.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    tol = max(float(tolerance), 1e-12)
    cells = np.floor(points / tol)
    span = np.abs(cells).max()
    if not np.isfinite(span) or span > 2**40:
        # Coordinates too large for integer cells at this tolerance: fall back to a coarser
        # grid (the tolerance stays the test for neighbours).
        tol = max(tol, float(np.abs(points[np.isfinite(points)]).max(initial=1.0)) / 2**40)
        cells = np.floor(points / tol)
    cells = np.nan_to_num(cells).astype(np.int64)
    cell_ids, inverse, counts = unique_rows(cells)
    n_cells = cell_ids.shape[0]
    parent = np.arange(n_cells)

    odd = np.flatnonzero(counts % 2 == 1)
    if odd.size:
        u, v = _near_cells(points, cell_ids, inverse, counts, odd, tol)
        parent = _components(n_cells, u, v)
    return parent[inverse]


_PAIR_BUDGET = 2_000_000  # point pairs compared per vectorised pass


def _near_cells(
    points: np.ndarray,
    cell_ids: np.ndarray,
    inverse: np.ndarray,
    counts: np.ndarray,
    odd: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of cells (an odd cell and one of its eight neighbours) holding two points within
    `tol` of each other. All at once with numpy: a drawing of a million loose lines has two
    million lone ends, each in an odd cell."""
    n_cells = cell_ids.shape[0]
    # Cells as one sortable key: ranks of their x and y among the cells' coordinates.
    xs, ys = unique_sorted(cell_ids[:, 0]), unique_sorted(cell_ids[:, 1])
    keys = np.searchsorted(xs, cell_ids[:, 0]) * ys.size + np.searchsorted(ys, cell_ids[:, 1])
    order_keys = np.argsort(keys, kind="stable")
    sorted_keys = keys[order_keys]
    found_u, found_v = [], []
    rank_x: dict[int, np.ndarray] = {}
    rank_y: dict[int, np.ndarray] = {}  # per step: the neighbour's rank, or -1 where no cell has it
    for step in (-1, 0, 1):
        for coords, ranks, out in ((xs, cell_ids[odd, 0], rank_x), (ys, cell_ids[odd, 1], rank_y)):
            r = np.minimum(np.searchsorted(coords, ranks + step), coords.size - 1)
            out[step] = np.where(coords[r] == ranks + step, r, -1)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if not dx and not dy:
                continue
            rx, ry = rank_x[dx], rank_y[dy]
            ok = (rx >= 0) & (ry >= 0)
            key = rx * ys.size + ry
            at = np.minimum(np.searchsorted(sorted_keys, key), n_cells - 1)
            ok &= sorted_keys[at] == key
            found_u.append(odd[ok])
            found_v.append(order_keys[at[ok]])
    cu, cv = np.concatenate(found_u), np.concatenate(found_v)
    if not cu.size:
        return cu, cv
    # Points of every cell, contiguous: cell c holds members[first[c]:first[c + 1]].
    members = np.argsort(inverse, kind="stable")
    first = np.zeros(n_cells + 1, np.int64)
    np.cumsum(counts, out=first[1:])
    pairs = counts[cu] * counts[cv]
    near = np.zeros(cu.size, bool)
    tol2 = tol * tol
    for s, e in _runs(pairs, _PAIR_BUDGET):
        per = pairs[s:e]
        owner = np.repeat(np.arange(s, e), per)
        k = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
        width = counts[cv[owner]]
        a = points[members[first[cu[owner]] + k // width]]
        b = points[members[first[cv[owner]] + k % width]]
        close = ((a - b) ** 2).sum(axis=1) <= tol2
        near[owner[close]] = True
    return cu[near], cv[near]


def _runs(counts: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive runs of items whose counts sum to about `budget` at most (one at least)."""
    csum = np.cumsum(counts)
    out, s = [], 0
    while s < counts.size:
        base = csum[s - 1] if s else 0
        e = max(int(np.searchsorted(csum, base + budget, "right")), s + 1)
        out.append((s, e))
        s = e
    return out


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For nodes 0..n-1 joined by edges (u, v): the smallest node of each one's component."""
    label = np.arange(n)
    while True:
        lu, lv = label[u], label[v]
        low = np.minimum(lu, lv)
        before = label.copy()
        np.minimum.at(label, lu, low)  # hook each root onto the smaller neighbouring label
        np.minimum.at(label, lv, low)
        while True:  # pointer jumping: every node straight to its root
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        if np.array_equal(label, before):
            return label


@dataclass
class _Trails:
    """Contours as they are found, in the order `Contours` keeps them (lists: one append per
    edge is cheaper than growing arrays)."""

    edges: list[int] = field(default_factory=list)
    reversed: list[bool] = field(default_factory=list)
    start: list[int] = field(default_factory=lambda: [0])
    closed: list[bool] = field(default_factory=list)

    def add_single_edges(self, ids: list[int], closed: list[bool]) -> None:
        """Each edge of `ids` is a contour by itself, walked forward."""
        first = len(self.edges)
        self.edges.extend(ids)
        self.reversed.extend([False] * len(ids))
        self.start.extend(range(first + 1, first + 1 + len(ids)))
        self.closed.extend(closed)

    def add_halves(self, halves: list[int], closed: bool, m: int, ids: list[int]) -> None:
        """One trail of half-edges: h < m walks edge ids[h] forward, h >= m edge ids[h - m]
        backward."""
        edges, reversed_ = self.edges, self.reversed
        for h in halves:
            if h < m:
                edges.append(ids[h])
                reversed_.append(False)
            else:
                edges.append(ids[h - m])
                reversed_.append(True)
        self.start.append(len(edges))
        self.closed.append(closed)

    def contours(self) -> Contours:
        return Contours(
            np.asarray(self.edges, np.int64),
            np.asarray(self.reversed, bool),
            np.asarray(self.start, np.int64),
            np.asarray(self.closed, bool),
        )


def chain_edges(
    edge_start: np.ndarray,
    edge_end: np.ndarray,
    edge_closed: np.ndarray,
    edge_length: np.ndarray,
    tolerance: float,
    alone: np.ndarray | None = None,
    copies: np.ndarray | None = None,
) -> Contours:
    """Group edges into closed contours and open chains.

    Edges flagged closed (circles, closed polylines) are contours by themselves, and so are the
    edges marked in `alone` (exact duplicates: chaining them would tie a second copy of a line
    into its twin's outline). The edges marked in `copies` (the second copy of a line drawn
    twice) are joined only with each other, so that an outline drawn twice line by line is a
    second closed contour over the first. The others are joined where their endpoints meet
    within `tolerance`. Edges shorter than the tolerance whose two ends fall on one node are
    dropped (they cut nothing).
    """
    out = _Trails()
    closed_ids = np.flatnonzero(edge_closed).tolist()
    out.add_single_edges(closed_ids, [True] * len(closed_ids))
    apart = np.zeros(edge_closed.shape[0], bool)
    if alone is not None:
        lone = np.flatnonzero(alone & ~edge_closed)
        gap = edge_start[lone] - edge_end[lone]
        meets = gap[:, 0] * gap[:, 0] + gap[:, 1] * gap[:, 1] <= tolerance * tolerance
        out.add_single_edges(lone.tolist(), meets.tolist())
        apart |= alone
    if copies is not None:
        second = np.flatnonzero(copies & ~edge_closed & ~apart)
        if second.size:
            _chain_loose(second, edge_start, edge_end, edge_length, tolerance, out)
        apart |= copies
    loose = np.flatnonzero(~edge_closed & ~apart)
    if loose.size:
        _chain_loose(loose, edge_start, edge_end, edge_length, tolerance, out)
    return out.contours()


def _chain_loose(
    loose: np.ndarray,
    edge_start: np.ndarray,
    edge_end: np.ndarray,
    edge_length: np.ndarray,
    tolerance: float,
    out: _Trails,
) -> None:
    """Join the `loose` edges end to end: plain loops first, then the general walk."""
    nodes = cluster_points(np.concatenate((edge_start[loose], edge_end[loose])), tolerance)
    u = nodes[: loose.size]
    v = nodes[loose.size :]
    keep = ~((u == v) & (edge_length[loose] <= 2.0 * tolerance))
    loose, u, v = loose[keep], u[keep], v[keep]
    rest = _walk_cycles(loose, u, v, out)
    _walk(loose[rest], u[rest], v[rest], out)


def _walk_cycles(edge_ids: np.ndarray, u: np.ndarray, v: np.ndarray, out: _Trails) -> np.ndarray:
    """Emit the components in which every node has degree 2 (plain loops: the common case)
    with a tight walk; returns the mask of edges left for the general walk."""
    m = edge_ids.shape[0]
    if m == 0:
        return np.zeros(0, bool)
    deg, a0, a1 = _edges_at_degree_two(u, v)
    state = _trace_loops(u.tolist(), v.tolist(), edge_ids.tolist(), deg, a0, a1, out)
    return np.frombuffer(bytes(state), dtype=np.uint8) == 2


def _edges_at_degree_two(u: np.ndarray, v: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Each node's degree, and the (at most) two edges at each node of degree 2 (-1 elsewhere)."""
    m = u.shape[0]
    n_nodes = int(max(u.max(), v.max())) + 1
    ends = np.concatenate((u, v))
    degree = np.bincount(ends, minlength=n_nodes)
    order = np.argsort(ends, kind="stable")
    ptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(degree, out=ptr[1:])
    first = np.full(n_nodes, -1, np.int64)
    second = np.full(n_nodes, -1, np.int64)
    two = np.flatnonzero(degree == 2)
    first[two] = order[ptr[two]] % m
    second[two] = order[ptr[two] + 1] % m
    return degree.tolist(), first.tolist(), second.tolist()


def _trace_loops(
    ul: list[int],
    vl: list[int],
    ids: list[int],
    deg: list[int],
    a0: list[int],
    a1: list[int],
    out: _Trails,
) -> bytearray:
    """Walk from every edge along nodes of degree 2; a walk that comes back to its start is a
    closed contour. Returns each edge's state: 1 emitted, 2 left for the general walk (one
    loop in Python over all the edges: the hot path of a drawing of loose lines)."""
    out_edges, out_rev, out_start, out_closed = out.edges, out.reversed, out.start, out.closed
    m = len(ids)
    state = bytearray(m)  # 0 new, 1 emitted, 2 left for the general walk
    for e0 in range(m):
        if state[e0]:
            continue
        start, x, e = ul[e0], vl[e0], e0
        path, revs = [e0], [False]
        state[e0] = 1
        ok = deg[start] == 2
        while ok and x != start:
            if deg[x] != 2:
                ok = False
                break
            e = a1[x] if a0[x] == e else a0[x]
            if state[e] == 2:  # joins a component already known to branch or end
                ok = False
                break
            state[e] = 1
            path.append(e)
            if ul[e] == x:
                revs.append(False)
                x = vl[e]
            else:
                revs.append(True)
                x = ul[e]
        if ok:
            out_edges.extend(ids[i] for i in path)
            out_rev.extend(revs)
            out_start.append(len(out_edges))
            out_closed.append(True)
        else:
            for i in path:
                state[i] = 2
    return state


def _walk(edge_ids: np.ndarray, u: np.ndarray, v: np.ndarray, out: _Trails) -> None:
    """Decompose the graph (edge i joins u[i] and v[i]) into trails, cut at revisited nodes."""
    m = edge_ids.shape[0]
    if m == 0:
        return
    degree, inc, cursor, ptr_end = _incidence(u, v)
    used = bytearray(m)
    next_half = _next_half_finder(m, inc, cursor, ptr_end, used)
    trail_from = _trail_walker(m, next_half, used, u.tolist(), v.tolist(), edge_ids.tolist(), out)
    # Open trails start at the nodes of odd degree; what they leave is closed.
    for x in np.flatnonzero(degree % 2 == 1).tolist():
        while cursor[x] < ptr_end[x]:
            trail_from(x)
    for x in range(len(cursor)):
        while cursor[x] < ptr_end[x]:
            trail_from(x)


def _incidence(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, list[int], list[int], list[int]]:
    """Incidence lists in CSR form: (degree, inc, first, end); for node x, the half-edges
    inc[first[x]:end[x]]. A half-edge h < m leaves edge h from u (forward), h >= m leaves
    edge h - m from v (reversed). `first` is a list the walk advances as it uses them."""
    n_nodes = int(max(u.max(), v.max())) + 1
    ends = np.concatenate((u, v))
    order = np.argsort(ends, kind="stable")
    degree = np.bincount(ends, minlength=n_nodes)
    ptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(degree, out=ptr[1:])
    return degree, order.tolist(), ptr[:-1].tolist(), ptr[1:].tolist()


def _next_half_finder(
    m: int, inc: list[int], cursor: list[int], ptr_end: list[int], used: bytearray
) -> Callable[[int], int]:
    """next_half(x): the next half-edge leaving node x whose edge is unused, or -1."""

    def next_half(x: int) -> int:
        c = cursor[x]
        end = ptr_end[x]
        while c < end:
            h = inc[c]
            c += 1
            if not used[h if h < m else h - m]:
                cursor[x] = c
                return h
        cursor[x] = c
        return -1

    return next_half


def _trail_walker(
    m: int,
    next_half: Callable[[int], int],
    used: bytearray,
    ul: list[int],
    vl: list[int],
    ids: list[int],
    out: _Trails,
) -> Callable[[int], None]:
    """trail_from(x): walk unused edges from node x until stuck, emitting each cycle cut off
    where the walk comes back to a node on its stack, then what is left as an open trail."""

    def trail_from(x: int) -> None:
        node_stack = [x]
        half_stack: list[int] = []
        where = {x: 0}
        while True:
            h = next_half(x)
            if h < 0:
                break
            if h < m:
                used[h] = 1
                y = vl[h]
            else:
                used[h - m] = 1
                y = ul[h - m]
            half_stack.append(h)
            if y in where:
                p = where[y]
                cycle = half_stack[p:]
                del half_stack[p:]
                for dropped in node_stack[p + 1 :]:
                    del where[dropped]
                del node_stack[p + 1 :]
                out.add_halves(cycle, True, m, ids)
            else:
                where[y] = len(node_stack)
                node_stack.append(y)
            x = y
        if half_stack:
            out.add_halves(half_stack, False, m, ids)

    return trail_from


def open_ends(contours: Contours, edge_start: np.ndarray, edge_end: np.ndarray) -> np.ndarray:
    """(count, 2, 2): first and last point of every contour, honouring edge direction."""
    n = contours.count
    out = np.zeros((n, 2, 2))
    if n == 0:
        return out
    first = contours.edges[contours.start[:-1]]
    first_rev = contours.reversed[contours.start[:-1]]
    last = contours.edges[contours.start[1:] - 1]
    last_rev = contours.reversed[contours.start[1:] - 1]
    out[:, 0] = np.where(first_rev[:, None], edge_end[first], edge_start[first])
    out[:, 1] = np.where(last_rev[:, None], edge_start[last], edge_end[last])
    return out
