"""The LightBurn parser on real projects, on hand-made geometry with known answers, and on
hostile files."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from ingest.parsers import registry
from ingest.parsers.base import DetectedType, ParseContext, ParseError, ParseResult
from ingest.parsers.lightburn import LightBurnParser

SAMPLES = Path(__file__).parent / "samples" / "lightburn"
ALL_SAMPLES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".lbrn", ".lbrn2"))


def parse(path: Path, **context: object) -> ParseResult:
    return LightBurnParser().parse(path, ParseContext(**context))  # type: ignore[arg-type]


def project(tmp_path: Path, body: str, material_height: str = "0", name: str = "p.lbrn2") -> Path:
    """A minimal LightBurn 2 project with one Cut layer (index 0) around `body`."""
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<LightBurnProject AppVersion="2.0.03" FormatVersion="1" MaterialHeight="{material_height}"'
        ' MirrorX="False" MirrorY="False">\n'
        '<CutSetting type="Cut"><index Value="0"/><name Value="C00"/><speed Value="100"/>'
        '<maxPower Value="20"/><numPasses Value="1"/></CutSetting>\n'
        f"{body}\n</LightBurnProject>\n",
        encoding="utf-8",
    )
    return path


def codes(result: ParseResult) -> set[str]:
    return {warning.code for warning in result.warnings}


# --- every sample ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_SAMPLES, ids=lambda p: p.name)
def test_every_sample_is_processed_or_refused_clearly(path: Path) -> None:
    try:
        result = parse(path)
    except ParseError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        return
    metadata = result.metadata
    assert result.kind == "lightburn" and result.parser == "lightburn"
    assert metadata["units"] == "mm"
    assert metadata["cut_length_mm"] >= 0
    assert metadata["pierce_count"] == metadata["closed_contours"] + metadata["open_contours"]
    assert sum(metadata["entity_counts"].values()) > 0
    json.dumps(result.raw)  # raw is kept as JSON history
    json.dumps(metadata)
    for warning in result.warnings:
        assert warning.code and warning.message


def test_all_samples_are_present() -> None:
    assert len(ALL_SAMPLES) == 19


def test_registered_for_lightburn_only() -> None:
    assert LightBurnParser.score(DetectedType("lightburn", "application/x-lightburn", "lbrn2")) > 0
    assert LightBurnParser.score(DetectedType("dxf", "image/vnd.dxf", "dxf")) == 0
    found = registry.parser_for(DetectedType("lightburn", "application/x-lightburn", "lbrn"))
    assert isinstance(found, LightBurnParser)


# --- the shop's own projects (checked against the shop's DXF exports of the same jobs) ----------


def test_plate_with_holes() -> None:
    result = parse(SAMPLES / "0001-100mm L cut-Galv-x5.lbrn2")
    metadata = result.metadata
    assert metadata["bbox_mm"] == [1220.0, 100.0]
    # 1220 x 100 plate and eight 6 mm holes: 2 (1220 + 100) + 8 pi 6
    assert metadata["cut_length_mm"] == pytest.approx(2640 + 8 * math.pi * 6, abs=0.01)
    assert (metadata["pierce_count"], metadata["part_count"]) == (9, 1)
    assert [h["diameter_mm"] for h in metadata["holes"]] == [6.0] * 8
    assert metadata["area_mm2"] == pytest.approx(122000 - 8 * math.pi * 9, abs=0.5)
    assert metadata["layers"] == ["C00"]
    assert metadata["entity_counts"] == {"Ellipse": 8, "Rect": 1}
    assert "thickness_mm" not in metadata  # MaterialHeight 0 says nothing
    assert result.warnings == []


def test_rotated_group_matches_the_dxf_export() -> None:
    metadata = parse(SAMPLES / "0002-Blue Plate-MS-0.53mm-x1.lbrn2").metadata
    assert metadata["bbox_mm"] == [750.0, 1665.0]
    assert metadata["cut_length_mm"] == pytest.approx(6774.34, abs=0.05)
    assert metadata["closed_contours"] == 26 and metadata["open_contours"] == 0


def test_paths_with_beziers_match_the_dxf_export() -> None:
    metadata = parse(SAMPLES / "0001-A Z OROS-SS-0.lbrn2").metadata
    assert metadata["bbox_mm"] == [250.001, 295.033]
    assert metadata["cut_length_mm"] == pytest.approx(2630.38, rel=1e-4)
    assert metadata["closed_contours"] == 43


def test_shared_vertex_lists_and_degenerate_rectangle() -> None:
    result = parse(SAMPLES / "0001-Full Gas Box Version1-Galv-1mm-x1.lbrn2")
    metadata = result.metadata
    assert metadata["bbox_mm"] == [8251.5, 3670.321]
    assert metadata["cut_length_mm"] == pytest.approx(48880.7, rel=1e-3)
    assert "larger_than_sheet" in codes(result)
    assert any("zero width or height" in w.message for w in result.warnings)


def test_scan_only_project_is_measured_with_a_warning() -> None:
    result = parse(SAMPLES / "0002-Harlow-SS-0.9mm-x1.lbrn2")
    assert "no_cut_layer" in codes(result)
    assert result.metadata["cut_length_mm"] > 0
    assert result.raw["measured_engraving_layers"] is True


def test_thumbnail_is_the_preview() -> None:
    result = parse(SAMPLES / "lbrnts__ZippoLighter.lbrn2")
    assert result.preview_png is not None and result.preview_png.startswith(b"\x89PNG\r\n\x1a\n")
    assert result.raw["thumbnail_bytes"] == len(result.preview_png)
    assert parse(SAMPLES / "lbrnts__ZippoLighter.lbrn2", make_preview=False).preview_png is None


def test_layer_with_output_off_is_not_cut() -> None:
    result = parse(SAMPLES / "lbrnts__ZippoLighter.lbrn2")  # its only layer has doOutput 0
    assert result.metadata["cut_length_mm"] == 0
    assert {"no_cut_geometry", "output_disabled"} <= codes(result)
    assert result.raw["app_version"] == "1.4.03"
    assert result.raw["cut_settings"][0]["params"]["speed"] == pytest.approx(8.33333)


def test_group_transform_and_shared_paths() -> None:
    # Six copies of one 100 mm outline (VertID/PrimID reused), placed by a group XForm; the text
    # sits on a Tool layer and is not output.
    result = parse(SAMPLES / "lbrnts__LockingJig_Teeth.lbrn2")
    metadata = result.metadata
    assert metadata["bbox_mm"] == [195.0, 30.0]
    assert metadata["cut_length_mm"] == pytest.approx(600.0)
    assert metadata["closed_contours"] == 6
    assert metadata["entity_counts"] == {"Group": 1, "Path": 6, "Text": 1}
    assert "text_not_converted" not in codes(result)


def test_legacy_lbrn_vertex_elements() -> None:
    result = parse(SAMPLES / "laserpost__complex-ll-top.lbrn")
    metadata = result.metadata
    # Fusion 360 writes each line on its own: joined, the outline is one closed contour; the six
    # short lead-in lines stay open.
    assert result.raw["contours_before_joining"] > metadata["pierce_count"]
    assert (metadata["closed_contours"], metadata["open_contours"]) == (6, 6)
    assert metadata["part_count"] == 1 and len(metadata["holes"]) == 5
    assert "engraving_layer" in codes(result)


def test_hand_written_fixture_gives_a_clear_result() -> None:
    result = parse(SAMPLES / "test_lightburn.lbrn2")
    assert result.metadata["thickness_mm"] == 3.0  # MaterialHeight
    assert result.metadata["bbox_mm"] is None and result.metadata["cut_length_mm"] == 0
    assert {"no_cut_geometry", "text_not_converted", "unreadable_shape"} <= codes(result)
    assert any("(Circle)" in w.message for w in result.warnings)


# --- geometry with known answers ---------------------------------------------------------------


def test_rect_with_corner_radius(tmp_path: Path) -> None:
    body = '<Shape Type="Rect" CutIndex="0" W="100" H="50" Cr="10"><XForm>{}</XForm></Shape>'
    straight = 2 * (100 + 50) - 8 * 10
    metadata = parse(project(tmp_path, body.format("1 0 0 1 0 0"))).metadata
    assert metadata["cut_length_mm"] == pytest.approx(straight + 2 * math.pi * 10, abs=0.01)
    assert metadata["bbox_mm"] == [100.0, 50.0]
    assert metadata["area_mm2"] == pytest.approx(100 * 50 - (4 - math.pi) * 100, rel=1e-3)
    scaled = parse(project(tmp_path, body.format("2 0 0 2 5 5"))).metadata
    assert scaled["cut_length_mm"] == pytest.approx(2 * metadata["cut_length_mm"], abs=0.02)
    # stretched in x only: the corners become quarter ellipses with semi-axes 20 and 10
    stretched = parse(project(tmp_path, body.format("2 0 0 1 0 0"))).metadata
    h = ((20 - 10) / (20 + 10)) ** 2
    ellipse = math.pi * 30 * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))
    assert stretched["cut_length_mm"] == pytest.approx(2 * 160 + 2 * 30 + ellipse, abs=0.02)
    assert stretched["bbox_mm"] == [200.0, 50.0]


def test_rotated_ellipse(tmp_path: Path) -> None:
    body = '<Shape Type="Ellipse" CutIndex="0" Rx="10" Ry="5"><XForm>0 1 -1 0 50 50</XForm></Shape>'
    metadata = parse(project(tmp_path, body)).metadata
    assert metadata["bbox_mm"] == [10.0, 20.0]
    h = (5 / 15) ** 2
    assert metadata["cut_length_mm"] == pytest.approx(
        math.pi * 15 * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h))), abs=0.01
    )
    assert metadata["area_mm2"] == pytest.approx(math.pi * 50, abs=0.01)
    assert metadata["holes"] == []  # a lone ellipse is a part, not a hole


def test_bezier_quarter_circles(tmp_path: Path) -> None:
    # A circle of radius 10 from four cubic beziers (kappa = 0.5523): length 2 pi 10 within 0.03 %
    k = 10 * 0.5522847498
    verts = (
        f"V10 0c0x10c0y{k}c1x10c1y{-k}"
        f"V0 10c0x{-k}c0y10c1x{k}c1y10"
        f"V-10 0c0x-10c0y{-k}c1x-10c1y{k}"
        f"V0 -10c0x{k}c0y-10c1x{-k}c1y-10"
    )
    body = (
        '<Shape Type="Path" CutIndex="0"><XForm>1 0 0 1 0 0</XForm>'
        f"<VertList>{verts}</VertList><PrimList>B0 1B1 2B2 3B3 0</PrimList></Shape>"
    )
    metadata = parse(project(tmp_path, body)).metadata
    assert metadata["cut_length_mm"] == pytest.approx(2 * math.pi * 10, rel=3e-4)
    assert metadata["bbox_mm"] == [20.0, 20.0]
    assert metadata["closed_contours"] == 1


def test_compact_vertex_flags_and_scientific_numbers(tmp_path: Path) -> None:
    # 'c0x1' alone is "no control point"; numbers may be written 1e1
    body = (
        '<Shape Type="Path" CutIndex="0"><XForm>1 0 0 1 0 0</XForm>'
        "<VertList>V0 0c0x1c1x1V1e1 0c0x1c1x1SV10 1.0e1c0x1c1x1</VertList>"
        "<PrimList>LineOpen</PrimList></Shape>"
    )
    result = parse(project(tmp_path, body))
    assert result.metadata["cut_length_mm"] == pytest.approx(20.0)
    assert (result.metadata["closed_contours"], result.metadata["open_contours"]) == (0, 1)
    assert "open_contour" in codes(result)


def test_nested_groups_compose(tmp_path: Path) -> None:
    body = (
        '<Shape Type="Group"><XForm>1 0 0 1 100 0</XForm><Children>'
        '<Shape Type="Group"><XForm>2 0 0 2 0 0</XForm><Children>'
        '<Shape Type="Rect" CutIndex="0" W="10" H="10" Cr="0"><XForm>1 0 0 1 5 0</XForm></Shape>'
        "</Children></Shape></Children></Shape>"
    )
    result = parse(project(tmp_path, body))
    assert result.metadata["bbox_mm"] == [20.0, 20.0]
    assert result.raw["cut_bbox"] == {"min_mm": [100.0, -10.0], "max_mm": [120.0, 10.0]}


def test_part_with_hole_and_thickness(tmp_path: Path) -> None:
    body = (
        '<Shape Type="Rect" CutIndex="0" W="100" H="100" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Ellipse" CutIndex="0" Rx="1" Ry="1"><XForm>1 0 0 1 20 -30</XForm></Shape>'
        '<Shape Type="Ellipse" CutIndex="0" Rx="10" Ry="10"><XForm>1 0 0 1 0 0</XForm></Shape>'
    )
    result = parse(project(tmp_path, body, material_height="3"))
    metadata = result.metadata
    assert metadata["thickness_mm"] == 3.0
    assert metadata["part_count"] == 1
    assert metadata["area_mm2"] == pytest.approx(10000 - math.pi * 101, abs=0.01)
    assert metadata["holes"] == [
        {"diameter_mm": 2.0, "center_mm": [20.0, -30.0]},
        {"diameter_mm": 20.0, "center_mm": [0.0, 0.0]},
    ]
    assert "hole_smaller_than_thickness" in codes(result)
    # the thickness may also come from the caller (e.g. the file name)
    no_height = project(tmp_path, body, name="q.lbrn2")
    assert "hole_smaller_than_thickness" not in codes(parse(no_height))
    assert "hole_smaller_than_thickness" in codes(parse(no_height, thickness_mm=3.0))


def test_island_inside_a_hole_is_a_part(tmp_path: Path) -> None:
    body = (
        '<Shape Type="Rect" CutIndex="0" W="100" H="100" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Rect" CutIndex="0" W="50" H="50" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Rect" CutIndex="0" W="10" H="10" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
    )
    metadata = parse(project(tmp_path, body)).metadata
    assert metadata["part_count"] == 2
    assert metadata["area_mm2"] == pytest.approx(10000 - 2500 + 100)


def test_separate_lines_that_meet_are_one_cut(tmp_path: Path) -> None:
    corners = [(0, 0), (40, 0), (40, 30), (0, 30)]
    body = "".join(
        '<Shape Type="Path" CutIndex="0"><XForm>1 0 0 1 0 0</XForm>'
        f'<V vx="{a[0]}" vy="{a[1]}"/><V vx="{b[0]}" vy="{b[1]}"/>'
        '<P T="L" p0="0" p1="1"/></Shape>'
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True)
    )
    result = parse(project(tmp_path, body, name="legacy.lbrn"))
    metadata = result.metadata
    assert result.raw["contours_before_joining"] == 4
    assert (metadata["pierce_count"], metadata["closed_contours"]) == (1, 1)
    assert metadata["cut_length_mm"] == pytest.approx(140.0)
    assert metadata["part_count"] == 1 and metadata["area_mm2"] == pytest.approx(1200.0)


def test_engraving_layer_is_not_cut_when_there_is_a_cut_layer(tmp_path: Path) -> None:
    body = (
        '<CutSetting type="Scan"><index Value="1"/><name Value="C01"/></CutSetting>'
        '<Shape Type="Rect" CutIndex="0" W="10" H="10" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Rect" CutIndex="1" W="50" H="50" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Text" CutIndex="0" Str="HELLO" H="5"><XForm>1 0 0 1 0 0</XForm></Shape>'
    )
    result = parse(project(tmp_path, body))
    assert result.metadata["cut_length_mm"] == pytest.approx(40.0)
    assert result.metadata["layers"] == ["C00", "C01"]
    assert {"engraving_layer", "text_not_converted"} <= codes(result)


# --- damaged and hostile files -----------------------------------------------------------------


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<LightBurnProject AppVersion="&lol9;" FormatVersion="1"></LightBurnProject>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<LightBurnProject AppVersion="1" FormatVersion="1"><Notes Notes="&secret;"/></LightBurnProject>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE LightBurnProject SYSTEM "http://example.invalid/evil.dtd">
<LightBurnProject AppVersion="1" FormatVersion="1"/>
"""


@pytest.mark.parametrize(
    "content", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"]
)
def test_unsafe_xml_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "evil.lbrn2"
    path.write_text(content)
    with pytest.raises(ParseError, match=r"^unsafe XML: ") as caught:
        parse(path)
    assert caught.value.code == "unsafe"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a readable LightBurn project"),
        (random.Random(3).randbytes(20_000), "not a readable LightBurn project"),
        (b'<?xml version="1.0"?><LightBurnProject><Shape', "not a readable LightBurn project"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not a LightBurn project: the XML root"),
    ],
    ids=["empty", "garbage", "truncated", "svg"],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.lbrn2"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=message):
        parse(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read the file"):
        parse(tmp_path / "gone.lbrn2")


def test_bad_numbers_and_references_are_reported_not_raised(tmp_path: Path) -> None:
    body = (
        '<Shape Type="Rect" CutIndex="0" W="1e999" H="5" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Ellipse" CutIndex="0" Rx="-3" Ry="3"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Rect" CutIndex="0" W="5" H="5"><XForm>not a matrix</XForm></Shape>'
        '<Shape Type="Path" CutIndex="0" VertID="7" PrimID="7"><XForm>1 0 0 1 0 0</XForm></Shape>'
        '<Shape Type="Path" CutIndex="0"><XForm>1 0 0 1 0 0</XForm>'
        "<VertList>V0 0c0x1c1x1V5 0c0x1c1x1</VertList><PrimList>L0 1L1 9B9 0</PrimList></Shape>"
        '<Shape Type="Rect" CutIndex="42" W="5" H="5" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
    )
    result = parse(project(tmp_path, body))
    messages = " ".join(w.message for w in result.warnings)
    for expected in [
        "rectangles without a usable size",
        "ellipses without a usable radius",
        "unreadable XForm",
        "paths without vertices",
        "name a missing vertex",
        "a layer the project does not define (C42)",
    ]:
        assert expected in messages
    assert result.metadata["pierce_count"] == 3  # two 5 mm squares and the one good line


def test_deeply_nested_groups_do_not_crash(tmp_path: Path) -> None:
    depth = 300
    rect = '<Shape Type="Rect" CutIndex="0" W="5" H="5" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'
    body = (
        '<Shape Type="Group"><XForm>1 0 0 1 1 0</XForm><Children>' * depth
        + rect
        + "</Children></Shape>" * depth
    )
    result = parse(project(tmp_path, body))
    assert any("nested too deep" in w.message for w in result.warnings)


def test_bad_thumbnail_is_a_warning(tmp_path: Path) -> None:
    result = parse(project(tmp_path, '<Thumbnail Source="bm90IGEgcG5n"/>'))
    assert result.preview_png is None
    assert "bad_thumbnail" in codes(result)
