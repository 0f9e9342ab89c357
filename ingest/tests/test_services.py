"""ingest.services: receiving files (checks, names, versions, storage, duplicates), re-extract,
soft and hard delete, restore — each audited, each announced once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from ingest import services
from ingest.models import FileExtraction, FileIngest, FileMetadata, FileStatus
from laseros.models import ActivityLog, CodeSequence
from laseros.testing import needs_postgresql

from .factories import ClientFactory, dxf_bytes, dxf_file, make_project, material, media_files

pytestmark = pytest.mark.django_db


def _ingest(committed, **kwargs):
    kwargs.setdefault("source_file", dxf_file())
    kwargs.setdefault("original_name", "0001-Bracket-MS-3mm-x4.dxf")
    with committed():
        return services.ingest(**kwargs)


def test_ingest_stores_under_the_project_with_the_conventional_name_and_reads_it(
    committed, settings, events, make_user
):
    user = make_user("sipho", role="Operator")
    project = make_project(ClientFactory(code="CL-0001"))
    outcome = _ingest(committed, project=project, uploaded_by=user, source="admin")

    assert outcome.created and outcome.duplicate_of is None
    file = FileIngest.objects.get()
    assert file.client == project.client and file.project == project
    expected = f"CL0001-{project.code}-Bracket-MS-3mm-x4-v001.dxf"
    assert file.stored_name == expected
    assert file.file.name == f"CL-0001/{project.code}/{expected}"
    assert media_files(settings) == [file.file.name, *_previews(settings)]
    assert file.original_name == "0001-Bracket-MS-3mm-x4.dxf"
    assert file.kind == "dxf" and file.extension == "dxf" and file.version == 1
    assert file.size_bytes == len(dxf_bytes()) and len(file.sha256) == 64
    assert file.uploaded_by == user and file.source == "admin"
    # read in the background after the commit (inline in tests)
    assert file.status == FileStatus.PROCESSED and file.attempts == 1
    assert file.started_at and file.finished_at and file.progress == 1.0
    metadata = FileMetadata.objects.get(file=file)
    assert metadata.material_code == "MS" and metadata.thickness_mm == 3
    assert metadata.quantity == 4 and metadata.part_count == 1
    assert metadata.pierce_count == 2 and metadata.closed_contours == 2
    assert metadata.bbox_mm == [100.0, 50.0]
    assert metadata.cut_length_mm == pytest.approx(300 + 3.14159265 * 10, rel=1e-3)
    assert metadata.holes[0]["diameter_mm"] == pytest.approx(10.0)
    assert metadata.preview.name.startswith(f"previews/CL-0001/{project.code}/")
    assert FileExtraction.objects.get(file=file).is_current
    actions = list(_log(file).values_list("action", flat=True))
    assert actions.count(ActivityLog.Action.CREATE) == 1
    assert [e for e, _ in events] == ["file.ingested", "file.processed"]


def _log(file):
    from django.contrib.contenttypes.models import ContentType

    return ActivityLog.objects.filter(
        content_type=ContentType.objects.get_for_model(FileIngest), object_id=str(file.pk)
    )


def _previews(settings):
    return [name for name in media_files(settings) if name.startswith("previews/")]


def test_a_file_without_a_project_is_unfiled(committed):
    client = ClientFactory(code="CL-0004")
    _ingest(committed, client=client)
    _ingest(committed, source_file=dxf_file(width=120), original_name="Loose-Galv-1.2mm.dxf")
    with_client, without = FileIngest.objects.order_by("id")
    assert with_client.file.name.startswith("CL-0004/unfiled/CL0004-Bracket-MS-3mm-x4-v001")
    assert without.file.name == "unfiled/Loose-GALV-1.2mm-v001.dxf"


def test_the_same_bytes_are_one_file_and_the_user_is_told(committed, events):
    first = _ingest(committed).file
    again = _ingest(committed, original_name="copy of bracket.dxf", source_file=dxf_file())
    assert not again.created and again.duplicate_of == first and again.file == first
    assert again.message.startswith(f"duplicate of {first.stored_name} (file #{first.pk}")
    assert FileIngest.objects.count() == 1
    assert [e for e, _ in events].count("file.ingested") == 1


def test_a_duplicate_for_another_project_says_where_the_file_is(committed):
    client = ClientFactory()
    first = _ingest(committed, project=make_project(client)).file
    again = _ingest(committed, project=make_project(client))
    assert again.duplicate_of == first and f"filed under {first.project.code}" in again.message


def test_new_drawings_of_a_part_get_the_next_version_never_reused(committed):
    project = make_project()
    one = _ingest(committed, project=project).file
    two = _ingest(committed, project=project, source_file=dxf_file(width=101)).file
    assert (one.version, two.version) == (1, 2)
    assert two.stored_name.endswith("-v002.dxf")
    with committed():
        services.hard_delete(file=two)
    three = _ingest(committed, project=project, source_file=dxf_file(width=102)).file
    assert three.version == 3
    # another part, another project: their own sequences
    other = _ingest(
        committed, project=project, source_file=dxf_file(width=103), original_name="Gusset.dxf"
    ).file
    elsewhere = _ingest(
        committed, project=make_project(project.client), source_file=dxf_file(width=104)
    ).file
    assert other.version == 1 and elsewhere.version == 1


def test_part_name_given_by_the_caller_wins(committed):
    file = _ingest(committed, part="Base plate (left)", original_name="scan.dxf").file
    assert file.part == "Base plate (left)"
    assert file.stored_name == "BasePlateLeft-v001.dxf"


def test_project_material_and_thickness_fill_the_name_when_it_says_none(committed):
    project = make_project(material=material("SS"), thickness_mm="2.5")
    file = _ingest(committed, project=project, original_name="cover.dxf").file
    assert file.stored_name.endswith("-Cover-SS-2.5mm-v001.dxf")


def test_client_and_project_must_agree():
    project = make_project(ClientFactory(code="CL-0001"))
    with pytest.raises(ValidationError, match="belongs to CL-0001"):
        services.ingest(
            source_file=dxf_file(),
            original_name="a.dxf",
            client=ClientFactory(code="CL-0002"),
            project=project,
        )
    assert not FileIngest.objects.exists()


def test_oversized_files_are_refused_before_anything_is_stored(settings):
    settings.INGEST_MAX_UPLOAD_MB = 1
    big = b"0\nSECTION\n" + b"999\n" + b"x" * (1024 * 1024) + b"\n"
    with pytest.raises(ValidationError, match="too large .* the limit is 1 MB") as info:
        services.ingest(source_file=ContentFile(big, name="big.dxf"), original_name="big.dxf")
    assert info.value.code == "too_large"
    assert not FileIngest.objects.exists() and media_files(settings) == []


def test_empty_and_unknown_files_are_refused_with_a_clear_message(settings):
    with pytest.raises(ValidationError, match="is empty") as info:
        services.ingest(source_file=ContentFile(b"", name="e.dxf"), original_name="e.dxf")
    assert info.value.code == "empty"
    with pytest.raises(ValidationError, match=r"not a file type .* Accepted: DXF") as info:
        services.ingest(
            source_file=ContentFile(b"just some notes\n", name="n.txt"), original_name="n.txt"
        )
    assert info.value.code == "unsupported_type"
    assert not FileIngest.objects.exists() and media_files(settings) == []


def test_paths_uploads_and_temporary_uploads_are_all_accepted(committed, tmp_path):
    path = tmp_path / "on-disk.dxf"
    path.write_bytes(dxf_bytes(width=11))
    by_path = _ingest(committed, source_file=path, original_name="")
    assert by_path.file.original_name == "on-disk.dxf"

    upload = SimpleUploadedFile("up.dxf", dxf_bytes(width=12))
    assert _ingest(committed, source_file=upload, original_name="up.dxf").created

    temporary = TemporaryUploadedFile("tmp.dxf", "image/vnd.dxf", 0, None)
    temporary.write(dxf_bytes(width=13))
    temporary.size = temporary.tell()
    temporary.seek(0)
    assert _ingest(committed, source_file=temporary, original_name="tmp.dxf").created
    assert Path(temporary.temporary_file_path()).exists()  # copied, not moved away
    temporary.close()
    assert FileIngest.objects.filter(status=FileStatus.PROCESSED).count() == 3


def test_a_missing_path_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="not a file"):
        services.ingest(source_file=tmp_path / "nope.dxf", original_name="nope.dxf")
    with pytest.raises(ValidationError, match="not a file"):
        services.ingest(source_file=tmp_path, original_name="folder")


def test_when_storage_fails_no_record_is_created(monkeypatch, settings):
    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        services.ingest(source_file=dxf_file(), original_name="a.dxf")
    assert not FileIngest.objects.exists()
    assert not ActivityLog.objects.filter(action=ActivityLog.Action.CREATE).exists()


def test_when_the_database_fails_the_stored_bytes_are_removed(monkeypatch, settings):
    def broken_record(*args, **kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(services.receiving, "record_created", broken_record)
    with pytest.raises(RuntimeError):
        services.ingest(source_file=dxf_file(), original_name="a.dxf")
    assert not FileIngest.objects.exists() and media_files(settings) == []
    # the version number was rolled back with the rest
    assert not CodeSequence.objects.filter(key__startswith="ingest:v:").exists()


def test_a_race_on_the_same_bytes_returns_the_winner(committed, monkeypatch, settings):
    winner = _ingest(committed).file
    # the duplicate check missed it (the other upload committed in between)
    real_live = FileIngest.objects.live
    calls = {"n": 0}

    def live_missing_once():
        calls["n"] += 1
        qs = real_live()
        return qs.none() if calls["n"] == 1 else qs

    monkeypatch.setattr(FileIngest.objects, "live", live_missing_once)
    outcome = services.ingest(source_file=dxf_file(), original_name="again.dxf")
    assert outcome.duplicate_of == winner and not outcome.created
    assert media_files(settings) == sorted([winner.file.name, *_previews(settings)])


def test_extension_mismatch_is_kept_as_a_warning(committed, settings):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    outcome = _ingest(committed, source_file=ContentFile(pdf), original_name="drawing.dxf")
    file = outcome.file
    assert file.kind == "pdf" and file.extension == "pdf" and file.stored_name.endswith(".pdf")
    assert file.ingest_warnings[0]["code"] == "extension_mismatch"
    assert "named .dxf" in outcome.message


def test_re_extract_keeps_the_earlier_reading_as_history(committed, events, make_user):
    file = _ingest(committed).file
    first = FileExtraction.objects.get(file=file)
    manager = make_user("thandi", role="Manager")
    with committed():
        services.re_extract(file=file, by=manager)
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED
    readings = list(FileExtraction.objects.filter(file=file).order_by("id"))
    assert len(readings) == 2 and readings[0] == first
    assert [r.is_current for r in readings] == [False, True]
    assert FileMetadata.objects.get(file=file).extraction == readings[1]
    assert [e for e, _ in events] == [
        "file.ingested",
        "file.processed",
        "file.re_extracted",
        "file.processed",
    ]
    assert events[2][1]["previous_extraction_id"] == first.pk
    assert events[2][1]["requested_by"] == "thandi"


def test_re_extract_refuses_deleted_and_busy_files(committed):
    file = _ingest(committed).file
    FileIngest.objects.filter(pk=file.pk).update(status=FileStatus.PROCESSING)
    with pytest.raises(ValidationError, match="being read"):
        services.re_extract(file=file)
    FileIngest.objects.filter(pk=file.pk).update(status=FileStatus.PROCESSED)
    services.soft_delete(file=file)
    with pytest.raises(ValidationError, match="restore it"):
        services.re_extract(file=file)


def test_soft_delete_and_restore(committed, events, make_user):
    file = _ingest(committed).file
    user = make_user("boss", role="Manager")
    with committed():
        services.soft_delete(file=file, by=user)
    file.refresh_from_db()
    assert file.is_deleted and default_storage.exists(file.file.name)
    assert not FileIngest.objects.live().exists()
    with pytest.raises(ValidationError, match="already deleted"):
        services.soft_delete(file=file)
    with committed():
        services.restore(file=file, by=user)
    file.refresh_from_db()
    assert not file.is_deleted
    with pytest.raises(ValidationError, match="not deleted"):
        services.restore(file=file)
    names = [e for e, _ in events]
    assert names[-2:] == ["file.deleted", "file.restored"]
    assert events[-2][1]["hard"] is False and events[-2][1]["by"] == "boss"
    log = _log(file).values_list("message", flat=True)
    assert any("soft" in m for m in log) and "restored" in log


def test_a_deleted_file_may_come_again_but_then_cannot_be_restored(committed):
    file = _ingest(committed).file
    services.soft_delete(file=file)
    again = _ingest(committed, original_name="resent.dxf")
    assert again.created and again.file.pk != file.pk
    with pytest.raises(ValidationError, match="stored again since"):
        services.restore(file=file)


def test_hard_delete_removes_the_bytes_and_the_preview(committed, settings, events):
    file = _ingest(committed).file
    assert len(media_files(settings)) == 2  # the file and its preview
    with committed():
        services.hard_delete(file=file)
    assert not FileIngest.objects.exists() and not FileExtraction.objects.exists()
    assert media_files(settings) == []
    assert events[-1][0] == "file.deleted" and events[-1][1]["hard"] is True
    assert _log(file).filter(action=ActivityLog.Action.DELETE).exists()


def test_hard_delete_that_rolls_back_keeps_the_bytes(committed, settings):
    from django.db import transaction

    file = _ingest(committed).file
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        services.hard_delete(file=file)
        raise RuntimeError("changed my mind")
    assert FileIngest.objects.filter(pk=file.pk).exists()
    assert default_storage.exists(file.file.name)


def test_unknown_source_is_refused():
    with pytest.raises(ValidationError, match="Unknown source"):
        services.ingest(source_file=dxf_file(), original_name="a.dxf", source="fax")


BASE_KEYS = {
    "event",
    "occurred_at",
    "file_id",
    "client_code",
    "project_code",
    "original_name",
    "stored_name",
    "part",
    "version",
    "sha256",
    "kind",
    "size_bytes",
    "status",
    "source",
    "deleted",
}


def test_every_event_fires_once_with_its_documented_payload(committed, events, make_user):
    import json

    user = make_user("nomsa", role="Manager")
    project = make_project(ClientFactory(code="CL-0009"))
    file = _ingest(committed, project=project, uploaded_by=user).file
    with committed():
        services.re_extract(file=file, by=user)
    with committed():
        services.soft_delete(file=file, by=user)
    with committed():
        services.restore(file=file, by=user)
    with committed():
        services.hard_delete(file=file, by=user)
    with committed():
        services.ingest(source_file=ContentFile(b"  0\nSECTION\n  2\nFOO\n"), original_name="x.dxf")

    names = [e for e, _ in events]
    assert names == [
        "file.ingested",
        "file.processed",
        "file.re_extracted",
        "file.processed",
        "file.deleted",
        "file.restored",
        "file.deleted",
        "file.ingested",
        "file.failed",
    ]
    extra = {
        "file.ingested": {"uploaded_by", "warnings", "given"},
        "file.processed": {"extraction_id", "parser", "parser_version", "metadata"},
        "file.failed": {"reason", "attempts"},
        "file.re_extracted": {"previous_extraction_id", "requested_by"},
        "file.deleted": {"hard", "by"},
        "file.restored": {"by"},
    }
    for name, payload in events:
        assert set(payload) == BASE_KEYS | extra[name], name
        assert payload["event"] == name
        json.dumps(payload)  # JSON-ready, as documented
    ingested = events[0][1]
    assert ingested["client_code"] == "CL-0009" and ingested["project_code"] == project.code
    assert ingested["uploaded_by"] == "nomsa" and ingested["version"] == 1
    assert ingested["status"] == "queued" and ingested["kind"] == "dxf"
    assert ingested["given"] == {}
    processed = events[1][1]["metadata"]
    assert processed["material"] == "MS" and processed["thickness_mm"] == 3.0
    assert processed["part_count"] == 1 and processed["bbox_mm"] == [100.0, 50.0]
    assert events[6][1]["hard"] is True and events[4][1]["hard"] is False


def test_nothing_is_announced_for_a_rolled_back_ingest(committed, events, settings):
    from django.db import transaction

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        services.ingest(source_file=dxf_file(), original_name="a.dxf")
        raise RuntimeError("the caller's transaction failed")
    assert events == [] and not FileIngest.objects.exists()


@needs_postgresql("needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_one_part_get_distinct_versions_and_one_copy_of_the_same_bytes(
    settings,
):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    project = make_project()
    payloads = {width: dxf_bytes(width=width) for width in (200, 201, 202, 203)}

    def send(width):
        try:
            return services.ingest(
                source_file=ContentFile(payloads[width]),
                original_name="Bracket.dxf",
                project=project,
            )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(send, [200, 201, 202, 203, 200, 200]))
    created = [o for o in outcomes if o.created]
    assert len(created) == 4 and sum(1 for o in outcomes if o.duplicate_of) == 2
    assert sorted(o.file.version for o in created) == [1, 2, 3, 4]
    assert FileIngest.objects.count() == 4
    stored = [name for name in media_files(settings) if not name.startswith("previews/")]
    assert len(stored) == 4  # the losers of the race removed their bytes


def test_a_projects_ingested_drawings_count_for_the_quoting_gate(committed):
    from projects.models import ProjectStatus
    from projects.services import TransitionError, project_transition
    from projects.workflow import design_file_count

    project = make_project(material=material("MS"), thickness_mm="3")
    with pytest.raises(TransitionError):
        project_transition(project=project, to=ProjectStatus.QUOTING, by=None)
    broken = _ingest(
        committed,
        project=project,
        source_file=ContentFile(b"  0\nSECTION\n  2\nENTITIES\n  0\nLINE\n 10\nx\n"),
        original_name="broken.dxf",
    ).file
    broken.refresh_from_db()
    assert broken.status == FileStatus.FAILED and design_file_count(project) == 0
    file = _ingest(committed, project=project).file
    assert design_file_count(project) == 1
    project_transition(project=project, to=ProjectStatus.QUOTING, by=None)
    services.soft_delete(file=file)
    assert design_file_count(project) == 0  # deleted files do not count


def test_the_non_cut_layers_setting_reaches_the_parsers(settings):
    from ingest.services.reading import build_parse_context

    settings.INGEST_NON_CUT_LAYERS = ("MARKING*",)
    assert build_parse_context().non_cut_layers == ("MARKING*",)


# --- values given with a file ---------------------------------------------------------------------


def test_values_given_with_a_file_win_over_the_file_and_disagreements_are_warnings(
    committed, events
):
    project = make_project(ClientFactory(code="CL-0001"))
    given = {"material": "galv", "thickness_mm": "2,0 mm", "quantity": "10"}
    outcome = _ingest(committed, project=project, given=given)

    file = FileIngest.objects.get()
    assert outcome.created and file.given == {
        "material": "GALV",
        "thickness_mm": "2",
        "quantity": 10,
    }
    assert file.stored_name == f"CL0001-{project.code}-Bracket-GALV-2mm-x10-v001.dxf"
    assert events[0][1]["given"] == file.given  # announced with the file
    metadata = FileMetadata.objects.get(file=file)
    assert (metadata.material_code, metadata.thickness_mm, metadata.quantity) == ("GALV", 2, 10)
    differs = [w["message"] for w in metadata.warnings if w["code"] == "given_differs"]
    assert len(differs) == 3  # the name says MS, 3 mm, x4
    assert "The file says material MS, but GALV was given with it" in differs[0]
    assert metadata.cut_length_mm == pytest.approx(300 + 3.14159265 * 10, rel=1e-3)  # measured

    with committed():
        services.re_extract(file=file)  # a new reading keeps what was given
    metadata = FileMetadata.objects.get(file=file)
    assert (metadata.material_code, metadata.quantity) == ("GALV", 10)


def test_a_value_given_that_agrees_with_the_file_gives_no_warning(committed):
    _ingest(committed, given={"material": "Mild Steel", "quantity": 4})
    metadata = FileMetadata.objects.get()
    assert not [w for w in metadata.warnings if w["code"] == "given_differs"]
    assert (metadata.material_code, metadata.quantity) == ("MS", 4)


@pytest.mark.parametrize(
    ("given", "field", "text"),
    [
        ({"material": "unobtainium"}, "material", "not a material the shop knows"),
        ({"thickness_mm": "thick"}, "thickness_mm", "not a thickness"),
        ({"thickness_mm": "-3"}, "thickness_mm", "more than 0"),
        ({"quantity": "many"}, "quantity", "not a quantity"),
        ({"quantity": 0}, "quantity", "from 1"),
        ({"colour": "red"}, "given", "Unknown value(s) colour"),
    ],
)
def test_bad_values_given_refuse_the_file_and_store_nothing(
    committed, settings, events, given, field, text
):
    with pytest.raises(ValidationError) as caught:
        _ingest(committed, given=given)
    assert text in " ".join(caught.value.message_dict[field])
    assert not FileIngest.objects.exists() and media_files(settings) == [] and events == []


def test_a_file_of_another_kind_than_the_sender_said_is_refused(committed, settings):
    with pytest.raises(ValidationError, match="is a DXF drawing, not a PDF as the upload said"):
        _ingest(committed, expect_kind="pdf")
    assert not FileIngest.objects.exists() and media_files(settings) == []
    assert _ingest(committed, expect_kind="dxf").created
    assert services.clean_kind("LBRN2") == "lightburn" and services.clean_kind("auto") is None
    with pytest.raises(ValidationError) as caught:
        services.clean_kind("spreadsheet")
    assert "Unknown kind 'spreadsheet'" in caught.value.message_dict["kind"][0]
