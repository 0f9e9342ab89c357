"""Model space flattened into cut pieces in WCS: blocks exploded, OCS honoured.

Entities are read straight from ezdxf into a `PieceBuilder` (no virtual entities, no paths)
so that a large drawing costs little on top of loading it. Each block definition is
flattened once, in its own coordinates, and cached; every INSERT (and every cell of a MINSERT
grid) is then an affine transform of that cached table, applied to all instances of the block
at once with numpy. Scaled, rotated, mirrored and non-uniformly scaled blocks stay exact,
because arcs are stored as conics (C + U·cos t + V·sin t), which any affine map keeps conics.

Entities with an extrusion other than +Z (their OCS differs from WCS: mirrored arcs written
with extrusion (0, 0, -1), for instance) are collected per OCS and mapped to WCS the same way.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ezdxf.document import Drawing
from ezdxf.math import OCS, Vec3

from ingest.parsers.base import ParseError

from .primitives import (
    STRAIGHT_BULGE,
    TWO_PI,
    PieceBuilder,
    PieceTable,
    affine_scale,
    concat_tables,
    transform_instances,
)

logger = logging.getLogger(__name__)

TEXT_TYPES = frozenset({"TEXT", "MTEXT"})
HARD_DEPTH_CAP = 100  # never recurse deeper than this, whatever the context asks
MAX_GRID_CELLS = 1_000_000  # MINSERT rows × columns
MAX_LEVEL = 30


@dataclass
class BlockGeometry:
    """One block definition, flattened in block coordinates (nested blocks included)."""

    table: PieceTable
    counts: Counter[str]
    layers: set[str]
    text_count: int
    height: int  # 1 for a block without nested blocks
    tolerance_dependent: bool  # holds flattened splines, so depends on the chosen tolerance
    closed_edges: int = 0  # circles, closed polylines and ellipses (each a closed contour)


@dataclass
class FlatDrawing:
    """Model space as cut pieces (drawing units, WCS) plus what was seen on the way."""

    table: PieceTable
    layer_names: list[str]
    entity_counts: Counter[str]
    layers_used: set[str]
    text_count: int
    blocks_used: Counter[str]
    hidden_layer_entities: Counter[str]
    reference_layer_entities: Counter[str]
    skipped_entities: Counter[str]
    degenerate_entities: int
    missing_blocks: set[str]
    warnings: list[tuple[str, str]] = field(default_factory=list)


class _Collector:
    """What one layout (model space or a block) contributes before it is frozen."""

    def __init__(self) -> None:
        self.pieces = PieceBuilder()
        self.ocs_groups: dict[tuple[float, float, float, float], PieceBuilder] = {}
        self.instances: dict[tuple[str, int | None], tuple[BlockGeometry, list, list]] = {}
        self.counts: Counter[str] = Counter()
        self.layers: set[str] = set()
        self.text_count = 0
        self.height = 0
        self.tolerance_dependent = False
        self.expanded = 0  # pieces that instances will add
        self.expanded_closed = 0  # closed edges (closed contours) that instances will add

    def target(self, extrusion: Vec3, elevation: float) -> PieceBuilder:
        """The builder for entities in this OCS (the main one when the OCS is the WCS)."""
        ex, ey, ez = extrusion.x, extrusion.y, extrusion.z
        if ex == 0.0 and ey == 0.0 and ez > 0.0:
            return self.pieces
        key = (ex, ey, ez, float(elevation) if (ex or ey) else 0.0)
        builder = self.ocs_groups.get(key)
        if builder is None:
            builder = self.ocs_groups[key] = PieceBuilder()
        return builder

    def own_pieces(self) -> int:
        return len(self.pieces) + sum(len(b) for b in self.ocs_groups.values())

    def own_closed_edges(self) -> int:
        builders = (self.pieces, *self.ocs_groups.values())
        return sum(b.edge_closed.count(1) for b in builders)


def ocs_affine(key: tuple[float, float, float, float]) -> tuple[float, ...]:
    """2D affine map (a, b, c, d, e, f) from an OCS (extrusion, elevation) to WCS x/y."""
    ocs = OCS((key[0], key[1], key[2]))
    ux, uy, uz = ocs.ux, ocs.uy, ocs.uz
    z = key[3]
    return (ux.x, uy.x, ux.y, uy.y, z * uz.x, z * uz.y)


class Flattener:
    """Flatten the model space of one document. Use `flatten_modelspace()`."""

    def __init__(
        self,
        doc: Drawing,
        *,
        curve_tolerance: float,
        max_depth: int,
        max_pieces: int,
        max_closed: int | None = None,
        progress: Callable[[float, str], None] | None = None,
        non_cut_layers: tuple[str, ...] = (),
    ) -> None:
        self.doc = doc
        self.curve_tolerance = curve_tolerance
        self.max_depth = max(0, min(int(max_depth), HARD_DEPTH_CAP))
        self.max_pieces = max_pieces
        self.max_closed = max_pieces if max_closed is None else max_closed
        self.progress = progress
        self.layer_ids: dict[str, int] = {"0": 0}
        self.layer_names: list[str] = ["0"]
        self.hidden = self._hidden_layers(doc)
        self.reference = self._matching_layers(doc, non_cut_layers) - self.hidden
        self.hidden |= self.reference
        self.reference_layer_entities: Counter[str] = Counter()
        self.cache: dict[tuple[str, int | None], BlockGeometry] = {}
        self.layouts: dict[str, tuple[Any, tuple[float, float]]] = {}
        self.in_progress: set[str] = set()
        self.blocks_used: Counter[str] = Counter()
        self.hidden_layer_entities: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.degenerate = 0
        self.missing_blocks: set[str] = set()
        self.warnings: list[tuple[str, str]] = []
        self.handlers: dict[str, Callable[..., None]] = {
            "LINE": self._line,
            "CIRCLE": self._circle,
            "ARC": self._arc,
            "ELLIPSE": self._ellipse,
            "LWPOLYLINE": self._lwpolyline,
            "POLYLINE": self._polyline,
            "SPLINE": self._spline,
            "INSERT": self._insert,
        }

    # ----------------------------------------------------------------------------- driver

    def run(self) -> FlatDrawing:
        msp = self.doc.modelspace()
        col = _Collector()
        self._collect(msp, col, depth=0, level=0, total=len(msp))
        self._settle(col)
        table = self._freeze(col)
        return FlatDrawing(
            table=table,
            layer_names=self.layer_names,
            entity_counts=col.counts,
            layers_used=col.layers,
            text_count=col.text_count,
            blocks_used=self.blocks_used,
            hidden_layer_entities=self.hidden_layer_entities,
            reference_layer_entities=self.reference_layer_entities,
            skipped_entities=self.skipped,
            degenerate_entities=self.degenerate,
            missing_blocks=self.missing_blocks,
            warnings=self.warnings,
        )

    def _collect(
        self, entities: Iterable[Any], col: _Collector, depth: int, level: int, total: int = 0
    ) -> None:
        handlers, hidden, counts = self.handlers, self.hidden, col.counts
        layers_add = col.layers.add
        report = self.progress if total else None
        countdown, done = 5000, 0
        for entity in entities:
            dxftype = entity.dxftype()
            counts[dxftype] += 1
            if report is not None:
                countdown -= 1
                if not countdown:
                    done += 5000
                    countdown = 5000
                    report(done / total, f"reading entities {done:,} of {total:,}")
            layer = entity.dxf.layer
            if hidden and layer.lower() in hidden:
                if layer.lower() in self.reference:
                    self.reference_layer_entities[layer] += 1
                else:
                    self.hidden_layer_entities[layer] += 1
                continue
            layers_add(layer)
            handler = handlers.get(dxftype)
            if handler is None:
                if dxftype in TEXT_TYPES:
                    col.text_count += 1
                continue
            lid = self.layer_ids.get(layer)
            if lid is None:
                lid = self.layer_ids[layer] = len(self.layer_names)
                self.layer_names.append(layer)
            try:
                handler(entity, col, lid, depth, level)
            except (ParseError, MemoryError):
                raise
            except Exception as exc:  # one odd entity must not sink the drawing
                self.skipped[dxftype] += 1
                logger.info("skipped %s %s: %s", dxftype, entity.dxf.handle, exc)

    def _settle(self, col: _Collector) -> None:
        """Add what the instances bring (counts, text, layers) once per block, not per INSERT."""
        for (name, _), (block, _, layers) in col.instances.items():
            n_inst = len(layers)
            self.blocks_used[name] += n_inst
            for dxftype, count in block.counts.items():
                col.counts[dxftype] += count * n_inst
            col.text_count += block.text_count * n_inst
            col.layers |= block.layers
            col.height = max(col.height, block.height)
            col.tolerance_dependent |= block.tolerance_dependent
        self._check_size(col)

    def _freeze(self, col: _Collector) -> PieceTable:
        tables = [col.pieces.to_table()]
        for key, builder in col.ocs_groups.items():
            tables.append(transform_instances(builder.to_table(), np.array([ocs_affine(key)])))
        for block, affines, layers in col.instances.values():
            tables.append(
                transform_instances(block.table, np.array(affines), np.array(layers, np.int32))
            )
        return concat_tables(tables)

    def _check_size(self, col: _Collector) -> None:
        if col.expanded + col.own_pieces() > self.max_pieces:
            raise ParseError(
                f"The drawing expands to more than {self.max_pieces:,} cut segments once its "
                "blocks are exploded; it is too large to analyse.",
                code="too_complex",
            )
        self._check_closed(col.expanded_closed + col.own_closed_edges(), col.expanded_closed)

    def _check_closed(self, count: int, from_blocks: int) -> None:
        """Refuse before the blocks are exploded: nesting thousands of contours inside each
        other is the costly part of the analysis."""
        if count > self.max_closed:
            raise too_many_closed(count, self.max_closed, blocks=from_blocks > 0)

    # --------------------------------------------------------------------------- entities

    def _line(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        dxf = e.dxf
        s, t = dxf.start, dxf.end
        x0, y0, x1, y1 = s.x, s.y, t.x, t.y
        if x0 == x1 and y0 == y1:
            self.degenerate += 1
            return
        col.pieces.line_edge(x0, y0, x1, y1, lid)

    def _circle(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        dxf = e.dxf
        r = dxf.radius
        if not r > 0.0:
            self.degenerate += 1
            return
        c = dxf.center
        col.target(dxf.extrusion, c.z).conic_edge(
            True, (c.x, c.y, r, 0.0, 0.0, r, 0.0, TWO_PI), lid
        )

    def _arc(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        dxf = e.dxf
        r = dxf.radius
        span = (dxf.end_angle - dxf.start_angle) % 360.0
        if span == 0.0:
            span = 360.0  # AutoCAD draws an arc with equal angles as a full circle
        if not r > 0.0:
            self.degenerate += 1
            return
        c = dxf.center
        t0 = math.radians(dxf.start_angle)
        row = (c.x, c.y, r, 0.0, 0.0, r, t0, t0 + math.radians(span))
        col.target(dxf.extrusion, c.z).conic_edge(False, row, lid)

    def _ellipse(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        dxf = e.dxf
        major = dxf.major_axis
        if major.x == 0.0 and major.y == 0.0:
            self.degenerate += 1
            return
        minor = e.minor_axis
        t0 = dxf.start_param
        span = (dxf.end_param - t0) % TWO_PI
        closed = span < 1e-12 or span > TWO_PI - 1e-12
        if closed:
            span = TWO_PI
        c = dxf.center
        row = (c.x, c.y, major.x, major.y, minor.x, minor.y, t0, t0 + span)
        col.pieces.conic_edge(closed, row, lid)

    def _lwpolyline(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        values = np.asarray(e.lwpoints.values, dtype=np.float64).reshape(-1, 5)
        if values.shape[0] < 2:
            self.degenerate += 1
            return
        dxf = e.dxf
        b = col.target(dxf.extrusion, dxf.elevation)
        xs, ys, bulges = values[:, 0].tolist(), values[:, 1].tolist(), values[:, 4].tolist()
        self._vertices(b, xs, ys, bulges, e.closed, lid)

    def _polyline(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        if e.is_poly_face_mesh or e.is_polygon_mesh:
            return  # 3D surfaces, not cut paths
        xs, ys, bulges = [], [], []
        for v in e.vertices:
            vdxf = v.dxf
            if vdxf.flags & 16:  # spline frame control point, not on the curve
                continue
            loc = vdxf.location
            xs.append(loc.x)
            ys.append(loc.y)
            bulges.append(vdxf.bulge)
        if len(xs) < 2:
            self.degenerate += 1
            return
        if e.is_3d_polyline:
            b = col.pieces
            bulges = [0.0] * len(xs)
        else:
            dxf = e.dxf
            b = col.target(dxf.extrusion, dxf.elevation.z)
        self._vertices(b, xs, ys, bulges, e.is_closed, lid)

    def _vertices(self, b: PieceBuilder, xs: Any, ys: Any, bulges: Any, closed: bool, lid: int):
        n = len(xs)
        before = len(b)
        b.begin_edge(closed)
        for i in range(n if closed else n - 1):
            j = i + 1 if i + 1 < n else 0
            x0, y0, x1, y1 = xs[i], ys[i], xs[j], ys[j]
            if x0 == x1 and y0 == y1:
                continue
            bulge = bulges[i]
            if -STRAIGHT_BULGE < bulge < STRAIGHT_BULGE:
                b.line(x0, y0, x1, y1, lid)
            else:
                b.bulge(x0, y0, x1, y1, bulge, lid)
        if len(b) == before:
            self.degenerate += 1

    def _spline(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        tool = e.construction_tool()
        # 1 µm (finer for blocks scaled up), but never finer than 1e-7 of the spline's size:
        # a kilometre-long spline must not turn into millions of points.
        cps = np.asarray([(p.x, p.y) for p in tool.control_points], dtype=np.float64)
        size = float(np.ptp(cps, axis=0).max()) if cps.size else 0.0
        tolerance = max(self.curve_tolerance / (2.0**level), size * 1e-7)
        xy: list[float] = []
        last = None
        for p in tool.flattening(tolerance, segments=8):
            if last is None or p.x != last.x or p.y != last.y:
                xy.append(p.x)
                xy.append(p.y)
                last = p
        if len(xy) < 4:
            self.degenerate += 1
            return
        b = col.pieces
        b.begin_edge(False)
        b.curve(xy, lid)
        col.tolerance_dependent = True

    # ----------------------------------------------------------------------------- blocks

    def _insert(self, e: Any, col: _Collector, lid: int, depth: int, level: int) -> None:
        dxf = e.dxf
        name = dxf.name
        if name in self.in_progress:
            self._warn_once(
                "block_self_reference",
                f"Block '{name}' contains itself; the recursive insert was ignored.",
            )
            return
        found = self.layouts.get(name)
        if found is None:
            found = self.layouts[name] = self._layout(name)
        layout, base = found
        if layout is None:
            self.missing_blocks.add(name)
            return
        if depth + 1 > self.max_depth:
            raise self._too_deep()
        affine = self._insert_affine(e, dxf, base)
        scale = affine_scale(affine)
        sub_level = level
        if scale > 1.0:
            sub_level = min(MAX_LEVEL, level + math.ceil(math.log2(scale)))
        block = self._block(name, layout, depth + 1, sub_level)
        if depth + block.height > self.max_depth:
            raise self._too_deep()
        grid = dxf.hasattr("row_count") or dxf.hasattr("column_count")
        affines = self._grid(e, affine) if grid else (affine,)
        n_inst = len(affines)
        key = (name, sub_level if block.tolerance_dependent else None)
        entry = col.instances.get(key)
        if entry is None:
            entry = col.instances[key] = (block, [], [])
        entry[1].extend(affines)
        entry[2].extend([lid] * n_inst)
        col.expanded += n_inst * block.table.n_pieces
        col.expanded_closed += n_inst * block.closed_edges
        if col.expanded > self.max_pieces:
            self._check_size(col)

    def _layout(self, name: str) -> tuple[Any, tuple[float, float]]:
        """The block layout for `name` and its base point; (None, ...) if missing or an XREF."""
        layout = self.doc.blocks.get(name)
        if layout is None or (layout.block is not None and layout.block.is_xref):
            return None, (0.0, 0.0)
        base = layout.block.dxf.get("base_point", (0.0, 0.0, 0.0)) if layout.block else (0, 0)
        return layout, (float(base[0]), float(base[1]))

    @staticmethod
    def _insert_affine(e: Any, dxf: Any, base: tuple[float, float]) -> tuple[float, ...]:
        """Block-to-WCS map of an INSERT: scale, then rotate, then move the base point.

        Computed directly for the usual +Z extrusion (same result as ezdxf's
        `Insert.matrix44()`, which is used for any other extrusion).
        """
        ex = dxf.extrusion
        if ex.x == 0.0 and ex.y == 0.0 and ex.z > 0.0:
            sx, sy = dxf.xscale, dxf.yscale
            angle = math.radians(dxf.rotation)
            cos_a, sin_a = math.cos(angle), math.sin(angle)
            a, b, c, d = sx * cos_a, -sy * sin_a, sx * sin_a, sy * cos_a
            ins = dxf.insert
            bx, by = base
            return (a, b, c, d, ins.x - (a * bx + b * by), ins.y - (c * bx + d * by))
        m = e.matrix44()
        r0, r1, r3 = m.get_row(0), m.get_row(1), m.get_row(3)
        return (r0[0], r1[0], r0[1], r1[1], r3[0], r3[1])

    def _grid(self, e: Any, affine: tuple[float, ...]) -> list[tuple[float, ...]]:
        """The affine map of every cell of a MINSERT grid (one for a plain INSERT)."""
        dxf = e.dxf
        rows = int(dxf.get("row_count", 1) or 1)
        cols = int(dxf.get("column_count", 1) or 1)
        if rows <= 1 and cols <= 1:
            return [affine]
        row_sp = float(dxf.get("row_spacing", 0.0))
        col_sp = float(dxf.get("column_spacing", 0.0))
        rows = 1 if row_sp == 0.0 else max(1, rows)
        cols = 1 if col_sp == 0.0 else max(1, cols)
        if rows * cols > MAX_GRID_CELLS:
            raise ParseError(
                f"A MINSERT array of {rows:,} × {cols:,} blocks is too large to analyse.",
                code="too_complex",
            )
        # The grid is laid out in the insert's OCS, rotated with it, and not scaled.
        angle = math.radians(dxf.get("rotation", 0.0))
        cos_a, sin_a = math.cos(angle), math.sin(angle)
        ocs = e.ocs()
        ux, uy = ocs.to_wcs(Vec3(1, 0, 0)), ocs.to_wcs(Vec3(0, 1, 0))
        a, b, c, d, tx, ty = affine
        out: list[tuple[float, ...]] = []
        for row in range(rows):
            for column in range(cols):
                ox, oy = column * col_sp, row * row_sp
                rx, ry = ox * cos_a - oy * sin_a, ox * sin_a + oy * cos_a
                wx = rx * ux.x + ry * uy.x
                wy = rx * ux.y + ry * uy.y
                out.append((a, b, c, d, tx + wx, ty + wy))
        return out

    def _block(self, name: str, layout: Any, depth: int, level: int) -> BlockGeometry:
        cached = self.cache.get((name, None)) or self.cache.get((name, level))
        if cached is not None:
            return cached
        self.in_progress.add(name)
        try:
            col = _Collector()
            self._collect(layout, col, depth, level)
            self._settle(col)
            table = self._freeze(col)
        finally:
            self.in_progress.discard(name)
        block_layers = {layer for layer in col.layers if layer != "0"}
        block = BlockGeometry(
            table=table,
            counts=col.counts,
            layers=block_layers,
            text_count=col.text_count,
            height=col.height + 1,
            tolerance_dependent=col.tolerance_dependent,
            closed_edges=int(table.edge_closed.sum()),
        )
        self.cache[(name, level if block.tolerance_dependent else None)] = block
        return block

    def _too_deep(self) -> ParseError:
        return ParseError(
            f"Blocks are nested more than {self.max_depth} levels deep; the drawing cannot "
            "be analysed (explode the blocks in CAD and save again).",
            code="too_deep",
        )

    def _warn_once(self, code: str, message: str) -> None:
        if (code, message) not in self.warnings:
            self.warnings.append((code, message))

    @staticmethod
    def _hidden_layers(doc: Drawing) -> set[str]:
        hidden = set()
        for layer in doc.layers:
            # A broken layer entry is simply treated as visible.
            with contextlib.suppress(Exception):
                if layer.is_off() or layer.is_frozen():
                    hidden.add(layer.dxf.name.lower())
        return hidden

    @staticmethod
    def _matching_layers(doc: Drawing, patterns: tuple[str, ...]) -> set[str]:
        """Lower-case names of the layers whose name matches one of `patterns`."""
        if not patterns:
            return set()
        lowered = [p.lower() for p in patterns]
        found = set()
        for layer in doc.layers:
            with contextlib.suppress(Exception):
                name = layer.dxf.name.lower()
                if any(fnmatch.fnmatchcase(name, p) for p in lowered):
                    found.add(name)
        return found


def too_many_closed(count: int, limit: int, *, blocks: bool = False) -> ParseError:
    """The refusal of a drawing with more closed contours than Laser OS reads."""
    if blocks:
        found, advice = (
            f"at least {count:,} closed contours once its blocks are exploded",
            ("draw fewer copies or split it into several files"),
        )
    else:
        found, advice = f"{count:,} closed contours", "split it into several files"
    return ParseError(
        f"The drawing has {found}; Laser OS reads at most {limit:,} in one drawing: {advice}.",
        code="too_many_contours",
    )


def flatten_modelspace(
    doc: Drawing,
    *,
    curve_tolerance: float,
    max_depth: int,
    max_pieces: int = 2_000_000,
    max_closed: int | None = None,
    progress: Callable[[float, str], None] | None = None,
    non_cut_layers: tuple[str, ...] = (),
) -> FlatDrawing:
    """Flatten model space into cut pieces (drawing units, WCS).

    `curve_tolerance` is the largest distance, in drawing units, between a spline and its
    flattened points; blocks scaled up are flattened proportionally finer. Raises ParseError
    when blocks nest deeper than `max_depth`, expand to more than `max_pieces` pieces or to
    more than `max_closed` closed edges (counted before any block is exploded).
    Entities on layers matching `non_cut_layers` (centre lines, dimensions, notes) are not cut.
    """
    return Flattener(
        doc,
        curve_tolerance=curve_tolerance,
        max_depth=max_depth,
        max_pieces=max_pieces,
        max_closed=max_closed,
        progress=progress,
        non_cut_layers=non_cut_layers,
    ).run()
