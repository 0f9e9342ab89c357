"""DXF drawing checks (DOMAIN.md "Drawing checks"), preview, registry and progress."""

from __future__ import annotations

import io
import json
import math

import numpy as np
from PIL import Image

from ingest.geometry.drawing_checks import parts_finding
from ingest.geometry.outlines import cutouts_text, openings_text
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


# ------------------------------------------------- islands, separate parts, doubled outlines


def _warning(result, code):
    [warning] = [w for w in result.warnings if w.code == code]
    return warning.message


def test_an_island_in_a_hole_is_told_with_its_size_and_place(tmp_path):
    doc = new_doc()
    _plate(doc, 200, 100)
    add_rect_lines(doc.modelspace(), 20, 20, 100, 80)  # an 80 × 60 cut-out
    doc.modelspace().add_lwpolyline([(50, 40), (70, 40), (70, 50), (50, 50)], close=True)
    doc.modelspace().add_circle((60, 45), 2)  # a hole in the island: part of the island
    doc.modelspace().add_circle((150, 50), 10)  # an ordinary hole
    result = parse_doc(doc, tmp_path)
    assert _warning(result, "island_in_hole") == (
        "1 closed contour lies inside a hole of a part (an island), e.g. a 20 × 10 mm rectangle "
        "at (60.0, 45.0) inside an 80 × 60 mm cut-out; it drops out as a loose piece or is a "
        "second part to cut: check with the customer."
    )
    assert "separate_parts" not in codes(result)  # the island is not a top-level part

    doc = new_doc()
    _plate(doc, 200, 100)
    doc.modelspace().add_circle((50, 50), 30)
    doc.modelspace().add_circle((50, 50), 20)  # a ring that drops out of a round hole
    doc.modelspace().add_circle((150, 50), 30)
    doc.modelspace().add_circle((150, 50), 20)
    message = _warning(parse_doc(doc, tmp_path, "rings.dxf"), "island_in_hole")
    assert message.startswith("2 closed contours lie inside a hole of a part")
    assert "a Ø40 mm circle" in message and "inside a Ø60 mm hole" in message


def test_holes_alone_are_no_island(tmp_path):
    doc = new_doc()
    _plate(doc, 200, 100)
    add_rect_lines(doc.modelspace(), 20, 20, 100, 80)
    doc.modelspace().add_circle((150, 50), 10)
    assert "island_in_hole" not in codes(parse_doc(doc, tmp_path))


def test_separate_parts_are_counted_grouped_and_placed(tmp_path):
    doc = new_doc()
    _plate(doc, 1000, 500)
    doc.modelspace().add_circle((500, 250), 20)  # a hole: still one part
    for i in range(16):  # 16 washers 50 × 50 in a 4 × 4 grid, 800 mm to the right
        x, y = 1800 + (i % 4) * 60, (i // 4) * 60
        doc.modelspace().add_lwpolyline(
            [(x, y), (x + 50, y), (x + 50, y + 50), (x, y + 50)], close=True
        )
    result = parse_doc(doc, tmp_path)
    assert result.metadata["part_count"] == 17
    assert _warning(result, "separate_parts") == (
        "17 separate parts in this drawing, to be priced and nested as 17, not one: "
        "1 large (1 000 × 500 mm) and 16 small (about 50 × 50 mm) 800 mm to the right of it."
    )


def test_parts_of_one_size_and_of_many_sizes(tmp_path):
    doc = new_doc()
    for i in range(3):
        add_rect_lines(doc.modelspace(), i * 210, 0, i * 210 + 200, 100)
    assert _warning(parse_doc(doc, tmp_path), "separate_parts") == (
        "3 separate parts in this drawing, to be priced and nested as 3, not one: "
        "all about 200 × 100 mm, side by side over 620 × 100 mm."
    )

    doc = new_doc()
    _plate(doc, 1000, 500)
    for i, side in enumerate((400, 300, 200, 100, 50)):  # five sizes above the plate
        x = i * 420
        add_rect_lines(doc.modelspace(), x, 700, x + side, 700 + side)
    message = _warning(parse_doc(doc, tmp_path, "sizes.dxf"), "separate_parts")
    assert message.startswith(
        "6 separate parts in this drawing, to be priced and nested as 6, not one: "
        "1 large (1 000 × 500 mm), 1 small (400 × 400 mm) 200 mm above it, "
    )
    assert message.endswith("and 3 more of 3 other sizes.")


def test_one_part_is_no_separate_parts_warning(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((100, 50), 10)
    doc.modelspace().add_lwpolyline([(0, 0), (0, 0)], close=True)  # a dot of no size
    result = parse_doc(doc, tmp_path)
    assert "separate_parts" not in codes(result)


def test_an_outline_drawn_twice_is_one_warning_and_one_part(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (40, 0), (40, 20), (0, 20)], close=True)
    add_rect_lines(msp, 0, 0, 40, 20)  # the same rectangle again, as lines
    msp.add_circle((10, 10), 3)
    msp.add_circle((10, 10), 3)  # the same hole twice
    result = parse_doc(doc, tmp_path)
    assert [(w.code, w.message) for w in result.warnings] == [
        (
            "duplicate_geometry",
            "2 contours are drawn twice (e.g. a 40 × 20 mm rectangle at (20.0, 10.0)); "
            "the laser would cut them twice.",
        )
    ]
    md = result.metadata
    assert md["part_count"] == 1 and len(md["holes"]) == 1
    assert md["area_mm2"] == round(800 - math.pi * 9, 3)  # neither copy counted again
    assert md["cut_length_mm"] == round(2 * 120 + 2 * 6 * math.pi, 3)  # both copies cut


def test_an_outline_drawn_twice_line_by_line(tmp_path):
    doc = new_doc()
    add_rect_lines(doc.modelspace(), 0, 0, 40, 20)
    add_rect_lines(doc.modelspace(), 40, 20, 0, 0)  # again, from the other corner
    doc.modelspace().add_line((100, 0), (150, 0))
    doc.modelspace().add_line((150, 0), (100, 0))  # a loose line drawn twice as well
    result = parse_doc(doc, tmp_path)
    assert _warning(result, "duplicate_geometry") == (
        "1 contour is drawn twice (e.g. a 40 × 20 mm rectangle at (20.0, 10.0)); also 1 "
        "segment(s) are drawn twice or overlap another (e.g. near (150.0, 0.0)); the laser "
        "would cut them twice."
    )
    md = result.metadata
    assert md["part_count"] == 1 and md["closed_contours"] == 2
    # The second copy of the loose line is not a second open cut to close.
    assert md["open_contours"] == 2
    assert _warning(result, "open_contour").startswith("1 open contour(s)")


def test_a_line_drawn_again_is_not_an_open_contour(tmp_path):
    doc = new_doc()
    add_rect_lines(doc.modelspace(), 0, 0, 100, 50)
    doc.modelspace().add_line((100, 0), (0, 0))
    doc.modelspace().add_line((0, 0), (100, 0))  # the bottom edge three times
    result = parse_doc(doc, tmp_path)
    assert codes(result) == {"duplicate_geometry"}
    assert result.metadata["part_count"] == 1 and result.metadata["area_mm2"] == 5000.0


def test_cut_outs_are_listed_with_their_shape_and_size(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    _plate(doc, 1000, 1600)
    add_rect_lines(msp, 150, 100, 850, 1500)  # a 700 × 1400 window
    for i in range(4):  # four 30 × 8 slots (polylines with bulges)
        x = 200 + i * 100
        msp.add_lwpolyline(
            [(x, 20, 0), (x + 22, 20, 1), (x + 22, 28, 0), (x, 28, 1)], format="xyb", close=True
        )
    # A 40 × 10 slot turned 45°, lines and arcs.
    c, s = math.cos(math.pi / 4), math.sin(math.pi / 4)
    ox, oy = 950, 800

    def at(u, v):
        return (ox + u * c - v * s, oy + u * s + v * c)

    msp.add_line(at(-15, -5), at(15, -5))
    msp.add_line(at(15, 5), at(-15, 5))
    msp.add_arc(at(15, 0), 5, -90 + 45, 90 + 45)
    msp.add_arc(at(-15, 0), 5, 90 + 45, 270 + 45)
    msp.add_circle((500, 1550), 10)  # a round hole stays a hole
    msp.add_lwpolyline([(20, 1550), (60, 1550), (40, 1580)], close=True)  # a triangle
    md = parse_doc(doc, tmp_path).metadata
    assert [h["diameter_mm"] for h in md["holes"]] == [20.0]
    cutouts = {(c["shape"], *c["size_mm"], *c["center_mm"]) for c in md["cutouts"]}
    assert ("rectangle", 700.0, 1400.0, 500.0, 800.0) in cutouts
    assert ("slot", 30.0, 8.0, 211.0, 24.0) in cutouts
    assert ("other", 40.0, 30.0, 40.0, 1565.0) in cutouts
    [turned] = [c for c in md["cutouts"] if c["center_mm"] == [950.0, 800.0]]
    assert turned == {"shape": "slot", "size_mm": [40.0, 10.0], "center_mm": [950.0, 800.0]}
    assert len(md["cutouts"]) == 7
    assert cutouts_text(md["cutouts"]) == (
        "4 slots 30 × 8 mm, 1 rectangular cut-out 700 × 1 400 mm, 1 slot 40 × 10 mm, "
        "1 shaped cut-out 40 × 30 mm"
    )
    # The job page's line under the drawing's size: round holes first, then the cut-outs.
    assert openings_text(md["holes"], md["cutouts"]) == (
        "1 hole Ø20 mm, 4 slots 30 × 8 mm, 1 rectangular cut-out 700 × 1 400 mm, "
        "1 slot 40 × 10 mm, 1 more of another size"
    )


def test_a_plate_without_cut_outs_lists_none(tmp_path):
    doc = new_doc()
    _plate(doc)
    doc.modelspace().add_circle((100, 50), 10)
    assert parse_doc(doc, tmp_path).metadata["cutouts"] == []


def test_a_line_drawn_a_hundred_times_stays_lines_not_loops(tmp_path):
    # Copies beyond the second are left alone: chained together they would close into loops of
    # no area, and enough of them would pass the closed-contour limit and refuse the file.
    doc = new_doc()
    for i in range(101):
        doc.modelspace().add_line((0, 0), (100, 0)) if i % 2 else doc.modelspace().add_line(
            (100, 0), (0, 0)
        )
    result = parse_doc(doc, tmp_path, max_closed_contours=10)
    md = result.metadata
    assert md["closed_contours"] == 0 and md["part_count"] == 0
    assert _warning(result, "duplicate_geometry").startswith("100 segment(s) are drawn twice")


def test_counts_are_written_with_the_thousands_separator():
    boxes = np.array([[i * 20.0, 0.0, i * 20.0 + 10.0, 10.0] for i in range(1200)])
    [(code, message)] = parts_finding(boxes, 0.01)
    assert code == "separate_parts"
    assert message == (
        "1 200 separate parts in this drawing, to be priced and nested as 1 200, not one: "
        "all about 10 × 10 mm, side by side over 23 990 × 10 mm."
    )
