"""DXF drawing checks (DOMAIN.md "Drawing checks"), preview, registry and progress."""

from __future__ import annotations

import io
import json

from PIL import Image

from ingest.parsers.base import DetectedType, ParseContext
from ingest.parsers.dxf import DxfParser
from ingest.parsers.registry import parser_for

from .dxf_helpers import add_rect_lines, codes, new_doc, parse_doc


def _plate(doc, w=200.0, h=100.0):
    doc.modelspace().add_lwpolyline([(0, 0), (w, 0), (w, h), (0, h)], close=True)


def test_clean_plate_has_no_warnings(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((100, 50), 10)
    assert parse_doc(doc, tmp_path, thickness_mm=3).warnings == []


def test_text_only_drawing(tmp_path):
    doc = new_doc()
    doc.modelspace().add_text("BRACKET 5mm MS x10", dxfattribs={"height": 5})
    doc.modelspace().add_mtext("Customer: CL-0001")
    result = parse_doc(doc, tmp_path)
    md = result.metadata
    assert {"text_not_converted", "empty_drawing"} <= codes(result)
    assert md["cut_length_mm"] == 0 and md["pierce_count"] == 0 and md["part_count"] == 0
    assert md["bbox_mm"] == [0.0, 0.0]
    assert md["entity_counts"] == {"TEXT": 1, "MTEXT": 1}
    message = next(w.message for w in result.warnings if w.code == "text_not_converted")
    assert message.startswith("2 text item(s)")


def test_text_next_to_geometry_is_not_cut(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_text("PART 1")
    result = parse_doc(doc, tmp_path)
    assert codes(result) == {"text_not_converted"}
    assert result.metadata["cut_length_mm"] == 600.0


def test_empty_drawing(tmp_path):
    result = parse_doc(new_doc(), tmp_path)
    assert codes(result) == {"empty_drawing"}
    assert result.metadata["pierce_count"] == 0


def test_open_contour(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_line((300, 0), (400, 0), dxfattribs={"layer": "SKETCH"})
    doc.modelspace().add_line((400, 0), (400, 50), dxfattribs={"layer": "SKETCH"})
    result = parse_doc(doc, tmp_path)
    md = result.metadata
    assert md["open_contours"] == 1 and md["closed_contours"] == 1
    assert md["pierce_count"] == 2
    assert md["part_count"] == 1
    [warning] = [w for w in result.warnings if w.code == "open_contour"]
    assert "SKETCH" in warning.message
    assert "(300.0, 0.0)" in warning.message or "(400.0, 50.0)" in warning.message


def test_gap_larger_than_tolerance_is_open(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0))
    msp.add_line((10, 0), (10, 10))
    msp.add_line((10, 10), (0, 10))
    msp.add_line((0, 10), (0, 0.05))  # a 0.05 mm gap
    assert parse_doc(doc, tmp_path).metadata["open_contours"] == 1
    assert (
        parse_doc(doc, tmp_path, "b.dxf", chain_tolerance_mm=0.1).metadata["closed_contours"] == 1
    )


def test_duplicate_and_overlapping_lines(tmp_path):
    doc = new_doc()
    add_rect_lines(doc.modelspace(), 0, 0, 100, 50)
    doc.modelspace().add_line((100, 0), (0, 0))  # the bottom edge again, reversed
    result = parse_doc(doc, tmp_path)
    assert "duplicate_geometry" in codes(result)
    md = result.metadata
    assert md["cut_length_mm"] == 400.0  # both copies are counted
    # The copy stays out of the outline: the rectangle is still one closed part.
    assert md["part_count"] == 1 and md["area_mm2"] == 5000.0
    assert md["closed_contours"] == 1 and md["open_contours"] == 1

    doc = new_doc()
    add_rect_lines(doc.modelspace(), 0, 0, 100, 50)
    doc.modelspace().add_line((60, 50), (140, 50))  # overlaps the top edge by 40 mm
    assert "duplicate_geometry" in codes(parse_doc(doc, tmp_path, "overlap.dxf"))


def test_collinear_lines_that_do_not_overlap_are_fine(tmp_path):
    doc = new_doc()
    add_rect_lines(doc.modelspace(), 0, 0, 100, 50)
    add_rect_lines(doc.modelspace(), 150, 0, 250, 50)  # bottoms and tops collinear
    add_rect_lines(doc.modelspace(), 100, 60, 150, 80)  # touches nothing
    assert "duplicate_geometry" not in codes(parse_doc(doc, tmp_path))


def test_duplicate_circles_and_arcs(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((50, 50), 10)
    doc.modelspace().add_circle((50, 50), 10)
    assert "duplicate_geometry" in codes(parse_doc(doc, tmp_path))

    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((50, 50), 10)
    doc.modelspace().add_arc((50, 50), 10, 350, 20)  # overlaps the circle, wraps past 0°
    assert "duplicate_geometry" in codes(parse_doc(doc, tmp_path, "arc.dxf"))

    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_arc((50, 50), 10, 0, 180)
    doc.modelspace().add_arc((50, 50), 10, 180, 360)  # two halves: no overlap
    doc.modelspace().add_circle((150, 50), 10)
    doc.modelspace().add_circle((150, 50), 12)  # concentric, different radius
    assert "duplicate_geometry" not in codes(parse_doc(doc, tmp_path, "ok.dxf"))


def test_hole_smaller_than_thickness_only_when_thickness_known(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((50, 50), 1.5)  # Ø3
    doc.modelspace().add_circle((150, 50), 4)  # Ø8
    assert "hole_smaller_than_thickness" not in codes(parse_doc(doc, tmp_path))
    result = parse_doc(doc, tmp_path, "t5.dxf", thickness_mm=5)
    [warning] = [w for w in result.warnings if w.code == "hole_smaller_than_thickness"]
    assert warning.message.startswith("1 hole(s)") and "Ø3 mm" in warning.message
    assert "hole_smaller_than_thickness" not in codes(
        parse_doc(doc, tmp_path, "t3.dxf", thickness_mm=3)
    )


def test_feature_near_edge(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((8, 50), 5)  # Ø10, centre 8 mm from the left edge
    doc.modelspace().add_circle((100, 50), 5)  # far from every edge
    result = parse_doc(doc, tmp_path)
    [warning] = [w for w in result.warnings if w.code == "feature_near_edge"]
    assert warning.message.startswith("1 hole(s)") and "(8.0, 50.0)" in warning.message

    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((10, 50), 5)  # exactly one diameter: allowed
    assert "feature_near_edge" not in codes(parse_doc(doc, tmp_path, "ok.dxf"))


def test_feature_near_a_curved_edge(tmp_path):
    # A round plate Ø100 with a Ø10 hole 8 mm inside its rim (distance to an arc, exact).
    doc = new_doc()
    doc.modelspace().add_circle((0, 0), 50)
    doc.modelspace().add_circle((42, 0), 5)
    doc.modelspace().add_circle((0, 0), 5)
    result = parse_doc(doc, tmp_path)
    [warning] = [w for w in result.warnings if w.code == "feature_near_edge"]
    assert "(42.0, 0.0)" in warning.message and "8 mm from the edge" in warning.message


def test_part_larger_than_sheet(tmp_path):
    doc = new_doc()
    _plate(doc, 3100, 1000)
    result = parse_doc(doc, tmp_path)
    assert "part_larger_than_sheet" in codes(result)

    doc = new_doc()
    _plate(doc, 1400, 2900)  # fits the 3000 × 1500 sheet turned
    assert "part_larger_than_sheet" not in codes(parse_doc(doc, tmp_path, "ok.dxf"))
    assert "part_larger_than_sheet" in codes(
        parse_doc(doc, tmp_path, "small.dxf", largest_sheet_mm=(2450.0, 1225.0))
    )


def test_many_small_parts_spread_wider_than_a_sheet_are_fine(tmp_path):
    doc = new_doc()
    for i in range(4):
        add_rect_lines(doc.modelspace(), i * 1000, 0, i * 1000 + 100, 100)
    assert "part_larger_than_sheet" not in codes(parse_doc(doc, tmp_path))


def test_units_assumed_mm_for_unitless_and_missing(tmp_path):
    doc = new_doc(units=0)
    _plate(doc)
    result = parse_doc(doc, tmp_path)
    assert "units_assumed_mm" in codes(result)
    assert result.metadata["source_units"] == "unitless"
    assert result.metadata["bbox_mm"] == [200.0, 100.0]

    doc = new_doc("R12", units=None)
    doc.header.hdrvars.pop("$INSUNITS", None)
    doc.modelspace().add_line((0, 0), (10, 0))
    result = parse_doc(doc, tmp_path, "r12.dxf")
    assert "units_assumed_mm" in codes(result)
    assert result.raw["insunits"] is None


def test_entities_on_frozen_or_off_layers_are_skipped(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.layers.add("DIMS").freeze()
    doc.layers.add("OLD").off()
    doc.modelspace().add_line((0, -20), (200, -20), dxfattribs={"layer": "DIMS"})
    doc.modelspace().add_circle((50, 50), 5, dxfattribs={"layer": "OLD"})
    result = parse_doc(doc, tmp_path)
    assert result.metadata["cut_length_mm"] == 600.0
    assert "hidden_layers_skipped" in codes(result)
    assert result.raw["hidden_layer_entities"] == {"DIMS": 1, "OLD": 1}


def test_warning_codes_are_stable_snake_case(tmp_path):
    doc = new_doc(units=0)
    add_rect_lines(doc.modelspace(), 0, 0, 3200, 100)
    doc.modelspace().add_line((0, 0), (3200, 0))
    doc.modelspace().add_line((0, 200), (10, 200))
    doc.modelspace().add_circle((1.5, 50), 1)  # Ø2, centre 1.5 mm from the edge
    doc.modelspace().add_text("x")
    result = parse_doc(doc, tmp_path, thickness_mm=4)
    assert codes(result) == {
        "units_assumed_mm",
        "text_not_converted",
        "open_contour",
        "duplicate_geometry",
        "hole_smaller_than_thickness",
        "feature_near_edge",
        "part_larger_than_sheet",
    }
    for w in result.warnings:
        assert "\n" not in w.message and w.message.endswith(".")


# ------------------------------------------------------------------- preview, raw, registry


def test_preview_png(tmp_path):
    doc = new_doc()
    _plate(doc, 200, 100)
    doc.modelspace().add_circle((100, 50), 25)
    doc.modelspace().add_circle((20, 20), 0.2)  # tiny: still drawn
    result = parse_doc(doc, tmp_path, make_preview=True)
    img = Image.open(io.BytesIO(result.preview_png))
    assert img.format == "PNG" and max(img.size) == 800
    rgb = img.convert("RGB")
    w, h = rgb.size
    assert rgb.getpixel((2, 2)) == (255, 255, 255)  # margin: white
    assert rgb.getpixel((w // 2, h // 2)) == (255, 255, 255)  # inside the big hole: white
    plate = rgb.getpixel((w // 4, h // 2))
    assert plate != (255, 255, 255) and min(plate) > 150  # part: light fill
    dark = sum(1 for px in rgb.get_flattened_data() if max(px) < 120)
    assert dark > 1000  # the cut lines


def test_no_preview_when_not_asked(tmp_path):
    doc = new_doc()
    _plate(doc)
    assert parse_doc(doc, tmp_path, make_preview=False).preview_png is None
    assert parse_doc(new_doc(), tmp_path, "e.dxf", make_preview=True).preview_png is None


def test_raw_is_json_and_bounded(tmp_path):
    doc = new_doc()
    for i in range(400):
        doc.layers.add(f"L{i}")
        doc.modelspace().add_circle((i * 30, 0), 10, dxfattribs={"layer": f"L{i}"})
    pts = [(i * 0.5, (i % 7) * 0.1) for i in range(5000)]
    doc.modelspace().add_lwpolyline(pts)
    result = parse_doc(doc, tmp_path)
    text = json.dumps(result.raw)
    assert len(text) < 100_000
    assert result.raw["layer_table_total"] >= 400 and len(result.raw["layer_table"]) == 200
    assert result.raw["dxfversion"] == "AC1032" and result.raw["insunits"] == 4
    assert json.dumps(result.metadata)


def test_registry_picks_the_dxf_parser():
    dxf = DetectedType(kind="dxf", mime="image/vnd.dxf", extension="dxf", detail="ascii")
    assert isinstance(parser_for(dxf), DxfParser)
    assert DxfParser.score(dxf) > 0
    assert DxfParser.score(DetectedType("pdf", "application/pdf", "pdf")) == 0


def test_progress_is_reported(tmp_path):
    doc = new_doc()
    for i in range(12000):
        doc.modelspace().add_line((i, 0), (i, 10))
    path = tmp_path / "many.dxf"
    doc.saveas(path)
    calls: list[tuple[float, str]] = []
    DxfParser().parse(path, ParseContext(progress=lambda f, m: calls.append((f, m))))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and len(calls) >= 6
    assert any("reading entities" in m for _, m in calls)
