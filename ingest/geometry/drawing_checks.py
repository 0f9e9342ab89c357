"""The drawing checks: each a small function over one measured drawing, run in order.

`DRAWING_CHECKS` is the list `analysis` runs; each check takes the `Drawing` (everything the
analysis measured) and returns its warnings as (code, message) pairs. A new check is one more
function and one more line in the list, testable on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.parsers.base import ParseContext
from laseros.units import format_mm

from .checks import Hole, duplicate_segments, fmt_point, hole_warnings
from .flatten import FlatDrawing
from .loading import LoadedDrawing, Units
from .measure import Measures
from .topology import ContourTable

Finding = tuple[str, str]


@dataclass(frozen=True)
class Drawing:
    """One drawing as the analysis measured it: what every check may look at."""

    flat: FlatDrawing
    units: Units
    loaded: LoadedDrawing
    table: Any
    measures: Measures
    contours: ContourTable
    part_ids: np.ndarray
    holes: list[Hole]
    distances: dict[int, float]
    box: tuple[float, float, float, float] | None
    context: ParseContext


def recovered(d: Drawing) -> list[Finding]:
    if not d.loaded.recovered:
        return []
    incomplete = any("end-of-file" in note for note in d.loaded.notes)
    return [
        (
            "recovered",
            f"The file was damaged and has been repaired ({d.loaded.recover_fixes} fixes"
            f"{'; it has no end-of-file marker and may be incomplete' if incomplete else ''}"
            "); check the geometry against the customer's drawing.",
        )
    ]


def units_assumed(d: Drawing) -> list[Finding]:
    if not d.units.assumed:
        return []
    box = d.box
    size = (
        f"; the drawing measures {format_mm(box[2] - box[0])} × {format_mm(box[3] - box[1])}"
        if box
        else ""
    )
    declared = "missing" if d.units.code is None else d.units.code
    return [
        (
            "units_assumed_mm",
            f"The drawing does not declare its units ($INSUNITS {declared}); millimetres assumed"
            f"{size}.",
        )
    ]


def empty_drawing(d: Drawing) -> list[Finding]:
    if d.box is not None:
        return []
    return [
        (
            "empty_drawing",
            "No cut geometry (lines, arcs, circles, polylines, ellipses, splines) was found "
            "in model space.",
        )
    ]


def text_not_converted(d: Drawing) -> list[Finding]:
    if not d.flat.text_count:
        return []
    return [
        (
            "text_not_converted",
            f"{d.flat.text_count} text item(s) (TEXT/MTEXT) are not cut; convert text to "
            "outlines if it must be cut or engraved.",
        )
    ]


def open_contours(d: Drawing) -> list[Finding]:
    ct = d.contours
    open_ids = np.flatnonzero(~ct.contours.closed)
    if not open_ids.size:
        return []
    i = int(open_ids[0])
    firsts = ct.contours.edges[ct.contours.start[open_ids]]
    layer_ids = d.table.layer[d.measures.edge_first[firsts]]
    names = Counter(d.flat.layer_names[int(n)] for n in layer_ids.tolist())
    layers = ", ".join(name for name, _ in names.most_common(5))
    return [
        (
            "open_contour",
            f"{open_ids.size} open contour(s) (e.g. from {fmt_point(ct.ends[i, 0])} to "
            f"{fmt_point(ct.ends[i, 1])}) on layer(s) {layers}; parts need closed outlines.",
        )
    ]


def duplicate_geometry(d: Drawing) -> list[Finding]:
    count, where = duplicate_segments(d.table, d.measures, d.context.chain_tolerance_mm)
    if not count:
        return []
    return [
        (
            "duplicate_geometry",
            f"{count} segment(s) are drawn twice or overlap another "
            f"(e.g. near {fmt_point(where[0])}); the laser would cut them twice.",
        )
    ]


def holes(d: Drawing) -> list[Finding]:
    return hole_warnings(d.holes, d.distances, d.context.thickness_mm)


def part_larger_than_sheet(d: Drawing) -> list[Finding]:
    sheet = tuple(float(v) for v in d.context.largest_sheet_mm)
    if d.part_ids.size:
        boxes = d.contours.bbox[d.part_ids]
    else:
        boxes = np.array([d.box]) if d.box else np.zeros((0, 4))
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    sw, sh = sheet
    fits = ((bw <= sw) & (bh <= sh)) | ((bw <= sh) & (bh <= sw))
    too_big = boxes[~fits]
    if not too_big.size:
        return []
    b = too_big[np.argmax((too_big[:, 2] - too_big[:, 0]) * (too_big[:, 3] - too_big[:, 1]))]
    return [
        (
            "part_larger_than_sheet",
            f"{len(too_big)} part(s) do not fit the largest sheet "
            f"({sheet[0]:.0f} × {sheet[1]:.0f} mm); the largest is "
            f"{format_mm(b[2] - b[0])} × {format_mm(b[3] - b[1])}.",
        )
    ]


def found_while_flattening(d: Drawing) -> list[Finding]:
    return list(d.flat.warnings)


def hidden_layers_skipped(d: Drawing) -> list[Finding]:
    skipped = d.flat.hidden_layer_entities
    if not skipped:
        return []
    names = ", ".join(sorted(skipped)[:5])
    return [
        (
            "hidden_layers_skipped",
            f"{sum(skipped.values())} entities on layers that are off or frozen were not "
            f"counted ({names}).",
        )
    ]


def reference_layers_skipped(d: Drawing) -> list[Finding]:
    skipped = d.flat.reference_layer_entities
    if not skipped:
        return []
    names = ", ".join(sorted(skipped)[:5])
    return [
        (
            "reference_layers_skipped",
            f"{sum(skipped.values())} entities on drawing-aid layers ({names}) were not counted "
            "as cuts.",
        )
    ]


def block_missing(d: Drawing) -> list[Finding]:
    if not d.flat.missing_blocks:
        return []
    names = ", ".join(sorted(d.flat.missing_blocks)[:5])
    return [("block_missing", f"Block(s) referenced but not defined: {names}.")]


def entity_unreadable(d: Drawing) -> list[Finding]:
    if not d.flat.skipped_entities:
        return []
    what = ", ".join(f"{n} {t}" for t, n in d.flat.skipped_entities.most_common(5))
    return [("entity_unreadable", f"Some entities could not be read and were skipped: {what}.")]


DRAWING_CHECKS: tuple[Callable[[Drawing], list[Finding]], ...] = (
    recovered,
    units_assumed,
    empty_drawing,
    text_not_converted,
    open_contours,
    duplicate_geometry,
    holes,
    part_larger_than_sheet,
    found_while_flattening,
    hidden_layers_skipped,
    reference_layers_skipped,
    block_missing,
    entity_unreadable,
)


def check_drawing(drawing: Drawing) -> list[Finding]:
    """Every check's warnings, in the order of DRAWING_CHECKS."""
    return [warning for check in DRAWING_CHECKS for warning in check(drawing)]
