"""Hostile and broken DXF input: a clean ParseError (one line) or a warning, never a crash."""

from __future__ import annotations

import random

import pytest

from ingest.parsers.base import ParseError

from .dxf_helpers import codes, new_doc, parse_doc, parse_path


def _assert_clear(exc: ParseError) -> None:
    message = str(exc)
    assert message and "\n" not in message and len(message) < 300
    assert "Traceback" not in message


def test_binary_garbage_named_dxf(tmp_path):
    path = tmp_path / "drawing.dxf"
    path.write_bytes(random.Random(1).randbytes(20_000))
    with pytest.raises(ParseError) as info:
        parse_path(path)
    _assert_clear(info.value)
    assert "not a DXF" in str(info.value) and info.value.code == "not_dxf"


def test_text_file_named_dxf(tmp_path):
    path = tmp_path / "notes.dxf"
    path.write_text("Please cut 10 of these in 3mm mild steel\nThanks\n")
    with pytest.raises(ParseError) as info:
        parse_path(path)
    _assert_clear(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.dxf"
    path.write_bytes(b"")
    with pytest.raises(ParseError) as info:
        parse_path(path)
    assert info.value.code == "empty_file" and "empty" in str(info.value)


def test_dwg_named_dxf(tmp_path):
    path = tmp_path / "part.dxf"
    path.write_bytes(b"AC1032\x00\x00\x00\x00\x00\x06\x01" + bytes(500))
    with pytest.raises(ParseError) as info:
        parse_path(path)
    assert "DWG" in str(info.value)


def _good_doc():
    doc = new_doc()
    for i in range(300):
        doc.modelspace().add_circle((i * 10, 0), 4)
    return doc


@pytest.mark.parametrize("fmt", ["asc", "bin"])
def test_truncated_file(tmp_path, fmt):
    full = tmp_path / "full.dxf"
    _good_doc().saveas(full, fmt=fmt)
    data = full.read_bytes()
    cut = tmp_path / "cut.dxf"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(ParseError) as info:
        parse_path(cut)
    _assert_clear(info.value)
    assert info.value.code in {"truncated", "damaged"}


def test_missing_file_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError):
        parse_path(tmp_path / "nowhere.dxf")


def _nested(depth):
    """Blocks B1 ⊂ B2 ⊂ ... ⊂ B<depth>, the innermost holding one 10 mm line."""
    doc = new_doc()
    doc.blocks.new("B1").add_line((0, 0), (10, 0))
    for i in range(2, depth + 1):
        doc.blocks.new(f"B{i}").add_blockref(f"B{i - 1}", (0, 0))
    doc.modelspace().add_blockref(f"B{depth}", (0, 0))
    return doc


def test_blocks_nested_deeper_than_the_limit(tmp_path):
    with pytest.raises(ParseError) as info:
        parse_doc(_nested(40), tmp_path)
    _assert_clear(info.value)
    assert info.value.code == "too_deep" and "16" in str(info.value)


def test_nesting_within_the_limit_and_a_raised_limit(tmp_path):
    assert parse_doc(_nested(16), tmp_path).metadata["cut_length_mm"] == 10.0
    md = parse_doc(_nested(40), tmp_path, "deep.dxf", max_block_depth=64).metadata
    assert md["cut_length_mm"] == 10.0 and md["entity_counts"]["INSERT"] == 40


def test_absurd_depth_limit_never_recurses_too_far(tmp_path):
    with pytest.raises(ParseError):
        parse_doc(_nested(300), tmp_path, max_block_depth=10_000)


def test_self_referencing_block(tmp_path):
    doc = new_doc()
    blk = doc.blocks.new("SELF")
    blk.add_line((0, 0), (10, 0))
    blk.add_blockref("SELF", (20, 0))
    doc.modelspace().add_blockref("SELF", (0, 0))
    result = parse_doc(doc, tmp_path)
    assert "block_self_reference" in codes(result)
    assert result.metadata["cut_length_mm"] == 10.0


def test_indirect_block_cycle(tmp_path):
    doc = new_doc()
    a = doc.blocks.new("A")
    b = doc.blocks.new("B")
    a.add_line((0, 0), (5, 0))
    a.add_blockref("B", (0, 10))
    b.add_line((0, 0), (7, 0))
    b.add_blockref("A", (0, 10))
    doc.modelspace().add_blockref("A", (0, 0))
    result = parse_doc(doc, tmp_path)
    assert "block_self_reference" in codes(result)
    assert result.metadata["cut_length_mm"] == 12.0


def test_exponential_block_expansion_is_refused(tmp_path):
    # Each level inserts the previous one 10 times: 10^9 lines once exploded.
    doc = new_doc()
    doc.blocks.new("L0").add_line((0, 0), (1, 0))
    for level in range(1, 10):
        blk = doc.blocks.new(f"L{level}")
        for k in range(10):
            blk.add_blockref(f"L{level - 1}", (0, k * 2))
    doc.modelspace().add_blockref("L9", (0, 0))
    with pytest.raises(ParseError) as info:
        parse_doc(doc, tmp_path)
    assert info.value.code == "too_complex"
    _assert_clear(info.value)


def test_huge_minsert_is_refused(tmp_path):
    doc = new_doc()
    doc.blocks.new("P").add_circle((0, 0), 1)
    doc.modelspace().add_blockref("P", (0, 0)).grid(size=(5000, 5000), spacing=(3, 3))
    with pytest.raises(ParseError) as info:
        parse_doc(doc, tmp_path)
    assert info.value.code == "too_complex"


def test_insert_of_a_missing_block(tmp_path):
    doc = new_doc()
    doc.modelspace().add_blockref("NOWHERE", (0, 0))  # ezdxf does not check the name
    doc.modelspace().add_line((0, 0), (3, 0))
    result = parse_doc(doc, tmp_path)
    assert result.metadata["cut_length_mm"] == 3.0
    assert "block_missing" in codes(result)
    assert result.raw["missing_blocks"] == ["NOWHERE"]


def test_degenerate_entities_are_ignored(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_line((5, 5), (5, 5))
    msp.add_circle((0, 0), 0)
    msp.add_lwpolyline([(1, 1)])
    msp.add_lwpolyline([(1, 1), (1, 1), (1, 1)], close=True)
    msp.add_line((0, 0), (10, 0))
    result = parse_doc(doc, tmp_path)
    assert result.metadata["cut_length_mm"] == 10.0
    assert result.raw["degenerate_entities"] == 4


def test_nan_and_absurd_coordinates_are_left_out(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0))
    msp.add_line((0, 0), (1e300, 5))
    msp.add_line((0, 0), (7e200, 5))
    msp.add_circle((5, 5), 2)
    path = tmp_path / "nan.dxf"
    doc.saveas(path)
    path.write_text(path.read_text().replace("\n1e+300\n", "\nnan\n", 1))
    result = parse_path(path, make_preview=True)
    md = result.metadata
    assert md["bbox_mm"] == [10.0, 7.0]
    assert abs(md["cut_length_mm"] - (10 + 4 * 3.141592653589793)) < 1e-3
    assert "entity_unreadable" in codes(result)
    assert result.preview_png.startswith(b"\x89PNG")
