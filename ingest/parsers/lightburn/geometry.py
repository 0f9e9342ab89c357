"""Geometry of placed LightBurn shapes: lines, cubic béziers and (transformed) elliptic arcs.

Everything is in millimetres after the shape's XForm is applied. A `Contour` is what the laser cuts
after one pierce; `join_open_contours()` merges open runs whose ends meet, and `nest()` says how
many closed contours hold each one (even depth = material, odd depth = a hole).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: the registry imports this module
    import numpy as np

Matrix = tuple[float, float, float, float, float, float]  # a b c d tx ty
Point = tuple[float, float]

IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
TAU = 2.0 * math.pi
FLATTEN_TOLERANCE_MM = 0.05  # chord error when curves become polygons (area, containment)
INSIDE_BUDGET = 500_000  # outline vertices per vectorised point-in-polygon pass


def compose(outer: Matrix, inner: Matrix) -> Matrix:
    """The matrix that applies `inner` first, then `outer`."""
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + c1 * b2,
        b1 * a2 + d1 * b2,
        a1 * c2 + c1 * d2,
        b1 * c2 + d1 * d2,
        a1 * e2 + c1 * f2 + e1,
        b1 * e2 + d1 * f2 + f1,
    )


def apply_matrix(m: Matrix, x: float, y: float) -> Point:
    """The point (x, y) placed by `m`."""
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def distance(p: Point, q: Point) -> float:
    """Straight-line distance in mm."""
    return math.hypot(q[0] - p[0], q[1] - p[1])


class Line:
    """A straight cut from `start` to `end`."""

    __slots__ = ("end", "start")

    def __init__(self, start: Point, end: Point):
        self.start, self.end = start, end

    def length(self) -> float:
        return distance(self.start, self.end)

    def extremes(self) -> list[Point]:
        return [self.start, self.end]

    def flatten(self, tolerance: float) -> list[Point]:
        return [self.end]

    def reversed(self) -> Line:
        return Line(self.end, self.start)


class Cubic:
    """A cubic bézier: LightBurn's curve primitive (affine maps keep it a bézier)."""

    __slots__ = ("c0", "c1", "end", "start")

    def __init__(self, start: Point, c0: Point, c1: Point, end: Point):
        self.start, self.c0, self.c1, self.end = start, c0, c1, end

    def point(self, t: float) -> Point:
        u = 1.0 - t
        w0, w1, w2, w3 = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        return (
            w0 * self.start[0] + w1 * self.c0[0] + w2 * self.c1[0] + w3 * self.end[0],
            w0 * self.start[1] + w1 * self.c0[1] + w2 * self.c1[1] + w3 * self.end[1],
        )

    def length(self) -> float:
        """Arc length by adaptive subdivision (chord and control polygon agree to 1 µm)."""
        total = 0.0
        stack = [(self.start, self.c0, self.c1, self.end, 0)]
        while stack:
            p0, p1, p2, p3, depth = stack.pop()
            chord = distance(p0, p3)
            polygon = distance(p0, p1) + distance(p1, p2) + distance(p2, p3)
            if polygon - chord <= 1e-3 or depth >= 24:
                total += (chord + polygon) / 2.0
                continue
            left, right = _split_cubic(p0, p1, p2, p3)
            stack.append((*right, depth + 1))
            stack.append((*left, depth + 1))
        return total

    def extremes(self) -> list[Point]:
        """End points and the points where x or y turns (exact bounding box)."""
        points = [self.start, self.end]
        for axis in (0, 1):
            p0, p1, p2, p3 = self.start[axis], self.c0[axis], self.c1[axis], self.end[axis]
            a = -p0 + 3 * p1 - 3 * p2 + p3
            b = 2 * (p0 - 2 * p1 + p2)
            c = p1 - p0
            for t in _quadratic_roots(a, b, c):
                if 0.0 < t < 1.0:
                    points.append(self.point(t))
        return points

    def flatten(self, tolerance: float) -> list[Point]:
        deviation = max(
            _point_line_distance(self.c0, self.start, self.end),
            _point_line_distance(self.c1, self.start, self.end),
        )
        steps = max(1, min(256, math.ceil(math.sqrt(0.75 * deviation / tolerance))))
        return [self.point(i / steps) for i in range(1, steps + 1)]

    def reversed(self) -> Cubic:
        return Cubic(self.end, self.c1, self.c0, self.start)


class Arc:
    """center + A·(cos t, sin t) for t from t0 to t1: a transformed circle or ellipse arc."""

    __slots__ = ("a", "b", "c", "center", "d", "t0", "t1")

    def __init__(
        self, center: Point, linear: tuple[float, float, float, float], t0: float, t1: float
    ):
        self.center = center
        self.a, self.b, self.c, self.d = linear
        self.t0, self.t1 = t0, t1

    def point(self, t: float) -> Point:
        cos_t, sin_t = math.cos(t), math.sin(t)
        return (
            self.center[0] + self.a * cos_t + self.c * sin_t,
            self.center[1] + self.b * cos_t + self.d * sin_t,
        )

    @property
    def start(self) -> Point:
        return self.point(self.t0)

    @property
    def end(self) -> Point:
        return self.point(self.t1)

    def semi_axes(self) -> tuple[float, float]:
        """Singular values of the 2×2 part: the semi-axes of the (transformed) ellipse."""
        total = self.a**2 + self.b**2 + self.c**2 + self.d**2
        determinant = self.a * self.d - self.b * self.c
        root = math.sqrt(max(0.0, total * total - 4.0 * determinant * determinant))
        return math.sqrt((total + root) / 2.0), math.sqrt(max(0.0, (total - root) / 2.0))

    def circle_radius(self) -> float | None:
        major, minor = self.semi_axes()
        return (major + minor) / 2.0 if major - minor <= 1e-9 * max(1.0, major) else None

    def length(self) -> float:
        sweep = abs(self.t1 - self.t0)
        radius = self.circle_radius()
        if radius is not None:
            return radius * sweep
        major, minor = self.semi_axes()
        if sweep >= TAU - 1e-12:  # whole ellipse: Ramanujan's second approximation
            h = ((major - minor) / (major + minor)) ** 2
            return math.pi * (major + minor) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))
        steps = max(64, math.ceil(sweep / (math.pi / 128)))
        steps += steps % 2  # Simpson's rule over |p'(t)|
        width = (self.t1 - self.t0) / steps
        total = 0.0
        for i in range(steps + 1):
            t = self.t0 + i * width
            speed = math.hypot(
                -self.a * math.sin(t) + self.c * math.cos(t),
                -self.b * math.sin(t) + self.d * math.cos(t),
            )
            total += speed * (1 if i in (0, steps) else 4 if i % 2 else 2)
        return abs(width) * total / 3.0

    def extremes(self) -> list[Point]:
        low, high = min(self.t0, self.t1), max(self.t0, self.t1)
        points = [self.start, self.end]
        for base in (math.atan2(self.c, self.a), math.atan2(self.d, self.b)):
            for t in (base, base + math.pi):
                k = math.ceil((low - t) / TAU)
                candidate = t + k * TAU
                while candidate <= high:
                    points.append(self.point(candidate))
                    candidate += TAU
        return points

    def flatten(self, tolerance: float) -> list[Point]:
        steps = self.flatten_steps(tolerance)
        return [self.point(self.t0 + (self.t1 - self.t0) * i / steps) for i in range(1, steps + 1)]

    def flatten_steps(self, tolerance: float) -> int:
        major, _ = self.semi_axes()
        sweep = abs(self.t1 - self.t0)
        if major <= tolerance:
            steps = 4
        else:
            step_angle = 2.0 * math.acos(max(-1.0, 1.0 - tolerance / major))
            steps = math.ceil(sweep / max(step_angle, 1e-6))
        return max(4 if sweep >= TAU - 1e-12 else 1, min(1024, steps))

    def flatten_array(self, tolerance: float) -> np.ndarray:
        """`flatten()` as an (m, 2) array."""
        import numpy as np

        steps = self.flatten_steps(tolerance)
        t = self.t0 + (self.t1 - self.t0) * np.arange(1, steps + 1) / steps
        cos_t, sin_t = np.cos(t), np.sin(t)
        return np.column_stack(
            (
                self.center[0] + self.a * cos_t + self.c * sin_t,
                self.center[1] + self.b * cos_t + self.d * sin_t,
            )
        )

    def reversed(self) -> Arc:
        return Arc(self.center, (self.a, self.b, self.c, self.d), self.t1, self.t0)


Segment = Line | Cubic | Arc


@dataclass
class Contour:
    """One connected run of segments on one layer: what the laser cuts after one pierce."""

    segments: list[Segment]
    closed: bool
    layer: str
    shape_type: str

    @property
    def start(self) -> Point:
        return self.segments[0].start

    @property
    def end(self) -> Point:
        return self.segments[-1].end

    def length(self) -> float:
        return sum(segment.length() for segment in self.segments)

    def polygon(self, tolerance: float = FLATTEN_TOLERANCE_MM) -> list[Point]:
        points = [self.segments[0].start]
        for segment in self.segments:
            points.extend(segment.flatten(tolerance))
        return points

    def reversed(self) -> Contour:
        segments = [segment.reversed() for segment in reversed(self.segments)]
        return Contour(segments, self.closed, self.layer, self.shape_type)


def _split_cubic(p0: Point, p1: Point, p2: Point, p3: Point) -> tuple[tuple, tuple]:
    def mid(p: Point, q: Point) -> Point:
        return ((p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0)

    p01, p12, p23 = mid(p0, p1), mid(p1, p2), mid(p2, p3)
    p012, p123 = mid(p01, p12), mid(p12, p23)
    p0123 = mid(p012, p123)
    return (p0, p01, p012, p0123), (p0123, p123, p23, p3)


def _quadratic_roots(a: float, b: float, c: float) -> list[float]:
    if abs(a) < 1e-12:
        return [-c / b] if abs(b) > 1e-12 else []
    discriminant = b * b - 4 * a * c
    if discriminant < 0:
        return []
    root = math.sqrt(discriminant)
    return [(-b + root) / (2 * a), (-b - root) / (2 * a)]


def _point_line_distance(p: Point, a: Point, b: Point) -> float:
    length = distance(a, b)
    if length < 1e-12:
        return distance(p, a)
    return abs((b[0] - a[0]) * (a[1] - p[1]) - (a[0] - p[0]) * (b[1] - a[1])) / length


def bounding_box(points: list[Point]) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y)."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


# --- joining and nesting ---------------------------------------------------------------------


def join_open_contours(contours: list[Contour], tolerance: float) -> list[Contour]:
    """Open contours on the same layer whose ends meet are one cut (one pierce)."""
    closed = [c for c in contours if c.closed]
    open_ = [c for c in contours if not c.closed]
    if len(open_) < 2:
        return contours
    cell = max(tolerance, 1e-9)

    def key(point: Point) -> tuple[int, int]:
        return (math.floor(point[0] / cell), math.floor(point[1] / cell))

    ends: dict[tuple[str, int, int], list[int]] = {}
    for index, contour in enumerate(open_):
        for point in (contour.start, contour.end):
            ends.setdefault((contour.layer, *key(point)), []).append(index)

    used = [False] * len(open_)

    def partner(point: Point, layer: str) -> tuple[int, bool] | None:
        kx, ky = key(point)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for index in ends.get((layer, kx + dx, ky + dy), ()):
                    if used[index]:
                        continue
                    candidate = open_[index]
                    if distance(candidate.start, point) <= tolerance:
                        return index, False
                    if distance(candidate.end, point) <= tolerance:
                        return index, True
        return None

    joined: list[Contour] = []
    for index, contour in enumerate(open_):
        if used[index]:
            continue
        used[index] = True
        segments = list(contour.segments)
        for forward in (True, False):
            while True:
                if distance(segments[0].start, segments[-1].end) <= tolerance:
                    break
                point = segments[-1].end if forward else segments[0].start
                found = partner(point, contour.layer)
                if found is None:
                    break
                other_index, flip = found
                used[other_index] = True
                other = open_[other_index]
                if forward:
                    other = other.reversed() if flip else other
                    segments.extend(other.segments)
                else:
                    other = other if flip else other.reversed()
                    segments[:0] = other.segments
        is_closed = distance(segments[0].start, segments[-1].end) <= tolerance
        shape_type = contour.shape_type
        joined.append(Contour(segments, is_closed, contour.layer, shape_type))
    return closed + joined


@dataclass
class Nested:
    """A closed contour as a polygon, with its area and how many contours enclose it."""

    polygon: np.ndarray  # (m, 2), first point repeated last; a whole ellipse: its first point
    area: float
    box: tuple[float, float, float, float]
    depth: int = 0


def outline(contour: Contour, tolerance: float = FLATTEN_TOLERANCE_MM) -> np.ndarray:
    """The contour's flattened outline as an (m, 2) array (arcs flattened without tuples)."""
    import numpy as np

    parts = [np.array([contour.segments[0].start], dtype=float)]
    for segment in contour.segments:
        if isinstance(segment, Arc):
            parts.append(segment.flatten_array(tolerance))
        else:
            parts.append(np.array(segment.flatten(tolerance), dtype=float).reshape(-1, 2))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def nest(contours: list[Contour]) -> list[Nested]:
    """How many closed contours hold each closed contour (even depth = material, odd = hole).

    A contour holds another when its box holds the other's (within 1 µm), its area is larger
    (equal areas: the earlier one holds the later) and the other's first point lies inside
    it (inside its flattened outline; inside the true curve for a whole circle or ellipse).
    Candidates come from the DXF reader's hierarchy of grids (`topology.nest_boxes`), in
    rising area a few at a time: near-linear even for thousands of concentric contours.
    """
    from ingest.geometry.topology import nest_boxes

    items, whole = _measure_closed(contours)
    if len(items) < 2:
        return items
    flat, start = _pack_outlines(items)
    probes = flat[start[:-1]]
    contains = _containment(probes, flat, start, *_ellipse_inverses(len(items), whole))
    _parent, depth = nest_boxes(_boxes(items), _area_ranks(items), probes, contains, 1e-6)
    for item, d in zip(items, depth.tolist(), strict=True):
        item.depth = d
    return items


def _measure_closed(contours: list[Contour]) -> tuple[list[Nested], list[tuple[int, Arc]]]:
    """Each contour's outline, area and box; and the whole circles and ellipses among them (by
    index), whose area, box and containment are exact."""
    import numpy as np

    items: list[Nested] = []
    whole: list[tuple[int, Arc]] = []
    for k, contour in enumerate(contours):
        only = contour.segments[0] if len(contour.segments) == 1 else None
        if isinstance(only, Arc) and abs(only.t1 - only.t0) >= TAU - 1e-12:
            # A whole circle or ellipse needs no outline: its area, box and containment are
            # exact (`_containment`), and its first point is its probe.
            major, minor = only.semi_axes()
            points = np.array([only.start], dtype=float)
            extremes = np.array(only.extremes(), dtype=float)
            x, y = extremes[:, 0], extremes[:, 1]
            area = math.pi * major * minor
            whole.append((k, only))
        else:
            points = outline(contour)
            x, y = points[:, 0], points[:, 1]
            area = abs(float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2.0)
        box = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
        items.append(Nested(points, area, box))
    return items, whole


def _pack_outlines(items: list[Nested]) -> tuple[np.ndarray, np.ndarray]:
    """All outlines in one array: outline k is flat[start[k]:start[k + 1]], and each item's
    polygon becomes a view into it (not n separate arrays)."""
    import numpy as np

    n = len(items)
    count = np.fromiter((len(item.polygon) for item in items), np.int64, n)
    start = np.zeros(n + 1, np.int64)
    np.cumsum(count, out=start[1:])
    flat = np.concatenate([item.polygon for item in items])
    for k, item in enumerate(items):
        item.polygon = flat[start[k] : start[k + 1]]
    return flat, start


def _boxes(items: list[Nested]) -> np.ndarray:
    import numpy as np

    return np.array([item.box for item in items])


def _area_ranks(items: list[Nested]) -> np.ndarray:
    """Ranks, not areas: equal areas are ordered so that the earlier contour holds the later."""
    import numpy as np

    n = len(items)
    areas = np.array([item.area for item in items])
    order = np.lexsort((-np.arange(n), areas))
    rank = np.empty(n)
    rank[order] = np.arange(n, dtype=float)
    return rank


def _ellipse_inverses(n: int, whole: list[tuple[int, Arc]]) -> tuple[np.ndarray, np.ndarray]:
    """Which contours are tested exactly (whole circles and ellipses that are not flat), and
    for those the inverse 2 × 2 part of their map from the unit circle, then the centre."""
    import numpy as np

    ellipse = np.zeros(n, bool)
    inverse = np.zeros((n, 6))
    for k, arc in whole:
        det = arc.a * arc.d - arc.b * arc.c
        if abs(det) > 1e-12:
            ellipse[k] = True
            inverse[k] = (arc.d / det, -arc.b / det, -arc.c / det, arc.a / det, *arc.center)
    return ellipse, inverse


def _containment(
    probes: np.ndarray,
    flat: np.ndarray,
    start: np.ndarray,
    ellipse: np.ndarray,
    inverse: np.ndarray,
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """contains(pi, pj): whether contour pj[k] holds the probe of contour pi[k]. A whole circle
    or ellipse holds the point when the point, mapped back onto the unit circle the ellipse was
    drawn from, lies within it; any other contour, when its outline does (even-odd)."""
    import numpy as np

    def contains(pi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        held = np.zeros(pi.size, bool)
        exact = ellipse[pj]
        if exact.any():
            m, p = inverse[pj[exact]], probes[pi[exact]]
            dx, dy = p[:, 0] - m[:, 4], p[:, 1] - m[:, 5]
            u, v = m[:, 0] * dx + m[:, 2] * dy, m[:, 1] * dx + m[:, 3] * dy
            held[exact] = u * u + v * v < 1.0
        if (~exact).any():
            held[~exact] = _inside(probes[pi[~exact]], pj[~exact], flat, start)
        return held

    return contains


def _inside(
    points: np.ndarray, cids: np.ndarray, flat: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Even-odd test of points[k] against outline cids[k] (`flat[start[c]:start[c + 1]]`)."""
    import numpy as np

    from ingest.geometry.topology import _chunks, _expand

    out = np.zeros(points.shape[0], bool)
    first_all, nv_all = start[cids], start[cids + 1] - start[cids]
    for s, e in _chunks(nv_all, INSIDE_BUDGET):
        first, nv = first_all[s:e], nv_all[s:e]
        owner, pos = _expand(first, nv)
        if owner.size == 0:
            continue
        last = np.repeat(first + nv - 1, nv)
        prev = np.where(pos == np.repeat(first, nv), last, pos - 1)
        b, a = flat[pos], flat[prev]
        q = points[s:e][owner]
        crosses = (b[:, 1] > q[:, 1]) != (a[:, 1] > q[:, 1])
        dy = np.where(crosses, a[:, 1] - b[:, 1], 1.0)  # non-zero wherever it matters
        xint = (a[:, 0] - b[:, 0]) * (q[:, 1] - b[:, 1]) / dy + b[:, 0]
        hits = (crosses & (q[:, 0] < xint)).astype(np.int64)
        out[s:e] = np.bincount(owner, weights=hits, minlength=e - s) % 2 == 1
    return out


def circle_diameter(contour: Contour, nested: Nested) -> float | None:
    """Diameter when the contour is a circle (an Ellipse with equal radii, or a round path)."""
    if len(contour.segments) == 1 and isinstance(contour.segments[0], Arc):
        radius = contour.segments[0].circle_radius()
        return 2.0 * radius if radius is not None else None
    x0, y0, x1, y1 = nested.box
    width, height = x1 - x0, y1 - y0
    if width <= 0 or height <= 0 or abs(width - height) > 0.01 * max(width, height):
        return None
    perimeter = contour.length()
    if perimeter <= 0 or 4 * math.pi * nested.area / (perimeter * perimeter) < 0.995:
        return None
    return (width + height) / 2.0
