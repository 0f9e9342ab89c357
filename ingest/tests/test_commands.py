"""manage.py inspect (reads, stores nothing; one JSON object; one clear line on failure) and
manage.py ingest (files and folders, a summary, --sync)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ingest.models import FileIngest, FileStatus

from .factories import ClientFactory, dxf_bytes, make_project, media_files

ROOT = Path(__file__).resolve().parents[2]
LIGHTBURN_SAMPLE = ROOT / "ingest/tests/samples/legacy/profiles_import/CL-0007/1.Projects"
LIGHTBURN_SAMPLE = LIGHTBURN_SAMPLE / "0002-harlow-10.01.2025/0002-Harlow-SS-0.9mm-x1.lbrn2"


def manage(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def bracket(tmp_path) -> Path:
    path = tmp_path / "CL-0003" / "0001-Bracket-GaLv-1.2mm-x20.dxf"
    path.parent.mkdir(parents=True)
    path.write_bytes(dxf_bytes())
    return path


# --- inspect ---------------------------------------------------------------------------------


def test_inspect_json_prints_exactly_one_object_with_the_issue_keys(bracket, tmp_path):
    result = manage("inspect", str(bracket), "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    data = json.loads(result.stdout)
    for key in (
        "type",
        "units",
        "bbox_mm",
        "cut_length_mm",
        "pierce_count",
        "part_count",
        "area_mm2",
        "holes",
        "closed_contours",
        "open_contours",
        "entity_counts",
        "layers",
        "material",
        "thickness_mm",
        "quantity",
        "warnings",
    ):
        assert key in data, key
    assert data["type"] == "dxf" and data["units"] == "mm" and data["bbox_mm"] == [100.0, 50.0]
    assert data["material"] == "GALV" and data["thickness_mm"] == 1.2 and data["quantity"] == 20
    assert data["holes"][0]["diameter_mm"] == pytest.approx(10.0)
    assert data["pierce_count"] == 2 and data["part_count"] == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "make, expected, modes",
    [
        (lambda d: d / "missing.dxf", "no such file", [[]]),
        (lambda d: d, "is a folder", [["--json"]]),
        (lambda d: _write(d / "garbage.dxf", os.urandom(4096)), "garbage.dxf:", [[], ["--json"]]),
        (lambda d: _write(d / "empty.dxf", b""), "empty.dxf:", [["--json"]]),
        (lambda d: _write(d / "notes.txt", b"hello\n"), "unsupported file type", [[]]),
    ],
    ids=["missing", "folder", "garbage", "empty", "text"],
)
def test_inspect_failures_are_one_line_and_a_nonzero_exit(tmp_path, make, expected, modes):
    target = make(tmp_path)
    for extra in modes:
        result = manage("inspect", str(target), *extra, tmp_path=tmp_path)
        assert result.returncode != 0
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert expected in lines[0] and "Traceback" not in result.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.django_db
def test_inspect_plain_output_is_a_readable_table_and_stores_nothing(bracket, settings):
    out = StringIO()
    call_command("inspect", str(bracket), stdout=out)
    text = out.getvalue()
    assert "cut length" in text and "331.4 mm" in text
    assert "material   GALV" in text or "GALV" in text.split("material", 1)[1].splitlines()[0]
    assert "holes" in text and "Ø10.00" in text
    assert not FileIngest.objects.exists() and media_files(settings) == []


@pytest.mark.django_db
def test_inspect_reads_lightburn_and_writes_a_preview_when_asked(tmp_path):
    out = StringIO()
    preview = tmp_path / "preview.png"
    call_command(
        "inspect", str(LIGHTBURN_SAMPLE), "--json", "--preview", str(preview), stdout=out,
        stderr=StringIO(),
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["type"] == "lightburn" and data["material"] == "SS"
    assert data["thickness_mm"] == 0.9
    assert preview.read_bytes().startswith(b"\x89PNG")


# --- ingest ----------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "incoming"
    (root / "nested").mkdir(parents=True)
    (root / "0001-Plate-MS-3mm-x2.dxf").write_bytes(dxf_bytes(width=10))
    (root / "nested" / "0002-Gusset-SS-2mm-x4.dxf").write_bytes(dxf_bytes(width=20))
    (root / "readme.txt").write_bytes(b"just notes\n")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return root


@pytest.mark.django_db
def test_ingest_a_folder_reports_what_it_did(folder):
    client = ClientFactory(code="CL-0004")
    out = StringIO()
    call_command("ingest", str(folder), "--client", "CL0004", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "3 file(s): 2 ingested, 0 duplicates, 1 refused" in text
    assert "refused    incoming/readme.txt: 'readme.txt' is not a file type" in text
    files = FileIngest.objects.order_by("part")
    assert [f.part for f in files] == ["Gusset", "Plate"]
    assert all(f.client == client and f.source == "cli" for f in files)
    assert files[0].source_path == "incoming/nested/0002-Gusset-SS-2mm-x4.dxf"
    assert all(f.status == FileStatus.QUEUED for f in files)  # the worker reads them

    again = StringIO()
    call_command("ingest", str(folder), stdout=again, stderr=StringIO())
    assert "2 duplicates" in again.getvalue() and FileIngest.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_ingest_sync_reads_the_files_at_once(folder, settings):
    settings.TASKS_RUN_INLINE = False  # --sync must do it, not the test settings
    project = make_project(ClientFactory(code="CL-0005"))
    (folder / "broken.dxf").write_bytes(b"  0\nSECTION\n  2\nENTITIES\n  0\nLINE\n 10\nabc\n")
    out = StringIO()
    call_command(
        "ingest", str(folder), "--project", project.code, "--sync", stdout=out, stderr=StringIO()
    )
    text = out.getvalue()
    assert "4 file(s): 3 ingested" in text
    assert "read: 2 processed, 1 failed" in text and "failed     broken.dxf:" in text
    assert FileIngest.objects.filter(project=project, status=FileStatus.PROCESSED).count() == 2


@pytest.mark.django_db
def test_ingest_one_file_with_a_part_name(bracket):
    call_command("ingest", str(bracket), "--part", "Left bracket", stdout=StringIO())
    assert FileIngest.objects.get().stored_name == "LeftBracket-GALV-1.2mm-x20-v001.dxf"


@pytest.mark.django_db
def test_ingest_with_known_material_thickness_and_quantity(
    bracket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "ingest", str(bracket), "--material", "ss", "--thickness", "2", "--quantity", "3",
            stdout=StringIO(),
        )  # fmt: skip
    file = FileIngest.objects.get()
    assert file.stored_name.endswith("-SS-2mm-x3-v001.dxf")
    assert (file.metadata.material_code, file.metadata.quantity) == ("SS", 3)
    assert "given_differs" in {w["code"] for w in file.metadata.warnings}  # the name says GALV


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["/no/such/place"], "no such file or folder"),
        (["{bracket}", "--client", "CL-0999"], "no client CL-0999"),
        (["{bracket}", "--client", "nonsense"], "is not a client code"),
        (["{bracket}", "--project", "JB-2099-01-CL0001-001"], "no project"),
        (["{bracket}", "--material", "cheese"], "not a material the shop knows"),
        (["{bracket}", "--thickness", "0"], "not a thickness"),
    ],
)
def test_ingest_refuses_bad_arguments_with_one_line(bracket, args, message):
    args = [a.replace("{bracket}", str(bracket)) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("ingest", *args, stdout=StringIO(), stderr=StringIO())
    assert not FileIngest.objects.exists()


@pytest.mark.django_db
def test_ingest_says_so_when_nothing_was_taken(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x\n")
    with pytest.raises(CommandError, match="nothing was ingested: 1 file"):
        call_command("ingest", str(tmp_path / "a.txt"), stdout=StringIO(), stderr=StringIO())
