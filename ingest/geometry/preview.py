"""A PNG preview of the flattened cut geometry: white sheet, dark cuts, holes in blue.

Part outlines are filled light grey and holes white (Pillow polygons, for drawings of a
reasonable size), so holes read at a glance; open chains are drawn red and thicker. Lines are
rasterised with numpy — every segment stepped one pixel at a time — because one Pillow call per
edge costs more than the rest of the analysis on a 100,000-entity drawing. Holes smaller than a
few pixels get a small ring so that they never vanish.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from .measure import Measures, sample_pieces
from .primitives import PieceTable
from .topology import Nesting, Shapes

BACKGROUND = (255, 255, 255)
CUT = (25, 25, 35)
PART_FILL = (226, 230, 236)
HOLE = (20, 70, 160)
OPEN = (200, 30, 30)
MAX_FILLED = 20_000  # above this many closed contours, outlines only (the fill is cosmetic)
MAX_FILL_SCREENS = 40  # ... and when filling them would paint the picture more than this often
_CHUNK = 250_000  # pixel samples per pass


def render_preview(
    table: PieceTable,
    m: Measures,
    shapes: Shapes,
    nesting: Nesting,
    hole_ids: set[int],
    *,
    size: int = 800,
    margin: int = 10,
) -> bytes | None:
    """PNG bytes of the drawing scaled to `size` px on its longest side, or None if empty."""
    box = m.bbox_all()
    if box is None:
        return None
    x0, y0, x1, y1 = box
    w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    scale = (size - 2 * margin) / max(w, h)
    width = max(1, int(round(w * scale)) + 2 * margin)
    height = max(1, int(round(h * scale)) + 2 * margin)

    def to_px(points: np.ndarray) -> np.ndarray:
        out = np.empty_like(points)
        out[:, 0] = (points[:, 0] - x0) * scale + margin
        out[:, 1] = height - ((points[:, 1] - y0) * scale + margin)
        return out

    ct = shapes.ct
    fine = shapes.samples.points  # the analysis samples, for outlines of chosen contours

    def outline(cid: int) -> np.ndarray:
        return to_px(fine[shapes.poly_idx[shapes.poly_start[cid] : shapes.poly_start[cid + 1]]])

    img = Image.new("RGB", (width, height), BACKGROUND)
    boxes = ct.bbox[nesting.closed] * scale
    painted = float(((boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)).sum())
    if 0 < nesting.closed.size <= MAX_FILLED and painted <= MAX_FILL_SCREENS * width * height:
        draw = ImageDraw.Draw(img)
        for k in np.argsort(nesting.depth, kind="stable").tolist():
            poly = outline(int(nesting.closed[k]))
            if poly.shape[0] >= 3:
                fill = PART_FILL if nesting.depth[k] % 2 == 0 else BACKGROUND
                draw.polygon(poly.ravel().tolist(), fill=fill)
    canvas = np.array(img)

    # Every cut. Pieces smaller than a pixel are that pixel; the others are sampled for this
    # resolution (a third of a pixel) and drawn as consecutive samples within each piece.
    tiny = np.maximum(m.bbox[:, 2] - m.bbox[:, 0], m.bbox[:, 3] - m.bbox[:, 1]) * scale < 1.0
    if tiny.any():
        dots = to_px((m.bbox[tiny, 0:2] + m.bbox[tiny, 2:4]) / 2.0)
        _raster(canvas, dots, dots, CUT)
    keep = ~tiny
    if keep.any():
        sub = PieceTable(
            table.kind[keep], table.par[keep], table.layer[keep], m.edge_first[:0],
            m.edge_first[:0].astype(bool), table.points,
        )  # fmt: skip
        coarse = sample_pieces(sub, 0.3 / scale, min_per_turn=8)
        px = to_px(coarse.points)
        starts = np.zeros(px.shape[0] + 1, bool)
        starts[coarse.start[:-1]] = True
        seg = np.flatnonzero(~starts[1 : px.shape[0]])
        _raster(canvas, px[seg], px[seg + 1], CUT)
        del px, seg, coarse

    def contour_segments(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = shapes.poly_start[ids], shapes.poly_start[ids + 1]
        counts = np.maximum(hi - lo - 1, 0)
        local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        first = np.repeat(lo, counts) + local
        return to_px(fine[shapes.poly_idx[first]]), to_px(fine[shapes.poly_idx[first + 1]])

    open_ids = np.flatnonzero(~ct.contours.closed)
    if open_ids.size:
        a, b = contour_segments(open_ids)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            _raster(canvas, a + (dx, dy), b + (dx, dy), OPEN)
    if hole_ids:
        ids = np.fromiter(hole_ids, np.int64)
        widths = (ct.bbox[ids, 2] - ct.bbox[ids, 0]) * scale
        big = ids[widths >= 8]
        if big.size:
            _raster(canvas, *contour_segments(big), HOLE)
        small = ids[widths < 8]
        if small.size:  # a ring of at least 1.5 px radius, so that no hole vanishes
            b = ct.bbox[small]
            centre = to_px(np.column_stack(((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)))
            r = np.maximum(widths[widths < 8] / 2, 1.5)
            ang = np.linspace(0, 2 * np.pi, 13)
            ring = (
                centre[:, None, :]
                + r[:, None, None] * np.stack((np.cos(ang), np.sin(ang)), axis=-1)[None]
            )
            _raster(canvas, ring[:, :-1].reshape(-1, 2), ring[:, 1:].reshape(-1, 2), HOLE)
    img = Image.fromarray(canvas)

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _raster(canvas: np.ndarray, a: np.ndarray, b: np.ndarray, colour: tuple[int, int, int]):
    """Set the pixels along segments a[i] → b[i] (one sample per pixel step)."""
    h, w = canvas.shape[:2]
    d = b - a
    steps = np.ceil(np.abs(d).max(axis=1)).astype(np.int64) + 1
    total = np.cumsum(steps)
    cuts = np.searchsorted(total, np.arange(_CHUNK, int(total[-1]) if total.size else 0, _CHUNK))
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, a.shape[0]], strict=True):
        if hi <= lo:
            continue
        st = steps[lo:hi]
        owner = np.repeat(np.arange(lo, hi), st)
        k = np.arange(int(st.sum())) - np.repeat(np.cumsum(st) - st, st)
        t = k / np.maximum(steps[owner] - 1, 1)
        x = np.rint(a[owner, 0] + d[owner, 0] * t).astype(np.int64)
        y = np.rint(a[owner, 1] + d[owner, 1] * t).astype(np.int64)
        ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        canvas[y[ok], x[ok]] = colour
