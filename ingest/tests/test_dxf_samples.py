"""Every real DXF in samples/dxf/ is processed or refused with a clear ParseError, and a few
are checked against what their authors say they are (see samples/dxf/SOURCES.md)."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest

from ingest.parsers.base import ParseError

from .dxf_helpers import codes, parse_path

SAMPLES = Path(__file__).parent / "samples" / "dxf"
ALL = sorted(SAMPLES.glob("*.dxf"))
PI = math.pi


@pytest.fixture(autouse=True)
def _quiet_ezdxf():
    # ezdxf logs a line per odd handle in some real files; not what these tests look at.
    logging.getLogger("ezdxf").setLevel(logging.ERROR)
    yield
    logging.getLogger("ezdxf").setLevel(logging.NOTSET)


def test_samples_are_present_and_listed():
    listed = (SAMPLES / "SOURCES.md").read_text()
    assert len(ALL) >= 25
    for path in ALL:
        assert f"`{path.name}`" in listed, path.name
    assert sum(p.stat().st_size for p in ALL) < 3_000_000


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_every_sample_is_processed_or_refused_cleanly(path):
    try:
        result = parse_path(path, make_preview=True, thickness_mm=3.0)
    except ParseError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300
        return
    md = result.metadata
    assert md["units"] == "mm"
    assert md["cut_length_mm"] >= 0 and md["pierce_count"] >= 0
    assert md["pierce_count"] == md["closed_contours"] + md["open_contours"]
    assert md["part_count"] <= md["closed_contours"]
    json.dumps(result.raw)
    json.dumps(md)
    if md["cut_length_mm"] > 0:
        assert result.preview_png and result.preview_png.startswith(b"\x89PNG")
    else:
        assert "empty_drawing" in codes(result)


def test_starter_base_plate_200x200_with_4_holes_of_18():
    result = parse_path(SAMPLES / "fdlb__base_plate_200x200_t10_4x18_on160.dxf", thickness_mm=10)
    md = result.metadata
    assert md["bbox_mm"] == [200.0, 200.0]
    assert md["part_count"] == 1
    assert abs(md["area_mm2"] - (40000 - 4 * PI * 81)) < 1e-3
    holes = sorted((h["diameter_mm"], *h["center_mm"]) for h in md["holes"])
    assert holes == [
        (18.0, 20.0, 20.0),
        (18.0, 20.0, 180.0),
        (18.0, 180.0, 20.0),
        (18.0, 180.0, 180.0),
    ]
    # The centre-mark crosses (CENTERLINES) and the note (NOTES) are drawing aids, not cuts:
    # one outline and four holes make five pierces and a clean, closed drawing.
    assert md["open_contours"] == 0 and md["pierce_count"] == 5
    assert abs(md["cut_length_mm"] - (800 + 4 * PI * 18)) < 1e-3
    warning = next(w for w in result.warnings if w.code == "reference_layers_skipped")
    assert "CENTERLINES" in warning.message and "NOTES" in warning.message
    assert "units_assumed_mm" in codes(result)
    assert not {"open_contour", "text_not_converted", "hole_smaller_than_thickness"} & codes(result)


def test_reference_layers_can_be_cut_when_the_shop_says_so():
    result = parse_path(
        SAMPLES / "fdlb__base_plate_200x200_t10_4x18_on160.dxf", thickness_mm=10, non_cut_layers=()
    )
    assert result.metadata["open_contours"] == 8
    warning = next(w for w in result.warnings if w.code == "open_contour")
    assert "CENTERLINES" in warning.message


def test_starter_filter_plate_grid_of_holes():
    md = parse_path(SAMPLES / "fdlb__filter_plate_300x500_t2_d5_grid20.dxf").metadata
    assert md["part_count"] == 1
    assert len(md["holes"]) == 13 * 23  # Ø5 @ 20 pitch with a 25 mm margin
    assert {h["diameter_mm"] for h in md["holes"]} == {5.0}
    assert abs(md["area_mm2"] - (150000 - 299 * PI * 6.25)) < 1e-2


def test_starter_flange_bolt_circle():
    md = parse_path(SAMPLES / "fdlb__flange_d300_t12_8x18_on240.dxf").metadata
    bolts = [h for h in md["holes"] if h["diameter_mm"] == 18.0]
    assert len(bolts) == 8
    for h in bolts:
        assert abs(math.hypot(*h["center_mm"]) - 120.0) < 1e-3  # on the 240 PCD
    assert md["part_count"] == 1


def test_inch_channel_profile_matches_the_handbook_area():
    result = parse_path(SAMPLES / "cadquery__MC_12x31.dxf")
    md = result.metadata
    assert md["source_units"] == "in"
    assert md["part_count"] == 1 and md["closed_contours"] == 1
    # AISC lists MC12x31 as 9.12 in² (3 significant figures) and 12.0 in deep.
    assert abs(md["area_mm2"] / (9.12 * 25.4**2) - 1) < 0.01
    assert md["bbox_mm"][1] == pytest.approx(12 * 25.4)
    assert result.warnings == []


def test_real_shop_lightburn_export():
    md = parse_path(SAMPLES / "fdlb__0001-100mm L cut-Galv-x5.dxf").metadata
    assert md["bbox_mm"] == [1220.0, 100.0]
    assert md["part_count"] == 1
    assert len(md["holes"]) == 8 and {h["diameter_mm"] for h in md["holes"]} == {6.0}
    assert md["entity_counts"] == {"CIRCLE": 8, "POLYLINE": 1}


def test_damaged_samples():
    recovered = parse_path(SAMPLES / "ezdxf__recover01.dxf")
    assert "recovered" in codes(recovered) and recovered.raw["recovered"] is True
    assert recovered.metadata["cut_length_mm"] > 0
    with pytest.raises(ParseError) as info:
        parse_path(SAMPLES / "koppi__gear_lwpolyline_no_subclass.dxf")
    assert info.value.code == "damaged"


def test_binary_sample_with_text_only():
    result = parse_path(SAMPLES / "ezdxf__bin_dxf_r2000.dxf")
    assert result.raw["binary"] is True and result.metadata["source_units"] == "m"
    assert {"empty_drawing", "text_not_converted"} <= codes(result)


def test_dimensions_are_counted_but_not_cut():
    md = parse_path(SAMPLES / "skym__issue42.dxf").metadata
    assert md["entity_counts"]["DIMENSION"] == 13
    assert md["part_count"] == 1 and md["open_contours"] == 0


def test_file_without_header_is_not_read_as_metres():
    # No HEADER section: ezdxf would default to metres; the parser assumes mm and says so.
    result = parse_path(SAMPLES / "lasercut__generate.dxf")
    assert result.metadata["source_units"] == "unitless"
    assert "units_assumed_mm" in codes(result)
    assert result.metadata["bbox_mm"][1] < 2000
