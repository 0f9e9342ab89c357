"""A PNG preview of the flattened cut geometry (Pillow): white sheet, dark cuts.

Part outlines are filled light grey and holes white, so holes read at a glance; open chains are
drawn red. Holes smaller than a few pixels are drawn as a small ring so that they never vanish.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from .measure import Measures, Samples
from .topology import Nesting, Shapes

BACKGROUND = (255, 255, 255)
CUT = (25, 25, 35)
PART_FILL = (226, 230, 236)
HOLE = (20, 70, 160)
OPEN = (200, 30, 30)
MAX_FILLED = 20_000  # above this many closed contours, outlines only (fill is cosmetic)


def render_preview(
    m: Measures,
    samples: Samples,
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
    inner = size - 2 * margin
    scale = inner / max(w, h)
    width = max(1, int(round(w * scale)) + 2 * margin)
    height = max(1, int(round(h * scale)) + 2 * margin)
    img = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(img)

    # Pixel coordinates of every sample, y flipped (image y grows downwards).
    px = np.empty_like(samples.points)
    px[:, 0] = (samples.points[:, 0] - x0) * scale + margin
    px[:, 1] = height - ((samples.points[:, 1] - y0) * scale + margin)

    ps, ef, el = samples.start, m.edge_first, m.edge_last
    ct = shapes.ct
    contours = ct.contours

    def outline(i: int) -> np.ndarray:
        return px[shapes.poly_idx[shapes.poly_start[i] : shapes.poly_start[i + 1]]]

    if 0 < nesting.closed.size <= MAX_FILLED:
        order = np.argsort(nesting.depth, kind="stable")
        for k in order.tolist():
            cid = int(nesting.closed[k])
            poly = outline(cid)
            if poly.shape[0] < 3:
                continue
            fill = PART_FILL if nesting.depth[k] % 2 == 0 else BACKGROUND
            draw.polygon(poly.ravel().tolist(), fill=fill)

    # Cut lines: one call per edge (edges are continuous runs of points).
    for e in range(ef.shape[0]):
        seg = px[ps[ef[e]] : ps[el[e] + 1]]
        draw.line(seg.ravel().tolist(), fill=CUT, width=1)
    for i in np.flatnonzero(~contours.closed).tolist():
        draw.line(outline(i).ravel().tolist(), fill=OPEN, width=2)
    for cid in hole_ids:
        bx0, by0, bx1, by1 = ct.bbox[cid]
        cx = ((bx0 + bx1) / 2 - x0) * scale + margin
        cy = height - (((by0 + by1) / 2 - y0) * scale + margin)
        r = max((bx1 - bx0) * scale / 2, 1.5)
        if r < 4:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=HOLE, width=1)
        else:
            draw.line(outline(cid).ravel().tolist(), fill=HOLE, width=1)

    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
