"""A PNG preview of the flattened cut geometry: white sheet, dark cuts, holes in blue.

Part outlines are filled light grey and holes white (Pillow polygons, for drawings of a
reasonable size), so holes read at a glance; open chains are drawn red and thicker. Lines are
rasterised with numpy — every segment stepped one pixel at a time — because one Pillow call per
edge costs more than the rest of the analysis on a 100,000-entity drawing. Holes smaller than a
few pixels get a small ring so that they never vanish.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

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


@dataclass
class _Frame:
    """The picture's size and the map from drawing millimetres to pixels (y pointing down)."""

    x0: float
    y0: float
    scale: float
    margin: int
    width: int
    height: int

    @classmethod
    def around(cls, box: tuple[float, float, float, float], size: int, margin: int) -> _Frame:
        x0, y0, x1, y1 = box
        w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        scale = (size - 2 * margin) / max(w, h)
        width = max(1, int(round(w * scale)) + 2 * margin)
        height = max(1, int(round(h * scale)) + 2 * margin)
        return cls(x0, y0, scale, margin, width, height)

    def to_px(self, points: np.ndarray) -> np.ndarray:
        out = np.empty_like(points)
        out[:, 0] = (points[:, 0] - self.x0) * self.scale + self.margin
        out[:, 1] = self.height - ((points[:, 1] - self.y0) * self.scale + self.margin)
        return out


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
    frame = _Frame.around(box, size, margin)
    canvas = np.array(_filled_parts(frame, shapes, nesting))
    _draw_cuts(canvas, frame, table, m)
    open_ids = np.flatnonzero(~shapes.ct.contours.closed)
    if open_ids.size:
        a, b = _contour_segments(frame, shapes, open_ids)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            _raster(canvas, a + (dx, dy), b + (dx, dy), OPEN)
    if hole_ids:
        _draw_holes(canvas, frame, shapes, np.fromiter(hole_ids, np.int64))
    buf = io.BytesIO()
    Image.fromarray(canvas).save(buf, format="PNG")
    return buf.getvalue()


def _filled_parts(frame: _Frame, shapes: Shapes, nesting: Nesting) -> Image.Image:
    """The sheet, with parts filled grey and holes white, shallowest first; plain when there
    are too many contours or filling them would paint the picture too many times over."""
    img = Image.new("RGB", (frame.width, frame.height), BACKGROUND)
    boxes = shapes.ct.bbox[nesting.closed] * frame.scale
    painted = float(((boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)).sum())
    screens = MAX_FILL_SCREENS * frame.width * frame.height
    if 0 < nesting.closed.size <= MAX_FILLED and painted <= screens:
        fine = shapes.samples.points  # the analysis samples
        draw = ImageDraw.Draw(img)
        for k in np.argsort(nesting.depth, kind="stable").tolist():
            cid = int(nesting.closed[k])
            lo, hi = shapes.poly_start[cid], shapes.poly_start[cid + 1]
            poly = frame.to_px(fine[shapes.poly_idx[lo:hi]])
            if poly.shape[0] >= 3:
                fill = PART_FILL if nesting.depth[k] % 2 == 0 else BACKGROUND
                draw.polygon(poly.ravel().tolist(), fill=fill)
    return img


def _draw_cuts(canvas: np.ndarray, frame: _Frame, table: PieceTable, m: Measures) -> None:
    """Every cut. Pieces smaller than a pixel are that pixel; the others are sampled for this
    resolution (a third of a pixel) and drawn as consecutive samples within each piece."""
    scale = frame.scale
    tiny = np.maximum(m.bbox[:, 2] - m.bbox[:, 0], m.bbox[:, 3] - m.bbox[:, 1]) * scale < 1.0
    if tiny.any():
        dots = frame.to_px((m.bbox[tiny, 0:2] + m.bbox[tiny, 2:4]) / 2.0)
        _raster(canvas, dots, dots, CUT)
    keep = ~tiny
    if keep.any():
        sub = PieceTable(
            table.kind[keep], table.par[keep], table.layer[keep], m.edge_first[:0],
            m.edge_first[:0].astype(bool), table.points,
        )  # fmt: skip
        coarse = sample_pieces(sub, 0.3 / scale, min_per_turn=8)
        px = frame.to_px(coarse.points)
        starts = np.zeros(px.shape[0] + 1, bool)
        starts[coarse.start[:-1]] = True
        seg = np.flatnonzero(~starts[1 : px.shape[0]])
        _raster(canvas, px[seg], px[seg + 1], CUT)
        del px, seg, coarse


def _contour_segments(
    frame: _Frame, shapes: Shapes, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The outline segments (from, to, in pixels) of contours `ids`, from the analysis samples."""
    fine = shapes.samples.points
    lo, hi = shapes.poly_start[ids], shapes.poly_start[ids + 1]
    counts = np.maximum(hi - lo - 1, 0)
    local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    first = np.repeat(lo, counts) + local
    return (
        frame.to_px(fine[shapes.poly_idx[first]]),
        frame.to_px(fine[shapes.poly_idx[first + 1]]),
    )


def _draw_holes(canvas: np.ndarray, frame: _Frame, shapes: Shapes, ids: np.ndarray) -> None:
    """Holes in blue: their outlines, or a ring of at least 1.5 px radius for the holes too
    small to read, so that no hole vanishes."""
    bbox = shapes.ct.bbox
    widths = (bbox[ids, 2] - bbox[ids, 0]) * frame.scale
    big = ids[widths >= 8]
    if big.size:
        _raster(canvas, *_contour_segments(frame, shapes, big), HOLE)
    small = ids[widths < 8]
    if small.size:
        b = bbox[small]
        centre = frame.to_px(np.column_stack(((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2)))
        r = np.maximum(widths[widths < 8] / 2, 1.5)
        ang = np.linspace(0, 2 * np.pi, 13)
        ring = (
            centre[:, None, :]
            + r[:, None, None] * np.stack((np.cos(ang), np.sin(ang)), axis=-1)[None]
        )
        _raster(canvas, ring[:, :-1].reshape(-1, 2), ring[:, 1:].reshape(-1, 2), HOLE)


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
