"""DXF geometry: metrics checked against answers worked out by hand (within 0.1 % or tighter).

No database: run with `pytest -p no:django ingest/tests/test_dxf_*.py`.
"""

from __future__ import annotations

import math
import random

import ezdxf
import pytest
from ezdxf.math import rational_bspline_from_arc

from .dxf_helpers import (
    add_rect_lines,
    codes,
    ellipse_perimeter,
    new_doc,
    parse_doc,
    rel,
)

PI = math.pi


def exact(value, expected):
    """Equal up to the 3-decimal rounding of the reported figures."""
    return abs(value - expected) <= 6e-4


def assert_holes(result, expected, tol=1e-3):
    """Reported holes equal `expected` [(diameter, x, y)] in any order, within `tol` mm."""
    got = sorted((h["diameter_mm"], *h["center_mm"]) for h in result.metadata["holes"])
    want = sorted(expected)
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want, strict=True):
        assert all(abs(a - b) <= tol for a, b in zip(g, w, strict=True)), (got, want)


# --------------------------------------------------------------------------- basic plates


def test_rectangle_with_circular_holes(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (200, 0), (200, 100), (0, 100)], close=True)
    msp.add_circle((40, 50), 5)
    msp.add_circle((100, 50), 10)
    msp.add_circle((160, 50), 12.5)
    md = parse_doc(doc, tmp_path).metadata

    assert exact(md["cut_length_mm"], 600 + PI * (10 + 20 + 25))
    assert exact(md["area_mm2"], 20000 - PI * (25 + 100 + 156.25))
    assert md["bbox_mm"] == [200.0, 100.0]
    assert md["pierce_count"] == 4
    assert md["part_count"] == 1
    assert md["closed_contours"] == 4
    assert md["open_contours"] == 0
    assert md["units"] == "mm" and md["source_units"] == "mm"
    assert md["entity_counts"] == {"CIRCLE": 3, "LWPOLYLINE": 1}
    assert md["layers"] == ["0"]
    assert sorted((h["diameter_mm"], tuple(h["center_mm"])) for h in md["holes"]) == [
        (10.0, (40.0, 50.0)),
        (20.0, (100.0, 50.0)),
        (25.0, (160.0, 50.0)),
    ]


def test_slot_from_lwpolyline_bulges(tmp_path):
    # A 60 mm long (centre to centre), 20 mm wide slot inside a 150 × 80 plate.
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (150, 0), (150, 80), (0, 80)], close=True)
    msp.add_lwpolyline(
        [(45, 30, 0), (105, 30, 1), (105, 50, 0), (45, 50, 1)], format="xyb", close=True
    )
    md = parse_doc(doc, tmp_path).metadata

    slot_len = 2 * 60 + PI * 20
    slot_area = 60 * 20 + PI * 100
    assert exact(md["cut_length_mm"], 460 + slot_len)
    assert exact(md["area_mm2"], 150 * 80 - slot_area)
    assert md["part_count"] == 1
    assert md["pierce_count"] == 2
    assert md["holes"] == []  # a slot is a cut-out, not a round hole


def test_negative_bulge_slot_is_the_same_shape(tmp_path):
    # The same slot walked clockwise (negative bulges): same length and area.
    doc = new_doc()
    doc.modelspace().add_lwpolyline(
        [(45, 50, 0), (105, 50, -1), (105, 30, 0), (45, 30, -1)], format="xyb", close=True
    )
    md = parse_doc(doc, tmp_path).metadata
    assert exact(md["cut_length_mm"], 120 + PI * 20)
    assert exact(md["area_mm2"], 1200 + PI * 100)
    assert md["bbox_mm"] == [80.0, 20.0]


def test_line_and_arc_soup_in_random_order_and_direction(tmp_path):
    """A rounded rectangle, a circle of two arcs and a square, exploded, shuffled, reversed and
    jittered by up to 3 µm (inside the 10 µm chain tolerance)."""
    rng = random.Random(20251022)
    lines = [
        ((10, 0), (50, 0)),
        ((50, 0), (90, 0)),  # the bottom edge split in two
        ((100, 10), (100, 50)),
        ((90, 60), (10, 60)),
        ((0, 50), (0, 10)),
        ((60, 20), (80, 20)),  # square hole
        ((80, 20), (80, 40)),
        ((80, 40), (60, 40)),
        ((60, 40), (60, 20)),
    ]
    arcs = [
        ((90, 10), 10, 270, 360),
        ((90, 50), 10, 0, 90),
        ((10, 50), 10, 90, 180),
        ((10, 10), 10, 180, 270),
        ((30, 30), 8, 0, 180),  # round hole of two half arcs
        ((30, 30), 8, 180, 360),
    ]

    def jitter(p):
        return (p[0] + rng.uniform(-0.003, 0.003), p[1] + rng.uniform(-0.003, 0.003))

    items = [("L", a, b) for a, b in lines] + [("A", *arc) for arc in arcs]
    rng.shuffle(items)
    doc = new_doc()
    msp = doc.modelspace()
    for item in items:
        if item[0] == "L":
            a, b = item[1], item[2]
            if rng.random() < 0.5:
                a, b = b, a
            msp.add_line(jitter(a), jitter(b))
        else:
            msp.add_arc(*item[1:])
    md = parse_doc(doc, tmp_path).metadata

    length = 2 * 80 + 2 * 40 + 2 * PI * 10 + 2 * PI * 8 + 80
    area = 100 * 60 - (4 - PI) * 100 - PI * 64 - 400
    assert rel(md["cut_length_mm"], length) < 1e-4
    assert rel(md["area_mm2"], area) < 1e-4
    assert md["closed_contours"] == 3
    assert md["open_contours"] == 0
    assert md["pierce_count"] == 3
    assert md["part_count"] == 1
    assert_holes(parse_doc(doc, tmp_path, "again.dxf"), [(16.0, 30.0, 30.0)])
    assert md["entity_counts"] == {"LINE": 9, "ARC": 6}


def test_soup_with_many_parts_is_chained_in_any_order(tmp_path):
    # 300 squares of 10 mm, each as 4 shuffled, randomly reversed lines.
    rng = random.Random(7)
    segments = []
    for i in range(300):
        x, y = (i % 20) * 15.0, (i // 20) * 15.0
        sq = [(x, y), (x + 10, y), (x + 10, y + 10), (x, y + 10)]
        for k in range(4):
            a, b = sq[k], sq[(k + 1) % 4]
            segments.append((b, a) if rng.random() < 0.5 else (a, b))
    rng.shuffle(segments)
    doc = new_doc()
    for a, b in segments:
        doc.modelspace().add_line(a, b)
    md = parse_doc(doc, tmp_path).metadata
    assert md["closed_contours"] == 300 and md["open_contours"] == 0
    assert md["part_count"] == 300
    assert exact(md["area_mm2"], 300 * 100)
    assert exact(md["cut_length_mm"], 300 * 40)


def test_squares_touching_at_a_corner_are_two_contours(tmp_path):
    doc = new_doc()
    add_rect_lines(doc.modelspace(), 0, 0, 10, 10)
    add_rect_lines(doc.modelspace(), 10, 10, 20, 20)
    md = parse_doc(doc, tmp_path).metadata
    assert md["closed_contours"] == 2 and md["open_contours"] == 0
    assert exact(md["area_mm2"], 200)


# --------------------------------------------------------------------------------- blocks


def _plate_block(doc):
    """Block PLATE: a 50 × 30 rectangle of LINEs with a Ø10 hole at (10, 10)."""
    blk = doc.blocks.new("PLATE")
    add_rect_lines(blk, 0, 0, 50, 30)
    blk.add_circle((10, 10), 5)
    return blk


def test_blocks_scaled_rotated_mirrored_non_uniform_and_nested(tmp_path):
    doc = new_doc()
    _plate_block(doc)
    pair = doc.blocks.new("PAIR")
    pair.add_blockref("PLATE", (0, 0))
    pair.add_blockref("PLATE", (120, 0), dxfattribs={"rotation": 90})
    msp = doc.modelspace()
    msp.add_blockref("PLATE", (100, 100), dxfattribs={"xscale": 2, "yscale": 2, "rotation": 30})
    msp.add_blockref("PLATE", (400, 0), dxfattribs={"xscale": -1})
    msp.add_blockref("PLATE", (600, 0), dxfattribs={"xscale": 2, "yscale": 0.5})
    msp.add_blockref("PAIR", (0, 300))
    result = parse_doc(doc, tmp_path)
    md = result.metadata

    c30, s30 = math.cos(math.radians(30)), math.sin(math.radians(30))
    assert_holes(
        result,
        [
            (20.0, 100 + 20 * c30 - 20 * s30, 100 + 20 * s30 + 20 * c30),  # scaled ×2, 30°
            (10.0, 390.0, 10.0),  # mirrored in X
            (10.0, 10.0, 310.0),  # nested, plain
            (10.0, 110.0, 310.0),  # nested, rotated 90°: (120, 0) + R90·(10, 10)
        ],
    )
    ellipse = ellipse_perimeter(10.0, 2.5)  # the Ø10 hole stretched 2 × 0.5
    length = (320 + 20 * PI) + (160 + 10 * PI) + (230 + ellipse) + 2 * (160 + 10 * PI)
    area = (6000 - 100 * PI) + (1500 - 25 * PI) + (1500 - 25 * PI) + 2 * (1500 - 25 * PI)
    assert exact(md["cut_length_mm"], length)
    assert exact(md["area_mm2"], area)
    assert md["part_count"] == 5
    assert md["closed_contours"] == 10
    assert md["entity_counts"] == {"LINE": 20, "INSERT": 6, "CIRCLE": 5}
    assert result.raw["blocks_used"] == {"PLATE": 5, "PAIR": 1}


def test_block_base_point_and_layer_zero_inheritance(tmp_path):
    doc = new_doc()
    blk = doc.blocks.new("B", base_point=(10, 10))
    blk.add_circle((10, 10), 3)  # on layer 0: takes the INSERT's layer
    blk.add_line((0, 0), (5, 0), dxfattribs={"layer": "MARK"})
    doc.layers.add("CUT")
    doc.modelspace().add_blockref("B", (100, 50), dxfattribs={"layer": "CUT"})
    result = parse_doc(doc, tmp_path)
    assert result.raw["extents_mm"] == [90.0, 40.0, 103.0, 53.0]
    assert set(result.raw["per_layer"]) == {"CUT", "MARK"}
    assert exact(result.raw["per_layer"]["CUT"]["cut_length_mm"], 6 * PI)
    assert result.metadata["layers"] == ["CUT", "MARK"]


def test_minsert_grid_plain_and_rotated(tmp_path):
    doc = new_doc()
    _plate_block(doc)
    msp = doc.modelspace()
    msp.add_blockref("PLATE", (0, 0)).grid(size=(3, 4), spacing=(100, 80))
    result = parse_doc(doc, tmp_path)
    assert result.metadata["part_count"] == 12
    assert exact(result.metadata["cut_length_mm"], 12 * (160 + 10 * PI))
    assert_holes(result, [(10.0, 10 + 80 * c, 10 + 100 * r) for r in range(3) for c in range(4)])
    assert result.metadata["entity_counts"]["INSERT"] == 1
    assert result.metadata["entity_counts"]["LINE"] == 48

    doc2 = new_doc()
    _plate_block(doc2)
    doc2.modelspace().add_blockref("PLATE", (0, 0), dxfattribs={"rotation": 90}).grid(
        size=(2, 3), spacing=(100, 80)
    )
    rotated = parse_doc(doc2, tmp_path, "rot.dxf")
    # Grid offsets (80c, 100r) and the hole (10, 10) are both turned by 90°.
    assert_holes(rotated, [(10.0, -10 - 100 * r, 10 + 80 * c) for r in range(2) for c in range(3)])


# ---------------------------------------------------------------------------------- units


def test_inch_drawing_is_converted_to_mm(tmp_path):
    doc = new_doc(units=1)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 2), (0, 2)], close=True)
    msp.add_circle((1, 1), 0.25)
    result = parse_doc(doc, tmp_path)
    md = result.metadata
    assert md["source_units"] == "in" and md["units"] == "mm"
    assert md["bbox_mm"] == [101.6, 50.8]
    assert exact(md["cut_length_mm"], (12 + 0.5 * PI) * 25.4)
    assert exact(md["area_mm2"], (8 - PI / 16) * 25.4**2)
    assert_holes(result, [(12.7, 25.4, 25.4)])
    assert "units_assumed_mm" not in codes(result)


@pytest.mark.parametrize(("code", "name", "factor"), [(5, "cm", 10.0), (6, "m", 1000.0)])
def test_metric_units(tmp_path, code, name, factor):
    doc = new_doc(units=code)
    doc.modelspace().add_circle((0, 0), 1)
    md = parse_doc(doc, tmp_path).metadata
    assert md["source_units"] == name
    assert exact(md["cut_length_mm"], 2 * PI * factor)


# ------------------------------------------------------------------------ ellipses, splines


def test_full_partial_and_rotated_ellipses(tmp_path):
    perimeter = ellipse_perimeter(50, 20)

    doc = new_doc()
    doc.modelspace().add_ellipse((0, 0), major_axis=(50, 0), ratio=0.4)
    md = parse_doc(doc, tmp_path, "full.dxf").metadata
    assert exact(md["cut_length_mm"], perimeter)
    assert exact(md["area_mm2"], PI * 50 * 20)
    assert md["closed_contours"] == 1

    doc = new_doc()
    doc.modelspace().add_ellipse((0, 0), (50, 0), 0.4, start_param=0, end_param=PI / 2)
    md = parse_doc(doc, tmp_path, "quarter.dxf").metadata
    assert exact(md["cut_length_mm"], perimeter / 4)
    assert md["open_contours"] == 1

    doc = new_doc()
    doc.modelspace().add_ellipse((0, 0), (50, 0), 0.4, start_param=0, end_param=PI)
    doc.modelspace().add_line((-50, 0), (50, 0))
    md = parse_doc(doc, tmp_path, "half.dxf").metadata
    assert exact(md["cut_length_mm"], perimeter / 2 + 100)
    assert exact(md["area_mm2"], PI * 50 * 20 / 2)
    assert md["closed_contours"] == 1 and md["pierce_count"] == 1

    doc = new_doc()
    doc.modelspace().add_ellipse((0, 0), major_axis=(30, 40), ratio=0.4)  # tilted, a = 50
    md = parse_doc(doc, tmp_path, "tilted.dxf").metadata
    assert exact(md["cut_length_mm"], perimeter)
    # Half-widths: sqrt(ux² + vx²), with U = (30, 40) and V = 0.4 · (-40, 30).
    assert md["bbox_mm"] == [
        round(2 * math.hypot(30, 16), 3),
        round(2 * math.hypot(40, 12), 3),
    ]


def test_spline_on_a_straight_line(tmp_path):
    doc = new_doc()
    doc.modelspace().add_open_spline([(0, 0), (10, 5), (20, 10), (30, 15)], degree=3)
    result = parse_doc(doc, tmp_path)
    assert exact(result.metadata["cut_length_mm"], math.hypot(30, 15))
    assert result.metadata["open_contours"] == 1


def test_exact_nurbs_circle_spline(tmp_path):
    """A rational spline that is exactly a circle of r = 50, as a hole in a plate.

    The spline is flattened to within 1 µm (SPLINE_TOLERANCE_MM). An inscribed polygon whose
    chords have sagitta s is short of the arc by s / 3r (relative) and of the area by 4s / 3r,
    so with s <= 0.001 mm and r = 50 mm: length within 7e-6, area within 3e-5.
    """
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(-100, -100), (100, -100), (100, 100), (-100, 100)], close=True)
    spline = msp.add_spline()
    spline.apply_construction_tool(rational_bspline_from_arc((0, 0), 50, 0, 360))
    result = parse_doc(doc, tmp_path)
    md = result.metadata
    assert rel(md["cut_length_mm"] - 800, 2 * PI * 50) < 1e-5
    assert rel(40000 - md["area_mm2"], PI * 2500) < 5e-5
    assert md["closed_contours"] == 2 and md["part_count"] == 1
    # Drawn as a spline, but round: it is reported as a hole.
    [hole] = md["holes"]
    assert rel(hole["diameter_mm"], 100) < 1e-3
    assert max(abs(v) for v in hole["center_mm"]) < 1e-3


def test_fit_point_spline_through_a_circle(tmp_path):
    """A cubic spline through 73 points of a circle (r = 40) stays within ~1e-5 r of it, so the
    0.1 % budget is mostly margin."""
    pts = [(40 * math.cos(a), 40 * math.sin(a)) for a in (i * 2 * PI / 72 for i in range(73))]
    doc = new_doc()
    doc.modelspace().add_spline(fit_points=pts)
    md = parse_doc(doc, tmp_path).metadata
    assert rel(md["cut_length_mm"], 2 * PI * 40) < 1e-3
    assert md["closed_contours"] == 1


# -------------------------------------------------------------------------------- OCS


def test_mirrored_ocs_circle_arc_and_polyline(tmp_path):
    """Entities with extrusion (0, 0, -1) are mirrored in X: OCS (x, y) is WCS (-x, y)."""
    mirror = {"extrusion": (0, 0, -1)}
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 60), (0, 60)], close=True)
    msp.add_circle((-50, 20), 5, dxfattribs=mirror)  # WCS centre (50, 20)
    # A D-shaped hole: the OCS arc from (-10, 40) over (-20, 50) to (-30, 40) is the WCS arc
    # from (10, 40) over (20, 50) to (30, 40), closed by a WCS line.
    msp.add_arc((-20, 40), 10, 0, 180, dxfattribs=mirror)
    msp.add_line((30, 40), (10, 40))
    # A slot: OCS x from -90 to -70 with round ends, i.e. WCS x from 65 to 95 (caps included).
    msp.add_lwpolyline(
        [(-90, 10, 0), (-70, 10, 1), (-70, 20, 0), (-90, 20, 1)],
        format="xyb",
        close=True,
        dxfattribs=mirror,
    )
    result = parse_doc(doc, tmp_path)
    md = result.metadata
    assert md["part_count"] == 1
    assert md["closed_contours"] == 4 and md["open_contours"] == 0
    assert_holes(result, [(10.0, 50.0, 20.0)])
    area = 6000 - 25 * PI - 50 * PI - (200 + 25 * PI)
    assert exact(md["area_mm2"], area)
    assert md["bbox_mm"] == [100.0, 60.0]


def test_mirrored_ocs_arc_position_by_hand(tmp_path):
    doc = new_doc()
    doc.modelspace().add_arc((20, 0), 10, 0, 90, dxfattribs={"extrusion": (0, 0, -1)})
    result = parse_doc(doc, tmp_path)
    # OCS (30, 0) -> WCS (-30, 0); OCS (20, 10) -> WCS (-20, 10).
    assert result.raw["extents_mm"] == [-30.0, 0.0, -20.0, 10.0]
    assert exact(result.metadata["cut_length_mm"], 5 * PI)


# -------------------------------------------------------------- versions and file formats


def _versioned_part(version):
    doc = new_doc(version)
    msp = doc.modelspace()
    msp.add_polyline2d([(0, 0, 0), (120, 0, 0), (120, 80, 0), (0, 80, 0)], format="xyb", close=True)
    msp.add_circle((30, 40), 8)
    msp.add_polyline2d([(70, 30, 0), (90, 30, 1), (90, 50, 0), (70, 50, 1)], format="xyb").close(
        True
    )
    msp.add_arc((60, 65), 5, 0, 180)
    msp.add_line((55, 65), (65, 65))
    return doc


@pytest.mark.parametrize("version", ["R12", "R2000", "R2018"])
@pytest.mark.parametrize("fmt", ["asc", "bin"])
def test_r12_and_r2018_ascii_and_binary_agree(tmp_path, version, fmt):
    result = parse_doc(_versioned_part(version), tmp_path, f"{version}.{fmt}.dxf", fmt=fmt)
    md = result.metadata
    assert result.raw["binary"] is (fmt == "bin")
    assert exact(md["cut_length_mm"], 400 + 16 * PI + (40 + 20 * PI) + (5 * PI + 10))
    assert exact(md["area_mm2"], 9600 - 64 * PI - (400 + 100 * PI) - 12.5 * PI)
    assert md["part_count"] == 1 and md["closed_contours"] == 4
    assert_holes(result, [(16.0, 30.0, 40.0)])


def test_polyline_3d_and_mesh(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_polyline3d([(0, 0, 0), (10, 0, 5), (10, 10, 0)])
    mesh = msp.add_polymesh(size=(2, 2))
    for i, p in enumerate([(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 1)]):
        mesh.set_mesh_vertex((i // 2, i % 2), p)
    md = parse_doc(doc, tmp_path).metadata
    assert exact(md["cut_length_mm"], 20)  # projected onto XY; the mesh is not cut
    assert md["entity_counts"]["POLYLINE"] == 2


def test_layers_and_entity_counts_as_drawn(tmp_path):
    # Layer names are kept as drawn and entity counts are by DXF type.
    doc = new_doc()
    doc.layers.add("Outer")
    doc.modelspace().add_circle((0, 0), 10, dxfattribs={"layer": "Outer"})
    doc.modelspace().add_point((0, 0))
    md = parse_doc(doc, tmp_path).metadata
    assert md["layers"] == ["0", "Outer"]
    assert md["entity_counts"] == {"CIRCLE": 1, "POINT": 1}
    assert ezdxf.__version__ == parse_doc(doc, tmp_path, "b.dxf").raw["ezdxf_version"]


def test_long_exploded_chain_in_reverse_order_is_linear(tmp_path):
    # 20,000 collinear pieces of an open zig-zag, written last-first: one open chain.
    doc = new_doc()
    pts = [(i * 1.0, (i % 2) * 1.0) for i in range(20_001)]
    for i in reversed(range(20_000)):
        doc.modelspace().add_line(pts[i], pts[i + 1])
    md = parse_doc(doc, tmp_path).metadata
    assert md["open_contours"] == 1 and md["closed_contours"] == 0
    assert exact(md["cut_length_mm"], 20_000 * math.sqrt(2))


def test_round_hole_drawn_as_many_straight_segments(tmp_path):
    """Exporters sometimes write circles as polygons: a 72-gon is a hole, a 16-gon is not."""

    def polygon(cx, cy, r, n):
        return [
            (cx + r * math.cos(2 * PI * i / n), cy + r * math.sin(2 * PI * i / n)) for i in range(n)
        ]

    doc = new_doc()
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (200, 0), (200, 100), (0, 100)], close=True)
    msp.add_lwpolyline(polygon(50, 50, 10, 72), close=True)
    msp.add_lwpolyline(polygon(150, 50, 10, 16), close=True)
    result = parse_doc(doc, tmp_path)
    [hole] = result.metadata["holes"]
    assert abs(hole["diameter_mm"] - 20) < 0.01 and hole["center_mm"] == [50.0, 50.0]
    n72 = 0.5 * 72 * 100 * math.sin(2 * PI / 72)
    n16 = 0.5 * 16 * 100 * math.sin(2 * PI / 16)
    assert exact(result.metadata["area_mm2"], 20000 - n72 - n16)
    assert result.raw["open_length_mm"] == 0
