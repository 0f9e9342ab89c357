"""Closed outlines as a manager reads them: drawn twice or once, a slot, a rectangle, a shape.

`doubled_copies` finds whole closed contours that repeat another (the same outline drawn twice:
a polyline over the same lines, two identical circles); the analysis leaves the copies out of
the nesting so that they are neither a second part nor a hole in the first. `describe` names
the shape of closed contours with their size, for the cut-outs list and the warnings, through
`classify`, which the LightBurn reader calls with its own measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from laseros.units import format_mm

from .chaining import unique_rows
from .measure import Measures
from .primitives import CONIC, LINE, PieceTable
from .topology import ContourTable, _expand

SLOT, RECTANGLE, CIRCLE, OTHER = "slot", "rectangle", "circle", "other"


@dataclass(frozen=True)
class Outline:
    """The shape of one closed contour: its kind, size as drawn (width × height, or length ×
    width when turned) and the centre of its box, in mm to the micrometre."""

    contour: int
    shape: str  # SLOT, RECTANGLE, CIRCLE or OTHER
    size: tuple[float, float]
    center: tuple[float, float]

    def as_dict(self) -> dict:
        return {"shape": self.shape, "size_mm": list(self.size), "center_mm": list(self.center)}


def doubled_copies(ct: ContourTable, tolerance: float) -> np.ndarray:
    """Mask of the closed contours that repeat an earlier one (same box, length and area within
    the tolerance): the second and later copies of an outline drawn more than once."""
    out = np.zeros(ct.contours.count, bool)
    # Outlines with an area: a loop of no area is a line walked twice, not an outline.
    real = np.abs(ct.signed_area) > tolerance * np.maximum(ct.length, tolerance)
    closed = np.flatnonzero(ct.contours.closed & real)
    if closed.size < 2:
        return out
    q = max(tolerance, 1e-9)
    length = ct.length[closed]
    keys = np.column_stack(
        (
            np.round(ct.bbox[closed] / q).astype(np.int64),
            np.round(length / q).astype(np.int64),
            np.round(np.abs(ct.signed_area[closed]) / (q * np.maximum(length, 1.0))).astype(
                np.int64
            ),
        )
    )
    _, inverse, counts = unique_rows(keys)
    repeated = np.flatnonzero(counts[inverse] > 1)
    if not repeated.size:
        return out
    # Within each group (ids rising) every contour but the first is a copy.
    group = inverse[repeated]
    order = np.lexsort((repeated, group))
    later = np.r_[False, group[order][1:] == group[order][:-1]]
    out[closed[repeated[order][later]]] = True
    return out


def copy_groups(ct: ContourTable, copies: np.ndarray, tolerance: float) -> tuple[int, int, int]:
    """(outlines drawn more than once, the most times one is drawn, the largest one's id)."""
    ids = np.flatnonzero(copies)
    if not ids.size:
        return 0, 0, -1
    q = max(tolerance, 1e-9)
    keys = np.round(ct.bbox[ids] / q).astype(np.int64)
    _, _, counts = unique_rows(keys)
    largest = int(ids[np.argmax(np.abs(ct.signed_area[ids]))])
    return int(counts.size), int(counts.max()) + 1, largest


def describe(
    table: PieceTable, m: Measures, ct: ContourTable, cids: np.ndarray, tolerance: float
) -> list[Outline]:
    """The shape and size of closed contours `cids`: a slot (two equal straight sides joined by
    half circles) as its length × width, a rectangle as its sides, anything else by its box."""
    k = cids.size
    if not k:
        return []
    owner, piece = pieces_of(m, ct, cids)
    kind = table.kind[piece]
    is_line = kind == LINE
    is_arc = (kind == CONIC) & m.circular[piece]
    n_pieces = np.bincount(owner, minlength=k)
    n_lines = np.bincount(owner, weights=is_line, minlength=k)
    n_arcs = np.bincount(owner, weights=is_arc, minlength=k)
    # `owner` rises (pieces come contour by contour), and every closed contour has a piece.
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    length = m.length[piece]
    line_max = np.maximum.reduceat(np.where(is_line, length, 0.0), starts)
    line_min = np.minimum.reduceat(np.where(is_line, length, np.inf), starts)

    return classify(
        cids,
        ct.length[cids],
        np.abs(ct.signed_area[cids]),
        ct.bbox[cids],
        ct.circle[cids],
        Pieces(n_pieces, n_lines, n_arcs, line_max, line_min),
        tolerance,
    )


@dataclass(frozen=True)
class Pieces:
    """What closed contours are made of, per contour: how many pieces, how many of them
    straight lines and circular arcs, and the longest and shortest line (0 and inf if none)."""

    count: np.ndarray
    lines: np.ndarray
    arcs: np.ndarray
    line_max: np.ndarray
    line_min: np.ndarray


def classify(
    ids: np.ndarray,
    perimeter: np.ndarray,
    area: np.ndarray,
    box: np.ndarray,
    circle: np.ndarray,
    pieces: Pieces,
    tolerance: float,
) -> list[Outline]:
    """Outlines of closed contours from their measures (shared by the DXF and LightBurn
    readers): a slot from its perimeter P = 2a + πW and area A = a·W + πW²/4 with two straight
    sides of length a; a rectangle from L + W = P/2 and L·W = A with four sides; else its box."""
    slack = np.maximum(tolerance, 2e-3 * perimeter)
    half = perimeter / 2.0
    root = np.sqrt(np.maximum(half * half - 4.0 * area, 0.0))
    rect_long, rect_short = (half + root) / 2.0, (half - root) / 2.0
    rectangle = (
        (pieces.count == 4)
        & (pieces.lines == 4)
        & (np.abs(pieces.line_max - rect_long) <= slack)
        & (np.abs(pieces.line_min - rect_short) <= slack)
    )
    root = np.sqrt(np.maximum(half * half - math.pi * area, 0.0))
    slot_width = (half - root) * 2.0 / math.pi
    straight = (perimeter - math.pi * slot_width) / 2.0
    slot = (
        (pieces.lines == 2)
        & (pieces.arcs == pieces.count - 2)
        & (pieces.arcs >= 2)
        & (straight > slack)
        & (np.abs(pieces.line_max - straight) <= slack)
        & (np.abs(pieces.line_min - straight) <= slack)
    )
    width, height = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    center = np.column_stack(((box[:, 0] + box[:, 2]) / 2.0, (box[:, 1] + box[:, 3]) / 2.0))
    long = np.where(slot, straight + slot_width, rect_long)
    short = np.where(slot, slot_width, rect_short)
    # Drawn square to the axes: its box is its size, as drawn (700 × 1400, not 1400 × 700).
    square = (np.abs(np.maximum(width, height) - long) <= slack) & (
        np.abs(np.minimum(width, height) - short) <= slack
    )
    size_a = np.where((slot | rectangle) & ~square, long, width)
    size_b = np.where((slot | rectangle) & ~square, short, height)
    shape = np.where(circle, CIRCLE, np.where(slot, SLOT, np.where(rectangle, RECTANGLE, OTHER)))
    # Micrometres are all a person reads (and + 0.0 turns -0.0 into 0.0).
    size_a, size_b = np.round(size_a, 3) + 0.0, np.round(size_b, 3) + 0.0
    center = np.round(center, 3) + 0.0
    return [
        Outline(c, s, (a, b), (x, y))
        for c, s, a, b, x, y in zip(
            ids.tolist(),
            shape.tolist(),
            size_a.tolist(),
            size_b.tolist(),
            center[:, 0].tolist(),
            center[:, 1].tolist(),
            strict=True,
        )
    ]


def pieces_of(m: Measures, ct: ContourTable, cids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, piece): every piece of the contours `cids`, with the index into `cids` it is of."""
    contours = ct.contours
    n_edges = contours.start[cids + 1] - contours.start[cids]
    edge_owner, pos = _expand(contours.start[cids], n_edges)
    edges = contours.edges[pos]
    n_pieces = m.edge_last[edges] - m.edge_first[edges] + 1
    piece_owner, piece = _expand(m.edge_first[edges], n_pieces)
    return edge_owner[piece_owner], piece


NOUNS = {
    SLOT: ("slot", "slots"),
    RECTANGLE: ("rectangular cut-out", "rectangular cut-outs"),
    CIRCLE: ("round cut-out", "round cut-outs"),
    OTHER: ("shaped cut-out", "shaped cut-outs"),
}
SHAPE_WORDS = {SLOT: "slot", RECTANGLE: "rectangle", CIRCLE: "circle", OTHER: "contour"}


def count_text(n: int) -> str:
    """A count with the shop's thousands separator: '7 052'."""
    return f"{n:,}".replace(",", " ")


def size_text(a: float, b: float) -> str:
    """A size in words: '40 × 20 mm'."""
    return f"{format_mm(a)[:-3]} × {format_mm(b)}"


def outline_text(o: Outline, noun: str = "") -> str:
    """A shape in words: 'a 40 × 20 mm rectangle', 'an 80 × 60 mm cut-out', 'a Ø20 mm circle'."""
    if o.shape == CIRCLE:
        return f"a Ø{format_mm(o.size[0])} {noun or 'circle'}"
    size = size_text(*o.size)
    return f"{article(size)} {size} {noun or SHAPE_WORDS[o.shape]}"


def article(number_text: str) -> str:
    """'an' before a number read with a vowel (8, 80, 800, 11, 18, 11 000), else 'a'."""
    whole = number_text.split(" mm")[0].split(" ×")[0].split(".")[0].replace(" ", "")
    eleven = whole[:2] in ("11", "18") and len(whole) % 3 == 2
    return "an" if whole.startswith("8") or eleven else "a"


def cutouts_text(cutouts: list[dict], most: int = 6) -> str:
    """ "4 slots 30 × 8 mm, 1 rectangular cut-out 700 × 1 400 mm": the cut-outs of the metadata
    grouped by shape and size, the most common first."""
    groups: dict[tuple[str, str], int] = {}
    for c in cutouts:
        if not isinstance(c, dict) or c.get("shape") not in NOUNS:
            continue
        try:
            a, b = (float(v) for v in c["size_mm"])
        except (KeyError, TypeError, ValueError):
            continue
        key = (c["shape"], size_text(a, b))
        groups[key] = groups.get(key, 0) + 1
    ranked = sorted(groups.items(), key=lambda item: -item[1])
    parts = [f"{count_text(n)} {NOUNS[shape][n != 1]} {size}" for (shape, size), n in ranked[:most]]
    rest = sum(n for _, n in ranked[most:])
    if rest:
        parts.append(more_of(rest, len(ranked) - most))
    return ", ".join(parts)


def more_of(count: int, sizes: int) -> str:
    """'6 more of 3 other sizes', '2 more of another size'."""
    other = "another size" if sizes == 1 else f"{count_text(sizes)} other sizes"
    return f"{count_text(count)} more of {other}"


def openings_text(holes: list[dict], cutouts: list[dict], most: int = 3) -> str:
    """Round holes by diameter, then the cut-outs: '8 holes Ø6 mm, 4 slots 30 × 8 mm'."""
    sizes: dict[str, int] = {}
    for h in holes:
        try:
            key = format_mm(float(h["diameter_mm"]))
        except (KeyError, TypeError, ValueError):
            continue
        sizes[key] = sizes.get(key, 0) + 1
    ranked = sorted(sizes.items(), key=lambda item: -item[1])
    parts = [
        f"{count_text(n)} {'hole' if n == 1 else 'holes'} Ø{size}" for size, n in ranked[:most]
    ]
    rest = sum(n for _, n in ranked[most:])
    if rest:
        parts.append(f"{count_text(rest)} more {'hole' if rest == 1 else 'holes'}")
    listed = cutouts_text(cutouts, most)
    return ", ".join(parts + ([listed] if listed else []))
