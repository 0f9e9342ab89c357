"""Find the shop's facts in free text: client and job codes, quote and invoice numbers, material,
thickness and quantity.

The text comes from PDF text layers, OCR output and spreadsheet cells, so the rules are lenient
about spacing and case but careful about what a number means: "200mm x 100mm" is a size, not a
thickness; "4 x Ø14" is four holes of 14 mm, not a quantity; "1 of 19" is a page number. Every
finding keeps the snippet it came from and a confidence (0..1) so a person can check it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inventory.constants import COMMON_THICKNESSES_MM, material_code

MAX_SCAN_CHARS = 500_000  # text beyond this is not scanned (a bound, not a business rule)
MAX_FINDINGS = 50  # per kind of finding
SNIPPET_CHARS = 80
METADATA_MIN_CONFIDENCE = 0.5
CONFLICT_MARGIN = 0.1  # findings this close to the most confident one must agree with it
MAX_THICKNESS_MM = 50.0  # a labelled thickness above this is not a sheet thickness
MAX_BARE_THICKNESS_MM = 25.0  # an unlabelled "12mm" above this is a dimension, not a thickness
MAX_QUANTITY = 100_000

_NUMBER = r"\d{1,4}(?:[.,]\d{1,2})?(?!\d)"

_CLIENT_RE = re.compile(r"(?<![A-Za-z0-9])CL[-_ ]?(\d{4})(?![0-9])", re.IGNORECASE)
# OCR reads a zero as the letter O ("CLO007"): accepted, less surely, when two digits are real.
_CLIENT_OCR_RE = re.compile(r"(?<![A-Za-z0-9])CL[-_ ]?([0-9O]{4})(?![0-9A-Za-z])", re.IGNORECASE)
_JOB_RE = re.compile(
    r"(?<![A-Za-z0-9])JB[-_ ]?(\d{4})[-_ ]?(\d{2})[-_ ]?CL[-_ ]?(\d{4})[-_ ]?(\d{3})(?![0-9])",
    re.IGNORECASE,
)
_QUOTE_RE = re.compile(r"(?<![A-Za-z0-9])QT[-_ ]?(\d{4})[-_ ]?(\d{4})(?![0-9])", re.IGNORECASE)
_INVOICE_RE = re.compile(r"(?<![A-Za-z0-9])INV[-_ ]?(\d{4})[-_ ]?(\d{4})(?![0-9])", re.IGNORECASE)
_CLIENT_LABEL_RE = re.compile(r"(?:client|customer|account)\s*(?:code|no\.?)?\s*[:#.=-]?\s*$", re.I)

# Material: a label, then up to three words.
_MATERIAL_LABEL_RE = re.compile(
    r"\b(?:material|materia|materiat|matl|mat)\b\.?\s*[:=-]?\s*([A-Za-z][A-Za-z ]{0,30})",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[A-Za-z]+")
# Aliases that are ordinary words or single letters: believed only after a "Material:" label.
_LABEL_ONLY_ALIASES = frozenset({"c", "other", "oth", "mild", "carbon"})
_SHORT_ALIAS_LEN = 3

# Thickness.
_THICKNESS_LABEL_RE = re.compile(
    rf"\b(?:thickness|thick|thk)\b\.?\s*[:=-]?\s*(?:of\s+)?({_NUMBER})\s*(mm)?"
    rf"|\bt\s*[:=]\s*({_NUMBER})\s*(mm)?",
    re.IGNORECASE,
)
_THICKNESS_AFTER_RE = re.compile(
    rf"({_NUMBER})\s*mm\.?\s*(?:thick|thk|plate|sheet|material)\b", re.IGNORECASE
)
_THICKNESS_ALL_RE = re.compile(rf"\ball\s+(?:in\s+)?({_NUMBER})\s*mm\b", re.IGNORECASE)
_BARE_MM_RE = re.compile(rf"(?<![\w.,])({_NUMBER})\s*mm\b", re.IGNORECASE)
_SIZE_BEFORE_RE = re.compile(r"\d\s*(?:mm)?\s*[x×*]\s*$", re.IGNORECASE)
_SIZE_AFTER_RE = re.compile(r"^\s*[x×*]\s*\d", re.IGNORECASE)
_DIAMETER_BEFORE_RE = re.compile(r"(?:[Øø⌀∅]|\bdia\.?|\bdiam\.?|\bR|\bradius)\s*$", re.IGNORECASE)

# Quantity.
_QTY_LABEL_RE = re.compile(
    r"\b(?:qty|qnty|quantity|quant|no\.?\s*off|pcs|pieces|units)\b\.?\s*[:=#-]?\s*(\d{1,6})(?![.,]?\d)",
    re.IGNORECASE,
)
_QTY_OFF_RE = re.compile(
    r"(?<![\w.,])(\d{1,6})\s*(?:off\b|pcs\b|pieces\b|of(?=\s*(?:[.,;:)]|$)))",
    re.IGNORECASE | re.MULTILINE,
)
_QTY_TIMES_RE = re.compile(
    r"(?<![A-Za-z])[x×]\s*(\d{1,6})(?![\d.,]?\d)(?!\s*(?:mm|cm|m\b|[x×*]))", re.I
)
_NUMBER_BEFORE_RE = re.compile(r"\d\s*(?:mm|cm|m)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One fact found in text, the snippet it came from, and how sure the rule is (0..1)."""

    value: Any
    source_text: str
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "source_text": self.source_text, "confidence": self.confidence}


@dataclass
class TextFindings:
    """Everything `scan_text` found, by kind; each list is best first."""

    client_codes: list[Finding] = field(default_factory=list)
    job_codes: list[Finding] = field(default_factory=list)
    quote_numbers: list[Finding] = field(default_factory=list)
    invoice_numbers: list[Finding] = field(default_factory=list)
    materials: list[Finding] = field(default_factory=list)
    thicknesses: list[Finding] = field(default_factory=list)
    quantities: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        """JSON-serialisable form, for ParseResult.raw["findings"]."""
        return {name: [f.as_dict() for f in getattr(self, name)] for name in _KINDS}

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in _KINDS)

    def metadata(self, *, min_confidence: float = METADATA_MIN_CONFIDENCE) -> dict[str, Any]:
        """material / thickness_mm / quantity where the text names one value clearly.

        A value is taken when no other value is found with (nearly) the same confidence; two
        different values found equally sure are a conflict and give nothing.
        """
        out: dict[str, Any] = {}
        for key, findings in (
            ("material", self.materials),
            ("thickness_mm", self.thicknesses),
            ("quantity", self.quantities),
        ):
            value = unambiguous_value(findings, min_confidence=min_confidence)
            if value is not None:
                out[key] = value
        return out

    def identifiers(self, *, min_confidence: float = METADATA_MIN_CONFIDENCE) -> dict[str, Any]:
        """client_code / job_code / quote_number / invoice_number where unambiguous."""
        out: dict[str, Any] = {}
        for key, findings in (
            ("client_code", self.client_codes),
            ("job_code", self.job_codes),
            ("quote_number", self.quote_numbers),
            ("invoice_number", self.invoice_numbers),
        ):
            value = unambiguous_value(findings, min_confidence=min_confidence)
            if value is not None:
                out[key] = value
        return out

    def merge(self, other: TextFindings) -> TextFindings:
        """The findings of both, deduplicated per value (highest confidence kept)."""
        merged = TextFindings()
        for name in _KINDS:
            setattr(merged, name, _best_per_value([*getattr(self, name), *getattr(other, name)]))
        return merged


_KINDS = (
    "client_codes",
    "job_codes",
    "quote_numbers",
    "invoice_numbers",
    "materials",
    "thicknesses",
    "quantities",
)


def unambiguous_value(
    findings: Iterable[Finding], *, min_confidence: float = METADATA_MIN_CONFIDENCE
) -> Any:
    """The value of the most confident finding when every finding nearly as confident (within
    CONFLICT_MARGIN) agrees with it, else None."""
    candidates = [f for f in findings if f.confidence >= min_confidence]
    if not candidates:
        return None
    best = max(candidates, key=lambda f: f.confidence)
    rivals = {
        _key(f.value) for f in candidates if f.confidence >= best.confidence - CONFLICT_MARGIN
    }
    return best.value if rivals == {_key(best.value)} else None


def scan_text(text: str | None, *, max_chars: int = MAX_SCAN_CHARS) -> TextFindings:
    """Every kind of finding in `text` (only its first `max_chars` characters are read)."""
    if not text:
        return TextFindings()
    text = text[:max_chars]
    return TextFindings(
        client_codes=find_client_codes(text),
        job_codes=find_job_codes(text),
        quote_numbers=find_quote_numbers(text),
        invoice_numbers=find_invoice_numbers(text),
        materials=find_materials(text),
        thicknesses=find_thicknesses(text),
        quantities=find_quantities(text),
    )


def normalise_client_code(text: str | None) -> str | None:
    """ "CL0001", "cl-0001", "CL 0001" -> "CL-0001"; None when `text` is not a client code."""
    if not text:
        return None
    match = re.fullmatch(r"\s*CL[-_ ]?(\d{4})\s*", text, re.IGNORECASE)
    return f"CL-{match.group(1)}" if match else None


def normalise_job_code(text: str | None) -> str | None:
    """ "jb-2025-10-cl-0001-001" -> "JB-2025-10-CL0001-001"; None when not a job code."""
    if not text:
        return None
    match = _JOB_RE.fullmatch(text.strip())
    return _job_code(match) if match and _valid_month(match.group(2)) else None


def find_client_codes(text: str) -> list[Finding]:
    """Client codes ("CL-0001"; older files write "CL0001"), also those inside job codes.

    A code OCR misread with the letter O for a zero ("CLO007") counts, less surely.
    """
    found: list[tuple[int, Finding]] = []
    job_spans = [m.span() for m in _JOB_RE.finditer(text)]
    for regex, misread in ((_CLIENT_RE, False), (_CLIENT_OCR_RE, True)):
        for match in regex.finditer(text):
            digits = match.group(1).upper()
            if misread and ("O" not in digits or sum(c.isdigit() for c in digits) < 2):
                continue
            if any(start <= match.start() < end for start, end in job_spans):
                continue
            before = text[max(0, match.start() - 30) : match.start()]
            labelled = bool(_CLIENT_LABEL_RE.search(before))
            confidence = (0.8 if labelled else 0.7) if misread else (0.95 if labelled else 0.85)
            code = "CL-" + digits.replace("O", "0")
            found.append((match.start(), Finding(code, _snippet(text, match), confidence)))
    for match in _JOB_RE.finditer(text):
        if _valid_month(match.group(2)):
            code = f"CL-{match.group(3)}"
            found.append((match.start(), Finding(code, _snippet(text, match), 0.7)))
    return _ordered(found)


def find_job_codes(text: str) -> list[Finding]:
    """Project (job) codes, normalised to "JB-YYYY-MM-CL0001-NNN"."""
    found = [
        (m.start(), Finding(_job_code(m), _snippet(text, m), 0.95))
        for m in _JOB_RE.finditer(text)
        if _valid_month(m.group(2))
    ]
    return _ordered(found)


def find_quote_numbers(text: str) -> list[Finding]:
    """Quote numbers, normalised to "QT-YYYY-NNNN"."""
    found = [
        (m.start(), Finding(f"QT-{m.group(1)}-{m.group(2)}", _snippet(text, m), 0.95))
        for m in _QUOTE_RE.finditer(text)
    ]
    return _ordered(found)


def find_invoice_numbers(text: str) -> list[Finding]:
    """Invoice numbers, normalised to "INV-YYYY-NNNN"."""
    found = [
        (m.start(), Finding(f"INV-{m.group(1)}-{m.group(2)}", _snippet(text, m), 0.95))
        for m in _INVOICE_RE.finditer(text)
    ]
    return _ordered(found)


def find_materials(text: str) -> list[Finding]:
    """Material codes from the names users type ("Mild Steel", "MS", "Galv", "Vastrap").

    A name after a "Material:" label is trusted most. Unlabelled, long names ("galvanised",
    "stainless steel") count anywhere; short ones ("MS", "SS", "AL") only in capitals or next
    to a thickness ("Galv 1.2mm"); ordinary words ("other", "mild") and "C" only after a label.
    """
    found: list[tuple[int, Finding]] = []
    labelled_spans: list[tuple[int, int]] = []
    for match in _MATERIAL_LABEL_RE.finditer(text):
        words = list(_WORD_RE.finditer(match.group(1)))
        for n in (3, 2, 1):
            if len(words) < n:
                continue
            phrase = " ".join(w.group(0) for w in words[:n])
            code = material_code(phrase)
            if code:
                end = match.start(1) + words[n - 1].end()
                labelled_spans.append((match.start(1), end))
                found.append((match.start(), Finding(code, _snippet(text, match), 0.95)))
                break

    words = list(_WORD_RE.finditer(text))
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            group = words[i : i + n]
            if len(group) < n or not _adjacent(text, group):
                continue
            phrase = " ".join(w.group(0) for w in group)
            code = material_code(phrase)
            if not code:
                continue
            start, end = group[0].start(), group[-1].end()
            confidence = _unlabelled_material_confidence(text, phrase, start, end)
            if confidence and not any(s <= start < e for s, e in labelled_spans):
                found.append((start, Finding(code, _snippet_span(text, start, end), confidence)))
            i += n - 1
            break
        i += 1
    return _ordered(found)


def find_thicknesses(text: str) -> list[Finding]:
    """Sheet thicknesses in mm: "thickness: 5mm", "t=3", "6mm thick", "all 5mm", "3 mm".

    Sizes ("200mm x 100mm", "1090x2030") and diameters ("Ø14", "R5mm") are not thicknesses.
    """
    found: list[tuple[int, Finding]] = []
    claimed: list[tuple[int, int]] = []

    def add(match: re.Match[str], group: int, confidence: float, limit: float) -> None:
        value = _parse_number(match.group(group))
        if value is None or not 0 < value <= limit:
            return
        claimed.append(match.span(group))
        found.append((match.start(), Finding(value, _snippet(text, match), confidence)))

    for match in _THICKNESS_LABEL_RE.finditer(text):
        add(match, 1 if match.group(1) else 3, 0.95, MAX_THICKNESS_MM)
    for match in _THICKNESS_AFTER_RE.finditer(text):
        if not _is_size_or_diameter(text, match.start(1), match.end(1)):
            add(match, 1, 0.9, MAX_THICKNESS_MM)
    for match in _THICKNESS_ALL_RE.finditer(text):
        add(match, 1, 0.85, MAX_THICKNESS_MM)
    for match in _BARE_MM_RE.finditer(text):
        if any(s <= match.start(1) < e for s, e in claimed):
            continue
        if _is_size_or_diameter(text, match.start(1), match.end()):
            continue
        value = _parse_number(match.group(1))
        if value is None or not 0 < value <= MAX_BARE_THICKNESS_MM:
            continue
        confidence = 0.5 if _is_common_thickness(value) else 0.35
        if _near_material(text, match.start(), match.end()):
            confidence += 0.25
        found.append((match.start(), Finding(value, _snippet(text, match), confidence)))
    return _ordered(found)


def find_quantities(text: str) -> list[Finding]:
    """Part quantities: "Qty: 10", "Quantity 4", "48 of.", "10 off", "x 12", "-x20".

    "4 x Ø14" (holes) and "200 x 100" (a size) are not quantities; neither is "1 of 19".
    """
    found: list[tuple[int, Finding]] = []
    claimed: list[tuple[int, int]] = []

    def add(match: re.Match[str], confidence: float) -> None:
        value = int(match.group(1))
        if not 0 < value <= MAX_QUANTITY or any(s <= match.start(1) < e for s, e in claimed):
            return
        claimed.append(match.span(1))
        found.append((match.start(), Finding(value, _snippet(text, match), confidence)))

    for match in _QTY_LABEL_RE.finditer(text):
        add(match, 0.95)
    for match in _QTY_OFF_RE.finditer(text):
        add(match, 0.85)
    for match in _QTY_TIMES_RE.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        if _NUMBER_BEFORE_RE.search(before):  # "200 x 100", "4 x 14": a size or a hole count
            continue
        add(match, 0.7)
    return _ordered(found)


# --- helpers -----------------------------------------------------------------------------


def _job_code(match: re.Match[str]) -> str:
    year, month, client, seq = match.groups()
    return f"JB-{year}-{month}-CL{client}-{seq}"


def _valid_month(month: str) -> bool:
    return 1 <= int(month) <= 12


def _parse_number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return round(value, 3)


def _is_common_thickness(value: float) -> bool:
    return any(abs(value - float(t)) < 1e-6 for t in _COMMON_THICKNESSES)


def _is_size_or_diameter(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12) : start]
    after = text[end : end + 12]
    return bool(
        _SIZE_BEFORE_RE.search(before)
        or _SIZE_AFTER_RE.search(after)
        or _DIAMETER_BEFORE_RE.search(before)
    )


def _near_material(text: str, start: int, end: int) -> bool:
    """True when a material name sits right before or after the span, joined only by spaces,
    dashes or underscores ("Galv 1.2mm", "VAS-4mm", "3mm MS"; not "5mm, MS")."""
    before = re.search(r"([A-Za-z]+)[ \t_-]*$", text[max(0, start - 25) : start])
    after = re.match(r"[ \t_-]*([A-Za-z]+)", text[end : end + 25])
    words = [m.group(1) for m in (before, after) if m]
    return any(material_code(w) and w.lower() not in _LABEL_ONLY_ALIASES for w in words)


def _unlabelled_material_confidence(text: str, phrase: str, start: int, end: int) -> float:
    key = phrase.lower()
    if key in _LABEL_ONLY_ALIASES:
        return 0.0
    near_thickness = bool(
        re.search(rf"{_NUMBER}\s*mm\s*[-_ ]*$", text[max(0, start - 15) : start], re.I)
        or re.search(rf"^[-_ ]*{_NUMBER}\s*mm", text[end : end + 15], re.I)
    )
    if len(key.replace(" ", "")) > _SHORT_ALIAS_LEN:
        return 0.85 if near_thickness else 0.75
    if near_thickness:
        return 0.8
    if phrase.isupper():
        return 0.6
    return 0.0


def _adjacent(text: str, words: list[re.Match[str]]) -> bool:
    """Words form one phrase only when separated by spaces alone (not by a line or a comma)."""
    return all(
        text[a.end() : b.start()].strip(" \t") == "" for a, b in zip(words, words[1:], strict=False)
    )


def _snippet(text: str, match: re.Match[str]) -> str:
    return _snippet_span(text, match.start(), match.end())


def _snippet_span(text: str, start: int, end: int) -> str:
    """The line around [start, end), whitespace collapsed, at most SNIPPET_CHARS characters."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    margin = max(0, (SNIPPET_CHARS - (end - start)) // 2)
    lo = max(line_start, start - margin)
    hi = min(line_end, end + margin)
    snippet = " ".join(text[lo:hi].split())
    return snippet[: max(SNIPPET_CHARS, end - start)]


def _key(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def _best_per_value(findings: list[Finding]) -> list[Finding]:
    best: dict[Any, Finding] = {}
    for finding in findings:
        key = _key(finding.value)
        if key not in best or finding.confidence > best[key].confidence:
            best[key] = finding
    return sorted(best.values(), key=lambda f: -f.confidence)[:MAX_FINDINGS]


def _ordered(found: list[tuple[int, Finding]]) -> list[Finding]:
    """One finding per value (its most confident), most confident first, then by position."""
    found.sort(key=lambda item: (-item[1].confidence, item[0]))
    seen: set[Any] = set()
    out: list[Finding] = []
    for _, finding in found:
        key = _key(finding.value)
        if key in seen:
            continue
        seen.add(key)
        out.append(finding)
        if len(out) >= MAX_FINDINGS:
            break
    return out


_COMMON_THICKNESSES = tuple(float(t) for t in COMMON_THICKNESSES_MM)
