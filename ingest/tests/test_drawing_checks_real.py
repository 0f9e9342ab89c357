"""The drawing checks a manager reads, on the shop's own files (samples/dxf/fdlb__*, copied from
its legacy job folders; see samples/dxf/SOURCES.md): separate parts, cut-outs, and no island or
doubled outline where the shop's drawings have none."""

from __future__ import annotations

import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ingest.geometry.outlines import cutouts_text
from ingest.models import FileIngest
from ingest.parsers.base import ParseContext
from ingest.parsers.lightburn.parser import LightBurnParser

from .dxf_helpers import codes, parse_path
from .factories import make_project

SAMPLES = Path(__file__).parent / "samples" / "dxf"
SHOP_JOBS = sorted(SAMPLES.glob("fdlb__0*.dxf"))
LIGHTBURN = Path(__file__).parent / "samples" / "lightburn"
LEGACY = Path(__file__).parent / "samples" / "legacy" / "profiles_import"


@pytest.fixture(autouse=True)
def _quiet_ezdxf():
    # ezdxf logs a line per odd handle in some real files; not what these tests look at.
    logging.getLogger("ezdxf").setLevel(logging.ERROR)
    yield
    logging.getLogger("ezdxf").setLevel(logging.NOTSET)


def _message(result, code: str) -> str:
    [message] = [w.message for w in result.warnings if w.code == code]
    return message


def test_the_teethed_plate_is_three_parts():
    result = parse_path(SAMPLES / "fdlb__0003-new teethed plate design-Galv-1.2mm-x1.dxf")
    assert result.metadata["part_count"] == 3
    assert _message(result, "separate_parts") == (
        "3 separate parts in this drawing, to be priced and nested as 3, not one: all about "
        "170 × 1 220 mm, side by side over 506 × 1 222 mm."
    )


def test_the_garden_order_sheet_is_ten_parts_of_several_sizes():
    result = parse_path(SAMPLES / "fdlb__0004-200.125.100.75mm garden-Galv-1.2mm-x1.dxf")
    assert result.metadata["part_count"] == 10
    assert _message(result, "separate_parts") == (
        "10 separate parts in this drawing, to be priced and nested as 10, not one: "
        "1 large (1 220 × 270 mm), 1 medium (1 220 × 195 mm) 30 mm above it, "
        "2 medium (about 1 220 × 170 mm) 330 mm above it and 6 more of 3 other sizes."
    )


def test_the_blue_plate_whose_outline_is_open_shows_its_pieces_as_parts():
    # Its sheet outline does not close, so the slots inside it are 27 loose pieces: the manager
    # reads both warnings side by side.
    result = parse_path(SAMPLES / "fdlb__0002-Blue Plate Final-MS-3mm-x1.dxf")
    assert _message(result, "separate_parts").startswith(
        "27 separate parts in this drawing, to be priced and nested as 27, not one: "
        "1 large (260 × 120 mm), 1 small (10 × 62 mm) above and to the left of it, "
        "12 small (about 22 × 12.5 mm) around it"
    )
    assert _message(result, "open_contour").startswith("2 open contour(s)")
    assert _message(result, "duplicate_geometry").startswith("1 segment(s) are drawn twice")


def test_the_blue_plate_lists_its_cut_outs_beside_its_round_holes():
    md = parse_path(SAMPLES / "fdlb__0002-Blue Plate-MS-0.53mm-x1.dxf").metadata
    assert md["part_count"] == 1 and len(md["holes"]) == 8 and len(md["cutouts"]) == 17
    assert cutouts_text(md["cutouts"]) == (
        "6 shaped cut-outs 12 × 20 mm, 3 shaped cut-outs 22 × 12.5 mm, 3 slots 17 × 12 mm, "
        "3 shaped cut-outs 12.5 × 22 mm, 1 rectangular cut-out 120 × 260 mm, 1 slot 62 × 10 mm"
    )
    [window] = [c for c in md["cutouts"] if c["shape"] == "rectangle"]
    assert window["size_mm"] == [120.0, 260.0]


@pytest.mark.parametrize(
    ("name", "listed"),
    [
        (
            "fdlb__gate_panel_1000x1800_t3_window700x1400.dxf",
            "1 rectangular cut-out 700 × 1 400 mm",
        ),
        ("fdlb__room_divider_800x1800_t3_3slots.dxf", "3 rectangular cut-outs 120 × 1 500 mm"),
        ("fdlb__0001-100mm L cut-Galv-x5.dxf", ""),  # round holes only
    ],
)
def test_starter_library_cut_outs(name, listed):
    md = parse_path(SAMPLES / name).metadata
    assert cutouts_text(md["cutouts"]) == listed


@pytest.mark.parametrize("path", SHOP_JOBS, ids=[p.name for p in SHOP_JOBS])
def test_the_shops_jobs_have_no_island_and_no_doubled_outline(path):
    # None of the shop's job drawings has a piece inside a hole or an outline drawn twice: the
    # checks must not cry wolf on them.
    result = parse_path(path)
    assert "island_in_hole" not in codes(result)
    assert not any(
        "contour" in w.message for w in result.warnings if w.code == "duplicate_geometry"
    )
    assert result.raw["doubled_contours"] == 0


@pytest.mark.django_db
def test_a_manager_sees_the_cut_outs_on_the_job_page_and_in_the_api(
    api, admin_user_client, committed
):
    project = make_project()
    name = "fdlb__gate_panel_1000x1800_t3_window700x1400.dxf"
    upload = SimpleUploadedFile(name, (SAMPLES / name).read_bytes())
    with committed():
        response = api("Operator").post(
            "/api/v1/files/", {"file": [upload], "project": project.code}, format="multipart"
        )
    assert response.status_code == 202, response.content
    file = FileIngest.objects.get(pk=response.json()[0]["id"])
    assert file.metadata.cutouts == [
        {"shape": "rectangle", "size_mm": [700.0, 1400.0], "center_mm": [500.0, 900.0]}
    ]
    metadata = api("Viewer").get(f"/api/v1/files/{file.pk}/metadata/").json()
    assert metadata["cutouts"] == file.metadata.cutouts and metadata["holes"] == []
    page = admin_user_client.get(f"/admin/projects/project/{project.pk}/change/")
    assert "1 rectangular cut-out 700 × 1 400 mm" in page.content.decode()
    page = admin_user_client.get(f"/admin/ingest/fileingest/{file.pk}/change/")
    assert "<th>Cut-outs</th><td>1 rectangular cut-out 700 × 1 400 mm</td>" in (
        page.content.decode()
    )


def _lightburn(path: Path):
    return LightBurnParser().parse(path, ParseContext(make_preview=False))


def test_lightburn_projects_tell_their_separate_parts_as_drawings_do():
    garden = (
        LEGACY / "CL-0002/1.Projects/DEOA-200.125.100.75mm garden-Galv-1mm-x1 version 2.0.lbrn2"
    )
    result = _lightburn(garden)
    # 13 closed outlines at the top, one of them a dot of no size: 12 parts to price.
    assert result.metadata["part_count"] == 13
    assert _message(result, "separate_parts") == (
        "12 separate parts in this drawing, to be priced and nested as 12, not one: "
        "1 large (2 400 × 170 mm), 1 medium (1 220 × 270 mm) below and to the left of it, "
        "1 medium (1 220 × 195 mm) below and to the left of it and 9 more of 4 other sizes."
    )
    gas_box = _lightburn(LIGHTBURN / "0001-Full Gas Box Version1-Galv-1mm-x1.lbrn2")
    assert _message(gas_box, "separate_parts").startswith(
        "33 separate parts in this drawing, to be priced and nested as 33, not one: "
        "3 large (about 440 × 655 mm), "
    )
    one = _lightburn(LIGHTBURN / "0005-100mm teeth-GaLv-1.2mm-x5.lbrn2")
    assert one.metadata["part_count"] == 1 and one.warnings == []


def test_a_lightburn_island_is_told():
    result = _lightburn(LIGHTBURN / "lbrnts__Grid.lbrn2")
    assert _message(result, "island_in_hole") == (
        "2 closed contours lie inside a hole of a part (an island), e.g. one of 160 × 160 mm at "
        "(200.0, 215.0); each drops out as a loose piece or is a second part to cut: check with "
        "the customer."
    )


def test_lightburn_projects_list_their_cut_outs():
    floor = _lightburn(LIGHTBURN / "0001-Floor design- - -x1.lbrn2").metadata
    assert cutouts_text(floor["cutouts"]) == (
        "156 rectangular cut-outs 122 × 2 mm, 3 rectangular cut-outs 305 × 125 mm"
    )
    plate = _lightburn(LIGHTBURN / "lbrnts__switch_plate.lbrn2").metadata
    assert cutouts_text(plate["cutouts"]) == "28 rectangular cut-outs 13.8 × 13.8 mm"
    garden = (
        LEGACY / "CL-0002/1.Projects/DEOA-200.125.100.75mm garden-Galv-1mm-x1 version 2.0.lbrn2"
    )
    md = _lightburn(garden).metadata
    assert len(md["holes"]) == 28 and md["cutouts"] == []  # its dot of no size is no cut-out


@pytest.mark.django_db
def test_inspect_prints_the_cut_outs():
    out = StringIO()
    call_command("inspect", str(SAMPLES / "fdlb__room_divider_800x1800_t3_3slots.dxf"), stdout=out)
    [line] = [row for row in out.getvalue().splitlines() if row.startswith("cut-outs")]
    assert line.split(None, 1)[1] == "3 rectangular cut-outs 120 × 1 500 mm"
