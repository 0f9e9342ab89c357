"""The LightBurn parser: read the XML safely, place and measure the shapes, report.

Choosing a parser imports every parser module, so this one imports its reader, its geometry and
the XML library when it reads a project, not when it is imported: a DXF never pays for them
(tests/test_startup.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import registry
from ..base import DetectedType, ParseContext, ParseError, Parser, ParseResult

if TYPE_CHECKING:
    from .geometry import Contour, Point
    from .reader import ProjectReader

MAX_NOTES_CHARS = 2000
# Round holes listed in the metadata, as the DXF reader lists them (its MAX_HOLES_LISTED): a
# project with a million holes keeps its count in raw, not a million entries in every answer.
MAX_HOLES_LISTED = 5000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@registry.register
class LightBurnParser(Parser):
    """Reads LightBurn projects without LightBurn: geometry, layers and the embedded thumbnail."""

    name = "lightburn"
    version = "1"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 100 if detected.kind == "lightburn" else 0

    @classmethod
    def load_libraries(cls) -> None:
        """The XML reader, the project's reader and geometry, numpy and the DXF reader's nesting
        (`ingest.geometry.topology`), which nests the closed contours."""
        import defusedxml.ElementTree  # noqa: F401

        import ingest.geometry.topology  # noqa: F401

        from . import geometry, reader  # noqa: F401

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        """Read the project at `path`; raise ParseError with one clear line when it cannot."""
        from .reader import ProjectReader

        context.report(0.0, "reading the LightBurn project")
        root = _read_xml(Path(path))
        result = ParseResult(kind="lightburn", parser=self.name, parser_version=self.version)
        reader = ProjectReader(context=context)
        reader.read_layers(root)
        reader.check_shared_placements(root)
        context.report(0.2, "placing shapes")
        reader.walk(root)
        reader.check_closed_count()
        context.report(0.6, "measuring cut geometry")
        _measure(reader, root, result, context)
        context.report(1.0, "done")
        return result


def _read_xml(path: Path) -> Any:
    import xml.etree.ElementTree as StdElementTree

    import defusedxml
    import defusedxml.ElementTree as SafeElementTree

    try:
        tree = SafeElementTree.parse(str(path), forbid_dtd=True)
    except defusedxml.DTDForbidden as exc:
        raise ParseError(
            "unsafe XML: the file declares a DTD, which LightBurn never writes; not read",
            code="unsafe",
        ) from exc
    except defusedxml.EntitiesForbidden as exc:
        raise ParseError(
            "unsafe XML: the file declares entities (an entity bomb or an external reference); "
            "not read",
            code="unsafe",
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(f"unsafe XML: {exc}; not read", code="unsafe") from exc
    except StdElementTree.ParseError as exc:
        raise ParseError(
            f"not a readable LightBurn project: the XML is broken ({exc})", code="unreadable"
        ) from exc
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", code="unreadable") from exc
    root = tree.getroot()
    if root.tag != "LightBurnProject":
        raise ParseError(
            f"not a LightBurn project: the XML root is <{root.tag}>, not <LightBurnProject>",
            code="unreadable",
        )
    return root


@dataclass
class _CutGeometry:
    """The cut contours once joined, and what they measure."""

    contours: list[Contour]
    closed: list[Contour]
    open_: list[Contour]
    cut_length: float = 0.0
    box: tuple[float, float, float, float] | None = None  # over every segment's extremes
    area: float = 0.0  # material: parts less their holes
    holes: list[dict[str, Any]] = field(default_factory=list)
    part_count: int | None = None
    part_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    island_boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    cutouts: list[dict[str, Any]] = field(default_factory=list)


def _measure(reader: ProjectReader, root: Any, result: ParseResult, context: ParseContext) -> None:
    """Join, measure and nest the cut contours; fill metadata, raw and warnings."""
    from .reader import finite_number

    _measure_engraving_without_cut(reader)
    contours_before = len(reader.contours)
    cut = _join(reader, context)
    _length_and_extent(cut)
    _parts_and_holes(cut)
    material_height = finite_number(root.get("MaterialHeight"))
    thickness = material_height if material_height and material_height > 0 else None
    result.metadata.update(_metadata(reader, cut, thickness))
    result.raw.update(_project_raw(reader, root, material_height, contours_before, cut.box))
    result.raw["hole_count"] = len(cut.holes)
    result.raw["holes_listed"] = min(len(cut.holes), MAX_HOLES_LISTED)
    _thumbnail(root, result, context)
    _warn(reader, result, context, cut.open_, cut.holes, thickness)
    _warn_parts_and_islands(result, cut, context)


def _measure_engraving_without_cut(reader: ProjectReader) -> None:
    # The shop prepares files in LightBurn and cuts in CypCut, so a project without a Cut
    # layer still describes what is cut: measure its engraving-layer shapes instead.
    if not reader.contours and reader.engrave_contours:
        reader.contours, reader.engrave_contours = reader.engrave_contours, []
        reader.measured_engraving = True


def _join(reader: ProjectReader, context: ParseContext) -> _CutGeometry:
    """Open runs whose ends meet joined into one cut; refused past the closed-contour limit."""
    from .geometry import join_open_contours
    from .reader import too_many_closed

    contours = join_open_contours(reader.contours, context.chain_tolerance_mm)
    closed = [c for c in contours if c.closed]
    open_ = [c for c in contours if not c.closed]
    if len(closed) > context.max_closed_contours:  # open lines joined into many loops
        raise too_many_closed(len(closed), context.max_closed_contours)
    return _CutGeometry(contours, closed, open_)


def _length_and_extent(cut: _CutGeometry) -> None:
    from .geometry import bounding_box

    points: list[Point] = []
    cut_length = 0.0
    for contour in cut.contours:
        cut_length += contour.length()
        for segment in contour.segments:
            points.extend(segment.extremes())
    cut.cut_length = cut_length
    cut.box = bounding_box(points) if points else None


def _parts_and_holes(cut: _CutGeometry) -> None:
    """Nest the closed contours: parts (even depth) add their area, holes (odd) take theirs
    away, round holes are listed, and the other holes as cut-outs."""
    from .geometry import circle_diameter, nest

    nested = nest(cut.closed)
    area = 0.0
    not_round: list[tuple[Contour, Any]] = []
    for contour, item in zip(cut.closed, nested, strict=True):
        area += item.area if item.depth % 2 == 0 else -item.area
        if item.depth == 0:
            cut.part_boxes.append(item.box)
        elif item.depth % 2 == 0:
            cut.island_boxes.append(item.box)
        if item.depth % 2 == 1:
            diameter = circle_diameter(contour, item)
            if diameter is not None:
                x0, y0, x1, y1 = item.box
                cut.holes.append(
                    {
                        "diameter_mm": round(diameter, 3),
                        "center_mm": [round((x0 + x1) / 2, 3), round((y0 + y1) / 2, 3)],
                    }
                )
            elif max(item.box[2] - item.box[0], item.box[3] - item.box[1]) > 1e-3:
                not_round.append((contour, item))  # a dot of no size is no cut-out
    cut.area = area
    cut.part_count = sum(1 for item in nested if item.depth % 2 == 0) if cut.closed else None
    cut.cutouts = _cutouts(not_round)


def _cutouts(inner: list[tuple[Contour, Any]]) -> list[dict[str, Any]]:
    """Holes that are not round, as the DXF reader lists them: slot, rectangle or other shape
    with its size and centre (ingest.geometry.outlines.classify)."""
    import numpy as np

    from ingest.geometry.outlines import Pieces, classify

    from .geometry import Arc, Line

    if not inner:
        return []
    count, lines, arcs, line_max, line_min = [], [], [], [], []
    for contour, _item in inner:
        straight = [seg.length() for seg in contour.segments if isinstance(seg, Line)]
        count.append(len(contour.segments))
        lines.append(len(straight))
        arcs.append(
            sum(
                1
                for seg in contour.segments
                if isinstance(seg, Arc) and seg.circle_radius() is not None
            )
        )
        line_max.append(max(straight, default=0.0))
        line_min.append(min(straight, default=float("inf")))
    outlines = classify(
        np.arange(len(inner)),
        np.array([contour.length() for contour, _ in inner]),
        np.array([abs(item.area) for _, item in inner]),
        np.array([item.box for _, item in inner], dtype=float).reshape(-1, 4),
        np.zeros(len(inner), bool),
        Pieces(
            np.array(count), np.array(lines), np.array(arcs), np.array(line_max), np.array(line_min)
        ),
        1e-3,
    )
    found = [o.as_dict() for o in outlines]
    found.sort(key=lambda c: (c["center_mm"][1], c["center_mm"][0]))
    return found[:MAX_HOLES_LISTED]


def _metadata(reader: ProjectReader, cut: _CutGeometry, thickness: float | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "units": "mm",
        "source_units": "mm",
        "bbox_mm": None,
        "cut_length_mm": round(cut.cut_length, 2),
        "pierce_count": len(cut.contours),
        "part_count": cut.part_count,
        "area_mm2": round(cut.area, 2) if cut.closed else None,
        "holes": sorted(cut.holes, key=lambda h: (h["center_mm"][1], h["center_mm"][0]))[
            :MAX_HOLES_LISTED
        ],
        "cutouts": cut.cutouts,
        "closed_contours": len(cut.closed),
        "open_contours": len(cut.open_),
        "entity_counts": dict(sorted(reader.shape_counts.items())),
        "layers": list(reader.layers_used),
    }
    if thickness is not None:
        metadata["thickness_mm"] = round(thickness, 3)
    if cut.box is not None:
        x0, y0, x1, y1 = cut.box
        metadata["bbox_mm"] = [round(x1 - x0, 3), round(y1 - y0, 3)]
    return metadata


def _project_raw(
    reader: ProjectReader,
    root: Any,
    material_height: float | None,
    contours_before: int,
    box: tuple[float, float, float, float] | None,
) -> dict[str, Any]:
    notes = root.find("Notes")
    raw_box = None
    if box is not None:
        x0, y0, x1, y1 = box
        raw_box = {"min_mm": [round(x0, 3), round(y0, 3)], "max_mm": [round(x1, 3), round(y1, 3)]}
    return {
        "app_version": root.get("AppVersion"),
        "format_version": root.get("FormatVersion"),
        "device_name": root.get("DeviceName"),
        "material_height_mm": material_height,
        "mirror_x": root.get("MirrorX") == "True",
        "mirror_y": root.get("MirrorY") == "True",
        "notes": (notes.get("Notes") or "")[:MAX_NOTES_CHARS] if notes is not None else "",
        "speed_units": "mm/s (as LightBurn stores it)",
        "cut_settings": [
            {
                "index": layer.index,
                "name": layer.name,
                "type": layer.type,
                "role": layer.role,
                "image": layer.image,
                "params": layer.params,
            }
            for layer in [*reader.layers.values(), *reader.image_layers.values()]
        ],
        "shape_counts": dict(sorted(reader.shape_counts.items())),
        "shapes_by_role": dict(sorted(reader.role_counts.items())),
        "contours_before_joining": contours_before,
        "measured_engraving_layers": reader.measured_engraving,
        "cut_bbox": raw_box,
        "problems": dict(reader.problems),
    }


def _thumbnail(root: Any, result: ParseResult, context: ParseContext) -> None:
    element = root.find("Thumbnail")
    source = element.get("Source") if element is not None else None
    if not source:
        result.raw["thumbnail_bytes"] = 0
        return
    try:
        png = base64.b64decode(source, validate=False)
    except (binascii.Error, ValueError):
        png = b""
    if not png.startswith(PNG_SIGNATURE):
        result.raw["thumbnail_bytes"] = 0
        result.warn("bad_thumbnail", "The project's embedded thumbnail is not a PNG; ignored.")
        return
    result.raw["thumbnail_bytes"] = len(png)
    if context.make_preview:
        result.preview_png = png


def _warn(
    reader: ProjectReader,
    result: ParseResult,
    context: ParseContext,
    open_contours: list[Contour],
    holes: list[dict[str, Any]],
    thickness: float | None,
) -> None:
    _warn_cut_geometry(reader, result, open_contours)
    _warn_left_out(reader, result)
    _warn_small_holes(result, holes, thickness or context.thickness_mm)
    _warn_larger_than_sheet(result, context)


def _warn_cut_geometry(
    reader: ProjectReader, result: ParseResult, open_contours: list[Contour]
) -> None:
    if not reader.contours:
        result.warn("no_cut_geometry", "The project has no shapes on a cut layer: nothing to cut.")
    if open_contours:
        result.warn(
            "open_contour",
            f"{len(open_contours)} open contour(s) on cut layers: the part outline is not closed.",
        )


def _warn_parts_and_islands(result: ParseResult, cut: _CutGeometry, context: ParseContext) -> None:
    """Several parts in one project, and pieces inside a hole, told as the DXF reader tells
    them (ingest.geometry.drawing_checks)."""
    import numpy as np

    from ingest.geometry.drawing_checks import parts_finding
    from ingest.geometry.outlines import size_text

    tol = context.chain_tolerance_mm
    boxes = np.array(cut.part_boxes, dtype=float).reshape(-1, 4)
    real = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) > tol
    for code, message in parts_finding(boxes[real], tol):
        result.warn(code, message)
    if cut.island_boxes:
        n = len(cut.island_boxes)
        x0, y0, x1, y1 = max(cut.island_boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        result.warn(
            "island_in_hole",
            f"{n} closed {'contour lies' if n == 1 else 'contours lie'} inside a hole of a part "
            f"(an island), e.g. one of {size_text(x1 - x0, y1 - y0)} at "
            f"({(x0 + x1) / 2:.1f}, {(y0 + y1) / 2:.1f}); "
            f"{'it drops' if n == 1 else 'each drops'} out as a loose piece or is a second part "
            "to cut: check with the customer.",
        )


def _warn_left_out(reader: ProjectReader, result: ParseResult) -> None:
    """Shapes that are in the project but not in the cut length, and shapes not read."""
    roles = reader.role_counts
    if roles["text"]:
        result.warn(
            "text_not_converted",
            f"{roles['text']} text object(s) are not converted to paths; they are not in the cut "
            "length.",
        )
    if roles["image"]:
        result.warn(
            "image_engraving",
            f"{roles['image']} image(s) are engraved, not cut; they are not in the cut length.",
        )
    if reader.measured_engraving:
        result.warn(
            "no_cut_layer",
            f"The project has no Cut layer; its {roles['engrave']} shape(s) on engraving (Scan) "
            "layers are measured as the cut geometry.",
        )
    elif roles["engrave"]:
        result.warn(
            "engraving_layer",
            f"{roles['engrave']} shape(s) are on engraving layers; they are not in the cut length.",
        )
    if roles["off"]:
        result.warn(
            "output_disabled",
            f"{roles['off']} shape(s) are on layers with output switched off; they are not in "
            "the cut length.",
        )
    for problem, count in reader.problems.items():
        result.warn("unreadable_shape", f"{count} {problem}.")


def _warn_small_holes(
    result: ParseResult, holes: list[dict[str, Any]], thickness: float | None
) -> None:
    if not thickness:
        return
    small = [h for h in holes if h["diameter_mm"] < thickness]
    if small:
        result.warn(
            "hole_smaller_than_thickness",
            f"{len(small)} hole(s) are smaller than the material thickness "
            f"({thickness:g} mm); the smallest is {min(h['diameter_mm'] for h in small):g} mm.",
        )


def _warn_larger_than_sheet(result: ParseResult, context: ParseContext) -> None:
    box = result.metadata.get("bbox_mm")
    if box:
        sheet_long, sheet_short = sorted(context.largest_sheet_mm, reverse=True)
        long_side, short_side = max(box), min(box)
        if long_side > sheet_long or short_side > sheet_short:
            result.warn(
                "larger_than_sheet",
                f"The cut geometry ({box[0]:g} × {box[1]:g} mm) does not fit the largest sheet "
                f"({sheet_long:g} × {sheet_short:g} mm).",
            )
