"""analyse(): detect -> parse -> read the name -> merge, and the `inspect --json` object."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from ingest.content.pipeline import analyse, result_as_json
from ingest.parsers import registry
from ingest.parsers.base import (
    METADATA_KEYS,
    DetectedType,
    ParseContext,
    ParseError,
    Parser,
    ParseResult,
)
from ingest.parsers.lightburn import LightBurnParser

SAMPLES = Path(__file__).parent / "samples"
LIGHTBURN = SAMPLES / "lightburn"
PDF_SAMPLE = SAMPLES / "misc" / "pdfminer__pdf-with-jbig2.pdf"

JSON_KEYS = {"type", "warnings", *METADATA_KEYS}


class FakePdfParser(Parser):
    """Stands in for the PDF parser: reports what a drawing's title block might say."""

    name = "fake-pdf"
    metadata: dict[str, Any] = {}

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 50 if detected.kind == "pdf" else 0

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        seen.append(context)
        return ParseResult(kind="pdf", metadata=dict(self.metadata), parser=self.name)


class CrashingPdfParser(FakePdfParser):
    name = "crashing-pdf"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 60 if detected.kind == "pdf" else 0

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        raise KeyError("boom")


seen: list[ParseContext] = []


@pytest.fixture(autouse=True)
def only_known_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry holds just the LightBurn parser (and the fakes a test adds), so these tests
    do not depend on the other parsers being finished."""
    monkeypatch.setattr(registry, "_PARSERS", [LightBurnParser])
    monkeypatch.setattr(registry, "_load_builtin_parsers", lambda: None)
    seen.clear()


def copy(tmp_path: Path, source: Path, name: str) -> Path:
    target = tmp_path / Path(name).name
    shutil.copy(source, target)
    return target


def lbrn2(tmp_path: Path, body: str, material_height: str = "0") -> Path:
    path = tmp_path / "project.bin"
    path.write_text(
        f'<?xml version="1.0"?><LightBurnProject AppVersion="2.0.03" FormatVersion="1" '
        f'MaterialHeight="{material_height}"><CutSetting type="Cut"><index Value="0"/>'
        f'<name Value="C00"/></CutSetting>{body}</LightBurnProject>'
    )
    return path


RECT = '<Shape Type="Rect" CutIndex="0" W="100" H="50" Cr="0"><XForm>1 0 0 1 0 0</XForm></Shape>'


def test_name_fills_what_the_content_does_not_know(tmp_path: Path) -> None:
    name = "CL-0002/1.Projects/0001-100mm Pieces-02.09.2025/0001-100mm L cut-Galv-x5.lbrn2"
    path = copy(tmp_path, LIGHTBURN / "0001-100mm L cut-Galv-x5.lbrn2", name)
    result = analyse(path, ParseContext(original_name=name))
    assert result.metadata["material"] == "GALV"
    assert result.metadata["quantity"] == 5
    assert result.metadata["thickness_mm"] is None  # neither the file nor its name says
    filled = result.raw["name"]["filled"]
    assert set(filled) == {"material", "quantity"}
    assert filled["material"]["source"] == "file name 'Galv'"
    assert result.raw["name"]["fields"]["client_code"]["value"] == "CL-0002"
    assert result.raw["detected"]["kind"] == "lightburn"
    # the name gives the material and no thickness, and the file does not say it either
    assert [(w.code, w.message) for w in result.warnings] == [
        (
            "name_unclear",
            "The name gives the material (GALV) but no thickness: check the thickness.",
        )
    ]


def test_what_the_name_leaves_unclear_is_warned_until_something_says_it(tmp_path: Path) -> None:
    name = "0001-A Z OROS-SS-0.lbrn2"
    unclear = analyse(lbrn2(tmp_path, RECT), ParseContext(original_name=name))
    assert [w.code for w in unclear.warnings] == ["name_unclear"]
    assert "as if cut short" in unclear.warnings[0].message
    assert unclear.metadata["thickness_mm"] is None and unclear.metadata["material"] == "SS"
    # the file's own thickness, or the job's, settles it: no warning
    said = analyse(lbrn2(tmp_path, RECT, material_height="0.5"), ParseContext(original_name=name))
    assert said.metadata["thickness_mm"] == 0.5 and said.warnings == []
    given = ParseContext(original_name=name, thickness_mm=0.5)
    assert analyse(lbrn2(tmp_path, RECT), given).warnings == []
    # a roof sheet's thickness typed without its point is read, and used, with no warning
    roof = analyse(lbrn2(tmp_path, RECT), ParseContext(original_name="Roof-MS-053mm-x2.lbrn2"))
    assert roof.metadata["thickness_mm"] == 0.53 and roof.warnings == []
    assert roof.raw["name"]["filled"]["thickness_mm"]["confidence"] < 0.85


def test_inspect_json_object(tmp_path: Path) -> None:
    name = "0002-Blue Plate-MS-0.53mm-x1.lbrn2"
    path = copy(tmp_path, LIGHTBURN / name, name)
    result = analyse(path, ParseContext(original_name=name))
    output = result_as_json(result)
    assert set(output) >= JSON_KEYS
    assert output["type"] == "lightburn"
    assert output["units"] == "mm"
    assert output["bbox_mm"] == [750.0, 1665.0]
    assert (output["material"], output["thickness_mm"], output["quantity"]) == ("MS", 0.53, 1)
    assert output["holes"] and set(output["holes"][0]) >= {"diameter_mm"}
    assert output["warnings"] == []
    assert json.loads(json.dumps(output)) == output
    # the explicit form gives the same object
    detected = DetectedType(**result.raw["detected"])
    assert result_as_json(result, detected) == output


def test_json_keys_are_present_when_nothing_is_known(tmp_path: Path) -> None:
    result = ParseResult(kind="pdf")
    output = result_as_json(result, DetectedType("pdf", "application/pdf", "pdf"))
    assert set(output) >= JSON_KEYS
    assert all(output[key] is None for key in METADATA_KEYS)
    assert output["warnings"] == []


def test_content_wins_over_the_name(tmp_path: Path) -> None:
    path = lbrn2(tmp_path, RECT, material_height="3")
    result = analyse(path, ParseContext(original_name="0001-Cover-MS-1.2mm-x2.lbrn2"))
    assert result.metadata["thickness_mm"] == 3.0
    assert result.metadata["material"] == "MS" and result.metadata["quantity"] == 2
    mismatch = [w for w in result.warnings if w.code == "name_content_mismatch"]
    assert len(mismatch) == 1
    assert "1.2 mm" in mismatch[0].message and "3 mm" in mismatch[0].message
    assert result.raw["name"]["disagreements"] == {"thickness_mm": {"content": 3.0, "name": 1.2}}


def test_equal_values_are_not_a_mismatch(tmp_path: Path) -> None:
    path = lbrn2(tmp_path, RECT, material_height="1.2")
    result = analyse(path, ParseContext(original_name="0001-Cover-MS-1.2mm-x2.lbrn2"))
    assert "name_content_mismatch" not in {w.code for w in result.warnings}


def test_weak_name_values_are_recorded_not_used(tmp_path: Path) -> None:
    name = "CL-0002/1.Projects/0007-75mm galv-10.07.2025/sign.lbrn2"  # material only in folder
    result = analyse(lbrn2(tmp_path, RECT), ParseContext(original_name=name))
    assert result.metadata["material"] is None
    assert result.raw["name"]["fields"]["material"]["value"] == "GALV"
    assert result.raw["name"]["filled"] == {}


def test_name_thickness_reaches_the_drawing_checks(tmp_path: Path) -> None:
    hole = '<Shape Type="Ellipse" CutIndex="0" Rx="1" Ry="1"><XForm>1 0 0 1 0 0</XForm></Shape>'
    path = lbrn2(tmp_path, RECT + hole)
    result = analyse(path, ParseContext(original_name="Cover-MS-3mm-x1.lbrn2"))
    assert "hole_smaller_than_thickness" in {w.code for w in result.warnings}
    assert analyse(path, ParseContext(original_name="Cover.lbrn2")).warnings == []


def test_extension_mismatch_is_a_warning(tmp_path: Path) -> None:
    path = copy(tmp_path, LIGHTBURN / "lbrnts__switch_plate.lbrn2", "plate.dxf")
    result = analyse(path, ParseContext(original_name="plate.dxf"))
    assert result.kind == "lightburn"
    warning = next(w for w in result.warnings if w.code == "extension_mismatch")
    assert "named .dxf" in warning.message and "LightBurn" in warning.message
    assert result_as_json(result)["type"] == "lightburn"


def test_no_name_at_all(tmp_path: Path) -> None:
    result = analyse(lbrn2(tmp_path, RECT), ParseContext())
    assert (result.metadata["material"], result.metadata["quantity"]) == (None, None)
    assert result.raw["name"]["fields"] == {}


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (random.Random(1).randbytes(4096), "application/octet-stream")],
    ids=["empty", "garbage"],
)
def test_unknown_types_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "upload.lbrn2"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=rf"^unsupported file type: {reason}") as caught:
        analyse(path, ParseContext(original_name="upload.lbrn2"))
    assert caught.value.code == "unsupported"


def test_known_type_without_a_parser(tmp_path: Path) -> None:
    path = copy(tmp_path, PDF_SAMPLE, "drawing.pdf")
    with pytest.raises(ParseError, match="unsupported file type: no parser reads pdf files"):
        analyse(path, ParseContext(original_name="drawing.pdf"))


def test_other_parsers_plug_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry.register(FakePdfParser)
    monkeypatch.setattr(FakePdfParser, "metadata", {"material": "SS", "quantity": 3})
    path = copy(tmp_path, PDF_SAMPLE, "x.pdf")
    result = analyse(path, ParseContext(original_name="Bracket-MS-2mm-x3.pdf"))
    assert result.parser == "fake-pdf"
    assert result.metadata["material"] == "SS"  # the drawing's title block wins
    assert result.metadata["thickness_mm"] == 2.0  # filled from the name
    assert [w.code for w in result.warnings] == ["name_content_mismatch"]
    assert "material MS" in result.warnings[0].message
    assert seen[0].thickness_mm == 2.0 and seen[0].material == "MS"


def test_context_values_from_the_caller_are_kept(tmp_path: Path) -> None:
    registry.register(FakePdfParser)
    path = copy(tmp_path, PDF_SAMPLE, "x.pdf")
    analyse(path, ParseContext(original_name="Bracket-MS-2mm-x3.pdf", thickness_mm=5.0))
    assert seen[0].thickness_mm == 5.0


def test_a_crashing_parser_becomes_a_clear_error(tmp_path: Path) -> None:
    registry.register(CrashingPdfParser)
    path = copy(tmp_path, PDF_SAMPLE, "x.pdf")
    with pytest.raises(
        ParseError, match=r"the crashing-pdf reader failed on this file \(KeyError\)"
    ):
        analyse(path, ParseContext(original_name="x.pdf"))


def test_parse_errors_pass_through(tmp_path: Path) -> None:
    path = tmp_path / "evil.lbrn2"
    path.write_text('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><LightBurnProject/>')
    with pytest.raises(ParseError, match="^unsafe XML"):
        analyse(path, ParseContext(original_name="evil.lbrn2"))
