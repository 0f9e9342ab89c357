"""The DXF analysis pipeline: load → flatten → measure → chain → nest → check → preview.

`analyse_dxf()` is what the DXF parser calls; it returns metrics in millimetres (the
METADATA_KEYS vocabulary), a bounded raw extraction, warnings with stable codes and a PNG.
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ezdxf
import numpy as np

from ingest.parsers.base import ParseContext

from .chaining import Contours, chain_edges
from .checks import (
    Hole,
    duplicate_edge_ranks,
)
from .drawing_checks import Drawing, check_drawing
from .flatten import FlatDrawing, flatten_modelspace, too_many_closed
from .loading import LoadedDrawing, Units, drawing_units, header_summary, load_drawing
from .measure import Measures, measure, sample_pieces
from .outlines import Outline, describe, doubled_copies
from .primitives import PieceTable, drop_unusable_edges
from .topology import ContourTable, Nesting, Shapes, contour_table, nest, polygon_circle

SPLINE_TOLERANCE_MM = 0.001  # spline flattening: at most 1 µm from the true curve
MAX_PIECES = 2_000_000
MAX_HOLES_LISTED = 5000
MAX_RAW_ITEMS = 200  # per list/dict in `raw`
MAX_COORD_MM = 1e9  # 1,000 km: anything farther is a broken number, not a part


@dataclass
class DrawingAnalysis:
    """Everything the parser reports about one DXF file."""

    metadata: dict[str, Any]
    raw: dict[str, Any]
    warnings: list[tuple[str, str]] = field(default_factory=list)
    preview_png: bytes | None = None


def analyse_dxf(path: Path, context: ParseContext) -> DrawingAnalysis:
    """Analyse the DXF at `path`. Raises ParseError (one clear line) when it cannot be read."""
    context.report(0.0, "opening the DXF")
    with _document_freed_after():
        loaded = load_drawing(Path(path))
        units = drawing_units(loaded)
        raw = _document_raw(loaded, units)
        context.report(0.35, "reading entities")
        flat = _flatten(loaded, units, context)
        loaded.doc = None  # not needed any more: the numpy work allocates after it is freed
    context.report(0.65, "measuring")
    return _analyse_flat(flat, units, loaded, raw, context)


@contextlib.contextmanager
def _document_freed_after() -> Iterator[None]:
    """Free the document once the block is done with it: ezdxf documents are full of reference
    cycles, so only the cyclic collector can. What was alive before the reading (Django's,
    ezdxf's and numpy's modules and objects: a few hundred thousand) is frozen out of the
    collector meanwhile, so the collection walks only what the reading allocated (a full one
    took 60 ms of the 70 ms a small drawing's reading took), and is unfrozen after."""
    gc.freeze()
    try:
        yield
        gc.collect()
    finally:
        gc.unfreeze()


def _flatten(loaded: LoadedDrawing, units: Units, context: ParseContext) -> FlatDrawing:
    # While the document is alive, automatic collections would walk all of its objects again
    # and again; the flattening allocates nothing cyclic, so they are switched off meanwhile.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return flatten_modelspace(
            loaded.document(),
            curve_tolerance=SPLINE_TOLERANCE_MM / units.mm_per_unit,
            max_depth=context.max_block_depth,
            max_pieces=MAX_PIECES,
            max_closed=context.max_closed_contours,
            progress=lambda f, msg: context.report(0.35 + 0.3 * f, msg),
            non_cut_layers=tuple(context.non_cut_layers),
        )
    finally:
        if gc_was_enabled:
            gc.enable()


def _analyse_flat(
    flat: FlatDrawing,
    units: Units,
    loaded: LoadedDrawing,
    raw: dict[str, Any],
    context: ParseContext,
) -> DrawingAnalysis:
    tol = max(float(context.chain_tolerance_mm), 1e-9)
    table, unusable = drop_unusable_edges(flat.table.scaled(units.mm_per_unit), MAX_COORD_MM)
    m = measure(table)
    box = m.bbox_all()
    extent = max(box[2] - box[0], box[3] - box[1]) if box else 0.0
    sample_tol = max(1e-3, extent * 2e-5)
    contours, twins = _chain(table, m, tol, context)
    ct = contour_table(table, m, contours, tol)
    _open_flat_copies(ct, twins, tol)
    samples = sample_pieces(table, sample_tol)
    shapes = Shapes(table, m, samples, ct)
    copies = doubled_copies(ct, tol)
    nesting = nest(ct, shapes, tol, leave_out=copies)
    context.report(0.85, "nesting parts and holes")
    holes = _holes(ct, nesting, shapes, tol)
    cutouts = _cutouts(table, m, ct, nesting, holes, tol)
    distances = _edge_distances(holes, shapes)
    depth_of = dict(zip(nesting.closed.tolist(), nesting.depth.tolist(), strict=True))
    part_ids = nesting.closed[nesting.depth == 0]
    metadata = _metadata(flat, units, m, contours, ct, nesting, part_ids, holes, cutouts, box)
    warnings = check_drawing(
        Drawing(
            flat,
            units,
            loaded,
            table,
            m,
            ct,
            part_ids,
            holes,
            distances,
            box,
            context,
            nesting=nesting,
            twins=twins,
            copies=copies,
            cutouts=cutouts,
        )
    )
    if unusable:
        warnings.append(
            (
                "entity_unreadable",
                f"{unusable} entities have impossible coordinates (not a number, or more than "
                "1,000 km away) and were left out.",
            )
        )
    preview = _preview(table, m, shapes, nesting, holes, context)
    raw.update(_geometry_raw(flat, table, m, ct, depth_of, holes, box))
    raw["cutout_count"] = len(cutouts)
    raw["doubled_contours"] = int(copies.sum())
    context.report(1.0, "done")
    return DrawingAnalysis(metadata, raw, warnings, preview)


def _chain(
    table: PieceTable, m: Measures, tol: float, context: ParseContext
) -> tuple[Contours, np.ndarray]:
    """Edges joined into contours (exact duplicates only with each other), and the mask of
    those duplicate edges; refused past the closed-contour limit."""
    # The second copy of a line chains with the other second copies (an outline drawn twice
    # is a second outline); a third or later copy stays a contour by itself, so a line drawn a
    # million times stays a million lines, not half a million loops of no area.
    rank = duplicate_edge_ranks(table, m, tol)
    twins = rank > 0
    contours = chain_edges(
        m.edge_start,
        m.edge_end,
        table.edge_closed,
        m.edge_length,
        tol,
        alone=rank > 1,
        copies=rank == 1,
    )
    context.report(0.75, "chaining contours")
    closed_count = int(contours.closed.sum())
    if closed_count > context.max_closed_contours:  # loose lines chained into many loops
        raise too_many_closed(closed_count, context.max_closed_contours)
    return contours, twins


def _open_flat_copies(ct: ContourTable, twins: np.ndarray, tol: float) -> None:
    """A line drawn three times leaves two copies that close on each other: a loop with no
    area, which is a doubled line (told by duplicate_geometry), not a part."""
    contours = ct.contours
    if not twins.any() or not contours.count:
        return
    n_edges = np.diff(contours.start)
    all_twins = np.add.reduceat(twins[contours.edges], contours.start[:-1]) == n_edges
    flat = np.abs(ct.signed_area) <= tol * np.maximum(ct.length, tol)
    contours.closed[contours.closed & all_twins & flat] = False


def _metadata(
    flat: FlatDrawing,
    units: Units,
    m: Measures,
    contours: Contours,
    ct: ContourTable,
    nesting: Nesting,
    part_ids: np.ndarray,
    holes: list[Hole],
    cutouts: list[Outline],
    box: tuple[float, float, float, float] | None,
) -> dict[str, Any]:
    """The METADATA_KEYS the drawing fills, in millimetres."""
    closed_ids = nesting.closed
    area_abs = np.abs(ct.signed_area[closed_ids])
    signs = np.where(nesting.depth % 2 == 0, 1.0, -1.0)
    area = float((area_abs * signs).sum()) if closed_ids.size else 0.0
    bbox_mm = [round(box[2] - box[0], 3), round(box[3] - box[1], 3)] if box else [0.0, 0.0]
    return {
        "units": "mm",
        "source_units": units.source_units,
        "bbox_mm": bbox_mm,
        "cut_length_mm": round(float(m.length.sum()), 3),
        "pierce_count": contours.count,
        "part_count": int(part_ids.size),
        "area_mm2": round(area, 3),
        "holes": [
            {
                "diameter_mm": round(h.diameter, 3),
                "center_mm": [round(h.center[0], 3) + 0.0, round(h.center[1], 3) + 0.0],
            }
            for h in holes[:MAX_HOLES_LISTED]
        ],
        "cutouts": [c.as_dict() for c in cutouts[:MAX_HOLES_LISTED]],
        "closed_contours": int(contours.closed.sum()),
        "open_contours": int((~contours.closed).sum()),
        "entity_counts": dict(flat.entity_counts.most_common()),
        "layers": sorted(flat.layers_used, key=str.lower),
    }


def _preview(
    table: PieceTable,
    m: Measures,
    shapes: Shapes,
    nesting: Nesting,
    holes: list[Hole],
    context: ParseContext,
) -> bytes | None:
    if not context.make_preview:
        return None
    from .preview import render_preview  # Pillow is imported only to draw a preview

    context.report(0.92, "drawing the preview")
    return render_preview(table, m, shapes, nesting, {h.contour for h in holes})


def _holes(ct: ContourTable, nesting: Nesting, shapes: Shapes, tol: float) -> list[Hole]:
    """Circular contours at odd nesting depth (inside a part)."""
    odd = np.flatnonzero(nesting.depth % 2 == 1)
    cids = nesting.closed[odd]
    found: list[tuple[int, float, float, float, int]] = []
    circ = ct.circle[cids]
    for k, cid in zip(odd[circ].tolist(), cids[circ].tolist(), strict=True):
        found.append((cid, 0.0, 0.0, 0.0, k))
    for k, cid in zip(odd[~circ].tolist(), cids[~circ].tolist(), strict=True):
        fit = polygon_circle(shapes.polygon(cid), tol)
        if fit is not None:
            found.append((cid, *fit, k))
    holes = []
    centre, radius, parent = ct.center, ct.radius, nesting.parent
    for cid, cx, cy, r, k in found:
        if r == 0.0:
            cx, cy, r = float(centre[cid, 0]), float(centre[cid, 1]), float(radius[cid])
        holes.append(Hole(cid, (cx, cy), 2.0 * r, int(parent[k])))
    holes.sort(key=lambda h: (round(h.center[1], 6), round(h.center[0], 6)))
    return holes


def _cutouts(
    table: PieceTable,
    m: Measures,
    ct: ContourTable,
    nesting: Nesting,
    holes: list[Hole],
    tol: float,
) -> list[Outline]:
    """Inner contours that are not round holes (slots, rectangles, shapes), with their size."""
    inner = nesting.closed[nesting.depth % 2 == 1]
    round_ = np.array([h.contour for h in holes], np.int64)
    box = ct.bbox[inner]
    sized = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) > tol  # not a dot
    cids = inner[~np.isin(inner, round_) & sized]
    box = ct.bbox[cids]
    centre_x = np.round((box[:, 0] + box[:, 2]) / 2.0, 6)
    centre_y = np.round((box[:, 1] + box[:, 3]) / 2.0, 6)
    return describe(table, m, ct, cids[np.lexsort((centre_x, centre_y))], tol)


def _edge_distances(holes: list[Hole], shapes: Shapes) -> dict[int, float]:
    """Distance from each hole's centre to the outline of the part around it."""
    inside = [h for h in holes if h.parent >= 0]
    if not inside:
        return {}
    pts = np.array([h.center for h in inside])
    parents = np.array([h.parent for h in inside], np.int64)
    dist = shapes.distances(pts, parents)
    return {h.contour: d for h, d in zip(inside, dist.tolist(), strict=True)}


def _document_raw(loaded: LoadedDrawing, units: Units) -> dict[str, Any]:
    doc = loaded.document()
    layers = []
    for layer in doc.layers:
        try:
            layers.append(
                {
                    "name": layer.dxf.name,
                    "color": int(layer.dxf.get("color", 7)),
                    "linetype": layer.dxf.get("linetype", "Continuous"),
                    "on": not layer.is_off(),
                    "frozen": bool(layer.is_frozen()),
                }
            )
        except Exception:  # a broken layer record is left out of the summary
            continue
    return {
        "format": "dxf",
        "dxfversion": doc.dxfversion,
        "release": ezdxf.const.acad_release.get(doc.dxfversion, "unknown"),
        "binary": loaded.binary,
        "recovered": loaded.recovered,
        "recover_fixes": loaded.recover_fixes,
        "load_notes": loaded.notes[:5],
        "has_header": loaded.has_header,
        "header": header_summary(doc, loaded.has_header),
        "insunits": units.code,
        "source_units": units.source_units,
        "mm_per_unit": units.mm_per_unit,
        "size_bytes": loaded.size_bytes,
        "layer_table": layers[:MAX_RAW_ITEMS],
        "layer_table_total": len(layers),
        "ezdxf_version": ezdxf.__version__,
    }


def _geometry_raw(
    flat: FlatDrawing,
    table: Any,
    m: Measures,
    ct: ContourTable,
    depth_of: dict[int, int],
    holes: list[Hole],
    box: tuple[float, float, float, float] | None,
) -> dict[str, Any]:
    per_layer: dict[str, dict[str, Any]] = {}
    if table.n_pieces:
        n_layers = len(flat.layer_names)
        counts = np.bincount(table.layer, minlength=n_layers)
        lengths = np.bincount(table.layer, weights=m.length, minlength=n_layers)
        for lid in np.argsort(-lengths).tolist()[:MAX_RAW_ITEMS]:
            if counts[lid]:
                per_layer[flat.layer_names[lid]] = {
                    "segments": int(counts[lid]),
                    "cut_length_mm": round(float(lengths[lid]), 3),
                }
    depths = Counter(depth_of.values())
    return {
        "entity_counts": dict(flat.entity_counts.most_common(MAX_RAW_ITEMS)),
        "blocks_used": dict(flat.blocks_used.most_common(MAX_RAW_ITEMS)),
        "per_layer": per_layer,
        "hidden_layer_entities": dict(flat.hidden_layer_entities.most_common(MAX_RAW_ITEMS)),
        "reference_layer_entities": dict(flat.reference_layer_entities.most_common(MAX_RAW_ITEMS)),
        "skipped_entities": dict(flat.skipped_entities),
        "degenerate_entities": flat.degenerate_entities,
        "missing_blocks": sorted(flat.missing_blocks)[:MAX_RAW_ITEMS],
        "segments": table.n_pieces,
        "edges": table.n_edges,
        "nesting_depths": {str(k): v for k, v in sorted(depths.items())},
        "open_length_mm": round(float(ct.length[~ct.contours.closed].sum()), 3),
        "hole_count": len(holes),
        "holes_listed": min(len(holes), MAX_HOLES_LISTED),
        "extents_mm": [round(v, 3) for v in box] if box else None,
    }
