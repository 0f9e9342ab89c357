"""Hostile input through the whole path (ingest -> worker): every case is refused or ends
processed/failed with a reason; nothing is written outside the file's own place, no row is left
half-written, and another client's file is not touched."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ingest import services
from ingest.models import FileExtraction, FileIngest, FileMetadata, FileStatus

from .factories import ClientFactory, dxf_bytes, dxf_file, media_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def bystander(committed):
    """Another client's file, read before the hostile one arrives."""
    with committed():
        outcome = services.ingest(
            source_file=dxf_file(width=321),
            original_name="0001-Safe-MS-3mm-x1.dxf",
            client=ClientFactory(code="CL-0042"),
        )
    file = FileIngest.objects.get(pk=outcome.file.pk)
    assert file.status == FileStatus.PROCESSED
    return file


def _unchanged(bystander: FileIngest) -> None:
    now = FileIngest.objects.select_related("metadata").get(pk=bystander.pk)
    assert (now.status, now.sha256, now.file.name, now.deleted_at) == (
        bystander.status,
        bystander.sha256,
        bystander.file.name,
        None,
    )
    assert now.extractions.count() == 1
    with default_storage.open(now.file.name, "rb") as handle:
        assert handle.read() == dxf_bytes(width=321)


def _clean(settings, bystander, allowed: set[str]) -> None:
    """Only the bystander's files and `allowed` are in the store; no row is half-written."""
    mine = {bystander.file.name, bystander.metadata.preview.name}
    assert set(media_files(settings)) == mine | allowed
    root = Path(settings.MEDIA_ROOT).resolve()
    for name in media_files(settings):
        assert (root / name).resolve().is_relative_to(root)
    assert not FileIngest.objects.filter(status__in=FileStatus.waiting()).exists()
    for file in FileIngest.objects.all():
        processed = file.status == FileStatus.PROCESSED
        assert FileMetadata.objects.filter(file=file).exists() == processed or (
            file.status == FileStatus.FAILED and not FileMetadata.objects.filter(file=file).exists()
        )
        assert default_storage.exists(file.file.name)
    assert FileExtraction.objects.filter(is_current=True).count() == FileMetadata.objects.count()
    _unchanged(bystander)


def _received(committed, data: bytes, name: str, **kwargs) -> FileIngest:
    with committed():
        outcome = services.ingest(source_file=ContentFile(data), original_name=name, **kwargs)
    return FileIngest.objects.get(pk=outcome.file.pk)


def _ended_with_a_reason(file: FileIngest) -> None:
    assert file.status in (FileStatus.PROCESSED, FileStatus.FAILED), file.status
    if file.status == FileStatus.FAILED:
        assert file.failure_reason and "\n" not in file.failure_reason
        assert not file.failure_reason.startswith("Could not be read:"), file.failure_reason


def _stored(file: FileIngest) -> set[str]:
    names = {file.file.name}
    metadata = FileMetadata.objects.filter(file=file).first()
    if metadata is not None and metadata.preview:
        names.add(metadata.preview.name)
    return names


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.dxf",
        "..\\..\\x.dxf",
        "/etc/cron.d/evil.dxf",
        "a\x00b.dxf",
        "bracket\x00.png.dxf",
        "x" * 1000 + ".dxf",
        "Ünïcödé-ß-零件-Plate-MS-3mm-x2.dxf",
        "evil\u202egnp.dxf",
        "<script>alert(1)</script>.dxf",
        "CON.dxf",
        ".htaccess.dxf",
        "..",
        "",
        "  spaces  and\ttabs\nnewline .dxf",
    ],
    ids=lambda n: repr(n)[:30],
)
def test_odd_names_stay_inside_the_store(committed, settings, bystander, tmp_path, name):
    file = _received(committed, dxf_bytes(width=55), name)
    assert file.status == FileStatus.PROCESSED
    assert "\x00" not in file.original_name and len(file.original_name) <= 255
    assert "\u202e" not in file.original_name
    assert file.file.name.startswith("unfiled/")
    stored = file.file.name.split("/", 1)[1]
    assert "/" not in stored and "\\" not in stored and ".." not in stored
    assert stored.endswith(".dxf") and len(stored.encode()) <= 200
    assert not (tmp_path / "etc").exists()
    _clean(settings, bystander, _stored(file))


def test_odd_part_and_project_names_stay_inside_the_store(committed, settings, bystander):
    from projects.services import project_create

    project = project_create(
        client=ClientFactory(code="CL-0043"), name="../../../etc <b>x</b>", by=None
    )
    file = _received(committed, dxf_bytes(width=56), "a.dxf", project=project, part="../../etc")
    assert file.file.name.startswith(f"CL-0043/{project.code}/")
    assert ".." not in file.file.name
    _clean(settings, bystander, _stored(file))


# --- contents --------------------------------------------------------------------------------


def test_an_empty_file_is_refused(settings, bystander):
    with pytest.raises(ValidationError, match="empty"):
        services.ingest(source_file=ContentFile(b""), original_name="empty.dxf")
    assert FileIngest.objects.count() == 1
    _clean(settings, bystander, set())


def test_pdf_bytes_named_dxf_are_stored_as_pdf_with_a_warning(committed, settings, bystander):
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    file = _received(committed, pdf, "drawing.dxf")
    assert file.kind == "pdf" and file.stored_name.endswith(".pdf")
    assert file.ingest_warnings[0]["code"] == "extension_mismatch"
    _ended_with_a_reason(file)
    if file.status == FileStatus.PROCESSED:
        codes = [w["code"] for w in file.metadata.warnings]
        assert codes.count("extension_mismatch") == 1
    _clean(settings, bystander, _stored(file))


def test_an_oversized_file_is_refused_before_it_is_stored(settings, bystander, tmp_path):
    settings.INGEST_MAX_UPLOAD_MB = 1
    big = tmp_path / "big.dxf"
    big.write_bytes(dxf_bytes() + b"999\n" + b"x" * (1024 * 1024) + b"\n")
    with pytest.raises(ValidationError, match="limit is 1 MB"):
        services.ingest(source_file=big, original_name="big.dxf")
    with pytest.raises(ValidationError, match="limit is 1 MB"):  # a stream that lies about size
        stream = ContentFile(big.read_bytes())
        stream.size = 10
        services.ingest(source_file=stream, original_name="big.dxf")
    assert FileIngest.objects.count() == 1
    _clean(settings, bystander, set())


def test_binary_garbage_named_dxf_is_refused(settings, bystander):
    garbage = os.urandom(64 * 1024)
    with pytest.raises(ValidationError, match="not a file type Laser OS reads"):
        services.ingest(source_file=ContentFile(garbage), original_name="part.dxf")
    _clean(settings, bystander, set())


def test_garbage_after_a_dxf_header_fails_with_a_reason(committed, settings, bystander):
    import random

    rng = random.Random(7)
    noise = "".join(rng.choice("0123456789ABCDEF-.\n ") for _ in range(32 * 1024))
    data = b"  0\nSECTION\n  2\nENTITIES\n" + noise.encode()
    file = _received(committed, data, "part.dxf")
    assert file.kind == "dxf"
    _ended_with_a_reason(file)
    _clean(settings, bystander, _stored(file))


def test_a_self_referencing_block_fails_or_is_read_with_a_reason(committed, settings, bystander):
    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    block = doc.blocks.new("LOOP")
    block.add_circle((0, 0), 5)
    block.add_blockref("LOOP", (10, 0))
    doc.modelspace().add_blockref("LOOP", (0, 0))
    stream = io.StringIO()
    doc.write(stream)
    file = _received(committed, stream.getvalue().encode(), "loop.dxf")
    _ended_with_a_reason(file)
    _clean(settings, bystander, _stored(file))


def test_a_zip_bomb_named_xlsx_ends_with_a_reason(committed, settings, bystander):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(64):  # 64 MB of zeros, about 64 KB compressed
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    file = _received(committed, data, "cutting list.xlsx")
    assert file.kind == "excel"
    _ended_with_a_reason(file)
    _clean(settings, bystander, _stored(file))


def test_an_xml_entity_bomb_named_lbrn2_ends_with_a_reason(committed, settings, bystander):
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE LightBurnProject [{entities}]>'
        '<LightBurnProject AppVersion="1.4" FormatVersion="1"><Notes>&l9;</Notes>'
        "</LightBurnProject>"
    ).encode()
    file = _received(committed, bomb, "laughs.lbrn2")
    assert file.kind == "lightburn"
    _ended_with_a_reason(file)
    assert file.status == FileStatus.FAILED
    _clean(settings, bystander, _stored(file))


def test_an_external_entity_leaks_nothing(committed, settings, bystander):
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE LightBurnProject [<!ENTITY x SYSTEM '
        b'"file:///etc/passwd">]><LightBurnProject AppVersion="1.4" FormatVersion="1">'
        b"<Notes>&x;</Notes></LightBurnProject>"
    )
    file = _received(committed, xxe, "xxe.lbrn2")
    _ended_with_a_reason(file)
    for extraction in FileExtraction.objects.filter(file=file):
        assert "root:" not in str(extraction.raw)
    _clean(settings, bystander, _stored(file))


def test_an_image_decompression_bomb_ends_with_a_reason(committed, settings, bystander):
    from PIL import Image

    settings.INGEST_MAX_IMAGE_PIXELS = 100_000
    buffer = io.BytesIO()
    Image.new("1", (2000, 2000)).save(buffer, "PNG")  # 4 MP, 40x the limit, a few KB on disk
    file = _received(committed, buffer.getvalue(), "photo.png")
    assert file.kind == "image"
    _ended_with_a_reason(file)
    _clean(settings, bystander, _stored(file))


def test_a_file_that_crashes_the_reader_fails_and_touches_nothing_else(
    committed, settings, bystander, monkeypatch
):
    from ingest.content import pipeline

    def explode(path, context):
        raise MemoryError("the drawing is too big to hold")

    monkeypatch.setattr(pipeline, "analyse", explode)
    file = _received(committed, dxf_bytes(width=57), "huge.dxf")
    assert file.status == FileStatus.FAILED
    # The reason a person reads for a reading that ran out of memory (ingest.memory).
    assert file.failure_reason == (
        "Needed more than 2 GB of memory to read; the drawing is too complex."
    )
    _clean(settings, bystander, _stored(file))
