"""Type detection from content: real samples, hand-made edge cases, hostile files."""

from __future__ import annotations

import random
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ingest.content.detect import detect_type, extension_mismatch
from ingest.parsers.base import DetectedType

SAMPLES = Path(__file__).parent / "samples"
MISC = SAMPLES / "misc"
LIGHTBURN = SAMPLES / "lightburn"


@pytest.mark.parametrize(
    ("name", "kind", "extension", "detail"),
    [
        ("ezdxf__bin_dxf_r2000.dxf", "dxf", "dxf", "binary"),
        ("ezdxf__R12_with_trash_beyond_EOF.dxf", "dxf", "dxf", "ascii"),
        ("skym__issue21.dxf", "dxf", "dxf", "ascii"),  # starts with a 999 comment
        ("calamine__date_1904.xlsx", "excel", "xlsx", "xlsx"),
        ("calamine__pass_protected.xlsx", "excel", "xlsx", "encrypted"),
        ("pdfminer__pdf-with-jbig2.pdf", "pdf", "pdf", ""),
        ("pillow__exif_gps.jpg", "image", "jpg", "jpeg"),
        ("pillow__multiline_text.png", "image", "png", "png"),
        ("pillow__broken.png", "image", "png", "png"),  # damaged: the image parser says why
        ("tesstest__phototest.tif", "image", "tif", "tiff"),
    ],
)
def test_real_samples(name: str, kind: str, extension: str, detail: str) -> None:
    detected = detect_type(MISC / name, name)
    assert (detected.kind, detected.extension, detected.detail) == (kind, extension, detail)
    assert extension_mismatch(detected, name) is None


def test_lightburn_samples_by_format_version() -> None:
    modern = detect_type(LIGHTBURN / "lbrnts__ZippoLighter.lbrn2", "")
    legacy = detect_type(LIGHTBURN / "lbrnts__Lightburn_Test_Pattern.lbrn", "")
    assert (modern.kind, modern.extension) == ("lightburn", "lbrn2")
    assert "LightBurn 1.4.03" in modern.detail
    assert (legacy.kind, legacy.extension) == ("lightburn", "lbrn")


def test_name_is_only_a_tiebreak(tmp_path: Path) -> None:
    # A LightBurn project named .txt is a LightBurn project; a PDF named .dxf is a PDF.
    project = tmp_path / "notes.txt"
    shutil.copy(LIGHTBURN / "lbrnts__ZippoLighter.lbrn2", project)
    assert detect_type(project, "notes.txt").kind == "lightburn"
    pdf = tmp_path / "bracket.dxf"
    shutil.copy(MISC / "pdfminer__pdf-with-jbig2.pdf", pdf)
    detected = detect_type(pdf, "CL-0001/bracket.dxf")
    assert (detected.kind, detected.extension, detected.mime) == ("pdf", "pdf", "application/pdf")
    message = extension_mismatch(detected, "CL-0001/bracket.dxf")
    assert message is not None
    assert message.startswith("extension does not match content")
    assert ".dxf" in message and "PDF" in message


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "content",
    [
        b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n",
        b"  0\r\nSECTION\r\n  2\r\nHEADER\r\n0\r\nENDSEC\r\n0\r\nEOF\r\n",
        b"\n\n   \n  0\nSECTION\n",
        b"\xef\xbb\xbf0\nSECTION\n2\nHEADER\n",
        b"999\ndxfrw 0.6.3\n999\nsecond comment\n  0\nSECTION\n",
    ],
    ids=["plain", "crlf-indented", "blank-lines", "bom", "comments"],
)
def test_ascii_dxf_variants(tmp_path: Path, content: bytes) -> None:
    detected = detect_type(_write(tmp_path, "upload.bin", content))
    assert (detected.kind, detected.detail, detected.extension) == ("dxf", "ascii", "dxf")


def test_text_that_is_not_dxf(tmp_path: Path) -> None:
    detected = detect_type(_write(tmp_path, "a.dxf", b"0\nHELLO\n1\nworld\n"), "a.dxf")
    assert detected.kind == "unknown"
    assert detected.extension == "dxf"  # unknown content keeps its own (clean) extension


def test_dxf_pairs_without_leading_section_need_the_name(tmp_path: Path) -> None:
    body = b"".join(b"%d\nVALUE%d\n" % (i % 10, i) for i in range(20)) + b"0\nENTITIES\n0\nEOF\n"
    assert detect_type(_write(tmp_path, "x.dxf", body), "x.dxf").kind == "dxf"
    assert detect_type(_write(tmp_path, "x.txt", body), "x.txt").kind == "unknown"


def test_pdf_signature_must_be_in_the_first_kilobyte(tmp_path: Path) -> None:
    near = _write(tmp_path, "near.bin", b"\x00" * 500 + b"%PDF-1.4\n")
    far = _write(tmp_path, "far.bin", b"\x00" * 2000 + b"%PDF-1.4\n")
    assert detect_type(near).kind == "pdf"
    assert detect_type(far).kind == "unknown"


def test_xlsx_and_xlsm(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Part"
    workbook.save(tmp_path / "list.xlsx")
    assert detect_type(tmp_path / "list.xlsx", "list.xlsx") == DetectedType(
        "excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        "xlsx",
    )
    with (
        zipfile.ZipFile(tmp_path / "list.xlsx") as source,
        zipfile.ZipFile(tmp_path / "macro.bin", "w") as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\x00" * 16)
    detected = detect_type(tmp_path / "macro.bin", "")
    assert (detected.kind, detected.extension) == ("excel", "xlsm")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "parts.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    detected = detect_type(tmp_path / "parts.xlsx", "parts.xlsx")
    assert (detected.kind, detected.detail) == ("unknown", "zip archive")


def _zip_bomb(path: Path, member_names: list[str]) -> None:
    """A zip whose one big member inflates to 64 MB of zeros (a few hundred KB on disk)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in member_names:
            archive.writestr(name, "<x/>")
        with archive.open("xl/bomb.bin" if member_names else "bomb.bin", "w") as handle:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(64):
                handle.write(chunk)


@pytest.mark.parametrize("members", [[], ["[Content_Types].xml", "xl/workbook.xml"]])
def test_zip_bomb_is_never_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, members: list[str]
) -> None:
    bomb = tmp_path / "quote.xlsx"
    _zip_bomb(bomb, members)
    assert bomb.stat().st_size < 1024 * 1024

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("detect_type extracted a zip member")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    started = time.monotonic()
    detected = detect_type(bomb, "quote.xlsx")
    assert time.monotonic() - started < 2.0
    assert detected.kind == ("excel" if members else "unknown")


def test_damaged_zip(tmp_path: Path) -> None:
    detected = detect_type(_write(tmp_path, "a.xlsx", b"PK\x03\x04" + b"\x00" * 100), "a.xlsx")
    assert (detected.kind, detected.detail) == ("unknown", "damaged zip")


def test_ole2_legacy_workbook(tmp_path: Path) -> None:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "Workbook".encode("utf-16-le") + b"\x00" * 100
    detected = detect_type(_write(tmp_path, "old.xls", header + directory), "old.xls")
    assert (detected.kind, detected.detail, detected.extension) == ("excel", "xls", "xls")


def test_lightburn_sniff_skips_bom_declaration_and_comments(tmp_path: Path) -> None:
    content = (
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- saved by hand -->\n'
        b'<LightBurnProject AppVersion="2.0.03" FormatVersion="0"></LightBurnProject>'
    )
    detected = detect_type(_write(tmp_path, "job", content))
    assert (detected.kind, detected.extension) == ("lightburn", "lbrn")
    # a DOCTYPE does not hide what the file claims to be (the parser refuses it later)
    hostile = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "b">]><LightBurnProject/>'
    assert detect_type(_write(tmp_path, "x.lbrn2", hostile), "x.lbrn2").kind == "lightburn"


def test_other_xml_is_not_lightburn(tmp_path: Path) -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    assert detect_type(_write(tmp_path, "a.lbrn2", svg), "a.lbrn2").kind == "unknown"


def test_empty_file(tmp_path: Path) -> None:
    detected = detect_type(_write(tmp_path, "empty.pdf", b""), "empty.pdf")
    assert (detected.kind, detected.detail) == ("unknown", "empty")


def test_binary_garbage_named_lbrn2(tmp_path: Path) -> None:
    garbage = random.Random(7).randbytes(50_000)
    detected = detect_type(_write(tmp_path, "job.lbrn2", garbage), "job.lbrn2")
    assert detected.kind == "unknown"
    assert extension_mismatch(detected, "job.lbrn2") is None


def test_png_named_jpg_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    shutil.copy(MISC / "pillow__multiline_text.png", path)
    detected = detect_type(path, "photo.jpg")
    assert (detected.kind, detected.extension) == ("image", "png")
    assert "PNG image" in (extension_mismatch(detected, "photo.jpg") or "")


@pytest.mark.parametrize(
    ("detected", "name", "mismatch"),
    [
        (DetectedType("dxf", "image/vnd.dxf", "dxf", "ascii"), "PART.DXF", False),
        (DetectedType("dxf", "image/vnd.dxf", "dxf", "ascii"), "Sureaz-0.47-x1", False),
        (DetectedType("lightburn", "application/x-lightburn", "lbrn2"), "a.lbrn", False),
        (DetectedType("image", "image/jpeg", "jpg", "jpeg"), "scan.JPEG", False),
        (DetectedType("excel", "application/encrypted", "xlsx", "encrypted"), "q.xlsx", False),
        (DetectedType("unknown", "text/plain", "txt", "text"), "a.dxf", False),
        (DetectedType("lightburn", "application/x-lightburn", "lbrn2"), "a.dxf", True),
        (DetectedType("excel", "x", "xlsx", "xlsx"), "folder.v2/list.csv", True),
    ],
)
def test_extension_mismatch(detected: DetectedType, name: str, mismatch: bool) -> None:
    assert (extension_mismatch(detected, name) is not None) is mismatch
