"""Reading a LightBurn project's XML tree: layers (CutSetting) and placed shapes.

`ProjectReader.walk()` visits every Shape in document order with the matrix of its groups and turns
Rect, Ellipse and Path shapes into `Contour`s; Text and Bitmap shapes are counted, not measured.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..base import ParseContext, ParseError
from .geometry import (
    IDENTITY,
    TAU,
    Arc,
    Contour,
    Cubic,
    Line,
    Matrix,
    Point,
    Segment,
    apply_matrix,
    compose,
    distance,
)

MAX_GROUP_DEPTH = 64
MAX_SEGMENTS = 2_000_000  # placed cut/engrave segments in one project (as DXF's max_pieces)
CUT_LAYER_TYPES = frozenset({"Cut", "Scan+Cut"})
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VERTEX = re.compile(rf"V\s*({_NUMBER})\s+({_NUMBER})")
_CONTROL = re.compile(rf"c([01])([xy])({_NUMBER})")
_PRIMITIVE = re.compile(r"([A-Za-z])\s*(\d+)\s+(\d+)")


@dataclass
class Layer:
    """One CutSetting (or CutSetting_Img): a LightBurn layer and what it does with its shapes."""

    index: str
    name: str
    type: str
    output: bool
    params: dict[str, Any]
    image: bool = False

    @property
    def role(self) -> str:
        """'cut', 'engrave', 'tool' (guides, never output) or 'off' (output disabled)."""
        if self.type == "Tool":
            return "tool"
        if not self.output:
            return "off"
        if self.image or self.type not in CUT_LAYER_TYPES:
            return "engrave"
        return "cut"


@dataclass
class ProjectReader:
    """Walks one project: layers first, then every shape, collecting contours and counts."""

    context: ParseContext
    layers: dict[str, Layer] = field(default_factory=dict)
    image_layers: dict[str, Layer] = field(default_factory=dict)
    vert_lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    prim_lists: dict[str, Any] = field(default_factory=dict)
    contours: list[Contour] = field(default_factory=list)
    engrave_contours: list[Contour] = field(default_factory=list)
    measured_engraving: bool = False
    shape_counts: Counter = field(default_factory=Counter)
    role_counts: Counter = field(default_factory=Counter)
    layers_used: dict[str, None] = field(default_factory=dict)
    problems: Counter = field(default_factory=Counter)
    closed_counts: Counter = field(default_factory=Counter)  # kept closed contours by role
    segment_count: int = 0  # kept segments, cut and engrave
    over_limit: bool = False  # more closed contours than the context allows: only counting now

    # -- layers --

    def read_layers(self, root: Any) -> None:
        """Every CutSetting and CutSetting_Img, with its child `Value`s as typed params."""
        for element in root:
            if element.tag not in ("CutSetting", "CutSetting_Img"):
                continue
            params: dict[str, Any] = {}
            for child in element:
                value = child.get("Value")
                if value is not None:
                    params[child.tag] = _typed(value)
            index = str(params.get("index", "0"))
            layer = Layer(
                index=index,
                name=str(params.get("name", f"C{index.zfill(2)}")),
                type=element.get("type", ""),
                output=str(params.get("doOutput", "1")) != "0",
                params=params,
                image=element.tag == "CutSetting_Img",
            )
            (self.image_layers if layer.image else self.layers)[index] = layer

    def layer_for(self, shape: Any, shape_type: str) -> Layer | None:
        index = shape.get("CutIndex")
        if index is None:
            return None
        if shape_type == "Bitmap" and index in self.image_layers:
            return self.image_layers[index]
        return self.layers.get(index) or self.image_layers.get(index)

    # -- shapes --

    def walk(self, root: Any) -> None:
        """Every Shape in document order, with the matrix of its groups (no recursion)."""
        stack: list[tuple[Any, Matrix, int]] = [
            (shape, IDENTITY, 0) for shape in reversed(root.findall("Shape"))
        ]
        while stack:
            shape, parent, depth = stack.pop()
            matrix = compose(parent, self.xform(shape))
            shape_type = shape.get("Type", "")
            self.shape_counts[shape_type or "(no type)"] += 1
            if shape_type == "Group":
                if depth >= MAX_GROUP_DEPTH:
                    self.problems["groups nested too deep (skipped)"] += 1
                    continue
                children = shape.find("Children")
                if children is not None:
                    stack.extend(
                        (child, matrix, depth + 1) for child in reversed(children.findall("Shape"))
                    )
                continue
            self.read_shape(shape, shape_type, matrix)

    def check_shared_placements(self, root: Any) -> None:
        """Before any shape is placed: refuse a project whose Paths place shared vertex lists
        again so often that they stand for more closed contours or segments than Laser OS reads
        (a few bytes per copy can stand for thousands of contours)."""
        scratch = ProjectReader(context=self.context, layers=self.layers)
        verts: dict[str, Any] = {}  # id -> the shape (or BackupPath) that defines the list
        prims: dict[str, Any] = {}
        stats: dict[tuple[str, str | None], tuple[int, int]] = {}
        closed = segments = 0
        stack = [(shape, 0) for shape in reversed(root.findall("Shape"))]  # document order
        while stack:
            shape, depth = stack.pop()
            shape_type = shape.get("Type", "")
            if shape_type == "Group":
                children = shape.find("Children")
                if depth < MAX_GROUP_DEPTH and children is not None:
                    stack.extend(
                        (child, depth + 1) for child in reversed(children.findall("Shape"))
                    )
                continue
            if shape_type not in ("Path", "Text"):
                continue
            source = shape.find("BackupPath") if shape_type == "Text" else shape
            if source is None:
                continue
            vert_id, prim_id = source.get("VertID"), source.get("PrimID")
            if vert_id is not None and _own_lists(source):
                verts.setdefault(vert_id, source)
            if prim_id is not None and _own_prims(source):
                prims.setdefault(prim_id, source)
            if shape_type != "Path" or _own_lists(shape) or vert_id not in verts:
                continue
            layer = self.layer_for(shape, shape_type)
            if layer is not None and layer.role not in ("cut", "engrave"):
                continue
            if _own_prims(shape):  # its own primitives over a shared vertex list
                made = _list_stats(scratch, verts[vert_id], shape)
            else:
                key = (vert_id, prim_id)
                if key not in stats:
                    prim_source = prims.get(prim_id) if prim_id is not None else None
                    stats[key] = _list_stats(scratch, verts[vert_id], prim_source)
                made = stats[key]
            closed += made[0]
            segments += made[1]
        if closed > self.context.max_closed_contours:
            raise too_many_closed(closed, self.context.max_closed_contours, shared=True)
        if segments > MAX_SEGMENTS:
            raise ParseError(
                f"The project has more than {MAX_SEGMENTS:,} cut segments once its shared paths "
                "are placed; it is too large to analyse.",
                code="too_complex",
            )

    def read_shape(self, shape: Any, shape_type: str, matrix: Matrix) -> None:
        """Count one placed shape and, for Rect/Ellipse/Path, keep its contours by layer role."""
        layer = self.layer_for(shape, shape_type)
        if layer is None:
            role = "cut"
            name = f"C{shape.get('CutIndex')}" if shape.get("CutIndex") else "(no layer)"
            self.problems[f"shapes on a layer the project does not define ({name})"] += 1
        else:
            role, name = layer.role, layer.name
        self.layers_used[name] = None

        if shape_type == "Text":
            backup = shape.find("BackupPath")
            if backup is not None:
                self.remember_lists(backup)
            self.role_counts["text" if role in ("cut", "engrave") else role] += 1
            return
        if shape_type == "Bitmap":
            self.role_counts["image" if role in ("cut", "engrave") else role] += 1
            return

        if shape_type == "Rect":
            contours = self.rect(shape, matrix)
        elif shape_type == "Ellipse":
            contours = self.ellipse(shape, matrix)
        elif shape_type == "Path":
            contours = self.path(shape, matrix)
        else:
            self.problems[f"shapes of a type this reader does not measure ({shape_type})"] += 1
            return
        self.role_counts[role] += 1
        if role not in ("cut", "engrave"):
            return
        self.keep(contours, role, name)

    def keep(self, contours: list[Contour], role: str, name: str) -> None:
        """Keep one shape's contours, counted against the limits before anything is nested.
        Past the closed-contour limit the walk only counts, to name the count in the refusal
        (`check_shared_placements` has bounded what shared lists placed again can cost)."""
        self.segment_count += sum(len(contour.segments) for contour in contours)
        if self.segment_count > MAX_SEGMENTS:
            raise ParseError(
                f"The project has more than {MAX_SEGMENTS:,} cut segments; it is too large to "
                "analyse.",
                code="too_complex",
            )
        self.closed_counts[role] += sum(1 for contour in contours if contour.closed)
        if self.closed_counts[role] > self.context.max_closed_contours:
            self.over_limit = True
        if self.over_limit:
            return
        for contour in contours:
            contour.layer = name
        (self.contours if role == "cut" else self.engrave_contours).extend(contours)

    def check_closed_count(self) -> None:
        """Refuse, naming the count, a project with more closed contours than allowed."""
        if self.over_limit:
            count = max(self.closed_counts.values())
            raise too_many_closed(count, self.context.max_closed_contours)

    def xform(self, shape: Any) -> Matrix:
        element = shape.find("XForm")
        if element is None or not (element.text or "").strip():
            return IDENTITY
        values = [finite_number(v) for v in element.text.split()]
        if len(values) != 6 or any(v is None for v in values):
            self.problems["shapes with an unreadable XForm (placed unmoved)"] += 1
            return IDENTITY
        return tuple(values)  # type: ignore[return-value]

    def rect(self, shape: Any, m: Matrix) -> list[Contour]:
        width, height = finite_number(shape.get("W")), finite_number(shape.get("H"))
        if width is None or height is None or width < 0 or height < 0 or width + height <= 0:
            self.problems["rectangles without a usable size (skipped)"] += 1
            return []
        if width == 0 or height == 0:
            self.problems["rectangles of zero width or height (cut as a line there and back)"] += 1
        w, h = width / 2.0, height / 2.0
        r = max(0.0, min(finite_number(shape.get("Cr")) or 0.0, w, h))
        linear = (m[0] * r, m[1] * r, m[2] * r, m[3] * r)

        def at(x: float, y: float) -> Point:
            return apply_matrix(m, x, y)

        if r <= 0:
            corners = [at(-w, -h), at(w, -h), at(w, h), at(-w, h)]
            segments: list[Segment] = [Line(corners[i], corners[(i + 1) % 4]) for i in range(4)]
        else:
            segments = []
            sides = [
                ((-w + r, -h), (w - r, -h), (w - r, -h + r), -math.pi / 2),
                ((w, -h + r), (w, h - r), (w - r, h - r), 0.0),
                ((w - r, h), (-w + r, h), (-w + r, h - r), math.pi / 2),
                ((-w, h - r), (-w, -h + r), (-w + r, -h + r), math.pi),
            ]
            for start, end, corner, angle in sides:
                if distance(start, end) > 1e-9:
                    segments.append(Line(at(*start), at(*end)))
                segments.append(Arc(at(*corner), linear, angle, angle + math.pi / 2))
        return [Contour(segments, True, "", "Rect")]

    def ellipse(self, shape: Any, m: Matrix) -> list[Contour]:
        rx, ry = finite_number(shape.get("Rx")), finite_number(shape.get("Ry"))
        if rx is None or ry is None or rx <= 0 or ry <= 0:
            self.problems["ellipses without a usable radius (skipped)"] += 1
            return []
        linear = (m[0] * rx, m[1] * rx, m[2] * ry, m[3] * ry)
        return [Contour([Arc(apply_matrix(m, 0.0, 0.0), linear, 0.0, TAU)], True, "", "Ellipse")]

    def remember_lists(self, shape: Any) -> None:
        """Keep VertList / PrimList under their ids so later shapes can refer to them."""
        vert_id, prim_id = shape.get("VertID"), shape.get("PrimID")
        vert_list = shape.find("VertList")
        if vert_id is not None and vert_list is not None and vert_id not in self.vert_lists:
            self.vert_lists[vert_id] = self.vertices(shape)
        prim_list = shape.find("PrimList")
        if prim_id is not None and prim_list is not None and prim_id not in self.prim_lists:
            self.prim_lists[prim_id] = self.primitive_spec(shape)

    def vertices(self, shape: Any) -> list[dict[str, Any]]:
        vert_list = shape.find("VertList")
        if vert_list is not None and (vert_list.text or "").strip():
            return parse_vert_text(vert_list.text)
        elements = [e for e in shape if e.tag == "V"]
        if vert_list is not None:
            elements += [e for e in vert_list if e.tag in ("V", "Vert")]
        vertices = []
        for element in elements:
            x = finite_number(element.get("vx", element.get("x")))
            y = finite_number(element.get("vy", element.get("y")))
            if x is None or y is None:
                self.problems["path vertices without usable coordinates (skipped)"] += 1
                continue
            vertex: dict[str, Any] = {"p": (x, y)}
            for n in ("0", "1"):
                cx, cy = finite_number(element.get(f"c{n}x")), finite_number(element.get(f"c{n}y"))
                if cx is not None and cy is not None:
                    vertex[f"c{n}"] = (cx, cy)
            vertices.append(vertex)
        return vertices

    def primitive_spec(self, shape: Any) -> Any:
        prim_list = shape.find("PrimList")
        if prim_list is not None and (prim_list.text or "").strip():
            return prim_list.text.strip()
        elements = [e for e in shape if e.tag == "P"]
        if prim_list is not None:
            elements += [e for e in prim_list if e.tag in ("P", "Prim")]
        if not elements:
            return None
        primitives = []
        for element in elements:
            kind = (element.get("T") or element.get("type") or "L").strip()[:1].upper()
            try:
                primitives.append((kind, int(element.get("p0", "")), int(element.get("p1", ""))))
            except ValueError:
                self.problems["path primitives without usable vertex numbers (skipped)"] += 1
        return primitives

    def path(self, shape: Any, m: Matrix) -> list[Contour]:
        vert_id, prim_id = shape.get("VertID"), shape.get("PrimID")
        has_vertices = shape.find("VertList") is not None or shape.find("V") is not None
        if has_vertices:
            vertices = self.vertices(shape)
            if vert_id is not None:
                self.vert_lists.setdefault(vert_id, vertices)
        else:
            vertices = self.vert_lists.get(vert_id, []) if vert_id is not None else []
        if not vertices:
            self.problems["paths without vertices (skipped)"] += 1
            return []
        has_prims = shape.find("PrimList") is not None or shape.find("P") is not None
        if has_prims:
            spec = self.primitive_spec(shape)
            if prim_id is not None:
                self.prim_lists.setdefault(prim_id, spec)
        else:
            spec = self.prim_lists.get(prim_id) if prim_id is not None else None
        primitives = self.primitives(spec, len(vertices))
        placed = [
            {key: apply_matrix(m, *value) for key, value in vertex.items()} for vertex in vertices
        ]
        return self.build_contours(placed, primitives)

    def primitives(self, spec: Any, count: int) -> list[tuple[str, int, int]]:
        if spec is None:
            self.problems["paths without a primitive list (read as open straight lines)"] += 1
            return [("L", i, i + 1) for i in range(count - 1)]
        if isinstance(spec, list):
            return spec
        if spec.startswith("Line"):
            closed = "Open" not in spec
            primitives = [("L", i, i + 1) for i in range(count - 1)]
            if closed and count > 2:
                primitives.append(("L", count - 1, 0))
            return primitives
        primitives = [(k.upper(), int(i), int(j)) for k, i, j in _PRIMITIVE.findall(spec)]
        if not primitives:
            self.problems[f"paths with an unknown primitive list ({spec[:20]!r}, skipped)"] += 1
        return primitives

    def build_contours(
        self, vertices: list[dict[str, Point]], primitives: list[tuple[str, int, int]]
    ) -> list[Contour]:
        """Consecutive primitives that share a vertex form one contour."""
        tolerance = self.context.chain_tolerance_mm
        runs: list[tuple[int, list[Segment]]] = []
        previous_end: int | None = None
        for kind, i, j in primitives:
            if not (0 <= i < len(vertices) and 0 <= j < len(vertices)):
                self.problems["path primitives that name a missing vertex (skipped)"] += 1
                previous_end = None
                continue
            if i == j:
                continue
            start, end = vertices[i]["p"], vertices[j]["p"]
            if kind == "B":
                segment: Segment = Cubic(
                    start, vertices[i].get("c0", start), vertices[j].get("c1", end), end
                )
            else:
                if kind != "L":
                    self.problems[f"path primitives of unknown kind {kind!r} (read as lines)"] += 1
                segment = Line(start, end)
            if previous_end is None or i != previous_end:
                runs.append((i, []))
            runs[-1][1].append(segment)
            previous_end = j
        contours = []
        for _first, segments in runs:
            if not segments:
                continue
            closed = distance(segments[0].start, segments[-1].end) <= tolerance
            contours.append(Contour(segments, closed, "", "Path"))
        return contours


def too_many_closed(count: int, limit: int, *, shared: bool = False) -> ParseError:
    """The refusal of a project with more closed contours than Laser OS reads (the DXF
    reader's wording, `ingest.geometry.flatten.too_many_closed`)."""
    if shared:
        found = f"at least {count:,} closed contours once its shared paths are placed"
        advice = "draw fewer copies or split it into several files"
    else:
        found, advice = f"{count:,} closed contours", "split it into several files"
    return ParseError(
        f"The project has {found}; Laser OS reads at most {limit:,} in one project: {advice}.",
        code="too_many_contours",
    )


def _list_stats(scratch: ProjectReader, vert_source: Any, prim_source: Any) -> tuple[int, int]:
    """(closed contours at least, segments) that one placement of shared lists makes. Runs are
    cut as `build_contours` cuts them; a run that ends on the vertex it began at is closed
    wherever it is placed (others may close too: hence "at least")."""
    vertices = scratch.vertices(vert_source)
    spec = scratch.primitive_spec(prim_source) if prim_source is not None else None
    primitives = scratch.primitives(spec, len(vertices))
    closed = 0
    first: int | None = None
    previous: int | None = None
    for _kind, i, j in primitives:
        if i == j:
            continue
        if previous is None or i != previous:
            if previous is not None and previous == first:
                closed += 1
            first = i
        previous = j
    if previous is not None and previous == first:
        closed += 1
    return closed, len(primitives)


def _own_prims(shape: Any) -> bool:
    """Whether a Path carries its own primitive list."""
    return shape.find("PrimList") is not None or shape.find("P") is not None


def _own_lists(shape: Any) -> bool:
    """Whether a Path carries its own vertex list (else it places one an earlier shape shared)."""
    return shape.find("VertList") is not None or shape.find("V") is not None


def parse_vert_text(text: str) -> list[dict[str, Any]]:
    """The compact .lbrn2 vertex list: V x y, then c0x/c0y/c1x/c1y values or 'c0x1' flags."""
    vertices = []
    matches = list(_VERTEX.finditer(text))
    for index, match in enumerate(matches):
        x, y = finite_number(match.group(1)), finite_number(match.group(2))
        if x is None or y is None:
            continue
        rest_end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        controls: dict[str, float] = {}
        for n, axis, value in _CONTROL.findall(text, match.end(), rest_end):
            number = finite_number(value)
            if number is not None:
                controls[f"c{n}{axis}"] = number
        vertex: dict[str, Any] = {"p": (x, y)}
        for n in ("0", "1"):
            if f"c{n}x" in controls and f"c{n}y" in controls:  # 'c0x1' alone is a flag
                vertex[f"c{n}"] = (controls[f"c{n}x"], controls[f"c{n}y"])
        vertices.append(vertex)
    return vertices


def finite_number(text: str | None) -> float | None:
    """The number in `text`, or None when it is missing, malformed, infinite or NaN."""
    if text is None:
        return None
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _typed(value: str) -> Any:
    """Cut-setting values as numbers where they are numbers."""
    if re.fullmatch(r"[-+]?\d+", value.strip()):
        return int(value)
    number = finite_number(value)
    return number if number is not None and re.fullmatch(_NUMBER, value.strip()) else value
