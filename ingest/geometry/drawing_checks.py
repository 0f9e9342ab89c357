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

from .chaining import unique_rows
from .checks import Hole, duplicate_segments, fmt_point, hole_warnings
from .flatten import FlatDrawing
from .loading import LoadedDrawing, Units
from .measure import Measures
from .outlines import (
    CIRCLE,
    Outline,
    copy_groups,
    count_text,
    describe,
    more_of,
    outline_text,
    pieces_of,
    size_text,
)
from .topology import ContourTable, Nesting

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
    nesting: Nesting
    twins: np.ndarray  # per edge: an exact copy of another edge
    copies: np.ndarray  # per contour: a closed contour drawn again over an earlier one
    cutouts: list[Outline]


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
    if open_ids.size and d.twins.any():
        # A line drawn again over another is told by duplicate_geometry, not as an open cut.
        n_edges = np.diff(ct.contours.start)[open_ids]
        twin_edges = np.add.reduceat(d.twins[ct.contours.edges], ct.contours.start[:-1])
        open_ids = open_ids[twin_edges[open_ids] < n_edges]
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
    """Whole outlines drawn twice, then loose segments drawn twice: one warning for both."""
    tol = d.context.chain_tolerance_mm
    outlines, most, example = copy_groups(d.contours, d.copies, tol)
    skip = None
    if outlines:
        skip = np.zeros(d.table.n_pieces, bool)
        skip[pieces_of(d.measures, d.contours, np.flatnonzero(d.copies))[1]] = True
    count, where = duplicate_segments(d.table, d.measures, tol, skip=skip)
    said = []
    if outlines:
        [shape] = describe(d.table, d.measures, d.contours, np.array([example]), tol)
        times = "twice" if most == 2 else "more than once"
        said.append(
            f"{_count(outlines, 'contour is', 'contours are')} drawn {times} "
            f"(e.g. {outline_text(shape)} at {fmt_point(shape.center)})"
        )
    if count:
        said.append(
            f"{'also ' if outlines else ''}{count_text(count)} segment(s) are drawn twice or "
            f"overlap another (e.g. near {fmt_point(where[0])})"
        )
    if not said:
        return []
    return [("duplicate_geometry", f"{'; '.join(said)}; the laser would cut them twice.")]


def islands(d: Drawing) -> list[Finding]:
    """Closed contours inside a hole of a part: pieces that drop out, or a second part."""
    n = d.nesting
    found = np.flatnonzero((n.depth >= 2) & (n.depth % 2 == 0))
    if not found.size:
        return []
    tol = d.context.chain_tolerance_mm
    k = int(found[np.argmax(np.abs(d.contours.signed_area[n.closed[found]]))])
    island, hole = describe(
        d.table, d.measures, d.contours, np.array([n.closed[k], n.parent[k]]), tol
    )
    what = _count(found.size, "closed contour lies", "closed contours lie")
    it = "it drops out as a loose piece" if found.size == 1 else "each drops out as a loose piece"
    return [
        (
            "island_in_hole",
            f"{what} inside a hole of a part (an island), e.g. {outline_text(island)} at "
            f"{fmt_point(island.center)} inside {_hole_text(hole)}; {it} or is a second part "
            "to cut: check with the customer.",
        )
    ]


def separate_parts(d: Drawing) -> list[Finding]:
    """Several parts side by side in one file, grouped by size and placed from the largest."""
    ct = d.contours
    tol = d.context.chain_tolerance_mm
    ids = d.part_ids
    box = ct.bbox[ids]
    real = (np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) > tol) & (
        ct.length[ids] > tol
    )  # not a dot of no size
    return parts_finding(box[real], tol)


def parts_finding(box: np.ndarray, tol: float) -> list[Finding]:
    """The separate_parts warning for parts with these boxes (n, 4), when there are two or
    more: one sentence with their count, their sizes in up to three groups and where each
    group lies from the largest part. The LightBurn reader tells its parts with it too."""
    n = box.shape[0]
    if n < 2:
        return []
    w, h = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    groups = _size_groups(np.maximum(w, h), np.minimum(w, h))
    big = int(np.argmax(w * h))
    largest = "it" if len(groups[0]) == 1 else "the largest"
    said = []
    for g, members in enumerate(groups[:MAX_PART_GROUPS]):
        k = members[np.argmax(w[members] * h[members])]
        size = f"{'about ' if len(members) > 1 else ''}{size_text(w[k], h[k])}"
        if len(groups) == 1:
            over = size_text(box[:, 2].max() - box[:, 0].min(), box[:, 3].max() - box[:, 1].min())
            said.append(f"all {size}, side by side over {over}")
        elif g == 0:
            said.append(f"{count_text(len(members))} large ({size})")
        else:
            label = "small" if max(w[k], h[k]) < 0.5 * max(w[big], h[big]) else "medium"
            where = _where(box[members], box[big], tol)
            said.append(f"{count_text(len(members))} {label} ({size}) {where} {largest}")
    rest = groups[MAX_PART_GROUPS:]
    if rest:
        said.append(more_of(sum(len(m) for m in rest), len(rest)))
    return [
        (
            "separate_parts",
            f"{count_text(n)} separate parts in this drawing, to be priced and nested as "
            f"{count_text(n)}, not one: "
            f"{_join(said)}.",
        )
    ]


MAX_PART_GROUPS = 3
MAX_SIZES_GROUPED = 200  # distinct part sizes grouped one by one; past it, by size class


def _size_groups(long: np.ndarray, short: np.ndarray) -> list[np.ndarray]:
    """Parts of about the same size (within 10 %) together, the largest group first."""
    keys = np.column_stack((np.round(long * 2), np.round(short * 2))).astype(np.int64)
    uniq, inverse, _ = unique_rows(keys)
    if uniq.shape[0] > MAX_SIZES_GROUPED:  # thousands of sizes: classes of 10 % by length
        cls = np.floor(np.log(np.maximum(long, 1e-9)) / np.log(1.1)).astype(np.int64)
        uniq, inverse, _ = unique_rows(cls[:, None])
        heads = [(float(np.exp(c * np.log(1.1))), 0.0) for c in uniq[:, 0].tolist()]
        group_of = list(range(len(heads)))
    else:
        heads, group_of = [], []
        for a, b in (uniq / 2.0).tolist():
            for g, (ga, gb) in enumerate(heads):
                if abs(a - ga) <= 0.1 * ga and abs(b - gb) <= 0.1 * gb + 0.5:
                    group_of.append(g)
                    break
            else:
                group_of.append(len(heads))
                heads.append((a, b))
    member_group = np.array(group_of, np.int64)[inverse]
    order = np.argsort([-a * max(b, 1e-9) for a, b in heads], kind="stable")
    return [np.flatnonzero(member_group == g) for g in order.tolist()]


def _where(group: np.ndarray, big: np.ndarray, tol: float) -> str:
    """Where a group of parts lies from the largest part: "800 mm to the right of"."""
    x0, y0 = group[:, 0].min(), group[:, 1].min()
    x1, y1 = group[:, 2].max(), group[:, 3].max()
    gaps = {
        "to the right of": x0 - big[2],
        "to the left of": big[0] - x1,
        "above": y0 - big[3],
        "below": big[1] - y1,
    }
    sides = [(side, gap) for side, gap in gaps.items() if gap > -tol]
    if not sides:
        return "around"
    if len(sides) == 1:
        side, gap = sides[0]
        return f"just {side}" if gap <= tol else f"{format_mm(gap)} {side}"
    vertical = next((side for side, _ in sides if side in ("above", "below")), "")
    horizontal = next((side for side, _ in sides if side.startswith("to the")), "beside")
    return f"{vertical} and {horizontal}" if vertical else horizontal


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _count(n: int, one: str, many: str) -> str:
    return f"{count_text(n)} {one if n == 1 else many}"


def _hole_text(hole: Outline) -> str:
    return outline_text(hole, "hole" if hole.shape == CIRCLE else "cut-out")


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
    separate_parts,
    islands,
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
