"""ingest.content.textscan: the shop's facts in free text, each with the snippet it came from."""

from __future__ import annotations

import pytest

from ingest.content.textscan import (
    Finding,
    TextFindings,
    find_client_codes,
    find_job_codes,
    find_materials,
    find_quantities,
    find_thicknesses,
    normalise_client_code,
    normalise_job_code,
    scan_text,
    unambiguous_value,
)

PURLIN = "PURLIN CLEATS 200mm x 100mm, 4 x Ø14, 6mm thick plate, 48 of."
# What Tesseract reads from the project_59 drawing (see test_image.py).
PURLIN_OCR = "PURLIN CLEATS\n\n200mm\n\n100mm\n\n6mm thick plate\n\n48 of."
TEST_PART = "Test Part\nMaterial: MS\nThickness: 5mm\nQty: 10\nClient: CL-0001"
SYNTHETIC = "Client: CL0007 Job JB-2025-10-CL0007-002 Material: Galvanised 1.2mm Qty: 20"


def values(findings: list[Finding]) -> list:
    return [f.value for f in findings]


@pytest.mark.parametrize("text", [PURLIN, PURLIN_OCR])
def test_purlin_cleats_is_6mm_and_48_off_not_a_size_or_a_hole(text):
    found = scan_text(text)
    assert values(found.thicknesses) == [6.0]
    assert values(found.quantities) == [48]
    assert found.metadata() == {"thickness_mm": 6.0, "quantity": 48}
    assert "6mm thick" in found.thicknesses[0].source_text
    assert "48 of" in found.quantities[0].source_text


@pytest.mark.parametrize("separator", ["\n", " / "])
def test_test_part_label_lines(separator):
    found = scan_text(TEST_PART.replace("\n", separator))
    assert found.metadata() == {"material": "MS", "thickness_mm": 5.0, "quantity": 10}
    assert found.identifiers() == {"client_code": "CL-0001"}
    assert "Material: MS" in found.materials[0].source_text
    assert "Thickness: 5mm" in found.thicknesses[0].source_text
    assert "Qty: 10" in found.quantities[0].source_text
    assert all(f.confidence >= 0.9 for f in (*found.materials, *found.quantities))


def test_ocr_variant_without_colons_still_reads():
    # Tesseract drops colons: "Material MS", "Thickness 5mm", "Client CL-0001".
    found = scan_text("Test Part\nMaterial MS\nThickness 5mm\nQty: 10\nClient CL-0001")
    assert found.metadata() == {"material": "MS", "thickness_mm": 5.0, "quantity": 10}
    assert found.identifiers()["client_code"] == "CL-0001"


def test_synthetic_pdf_text():
    found = scan_text(SYNTHETIC)
    assert found.identifiers() == {"client_code": "CL-0007", "job_code": "JB-2025-10-CL0007-002"}
    assert found.metadata() == {"material": "GALV", "thickness_mm": 1.2, "quantity": 20}
    # The client named on its own is more certain than the one inside the job code.
    assert found.client_codes[0].source_text.startswith("Client: CL0007")
    assert found.client_codes[0].confidence > 0.9


@pytest.mark.parametrize(
    ("text", "expected"),
    [("CL0001", "CL-0001"), ("cl-0042", "CL-0042"), ("CL 0003", "CL-0003"), ("CL-00001", None)],
)
def test_normalise_client_code(text, expected):
    assert normalise_client_code(text) == expected


def test_client_codes_in_text_and_inside_job_codes():
    assert values(find_client_codes("for CL0001 and CL-0002")) == ["CL-0001", "CL-0002"]
    inside = find_client_codes("JB-2025-10-CL0009-001")
    assert values(inside) == ["CL-0009"] and inside[0].confidence < 0.8
    assert find_client_codes("CL-90001 XCL-0001 CL-12") == []  # OCR noise, not codes


def test_client_code_misread_by_ocr():
    misread = find_client_codes("Client: CLO007")  # Tesseract's O for a zero
    assert values(misread) == ["CL-0007"] and misread[0].confidence == 0.8
    assert find_client_codes("CLOSE CLOOO7 CLOOOO") == []  # words, or too few real digits
    both = find_client_codes("CL0007 and CLO007")
    assert values(both) == ["CL-0007"] and both[0].confidence == 0.85


def test_job_codes_normalised_and_bad_months_refused():
    assert values(find_job_codes("jb-2025-03-cl-0001-007")) == ["JB-2025-03-CL0001-007"]
    assert find_job_codes("JB-2025-13-CL0001-001") == []
    assert normalise_job_code(" JB-2025-10-CL0001-001 ") == "JB-2025-10-CL0001-001"
    assert normalise_job_code("JB-2025-10-CL0001-001 extra") is None


def test_quote_and_invoice_numbers():
    found = scan_text("Quotation QT-2025-0012, invoice INV 2025-0042 (not INV-2025-00421)")
    assert values(found.quote_numbers) == ["QT-2025-0012"]
    assert values(found.invoice_numbers) == ["INV-2025-0042"]
    assert found.identifiers() == {
        "quote_number": "QT-2025-0012",
        "invoice_number": "INV-2025-0042",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6mm thick", 6.0),
        ("5mm", 5.0),
        ("t=3", 3.0),
        ("T: 2.5", 2.5),
        ("3 mm", 3.0),
        ("thickness: 5mm", 5.0),
        ("Thk 1,2 mm", 1.2),
        ("all 5mm", 5.0),
        ("8 mm plate", 8.0),
    ],
)
def test_thickness_forms(text, expected):
    assert values(find_thicknesses(text))[:1] == [expected]
    assert scan_text(text).metadata()["thickness_mm"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "200mm x 100mm",
        "1090x2030",
        "4 x Ø14",
        "Ø14mm",
        "R5mm",
        "dia 12mm",
        "5 x 3mm",  # a size
        "50mm",  # too big to be a sheet thickness when it is not labelled
        "1,200mm",
    ],
)
def test_sizes_and_diameters_are_not_thicknesses(text):
    assert find_thicknesses(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Qty: 10", 10),
        ("x 12", 12),
        ("48 of.", 48),
        ("48 of", 48),
        ("Quantity 4", 4),
        ("10 off", 10),
        ("No. off: 6", 6),
        ("12 pcs", 12),
        ("0001-Rectangle Drain-Galv-1.2mm-x20.dxf", 20),
    ],
)
def test_quantity_forms(text, expected):
    assert values(find_quantities(text)) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "4 x Ø14",
        "200 x 100",
        "200mm x 100mm",
        "page 1 of 19",
        "1 of 3 sheets",
        "Qty: 10.5",
        "Box 12",
    ],
)
def test_not_quantities(text):
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mild Steel bracket", "MS"),
        ("MS bracket", "MS"),
        ("Galv", "GALV"),
        ("GaLv 1.2mm", "GALV"),
        ("Vastrap stair tread", "VAST"),
        ("VAS-4mm-x2", "VAST"),
        ("stainless steel", "SS"),
        ("Alu 3mm", "AL"),
        ("Material: C", "CS"),
        ("Mat: other", "OTH"),
        ("Material: Mild", "MS"),
    ],
)
def test_material_names(text, expected):
    assert values(find_materials(text))[:1] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "the other part",  # "other" is a word, not a material, without a label
        "section c",  # "C" is carbon steel only after "Material:"
        "ms word",  # short codes in lower case are not trusted without a label
        "Al said hello",  # "Al" mixed case without a thickness or label
        "mild weather",
    ],
)
def test_ordinary_words_are_not_materials(text):
    assert find_materials(text) == []


def test_labelled_values_beat_bare_ones():
    found = scan_text("Notes: 3mm gap. Thickness: 5mm. Galv plate, Material: SS")
    assert found.metadata()["thickness_mm"] == 5.0
    assert found.metadata()["material"] == "SS"


def test_conflicting_values_give_no_metadata_but_keep_findings():
    found = scan_text("bracket 3mm and cover 5mm, MS and SS")
    assert sorted(values(found.thicknesses)) == [3.0, 5.0]
    assert sorted(values(found.materials)) == ["MS", "SS"]
    assert found.metadata() == {}


def test_unambiguous_value_margin():
    close = [Finding("MS", "a", 0.85), Finding("SS", "b", 0.8)]
    apart = [Finding("MS", "a", 0.95), Finding("SS", "b", 0.6)]
    assert unambiguous_value(close) is None
    assert unambiguous_value(apart) == "MS"
    assert unambiguous_value([Finding("MS", "a", 0.4)]) is None  # below the threshold


def test_findings_serialise_and_merge():
    a, b = scan_text("Qty: 10"), scan_text("x 10 and Thickness: 3mm")
    merged = a.merge(b)
    assert values(merged.quantities) == [10] and merged.quantities[0].confidence == 0.95
    assert values(merged.thicknesses) == [3.0]
    as_dict = merged.as_dict()
    assert as_dict["quantities"][0] == {
        "value": 10,
        "source_text": "Qty: 10",
        "confidence": 0.95,
    }
    assert set(as_dict) == {
        "client_codes",
        "job_codes",
        "quote_numbers",
        "invoice_numbers",
        "materials",
        "thicknesses",
        "quantities",
    }


def test_empty_and_bounded_text():
    assert scan_text("").is_empty() and scan_text(None).is_empty()
    assert isinstance(scan_text("x"), TextFindings)
    far = "filler " * 1000 + "Qty: 10"
    assert scan_text(far, max_chars=100).quantities == []
    assert values(scan_text(far).quantities) == [10]


def test_snippets_are_one_line_and_short():
    text = "line one\n" + "word " * 40 + "Thickness: 4mm" + " more" * 40 + "\nline three"
    finding = find_thicknesses(text)[0]
    assert "\n" not in finding.source_text
    assert "Thickness: 4mm" in finding.source_text
    assert len(finding.source_text) <= 80
