"""Cut pieces in a columnar table: the one representation every later step works on.

A drawing flattens into *pieces* (one straight or curved run each) grouped into *edges* (the
pieces of one entity, in order). Pieces are rows of a table rather than Python objects, so a
100,000-entity drawing costs a few megabytes and every metric is a numpy expression.

Piece kinds and their eight parameters (`par` row):

- LINE:  x0, y0, x1, y1
- CONIC: cx, cy, ux, uy, vx, vy, t0, t1 — the curve C + U·cos t + V·sin t for t0 <= t <= t1.
  Arcs, circles and ellipses (and their images under any affine map: scaled, mirrored,
  non-uniformly scaled blocks) are all conics; a mirror simply flips the sign of U×V.
- CURVE: offset, count — a run of `count` points in `points` from row `offset` (flattened
  splines).
- BULGE: x0, y0, x1, y1, bulge — a polyline arc as written in the file; only inside a
  `PieceBuilder`, converted to CONIC by `PieceBuilder.to_table()`.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

LINE, CONIC, CURVE, BULGE = 0, 1, 2, 3
TWO_PI = 2.0 * math.pi
# Below this |bulge| a polyline segment is treated as straight: the arc's sagitta is
# bulge * chord / 2, i.e. half a micrometre on a one-metre chord.
STRAIGHT_BULGE = 1e-6


@dataclass
class PieceTable:
    """Cut pieces in one coordinate system (a block's, the drawing's, or millimetres)."""

    kind: np.ndarray  # int8 (n,)
    par: np.ndarray  # float64 (n, 8)
    layer: np.ndarray  # int32 (n,) index into the drawing's layer-name list
    edge_first: np.ndarray  # int64 (k,) first piece of each edge; strictly increasing
    edge_closed: np.ndarray  # bool (k,) the entity itself is closed (circle, closed polyline)
    points: np.ndarray  # float64 (m, 2) the points of CURVE pieces, in piece order

    @property
    def n_pieces(self) -> int:
        return int(self.kind.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_first.shape[0])

    def edge_last(self) -> np.ndarray:
        """Index of the last piece of every edge."""
        nxt = np.empty_like(self.edge_first)
        nxt[:-1] = self.edge_first[1:]
        if nxt.size:
            nxt[-1] = self.n_pieces
        return nxt - 1

    def scaled(self, factor: float) -> PieceTable:
        """The same pieces with every length multiplied by `factor` (drawing units to mm)."""
        if factor == 1.0:
            return self
        par = self.par.copy()
        not_curve = self.kind != CURVE
        par[not_curve, :6] *= factor
        return PieceTable(
            self.kind, par, self.layer, self.edge_first, self.edge_closed, self.points * factor
        )


def drop_unusable_edges(table: PieceTable, limit: float) -> tuple[PieceTable, int]:
    """The table without edges that hold a non-finite number or a coordinate beyond `limit`.

    Returns the cleaned table and how many edges were dropped. Whole edges go, so that the
    pieces left still join up.
    """
    if not table.n_pieces:
        return table, 0
    bad = ~np.isfinite(table.par).all(axis=1)
    not_curve = table.kind != CURVE
    bad |= not_curve & (np.abs(table.par[:, 0:2]) > limit).any(axis=1)
    bad |= (table.kind == LINE) & (np.abs(table.par[:, 2:4]) > limit).any(axis=1)
    # Conic axes: a radius beyond the limit is as unusable as a far centre.
    bad |= (table.kind == CONIC) & (np.abs(table.par[:, 2:6]) > limit).any(axis=1)
    curve = np.flatnonzero(table.kind == CURVE)
    if curve.size and table.points.size:
        pts_bad = ~np.isfinite(table.points).all(axis=1) | (np.abs(table.points) > limit).any(
            axis=1
        )
        if pts_bad.any():
            offs = table.par[curve, 0].astype(np.int64)
            bad[curve] |= np.maximum.reduceat(pts_bad, offs)
    if not bad.any():
        return table, 0
    bad_edge = np.maximum.reduceat(bad, table.edge_first)
    counts = np.diff(np.append(table.edge_first, table.n_pieces))
    keep = ~np.repeat(bad_edge, counts)
    new_first = np.cumsum(np.r_[0, counts[~bad_edge]])[:-1]
    cleaned = PieceTable(
        table.kind[keep],
        table.par[keep],
        table.layer[keep],
        new_first.astype(np.int64),
        table.edge_closed[~bad_edge],
        table.points,
    )
    return cleaned, int(bad_edge.sum())


def empty_table() -> PieceTable:
    """A table without pieces."""
    return PieceTable(
        np.zeros(0, np.int8),
        np.zeros((0, 8)),
        np.zeros(0, np.int32),
        np.zeros(0, np.int64),
        np.zeros(0, bool),
        np.zeros((0, 2)),
    )


class PieceBuilder:
    """Append-only store of pieces for one layout; cheap per call (typed arrays, no objects)."""

    __slots__ = ("edge_closed", "edge_first", "kind", "layer", "par", "points")

    def __init__(self) -> None:
        self.kind = array("b")
        self.par = array("d")
        self.layer = array("i")
        self.edge_first = array("q")
        self.edge_closed = array("b")
        self.points = array("d")

    def __len__(self) -> int:
        return len(self.kind)

    def begin_edge(self, closed: bool = False) -> None:
        """Start a new edge; the pieces added next belong to it (empty edges are dropped)."""
        self.edge_first.append(len(self.kind))
        self.edge_closed.append(closed)

    def line_edge(self, x0: float, y0: float, x1: float, y1: float, layer: int) -> None:
        """A one-piece open edge (a LINE entity): `begin_edge()` and `line()` in one call."""
        self.edge_first.append(len(self.kind))
        self.edge_closed.append(False)
        self.kind.append(LINE)
        self.par.extend((x0, y0, x1, y1, 0.0, 0.0, 0.0, 0.0))
        self.layer.append(layer)

    def line(self, x0: float, y0: float, x1: float, y1: float, layer: int) -> None:
        self.kind.append(LINE)
        self.par.extend((x0, y0, x1, y1, 0.0, 0.0, 0.0, 0.0))
        self.layer.append(layer)

    def bulge(self, x0: float, y0: float, x1: float, y1: float, bulge: float, layer: int) -> None:
        self.kind.append(BULGE)
        self.par.extend((x0, y0, x1, y1, bulge, 0.0, 0.0, 0.0))
        self.layer.append(layer)

    def conic(
        self,
        cx: float,
        cy: float,
        ux: float,
        uy: float,
        vx: float,
        vy: float,
        t0: float,
        t1: float,
        layer: int,
    ) -> None:
        self.kind.append(CONIC)
        self.par.extend((cx, cy, ux, uy, vx, vy, t0, t1))
        self.layer.append(layer)

    def conic_edge(self, closed: bool, row: tuple[float, ...], layer: int) -> None:
        """A one-piece edge (circle, arc, ellipse) from a CONIC row of eight parameters."""
        self.edge_first.append(len(self.kind))
        self.edge_closed.append(closed)
        self.kind.append(CONIC)
        self.par.extend(row)
        self.layer.append(layer)

    def curve(self, xy: Sequence[float], layer: int) -> None:
        """A flattened curve given as a flat [x0, y0, x1, y1, ...] sequence (>= 2 points)."""
        count = len(xy) // 2
        self.kind.append(CURVE)
        self.par.extend((len(self.points) // 2, count, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
        self.layer.append(layer)
        self.points.extend(xy)

    def to_table(self) -> PieceTable:
        """Freeze into a `PieceTable`, turning polyline bulges into conics."""
        n = len(self.kind)
        # Views on the typed arrays, no copies (the builder is not appended to afterwards).
        kind = np.frombuffer(self.kind, dtype=np.int8) if n else np.zeros(0, np.int8)
        par = np.frombuffer(self.par, dtype=np.float64).reshape(-1, 8)
        layer = np.frombuffer(self.layer, dtype=np.int32) if n else np.zeros(0, np.int32)
        points = np.frombuffer(self.points, dtype=np.float64).reshape(-1, 2)
        first = np.frombuffer(self.edge_first, dtype=np.int64) if len(self.edge_first) else None
        if first is None:
            first = np.zeros(0, np.int64)
            closed = np.zeros(0, bool)
        else:
            closed = np.frombuffer(self.edge_closed, dtype=np.int8).astype(bool)
            nonempty = np.diff(np.append(first, n)) > 0
            first, closed = first[nonempty].copy(), closed[nonempty]
        bulges = kind == BULGE
        if bulges.any():
            par[bulges] = bulges_to_conics(par[bulges])
            kind[bulges] = CONIC  # both views are writable: the typed arrays change in place
        return PieceTable(kind, par, layer, first, closed, points)


def bulges_to_conics(rows: np.ndarray) -> np.ndarray:
    """Convert BULGE rows (x0, y0, x1, y1, bulge) into CONIC rows, keeping the direction.

    The included angle is 4·atan(bulge), positive = counter-clockwise. The centre lies on the
    chord's left normal at (chord/2)·cot(angle/2) from its midpoint. A clockwise arc uses
    V = (0, -r) so that t still increases from start to end.
    """
    x0, y0, x1, y1, b = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4]
    dx, dy = x1 - x0, y1 - y0
    chord = np.hypot(dx, dy)
    theta = 4.0 * np.arctan(b)
    half = theta / 2.0
    h = (chord / 2.0) / np.tan(half)
    cx = (x0 + x1) / 2.0 - dy / chord * h
    cy = (y0 + y1) / 2.0 + dx / chord * h
    r = chord / (2.0 * np.abs(np.sin(half)))
    sign = np.where(b >= 0.0, 1.0, -1.0)
    t0 = np.arctan2(sign * (y0 - cy), x0 - cx)
    out = np.empty_like(rows)
    out[:, 0], out[:, 1] = cx, cy
    out[:, 2], out[:, 3] = r, 0.0
    out[:, 4], out[:, 5] = 0.0, sign * r
    out[:, 6], out[:, 7] = t0, t0 + np.abs(theta)
    return out


def concat_tables(tables: Iterable[PieceTable]) -> PieceTable:
    """One table holding the pieces and edges of all `tables`."""
    tables = [t for t in tables if t.n_pieces]
    if not tables:
        return empty_table()
    if len(tables) == 1:
        return tables[0]
    piece_offsets = np.cumsum([0] + [t.n_pieces for t in tables[:-1]])
    point_offsets = np.cumsum([0] + [t.points.shape[0] for t in tables[:-1]])
    pars = []
    for t, poff in zip(tables, point_offsets, strict=True):
        if poff and (t.kind == CURVE).any():
            par = t.par.copy()
            par[t.kind == CURVE, 0] += poff
            pars.append(par)
        else:
            pars.append(t.par)
    return PieceTable(
        np.concatenate([t.kind for t in tables]),
        np.concatenate(pars),
        np.concatenate([t.layer for t in tables]),
        np.concatenate([t.edge_first + off for t, off in zip(tables, piece_offsets, strict=True)]),
        np.concatenate([t.edge_closed for t in tables]),
        np.concatenate([t.points for t in tables]),
    )


def transform_instances(
    table: PieceTable, affines: np.ndarray, layers: np.ndarray | None = None
) -> PieceTable:
    """Copies of `table`, one per row of `affines`, concatenated.

    Each affine row is (a, b, c, d, e, f): x' = a·x + b·y + e, y' = c·x + d·y + f. Conics stay
    exact under any affine map (centre moves, axis vectors are mapped, parameters unchanged).
    Pieces on layer 0 ("0") take the instance's layer from `layers`, as AutoCAD does for
    block contents.
    """
    affines = np.asarray(affines, dtype=np.float64).reshape(-1, 6)
    n_inst, n, m = affines.shape[0], table.n_pieces, table.points.shape[0]
    if n_inst == 0 or n == 0:
        return empty_table()
    a, b, c, d, e, f = (affines[:, i][:, None] for i in range(6))
    src = table.par
    par = np.zeros((n_inst, n, 8))
    is_line = table.kind == LINE
    is_conic = table.kind == CONIC
    # Points: line ends and conic centres.
    for xi, yi, sel in ((0, 1, is_line | is_conic), (2, 3, is_line)):
        x, y = src[sel, xi][None, :], src[sel, yi][None, :]
        par[:, sel, xi] = a * x + b * y + e
        par[:, sel, yi] = c * x + d * y + f
    # Directions: conic axis vectors.
    for xi, yi in ((2, 3), (4, 5)):
        x, y = src[is_conic, xi][None, :], src[is_conic, yi][None, :]
        par[:, is_conic, xi] = a * x + b * y
        par[:, is_conic, yi] = c * x + d * y
    par[:, is_conic, 6:8] = src[is_conic, 6:8][None, :, :]
    is_curve = table.kind == CURVE
    if is_curve.any():
        par[:, is_curve, 0] = src[is_curve, 0][None, :] + (np.arange(n_inst) * m)[:, None]
        par[:, is_curve, 1] = src[is_curve, 1][None, :]
        px, py = table.points[:, 0][None, :], table.points[:, 1][None, :]
        points = np.stack((a * px + b * py + e, c * px + d * py + f), axis=-1).reshape(-1, 2)
    else:
        points = np.zeros((0, 2))
    if layers is None:
        layer = np.tile(table.layer, n_inst)
    else:
        inst_layer = np.asarray(layers, dtype=np.int32)[:, None]
        layer = np.where(table.layer[None, :] == 0, inst_layer, table.layer[None, :]).ravel()
    edge_first = (table.edge_first[None, :] + (np.arange(n_inst) * n)[:, None]).ravel()
    return PieceTable(
        np.tile(table.kind, n_inst),
        par.reshape(-1, 8),
        layer.astype(np.int32, copy=False),
        edge_first,
        np.tile(table.edge_closed, n_inst),
        points,
    )


def affine_scale(affine: Sequence[float]) -> float:
    """The largest factor by which the affine map stretches any length."""
    a, b, c, d = affine[:4]
    # Largest singular value of [[a, b], [c, d]].
    s = a * a + b * b + c * c + d * d
    det = a * d - b * c
    return math.sqrt(max(0.0, (s + math.sqrt(max(0.0, s * s - 4.0 * det * det))) / 2.0))
