"""PdfParser: real PDFs from the samples folder and PDFs made here with PyMuPDF."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pymupdf
import pytest

from ingest.content import ocr
from ingest.parsers import pdf as pdf_module
from ingest.parsers import pdf_isolated
from ingest.parsers.base import DetectedType, ParseContext, ParseError
from ingest.parsers.pdf import PdfParser
from ingest.parsers.registry import parser_for
from ingest.tests.damage import mutants

SAMPLES = Path(__file__).parent / "samples" / "pdf"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SYNTHETIC_TEXT = "Client: CL0007 Job JB-2025-10-CL0007-002 Material: Galvanised 1.2mm Qty: 20"
needs_tesseract = pytest.mark.skipif(
    not ocr.tesseract_available(), reason="Tesseract is not installed"
)

# What each sample must give: ("ok", warning codes that must be present) or ("error", code).
EXPECTED = {
    "pdfminer__pdf-with-jbig2.pdf": ("ok", set()),
    "pdfminer__zen_of_python_corrupted.pdf": ("ok", {"repaired"}),
    "pdfplumber__empty.pdf": ("error", "empty"),
    "pdfplumber__nics-background-checks-2015-11.pdf": ("ok", set()),
    "pypdf__AutoCad_Diagram.pdf": ("ok", set()),
    "pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf": ("ok", set()),
    "pypdf__r6-user-password.pdf": ("error", "encrypted"),
}


def parse(path: Path, **context) -> pdf_module.ParseResult:
    return PdfParser().parse(path, ParseContext(**context))


def write_text_pdf(path: Path, lines: list[str], pages: int = 1) -> Path:
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page()
        for i, line in enumerate(lines):
            page.insert_text((72, 72 + 20 * i), line, fontsize=11)
    doc.save(path)
    doc.close()
    return path


def write_image_only_pdf(path: Path, lines: list[str], pages: int = 1) -> Path:
    """Pages that are only a picture of text, as a scanner makes them."""
    source = pymupdf.open()
    page = source.new_page()
    for i, line in enumerate(lines):
        page.insert_text((72, 72 + 24 * i), line, fontsize=14)
    pixmap = page.get_pixmap(dpi=200)
    doc = pymupdf.open()
    for _ in range(pages):
        scanned = doc.new_page()
        scanned.insert_image(scanned.rect, pixmap=pixmap)
    doc.save(path)
    doc.close()
    source.close()
    return path


def test_every_sample_is_read_or_refused_with_a_reason():
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".pdf")
    assert {p.name for p in files} == set(EXPECTED), "SAMPLES and EXPECTED disagree"
    for path in files:
        outcome, detail = EXPECTED[path.name]
        if outcome == "error":
            with pytest.raises(ParseError) as caught:
                parse(path, make_preview=False)
            assert caught.value.code == detail, path.name
            message = str(caught.value)
            assert message and "\n" not in message and "Traceback" not in message
            continue
        result = parse(path)
        assert result.kind == "pdf" and result.parser == "pdf", path.name
        assert detail <= {w.code for w in result.warnings}, path.name
        assert result.raw["page_count"] >= 1
        assert result.preview_png and result.preview_png.startswith(PNG_MAGIC)
        json.dumps(result.raw)  # kept as history: must serialise


def test_registry_picks_the_pdf_parser():
    detected = DetectedType("pdf", "application/pdf", "pdf")
    assert isinstance(parser_for(detected), PdfParser)
    assert PdfParser.score(DetectedType("excel", "x", "xlsx")) == 0


def test_word_document_metadata_pages_and_tables():
    result = parse(SAMPLES / "pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf", make_preview=False)
    raw = result.raw
    assert raw["page_count"] == 19 and raw["pages_read"] == 19
    assert raw["metadata"]["creator"] == "Microsoft® Word 2010"
    assert raw["metadata"]["created"] == "2014-12-05T14:20:43-05:00"
    assert "National Hydro Network" in raw["pages"][0]["text"]
    assert raw["image_count"] == 3
    assert raw["ocr_page_count"] == 0 and raw["has_text_layer"]
    tables = raw["tables"]
    assert tables and tables[0]["rows"][0] == ["Date", "Version", "Description"]
    assert all(len(t["rows"]) <= pdf_module.MAX_TABLE_ROWS for t in tables)


def test_ruled_table():
    result = parse(SAMPLES / "pdfplumber__nics-background-checks-2015-11.pdf", make_preview=False)
    (table,) = result.raw["tables"]
    assert table["page"] == 1 and table["col_count"] == 25
    assert table["rows"][0][0].startswith("NICS Firearm Background Checks")


def test_autocad_plot_is_read_without_a_false_damage_warning():
    result = parse(SAMPLES / "pypdf__AutoCad_Diagram.pdf")
    page = result.raw["pages"][0]
    assert page["rotation"] == 270 and page["image_count"] == 2
    assert "Strip the cable" in page["text"]
    assert "repaired" not in {w.code for w in result.warnings}
    assert result.raw["metadata"]["creator"].startswith("AutoCAD 2012")
    # Rendered as displayed (rotated): about 800 px on the long side.
    pixmap = pymupdf.Pixmap(result.preview_png)
    assert max(pixmap.width, pixmap.height) == pytest.approx(800, abs=2)


def test_damaged_stream_is_read_with_a_repaired_warning():
    result = parse(SAMPLES / "pdfminer__zen_of_python_corrupted.pdf", make_preview=False)
    warning = next(w for w in result.warnings if w.code == "repaired")
    assert "zlib" in warning.message
    assert "Beautiful is better than ugly." in result.raw["pages"][0]["text"]


def test_password_protected_pdf_is_refused_as_encrypted():
    with pytest.raises(ParseError, match="password-protected") as caught:
        parse(SAMPLES / "pypdf__r6-user-password.pdf")
    assert caught.value.code == "encrypted"


def test_synthetic_pdf_codes_material_thickness_quantity(tmp_path):
    path = write_text_pdf(tmp_path / "job.pdf", [SYNTHETIC_TEXT])
    result = parse(path)
    assert result.metadata == {"material": "GALV", "thickness_mm": 1.2, "quantity": 20}
    assert result.raw["identifiers"] == {
        "client_code": "CL-0007",
        "job_code": "JB-2025-10-CL0007-002",
    }
    findings = result.raw["findings"]
    assert findings["job_codes"][0]["value"] == "JB-2025-10-CL0007-002"
    assert "Galvanised 1.2mm" in findings["thicknesses"][0]["source_text"]
    assert result.warnings == []
    assert result.preview_png.startswith(PNG_MAGIC)


@needs_tesseract
def test_image_only_page_is_read_with_ocr(tmp_path):
    path = write_image_only_pdf(
        tmp_path / "scan.pdf",
        ["Client: CL0007", "Material: Galvanised", "Thickness: 3mm", "Qty: 20"],
    )
    result = parse(path, make_preview=False)
    page = result.raw["pages"][0]
    assert page["ocr"] is True and page["image_count"] == 1
    assert page["ocr_info"]["mean_confidence"] > 80
    assert "Material: Galvanised" in page["text"]
    assert result.raw["ocr_page_count"] == 1 and not result.raw["has_text_layer"]
    assert result.metadata == {"material": "GALV", "thickness_mm": 3.0, "quantity": 20}
    assert result.raw["identifiers"]["client_code"] == "CL-0007"


@needs_tesseract
def test_scanned_jbig2_sample_is_read_with_ocr():
    result = parse(SAMPLES / "pdfminer__pdf-with-jbig2.pdf", make_preview=False)
    page = result.raw["pages"][0]
    assert page["ocr"] is True and page["rotation"] == 270
    assert "Doesn't" in page["text"]  # the speech bubble "It Doesn't Work?!?!?!"


def test_ocr_pages_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_OCR_PAGES", 1)
    calls = []

    def fake_ocr(image, **kwargs):
        calls.append(image.size)
        return ocr.OcrResult("Qty: 3", 90.0, 2, 0, "none", "eng", 0.1)

    monkeypatch.setattr(ocr, "tesseract_available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_image", fake_ocr)
    path = write_image_only_pdf(tmp_path / "scan.pdf", ["Qty: 3"], pages=3)
    result = parse(path, make_preview=False)
    assert len(calls) == 1
    assert [p["ocr"] for p in result.raw["pages"]] == [True, False, False]
    assert "ocr_capped" in {w.code for w in result.warnings}
    assert result.metadata == {"quantity": 3}


def test_without_tesseract_scanned_pages_give_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    path = write_image_only_pdf(tmp_path / "scan.pdf", ["Qty: 3"])
    result = parse(path)
    codes = {w.code for w in result.warnings}
    assert {"ocr_unavailable", "no_text"} <= codes
    assert result.raw["pages"][0]["ocr"] is False
    assert result.preview_png.startswith(PNG_MAGIC)


def test_text_pages_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_TEXT_PAGES", 3)
    path = write_text_pdf(tmp_path / "long.pdf", ["Qty: 5"], pages=5)
    result = parse(path, make_preview=False)
    assert result.raw["page_count"] == 5 and result.raw["pages_read"] == 3
    assert len(result.raw["pages"]) == 3
    warning = next(w for w in result.warnings if w.code == "pages_capped")
    assert "3 of 5" in warning.message


def test_page_text_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_PAGE_CHARS", 50)
    path = write_text_pdf(tmp_path / "wordy.pdf", ["word " * 30, "Qty: 7"])
    page = parse(path, make_preview=False).raw["pages"][0]
    assert len(page["text"]) == 50 and page["text_truncated"] and page["char_count"] > 50


def test_pdf_that_opens_with_an_empty_password_is_read_and_noted(tmp_path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), SYNTHETIC_TEXT)
    path = tmp_path / "owner-only.pdf"
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="")
    result = parse(path, make_preview=False)
    assert "AES" in result.raw["encryption"]
    assert "encrypted" in {w.code for w in result.warnings}
    assert result.metadata["quantity"] == 20


def test_pdf_with_a_user_password_is_refused(tmp_path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), SYNTHETIC_TEXT)
    path = tmp_path / "locked.pdf"
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="secret")
    with pytest.raises(ParseError) as caught:
        parse(path)
    assert caught.value.code == "encrypted"


def test_truncated_pdf_is_repaired_with_a_warning(tmp_path):
    data = write_text_pdf(tmp_path / "whole.pdf", [SYNTHETIC_TEXT]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * 0.8)])  # the xref table and trailer are lost
    result = parse(path, make_preview=False)
    assert "repaired" in {w.code for w in result.warnings}
    assert result.metadata["quantity"] == 20


def test_garbage_pdf_is_refused_as_corrupt(tmp_path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10)
    with pytest.raises(ParseError) as caught:
        parse(path)
    assert caught.value.code == "corrupt"
    assert "damaged" in str(caught.value)


def test_damaged_pdf_is_still_previewed():
    result = parse(SAMPLES / "pdfminer__zen_of_python_corrupted.pdf")
    assert "repaired" in {w.code for w in result.warnings}
    assert result.preview_png.startswith(PNG_MAGIC)


# Sixteen bytes changed in the GeoBase sample (found by the damaged-copies test below): PyMuPDF
# 1.28.2's table finder then aborts the process with a native double free.
GEOBASE_DAMAGE = {
    38176: 154, 46104: 217, 50301: 211, 109584: 175, 113487: 240, 152187: 124, 152999: 192,
    159285: 226, 181290: 81, 222399: 77, 242021: 53, 300101: 230, 309321: 46, 322992: 142,
    353571: 36, 357467: 182,
}  # fmt: skip


def test_a_crash_inside_mupdf_does_not_take_the_parser_down(tmp_path):
    data = bytearray((SAMPLES / "pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf").read_bytes())
    for offset, value in GEOBASE_DAMAGE.items():
        data[offset] = value
    path = tmp_path / "damaged.pdf"
    path.write_bytes(bytes(data))
    isolated = pdf_isolated.run_isolated(path, renders=[], table_pages=list(range(19)))
    result = parse(path)  # in this process: must come back, whatever the child did
    assert result.raw["page_count"] == 19 and "repaired" in {w.code for w in result.warnings}
    # MuPDF's complaints are kept with the file, not printed into the worker's log
    assert "corrupt object stream" in " ".join(result.raw["mupdf_messages"])
    assert not pymupdf.TOOLS.mupdf_display_errors()
    assert not pymupdf.TOOLS.mupdf_display_warnings()
    if isolated.failed:  # PyMuPDF 1.28.2 crashes here; a fixed version may not
        assert "signal" in isolated.failed
        assert "render_failed" in {w.code for w in result.warnings}
        assert result.preview_png.startswith(PNG_MAGIC)  # rendered before the crash


def test_isolated_work_renders_and_finds_tables(tmp_path):
    path = SAMPLES / "pdfplumber__nics-background-checks-2015-11.pdf"
    jobs = [pdf_isolated.RenderJob("a", 0, 1.0), pdf_isolated.RenderJob("b", 0, 0.5, grey=True)]
    isolated = pdf_isolated.run_isolated(path, renders=jobs, table_pages=[0])
    assert not isolated.timed_out and not isolated.failed
    assert pymupdf.Pixmap(isolated.renders["a"]).width == 1008
    grey = pymupdf.Pixmap(isolated.renders["b"])
    assert (grey.width, grey.n) == (504, 1)
    assert isolated.tables[0][0]["col_count"] == 25
    missing = pdf_isolated.run_isolated(
        path, renders=[pdf_isolated.RenderJob("x", 7, 1.0)], table_pages=[]
    )
    assert "x" in missing.render_errors and not missing.renders


def test_isolated_work_is_stopped_by_its_time_limit():
    path = SAMPLES / "pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf"
    jobs = [pdf_isolated.RenderJob(f"p{n}", n, 4.0) for n in range(19)]
    started = time.monotonic()
    isolated = pdf_isolated.run_isolated(path, renders=jobs, table_pages=[], timeout_s=0.5)
    assert time.monotonic() - started < 3
    assert isolated.timed_out and len(isolated.renders) < 19


def test_isolated_work_is_stopped_by_its_memory_limit():
    path = SAMPLES / "pdfplumber__nics-background-checks-2015-11.pdf"
    isolated = pdf_isolated.run_isolated(
        path, renders=[pdf_isolated.RenderJob("a", 0, 1.0)], table_pages=[], memory_limit_mb=64
    )
    assert not isolated.renders
    assert isolated.failed  # 64 MB is too little even to load PyMuPDF


def test_when_rendering_is_stopped_the_text_is_still_read(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: True)
    monkeypatch.setattr(
        pdf_module, "run_isolated", lambda *a, **k: pdf_isolated.IsolatedResult(timed_out=True)
    )
    scan = write_image_only_pdf(tmp_path / "scan.pdf", ["Qty: 3"], pages=2)
    result = parse(scan)
    codes = {w.code for w in result.warnings}
    assert {"render_timeout", "ocr_failed", "preview_failed", "no_text"} <= codes
    assert result.preview_png is None
    assert [p["ocr"] for p in result.raw["pages"]] == [False, False]
    text = parse(write_text_pdf(tmp_path / "text.pdf", [SYNTHETIC_TEXT]))
    assert text.metadata["quantity"] == 20 and text.raw["tables"] == []


def test_progress_is_reported_from_zero_to_one(tmp_path):
    seen: list[float] = []
    path = write_text_pdf(tmp_path / "p.pdf", ["Qty: 1"], pages=3)
    PdfParser().parse(path, ParseContext(progress=lambda f, m: seen.append(f)))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


@pytest.mark.slow
def test_damaged_copies_are_read_or_refused_never_crash(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)  # speed: no OCR here
    # One damaged JBIG2 copy takes MuPDF ~90 s to render; the isolated work is stopped.
    monkeypatch.setattr(pdf_module, "ISOLATED_TIMEOUT_S", 3.0)
    sources = [p for p in sorted(SAMPLES.glob("*.pdf")) if p.stat().st_size]
    path = tmp_path / "damaged.pdf"
    outcomes = {"read": 0, "refused": 0}
    copies = 8  # of each sample; each copy's pages are drawn in a child process (~1 s)
    for n, source in enumerate(sources):
        for data in mutants(source.read_bytes(), copies, seed=n):
            path.write_bytes(data)
            try:
                parse(path)
                outcomes["read"] += 1
            except ParseError as exc:
                assert exc.code in {"corrupt", "empty", "encrypted", "unreadable"}
                outcomes["refused"] += 1
    assert outcomes["read"] and sum(outcomes.values()) == copies * len(sources)


def test_a_damaged_pdf_read_twice_is_reported_both_times(tmp_path):
    data = write_text_pdf(tmp_path / "whole.pdf", [SYNTHETIC_TEXT]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * 0.8)])
    first = parse(path, make_preview=False)
    second = parse(path, make_preview=False)  # MuPDF folds a repeated message into "... repeated"
    for result in (first, second):
        assert "repaired" in {w.code for w in result.warnings}
        assert any("xref" in message for message in result.raw["mupdf_messages"])
