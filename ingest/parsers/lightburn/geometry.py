"""Geometry of placed LightBurn shapes: lines, cubic béziers and (transformed) elliptic arcs.

Everything is in millimetres after the shape's XForm is applied. A `Contour` is what the laser cuts
after one pierce; `join_open_contours()` merges open runs whose ends meet, and `nest()` says how
many closed contours hold each one (even depth = material, odd depth = a hole).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

Matrix = tuple[float, float, float, float, float, float]  # a b c d tx ty
Point = tuple[float, float]

IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
TAU = 2.0 * math.pi
FLATTEN_TOLERANCE_MM = 0.05  # chord error when curves become polygons (area, containment)


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
        major, _ = self.semi_axes()
        sweep = abs(self.t1 - self.t0)
        if major <= tolerance:
            steps = 4
        else:
            step_angle = 2.0 * math.acos(max(-1.0, 1.0 - tolerance / major))
            steps = math.ceil(sweep / max(step_angle, 1e-6))
        steps = max(4 if sweep >= TAU - 1e-12 else 1, min(1024, steps))
        return [self.point(self.t0 + (self.t1 - self.t0) * i / steps) for i in range(1, steps + 1)]

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


def _polygon_area(points: list[Point]) -> float:
    """Signed area (shoelace)."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return total / 2.0


def _point_in_polygon(point: Point, polygon: list[Point]) -> bool:
    x, y = point
    inside = False
    x0, y0 = polygon[-1]
    for x1, y1 in polygon:
        if (y1 > y) != (y0 > y) and x < (x0 - x1) * (y - y1) / (y0 - y1) + x1:
            inside = not inside
        x0, y0 = x1, y1
    return inside


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

    polygon: list[Point]
    area: float
    box: tuple[float, float, float, float]
    depth: int = 0


def nest(contours: list[Contour]) -> list[Nested]:
    """How many closed contours hold each closed contour (even depth = material, odd = hole)."""
    items = []
    for contour in contours:
        polygon = contour.polygon()
        area = abs(_polygon_area(polygon))
        only = contour.segments[0] if len(contour.segments) == 1 else None
        if isinstance(only, Arc) and abs(only.t1 - only.t0) >= TAU - 1e-12:
            major, minor = only.semi_axes()
            area = math.pi * major * minor  # exact for circles and ellipses
        items.append(Nested(polygon, area, bounding_box(polygon)))
    if len(items) < 2:
        return items
    min_x = min(i.box[0] for i in items)
    min_y = min(i.box[1] for i in items)
    span = max(max(i.box[2] for i in items) - min_x, max(i.box[3] for i in items) - min_y, 1e-9)

    def cells(box: tuple[float, float, float, float], size: float) -> Iterator[tuple[int, int]]:
        x0, y0 = int((box[0] - min_x) / size), int((box[1] - min_y) / size)
        x1, y1 = int((box[2] - min_x) / size), int((box[3] - min_y) / size)
        for ix in range(x0, x1 + 1):
            for iy in range(y0, y1 + 1):
                yield ix, iy

    for resolution in (64, 32, 16, 8, 1):
        size = span / resolution * (1 + 1e-9)
        registrations = sum(
            (int((i.box[2] - min_x) / size) - int((i.box[0] - min_x) / size) + 1)
            * (int((i.box[3] - min_y) / size) - int((i.box[1] - min_y) / size) + 1)
            for i in items
        )
        if registrations <= 2_000_000:
            break
    grid: dict[tuple[int, int], list[int]] = {}
    for index, item in enumerate(items):
        for cell in cells(item.box, size):
            grid.setdefault(cell, []).append(index)

    for index, item in enumerate(items):
        probe = item.polygon[0]
        cell = (int((probe[0] - min_x) / size), int((probe[1] - min_y) / size))
        depth = 0
        for other_index in grid.get(cell, ()):
            if other_index == index:
                continue
            other = items[other_index]
            if other.area < item.area or (other.area == item.area and other_index > index):
                continue
            ox0, oy0, ox1, oy1 = other.box
            x0, y0, x1, y1 = item.box
            if x0 < ox0 - 1e-6 or y0 < oy0 - 1e-6 or x1 > ox1 + 1e-6 or y1 > oy1 + 1e-6:
                continue
            if _point_in_polygon(probe, other.polygon):
                depth += 1
        item.depth = depth
    return items


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
