"""manage.py import_legacy_tree: the shop's CL-000N/1.Projects/NNNN-name-MM.DD.YYYY tree becomes
clients, dated projects and their files; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clients.models import Client
from ingest.legacy_import import import_tree, plan_tree
from ingest.models import FileIngest, FileStatus
from laseros.models import ActivityLog
from projects.models import Project

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "samples" / "legacy" / "profiles_import"

EXPECTED_PROJECTS = {
    # code: (client, name, folder date, files stored in it)
    "JB-2025-02-CL0002-001": ("CL-0002", "100mm Pieces", dt.date(2025, 2, 9), 2),
    "JB-2025-02-CL0002-002": ("CL-0002", "200mm.100mm Pieces", dt.date(2025, 2, 9), 2),
    "JB-2025-09-CL0002-005": ("CL-0002", "100mm teeth", dt.date(2025, 9, 29), 2),
    "JB-2025-10-CL0003-002": ("CL-0003", "Blue Plate", dt.date(2025, 10, 7), 4),
    "JB-2025-10-CL0007-002": ("CL-0007", "harlow", dt.date(2025, 10, 1), 1),
}


def _run(path: Path = SAMPLES) -> str:
    out = StringIO()
    call_command("import_legacy_tree", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_sample_tree_becomes_clients_projects_and_files():
    text = _run()
    assert sorted(Client.objects.values_list("code", flat=True)) == [
        "CL-0002",
        "CL-0003",
        "CL-0007",
    ]
    projects = {p.code: p for p in Project.objects.select_related("client")}
    assert set(projects) == set(EXPECTED_PROJECTS)
    for code, (client_code, name, date, file_count) in EXPECTED_PROJECTS.items():
        project = projects[code]
        assert project.client.code == client_code and project.name == name
        assert timezone.localtime(project.created_at).date() == date
        assert project.status == "request"
        assert f"1.Projects/{code[-3:].rjust(4, '0')}-{name}" in project.description
        assert FileIngest.objects.filter(project=project).count() == file_count, code

    unfiled = FileIngest.objects.get(project__isnull=True)
    assert unfiled.client.code == "CL-0002" and unfiled.kind == "lightburn"
    assert unfiled.file.name.startswith("CL-0002/unfiled/")
    assert FileIngest.objects.count() == 12
    assert set(FileIngest.objects.values_list("source", flat=True)) == {"legacy_import"}

    blue = FileIngest.objects.filter(project__code="JB-2025-10-CL0003-002")
    assert sorted(blue.values_list("stored_name", flat=True)) == [
        "CL0003-JB-2025-10-CL0003-002-BluePlate-MS-0.53mm-x1-v001.dxf",
        "CL0003-JB-2025-10-CL0003-002-BluePlate-MS-0.53mm-x1-v001.lbrn2",
        "CL0003-JB-2025-10-CL0003-002-BluePlateFinal-MS-3mm-x1-v001.dxf",
        "CL0003-JB-2025-10-CL0003-002-BluePlateFinal-MS-3mm-x1-v001.lbrn2",
    ]
    assert blue.filter(
        source_path="CL-0003/1.Projects/0002-Blue Plate-10.07.2025/0002-Blue Plate-MS-0.53mm-x1.dxf"
    ).exists()
    assert all(f.file.name.startswith("CL-0003/JB-2025-10-CL0003-002/") for f in blue)

    assert (
        "clients: 3 created, 0 already there; projects: 5 created, 0 already there; "
        "files: 12 ingested, 0 already imported, 2 duplicates, 0 refused, 0 skipped"
    ) in text
    assert (
        "DEOA-200.125.100.75mm garden-Galv-1mm-x1 version 2.0.lbrn2: not in a project folder"
        in text
    )
    assert "0002-L cut 100mm-Galv-1.2mm-x28.dxf: duplicate of CL0002-JB-2025-02-CL0002-001-" in text


def test_client_numbers_are_kept_and_never_handed_out_again():
    from clients.services import client_create

    _run()
    assert client_create(name="New customer", by=None).code == "CL-0008"


def test_a_second_run_changes_nothing():
    _run()
    counts = (
        Client.objects.count(),
        Project.objects.count(),
        FileIngest.objects.count(),
        ActivityLog.objects.count(),
    )
    names = sorted(FileIngest.objects.values_list("file", flat=True))
    text = _run()
    assert (
        Client.objects.count(),
        Project.objects.count(),
        FileIngest.objects.count(),
        ActivityLog.objects.count(),
    ) == counts
    assert sorted(FileIngest.objects.values_list("file", flat=True)) == names
    assert (
        "clients: 0 created, 3 already there; projects: 0 created, 5 already there; "
        "files: 0 ingested, 12 already imported, 2 duplicates"
    ) in text
    assert "nothing changed" in text


def test_one_client_folder_can_be_imported_alone():
    _run(SAMPLES / "CL-0003")
    assert list(Client.objects.values_list("code", flat=True)) == ["CL-0003"]
    assert FileIngest.objects.count() == 4
    assert FileIngest.objects.first().source_path.startswith("CL-0003/1.Projects/")


@pytest.fixture
def odd_tree(tmp_path) -> Path:
    """The samples plus what the shop's disk also holds: DUPLICATE folders, a folder that is not
    a project, system files, files Laser OS does not read, folders outside 1.Projects."""
    root = tmp_path / "profiles_import"
    shutil.copytree(SAMPLES, root)
    blue = root / "CL-0003/1.Projects/0002-Blue Plate-10.07.2025"
    twin = root / "CL-0003/1.Projects/0002-Blue Plate-10.07.2025-DUPLICATE"
    twin.mkdir()
    shutil.copy(blue / "0002-Blue Plate-MS-0.53mm-x1.dxf", twin)  # identical bytes
    teeth = SAMPLES / "CL-0002/1.Projects/0005-100mm teeth-09.29.2025/0005-100mm teeth-GaLv-1.2mm-x5.dxf"  # fmt: skip
    (twin / "0002-Blue Plate-MS-0.53mm-x1 new.dxf").write_bytes(teeth.read_bytes() + b"\n")
    lone = root / "CL-0007/1.Projects/0006-Troxv2 Bridge-10.14.2025-DUPLICATE/DRAWINGS"
    lone.mkdir(parents=True)
    lbrn = (blue / "0002-Blue Plate Final-MS-3mm-x1.lbrn2").read_bytes()
    (lone / "A2-Vastrap-VAS-6mm-x1.lbrn2").write_bytes(lbrn + b"\n")
    old = root / "CL-0007/1.Projects/Old stuff"
    old.mkdir()
    (old / "sketch.dxf").write_bytes(
        (blue / "0002-Blue Plate Final-MS-3mm-x1.dxf").read_bytes() + b"\n"
    )
    (root / "CL-0007/1.Projects/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "CL-0007/1.Projects/0002-harlow-10.01.2025/Thumbs.db").write_bytes(b"x")
    (root / "CL-0007/1.Projects/0002-harlow-10.01.2025/quote.docx").write_bytes(b"PK\x03\x04junk")
    (root / "CL-0007/2.Invoices").mkdir()
    (root / "CL-0007/2.Invoices/inv.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (root / "README.txt").write_bytes(b"the shop's folders\n")
    (root / "scratch").mkdir()
    return root


def test_duplicate_folders_unfiled_folders_and_odd_files(odd_tree):
    text = _run(odd_tree)
    blue = Project.objects.get(code="JB-2025-10-CL0003-002")
    assert Project.objects.filter(client__code="CL-0003").count() == 1  # the twin joined it
    assert FileIngest.objects.filter(project=blue).count() == 5  # + the new file of the twin
    assert (
        "0002-Blue Plate-10.07.2025-DUPLICATE: marked DUPLICATE; its files joined JB-2025-10-CL0003-002"
        in text
    )
    assert (
        "DUPLICATE/0002-Blue Plate-MS-0.53mm-x1.dxf: duplicate of CL0003-JB-2025-10-CL0003-002-BluePlate-MS-0.53mm-x1-v001.dxf"
        in text
    )
    new = FileIngest.objects.get(project=blue, original_name="0002-Blue Plate-MS-0.53mm-x1 new.dxf")
    assert new.part == "Blue Plate" and new.version == 2  # a new drawing of the same part

    trox = Project.objects.get(code="JB-2025-10-CL0007-006")
    assert trox.name == "Troxv2 Bridge" and "marked DUPLICATE" in trox.description
    assert "imported as its own job JB-2025-10-CL0007-006" in text
    nested = FileIngest.objects.get(project=trox)
    assert nested.source_path.endswith("-DUPLICATE/DRAWINGS/A2-Vastrap-VAS-6mm-x1.lbrn2")

    sketch = FileIngest.objects.get(original_name="sketch.dxf")
    assert sketch.project is None and sketch.client.code == "CL-0007"
    assert "Old stuff: not a project folder" in text
    assert "quote.docx: refused:" in text
    assert "CL-0007/2.Invoices: skipped (outside 1.Projects)" in text
    assert "README.txt: skipped (not inside a client folder" in text
    assert "scratch: skipped (not a client folder" in text
    assert ".DS_Store" not in text and "Thumbs.db" not in text
    assert "1 refused, 3 skipped" in text  # .DS_Store, Thumbs.db, README.txt

    again = _run(odd_tree)
    assert "0 created, 6 already there" in again and "0 ingested" in again


def test_a_taken_code_gives_the_folder_the_next_number():
    from projects.services import project_create

    client = Client.objects.create(code="CL-0007", name="Harlow & Co")
    other = project_create(
        client=client, name="Something else", by=None, code="JB-2025-10-CL0007-002"
    )
    text = _run(SAMPLES / "CL-0007")
    harlow = Project.objects.exclude(pk=other.pk).get(client=client)
    assert harlow.code == "JB-2025-10-CL0007-003" and harlow.name == "harlow"
    assert "JB-2025-10-CL0007-002 is another job's code; imported as JB-2025-10-CL0007-003" in text
    assert Client.objects.get(code="CL-0007").name == "Harlow & Co"  # found, not renamed
    again = _run(SAMPLES / "CL-0007")
    assert "0 created" in again and Project.objects.count() == 2


def test_the_plan_reads_folder_names_only(tmp_path):
    plan = plan_tree(SAMPLES)
    assert [c.code for c in plan.clients] == ["CL-0002", "CL-0003", "CL-0007"]
    assert plan.file_count == 14
    assert not FileIngest.objects.exists()
    with pytest.raises(Exception, match="not a folder"):
        plan_tree(tmp_path / "nope")


def test_not_a_folder_is_one_clear_error(tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_legacy_tree", str(tmp_path / "nope"), stdout=StringIO())


def test_every_sample_is_read_or_fails_with_a_reason(committed):
    with committed():
        report = import_tree(SAMPLES)
    assert report.ingested == 12
    for file in FileIngest.objects.all():
        assert file.status in (FileStatus.PROCESSED, FileStatus.FAILED), file
        if file.status == FileStatus.FAILED:
            assert file.failure_reason and not file.failure_reason.startswith("Could not be read")
    processed = FileIngest.objects.filter(status=FileStatus.PROCESSED).select_related("metadata")
    assert processed.count() >= 10
    harlow = processed.get(project__code="JB-2025-10-CL0007-002")
    assert harlow.metadata.material_code == "SS" and float(harlow.metadata.thickness_mm) == 0.9
