"""Drawings that cost far more to read than their size says: blocks multiplying a circle a
million times, thousands of concentric circles. They are read with bounded work or refused with
a reason a person understands, before the work is done. The drawings are made here at test time
(a 12 KB file can stand for a million circles)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import ezdxf
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from ingest import services, tasks
from ingest.geometry import flatten
from ingest.models import FileIngest, FileStatus
from ingest.parsers.base import ParseError

from .dxf_helpers import add_rect_lines, new_doc, parse_path
from .factories import dxf_file


def concentric_circles(path: Path, count: int) -> Path:
    """`count` circles around one centre, radii 1, 2, ... mm: each lies inside all larger ones."""
    doc = new_doc()
    msp = doc.modelspace()
    for k in range(count):
        msp.add_circle((0, 0), 1 + k)
    doc.saveas(path)
    return path


def nested_blocks(path: Path, *sizes: int, rings: int = 1, spacing: float = 0.0) -> Path:
    """Blocks inside blocks: the innermost holds `sizes[-1]` copies of a block of `rings`
    concentric circles, each level above `sizes[i]` copies of the level below, model space one
    copy of the top. With `spacing` 0 every copy lands on the same spot (the bomb); otherwise
    copies are laid side by side (x at the innermost level, y above, and so on)."""
    doc = new_doc()
    base = doc.blocks.new("RINGS")
    for k in range(rings):
        base.add_circle((0, 0), 1 + k)
    below, pitch = "RINGS", spacing
    for level, copies in enumerate(reversed(sizes)):
        name = f"LEVEL{level}"
        block = doc.blocks.new(name)
        for k in range(copies):
            offset = (k * pitch, 0) if level % 2 == 0 else (0, k * pitch)
            block.add_blockref(below, offset)
        below, pitch = name, pitch * copies if level % 2 else pitch
    doc.modelspace().add_blockref(below, (0, 0))
    doc.saveas(path)
    return path


def test_a_million_circles_from_nested_blocks_are_refused_before_they_are_built(tmp_path):
    path = nested_blocks(tmp_path / "bomb.dxf", 100, 100, 100)
    assert path.stat().st_size < 50_000  # a small file ...
    with pytest.raises(ParseError) as refused:
        parse_path(path)  # ... that would be 1,000,000 circles
    message = str(refused.value)
    assert refused.value.code == "too_many_contours"
    assert "at least 1,000,000 closed contours" in message
    assert "at most 100,000" in message


def test_the_closed_contour_limit_comes_from_the_context(tmp_path):
    path = nested_blocks(tmp_path / "grid.dxf", 5, 10, rings=3, spacing=100)  # 150 circles
    assert parse_path(path, max_closed_contours=150).metadata["closed_contours"] == 150
    with pytest.raises(ParseError, match="at least 150 closed contours .* at most 149 "):
        parse_path(path, max_closed_contours=149)


def test_blocks_under_the_limit_are_nested_right(tmp_path):
    # 4 x 5 copies of a part made of 5 concentric circles: an outline, a hole, an island in it,
    # a hole in that and an island: 3 parts' worth of material and 2 holes per copy.
    path = nested_blocks(tmp_path / "copies.dxf", 4, 5, rings=5, spacing=20)
    md = parse_path(path).metadata
    assert md["closed_contours"] == 100
    assert md["part_count"] == 20
    assert len(md["holes"]) == 40
    assert sorted({h["diameter_mm"] for h in md["holes"]}) == [4.0, 8.0]


@pytest.mark.parametrize("count", [1, 2, 3, 2000])
def test_concentric_circles_alternate_between_material_and_holes(tmp_path, count):
    result = parse_path(concentric_circles(tmp_path / "rings.dxf", count))
    md = result.metadata
    assert md["closed_contours"] == count
    assert md["part_count"] == 1  # only the largest circle lies inside no other
    assert len(md["holes"]) == count // 2  # circles at odd depth: every second one
    depths = result.raw["nesting_depths"]
    assert depths == {str(d): 1 for d in range(count)}


def test_too_many_concentric_circles_are_refused_with_the_count(tmp_path):
    path = concentric_circles(tmp_path / "rings.dxf", 300)
    with pytest.raises(ParseError) as refused:
        parse_path(path, max_closed_contours=250)
    assert str(refused.value) == (
        "The drawing has 300 closed contours; Laser OS reads at most 250 in one drawing: "
        "split it into several files."
    )


def test_loose_lines_closing_into_too_many_contours_are_refused(tmp_path):
    doc = new_doc()
    msp = doc.modelspace()
    for k in range(60):  # squares of four LINEs: closed only once they are chained
        add_rect_lines(msp, 20 * k, 0, 20 * k + 10, 10)
    path = tmp_path / "squares.dxf"
    doc.saveas(path)
    assert parse_path(path, max_closed_contours=60).metadata["closed_contours"] == 60
    with pytest.raises(ParseError, match="has 60 closed contours; .* at most 59 "):
        parse_path(path, max_closed_contours=59)


def test_a_plate_with_many_holes_keeps_every_hole(tmp_path):
    # A perforated sheet: one outline and 3,000 holes whose boxes fill a big part's box.
    doc = new_doc()
    msp = doc.modelspace()
    add_rect_lines(msp, 0, 0, 610, 510)
    for row in range(50):
        for col in range(60):
            msp.add_circle((10 + col * 10, 10 + row * 10), 3)
    path = tmp_path / "perforated.dxf"
    doc.saveas(path)
    md = parse_path(path).metadata
    assert md["part_count"] == 1 and len(md["holes"]) == 3000


def test_ezdxf_writes_the_shapes_the_tests_mean(tmp_path):
    path = nested_blocks(tmp_path / "small.dxf", 2, 3, rings=2, spacing=10)
    doc = ezdxf.readfile(path)
    assert len(doc.blocks.get("LEVEL0")) == 3 and len(doc.blocks.get("LEVEL1")) == 2


def hungry_blocks(path: Path) -> Path:
    """1,900,000 short lines (under the segment cap) from a few KB of nested blocks: reading it
    takes well over a gigabyte, far more than any memory a test process keeps spare, so a
    small memory limit always stops it (and does so at once)."""
    doc = new_doc()
    lines = doc.blocks.new("LINES")
    for k in range(100):
        lines.add_line((k, 0), (k, 5))
    rows = doc.blocks.new("ROWS")
    for k in range(100):
        rows.add_blockref("LINES", (0, 10 * k))
    sheet = doc.blocks.new("SHEET")
    for k in range(190):
        sheet.add_blockref("ROWS", (200 * k, 0))
    doc.modelspace().add_blockref("SHEET", (0, 0))
    doc.saveas(path)
    return path


def _queued(path: Path) -> FileIngest:
    """A received DXF whose reading has not run yet."""
    file = services.ingest(
        source_file=ContentFile(path.read_bytes(), name=path.name), original_name=path.name
    ).file
    assert file.status == FileStatus.QUEUED
    return file


@pytest.mark.django_db
def test_the_worker_fails_a_block_bomb_with_the_reason(tmp_path):
    file = _queued(nested_blocks(tmp_path / "bomb.dxf", 100, 100, 100))
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED
    assert file.failure_reason.startswith("The drawing has at least 1,000,000 closed contours")


@pytest.mark.django_db
def test_the_contour_limit_is_a_setting(settings, tmp_path):
    settings.INGEST_MAX_CLOSED_CONTOURS = 99
    assert services.build_parse_context().max_closed_contours == 99
    file = _queued(concentric_circles(tmp_path / "rings.dxf", 100))
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED and "at most 99 " in file.failure_reason


@pytest.mark.django_db
def test_a_file_needing_more_memory_than_allowed_fails_and_the_next_one_is_read(settings, tmp_path):
    settings.INGEST_MEMORY_LIMIT_MB = 16
    limit_before = resource.getrlimit(resource.RLIMIT_AS)
    heavy = _queued(hungry_blocks(tmp_path / "hungry.dxf"))
    light = services.ingest(source_file=dxf_file(), original_name="0001-Bracket-MS-3mm-x4.dxf")
    assert tasks.process_file(heavy.pk) == f"file #{heavy.pk}: failed: out of memory"
    heavy.refresh_from_db()
    assert heavy.status == FileStatus.FAILED
    assert heavy.failure_reason == (
        "Needed more than 16 MB of memory to read; the drawing is too complex."
    )
    assert "MemoryError" in heavy.traceback
    assert resource.getrlimit(resource.RLIMIT_AS) == limit_before  # the worker is not limited
    assert tasks.process_file(light.file.pk) == f"file #{light.file.pk}: processed"
    light.file.refresh_from_db()
    assert light.file.status == FileStatus.PROCESSED and light.file.metadata.part_count == 1


def test_inspect_reports_a_file_needing_more_memory_than_allowed(tmp_path):
    # In its own process, as a person runs it: a test process that read big files before may
    # hold enough freed memory to read this one under any limit.
    path = hungry_blocks(tmp_path / "hungry.dxf")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "INGEST_MEMORY_LIMIT_MB": "16", "DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # inspect touches no database
    result = subprocess.run(
        [sys.executable, "manage.py", "inspect", str(path)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode != 0
    assert "needed more than 16 MB of memory to read; the drawing is too complex" in result.stderr


def test_inspect_refuses_a_block_bomb(tmp_path):
    path = nested_blocks(tmp_path / "bomb.dxf", 100, 100, 100)
    with pytest.raises(CommandError, match="at least 1,000,000 closed contours"):
        call_command("inspect", str(path))


def test_running_out_of_memory_is_not_taken_for_one_odd_entity(monkeypatch, tmp_path):
    # The flattener skips an entity it cannot read; an allocation that failed is not that.
    def no_memory_left(*args):
        raise MemoryError

    monkeypatch.setattr(flatten.Flattener, "_circle", no_memory_left)
    with pytest.raises(MemoryError):
        parse_path(concentric_circles(tmp_path / "rings.dxf", 3))
