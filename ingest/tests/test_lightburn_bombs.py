"""LightBurn projects that cost far more than their size (issue 9): many nested contours, shared
paths placed many times, hostile XML. Every file is generated here; none is committed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ingest.parsers.base import ParseContext, ParseError, ParseResult
from ingest.parsers.lightburn import LightBurnParser


def parse(path: Path, **context: object) -> ParseResult:
    return LightBurnParser().parse(path, ParseContext(make_preview=False, **context))  # type: ignore[arg-type]


def project(tmp_path: Path, shapes: list[str] | str, name: str = "bomb.lbrn2") -> Path:
    """A LightBurn 2 project with one Cut layer (index 0) holding `shapes`."""
    body = shapes if isinstance(shapes, str) else "\n".join(shapes)
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<LightBurnProject AppVersion="2.0.03" FormatVersion="1" MaterialHeight="0"'
        ' MirrorX="False" MirrorY="False">\n'
        '<CutSetting type="Cut"><index Value="0"/><name Value="C00"/><speed Value="100"/>'
        '<maxPower Value="20"/><numPasses Value="1"/></CutSetting>\n'
        f"{body}\n</LightBurnProject>\n",
        encoding="utf-8",
    )
    return path


def circles(count: int) -> list[str]:
    """`count` concentric circles of radius 1, 2, ... mm about (0, 0)."""
    return [
        f'<Shape Type="Ellipse" CutIndex="0" Rx="{1 + k}" Ry="{1 + k}">'
        "<XForm>1 0 0 1 0 0</XForm></Shape>"
        for k in range(count)
    ]


def squares(count: int) -> list[str]:
    """`count` concentric squares of side 2, 4, ... mm about (0, 0)."""
    return [
        f'<Shape Type="Rect" CutIndex="0" W="{2 + 2 * k}" H="{2 + 2 * k}" Cr="0">'
        "<XForm>1 0 0 1 0 0</XForm></Shape>"
        for k in range(count)
    ]


def triangles_path(count: int, vert_id: int = 0) -> str:
    """One Path holding `count` closed triangles side by side, its lists shared under ids."""
    vertices = "".join(f"V{3 * k} 0V{3 * k + 2} 0V{3 * k + 1} 2" for k in range(count))
    prims = "".join(
        f"L{3 * k} {3 * k + 1}L{3 * k + 1} {3 * k + 2}L{3 * k + 2} {3 * k}" for k in range(count)
    )
    return (
        f'<Shape Type="Path" CutIndex="0" VertID="{vert_id}" PrimID="{vert_id}">'
        f"<XForm>1 0 0 1 0 0</XForm><VertList>{vertices}</VertList>"
        f"<PrimList>{prims}</PrimList></Shape>"
    )


def shared_copy(vert_id: int, dx: float) -> str:
    """A Path that places the lists shared under `vert_id` again, moved by dx."""
    return (
        f'<Shape Type="Path" CutIndex="0" VertID="{vert_id}" PrimID="{vert_id}">'
        f"<XForm>1 0 0 1 {dx} 0</XForm></Shape>"
    )


# --- many nested contours are read, and nested right ---------------------------------------------


def test_two_thousand_concentric_circles_alternate_between_material_and_holes(tmp_path):
    count = 2000
    result = parse(project(tmp_path, circles(count)))
    md = result.metadata
    assert md["closed_contours"] == count
    # LightBurn counts every contour at even depth as material: the outer ring and every
    # island in a hole.
    assert md["part_count"] == count // 2
    assert len(md["holes"]) == count // 2
    holes = {h["diameter_mm"] for h in md["holes"]}
    assert holes == {2.0 * (count - depth) for depth in range(1, count, 2)}
    expected = sum((1 if d % 2 == 0 else -1) * math.pi * (count - d) ** 2 for d in range(count))
    assert md["area_mm2"] == pytest.approx(expected, rel=1e-6)


def test_two_thousand_concentric_squares(tmp_path):
    count = 2000
    md = parse(project(tmp_path, squares(count))).metadata
    assert md["closed_contours"] == count
    assert md["part_count"] == count // 2
    assert md["holes"] == []  # squares are holes, but not round ones
    expected = sum((1 if d % 2 == 0 else -1) * (2 * (count - d)) ** 2 for d in range(count))
    assert md["area_mm2"] == pytest.approx(expected, rel=1e-9)


def test_nesting_of_small_projects_is_unchanged(tmp_path):
    # a plate with two holes, one holding an island; a separate part beside it
    shapes = [
        '<Shape Type="Rect" CutIndex="0" W="100" H="50" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>',
        '<Shape Type="Ellipse" CutIndex="0" Rx="10" Ry="10"><XForm>1 0 0 1 -20 0</XForm></Shape>',
        '<Shape Type="Ellipse" CutIndex="0" Rx="4" Ry="4"><XForm>1 0 0 1 -20 0</XForm></Shape>',
        '<Shape Type="Ellipse" CutIndex="0" Rx="5" Ry="5"><XForm>1 0 0 1 20 0</XForm></Shape>',
        '<Shape Type="Rect" CutIndex="0" W="10" H="10" Cr="0"><XForm>1 0 0 1 200 0</XForm></Shape>',
        # the same square twice on one spot: the second lies inside the first
        '<Shape Type="Rect" CutIndex="0" W="10" H="10" Cr="0"><XForm>1 0 0 1 200 0</XForm></Shape>',
    ]
    md = parse(project(tmp_path, shapes)).metadata
    assert md["closed_contours"] == 6
    assert md["part_count"] == 3  # plate, island, first square
    assert sorted(h["diameter_mm"] for h in md["holes"]) == [10.0, 20.0]
    plate = 100 * 50 - math.pi * 100 + math.pi * 16 - math.pi * 25
    assert md["area_mm2"] == pytest.approx(plate + 100 - 100, abs=0.01)


def test_a_round_hole_is_centred_exactly(tmp_path):
    # A 6.9 mm circle is flattened into a polygon of 37 sides, whose box is lopsided by 0.024 mm;
    # whole circles are measured on the true curve.
    shapes = [
        '<Shape Type="Rect" CutIndex="0" W="40" H="40" Cr="0"><XForm>1 0 0 1 80 55</XForm></Shape>',
        '<Shape Type="Ellipse" CutIndex="0" Rx="3.45" Ry="3.45"><XForm>1 0 0 1 80 55</XForm></Shape>',
    ]
    md = parse(project(tmp_path, shapes)).metadata
    assert md["holes"] == [{"diameter_mm": 6.9, "center_mm": [80.0, 55.0]}]
    assert md["area_mm2"] == pytest.approx(1600 - math.pi * 3.45**2, abs=0.01)


# --- the closed-contour limit --------------------------------------------------------------------


def test_too_many_closed_shapes_are_refused_with_the_count_and_the_limit(tmp_path):
    path = project(tmp_path, circles(300))
    with pytest.raises(ParseError) as refused:
        parse(path, max_closed_contours=250)
    assert refused.value.code == "too_many_contours"
    assert str(refused.value) == (
        "The project has 300 closed contours; Laser OS reads at most 250 in one project: "
        "split it into several files."
    )


def test_the_limit_counts_contours_inside_groups_and_paths(tmp_path):
    grouped = (
        '<Shape Type="Group"><XForm>1 0 0 1 0 0</XForm><Children>'
        + "".join(squares(40))
        + "</Children></Shape>"
    )
    path = project(tmp_path, [grouped, triangles_path(30)])
    with pytest.raises(ParseError, match=r"^The project has 70 closed contours; .* at most 69 "):
        parse(path, max_closed_contours=69)
    assert parse(path, max_closed_contours=70).metadata["closed_contours"] == 70


def test_lines_joined_into_too_many_loops_are_refused(tmp_path):
    # 40 squares drawn as four separate open lines each: closed only once joined
    shapes = []
    for k in range(40):
        x = 20 * k
        corners = [(x, 0), (x + 10, 0), (x + 10, 10), (x, 10)]
        for i in range(4):
            (x0, y0), (x1, y1) = corners[i], corners[(i + 1) % 4]
            shapes.append(
                '<Shape Type="Path" CutIndex="0"><XForm>1 0 0 1 0 0</XForm>'
                f"<VertList>V{x0} {y0}V{x1} {y1}</VertList><PrimList>LineOpen</PrimList></Shape>"
            )
    path = project(tmp_path, shapes)
    assert parse(path).metadata["closed_contours"] == 40
    with pytest.raises(ParseError, match=r"^The project has 40 closed contours; .* at most 39 "):
        parse(path, max_closed_contours=39)


def test_a_shared_path_placed_many_times_is_refused_before_it_is_built(tmp_path, monkeypatch):
    # One path of 1,000 triangles, placed again by 10,000 tiny shapes: a 1 MB file standing
    # for 10 million closed contours.
    from ingest.parsers.lightburn.reader import ProjectReader

    built = []
    original = ProjectReader.build_contours
    monkeypatch.setattr(
        ProjectReader,
        "build_contours",
        lambda self, *args: built.append(1) or original(self, *args),
    )
    shapes = [triangles_path(1000)] + [shared_copy(0, 3000 * (k + 1)) for k in range(10_000)]
    path = project(tmp_path, shapes)
    with pytest.raises(ParseError) as refused:
        parse(path)
    assert refused.value.code == "too_many_contours"
    assert str(refused.value) == (
        "The project has at least 10,000,000 closed contours once its shared paths are placed; "
        "Laser OS reads at most 100,000 in one project: draw fewer copies or split it into "
        "several files."
    )
    assert built == []  # refused before a single shape was placed


def test_a_shared_path_placed_a_few_times_is_read(tmp_path):
    grouped = (
        '<Shape Type="Group"><XForm>1 0 0 1 0 0</XForm><Children>'
        + "".join(shared_copy(0, 100 * (k + 1)) for k in range(4))
        + "</Children></Shape>"
    )
    path = project(tmp_path, [triangles_path(10), grouped])
    md = parse(path).metadata
    assert md["closed_contours"] == 50
    assert md["part_count"] == 50
    assert md["area_mm2"] == pytest.approx(50 * 2.0)
    with pytest.raises(ParseError, match=r"^The project has at least 40 closed contours once"):
        parse(path, max_closed_contours=39)  # the four copies alone are too many
    with pytest.raises(ParseError, match=r"^The project has 50 closed contours; "):
        parse(path, max_closed_contours=49)


def test_a_shared_open_path_placed_many_times_is_refused(tmp_path, monkeypatch):
    from ingest.parsers.lightburn import reader

    monkeypatch.setattr(reader, "MAX_SEGMENTS", 50_000)
    zigzag = "".join(f"V{k} {k % 2}" for k in range(1000))
    shapes = [
        '<Shape Type="Path" CutIndex="0" VertID="0" PrimID="0"><XForm>1 0 0 1 0 0</XForm>'
        f"<VertList>{zigzag}</VertList><PrimList>LineOpen</PrimList></Shape>"
    ] + [shared_copy(0, 0) for _ in range(100)]
    with pytest.raises(ParseError) as refused:
        parse(project(tmp_path, shapes))
    assert refused.value.code == "too_complex"
    assert str(refused.value) == (
        "The project has more than 50,000 cut segments once its shared paths are placed; "
        "it is too large to analyse."
    )


def test_too_many_segments_drawn_out_are_refused(tmp_path, monkeypatch):
    from ingest.parsers.lightburn import reader

    monkeypatch.setattr(reader, "MAX_SEGMENTS", 500)
    path = project(tmp_path, [triangles_path(100, vert_id=k) for k in range(2)])
    with pytest.raises(ParseError) as refused:
        parse(path)
    assert refused.value.code == "too_complex"
    assert str(refused.value) == (
        "The project has more than 500 cut segments; it is too large to analyse."
    )


# --- hostile XML ---------------------------------------------------------------------------------


def test_a_hundred_thousand_nested_groups_do_not_crash(tmp_path):
    depth = 100_000
    rect = '<Shape Type="Rect" CutIndex="0" W="5" H="5" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
    body = '<Shape Type="Group"><Children>' * depth + rect + "</Children></Shape>" * depth
    result = parse(project(tmp_path, body))
    assert any("nested too deep" in w.message for w in result.warnings)
    assert result.metadata["closed_contours"] == 0


def test_an_entity_bomb_is_refused_before_it_expands(tmp_path):
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    path = tmp_path / "laughs.lbrn2"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE LightBurnProject [{entities}]>'
        '<LightBurnProject AppVersion="1.4" FormatVersion="1"><Notes Notes="&l9;"/>'
        "</LightBurnProject>"
    )
    with pytest.raises(ParseError, match="^unsafe XML: ") as refused:
        parse(path)
    assert refused.value.code == "unsafe"


def test_a_project_with_more_holes_than_are_listed_keeps_their_count(tmp_path, monkeypatch):
    """As the DXF reader does: the first MAX_HOLES_LISTED round holes in the metadata (bottom
    row first), all of them counted in raw; the area still takes every hole away."""
    from ingest.parsers.lightburn import parser as lightburn

    monkeypatch.setattr(lightburn, "MAX_HOLES_LISTED", 3)
    plate = (
        '<Shape Type="Rect" CutIndex="0" W="200" H="20" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
    )
    holes = [
        f'<Shape Type="Ellipse" CutIndex="0" Rx="2" Ry="2"><XForm>1 0 0 1 {-90 + 20 * k} 0</XForm>'
        "</Shape>"
        for k in range(5)
    ]
    result = parse(project(tmp_path, [plate, *holes]))
    assert len(result.metadata["holes"]) == 3
    assert result.metadata["holes"][0]["center_mm"] == [-90.0, 0.0]
    assert result.raw["hole_count"] == 5 and result.raw["holes_listed"] == 3
    assert result.metadata["area_mm2"] == pytest.approx(200 * 20 - 5 * math.pi * 4, rel=1e-3)


def test_both_readers_list_the_same_number_of_holes():
    from ingest.geometry.analysis import MAX_HOLES_LISTED as dxf
    from ingest.parsers.lightburn.parser import MAX_HOLES_LISTED as lightburn

    assert lightburn == dxf
