"""OCR with Tesseract (through pytesseract), shared by the image and PDF parsers.

Phone photos and scans arrive sideways, so `ocr_image` first finds the upright rotation:
Tesseract's orientation detection (OSD) when it is sure, else it reads the picture at 0, 90, 180
and 270 degrees and keeps the rotation with the most confident words. All the work of one call
stays within a time budget.

Pillow and pytesseract are imported when an image is first read, not with this module.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_TIME_BUDGET_S = 90.0
OSD_MIN_CONFIDENCE = 2.0  # Tesseract's orientation confidence below this is not trusted
MIN_LONG_SIDE_PX = 1000  # smaller images are enlarged 2x: Tesseract misreads small print
MAX_OCR_PIXELS = 25_000_000  # larger images are reduced before OCR
PROBE_LONG_SIDE_PX = 1600  # the rotation probes read a reduced copy
CONFIDENT_WORD = 60  # a word Tesseract is at least this sure of counts in the rotation probe
MAX_TEXT_CHARS = 100_000


class OcrError(Exception):
    """OCR could not run or finish. `code` is the warning code parsers report."""

    def __init__(self, message: str, *, code: str = "ocr_failed"):
        super().__init__(message)
        self.code = code


@dataclass
class OcrResult:
    """What Tesseract read from one image, and how the image was turned to read it."""

    text: str
    mean_confidence: float | None  # 0..100 over the words read; None when no words
    word_count: int
    rotation: int  # degrees the image was turned clockwise before reading: 0, 90, 180, 270
    rotation_method: str  # "osd", "probe" (best of four rotations) or "none"
    language: str
    seconds: float
    osd: dict[str, Any] | None = None
    probes: dict[str, int] = field(default_factory=dict)  # rotation -> confident words
    scale: float = 1.0
    text_truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "mean_confidence": self.mean_confidence,
            "word_count": self.word_count,
            "rotation": self.rotation,
            "rotation_method": self.rotation_method,
            "language": self.language,
            "seconds": round(self.seconds, 2),
            "osd": self.osd,
            "probes": self.probes,
            "scale": self.scale,
            "text_truncated": self.text_truncated,
        }


def load_libraries() -> None:
    """Import Pillow and pytesseract now rather than at the first OCR."""
    from PIL import Image  # noqa: F401

    _pytesseract()


def _pytesseract() -> ModuleType | None:
    """pytesseract, or None: it is a requirement, but a missing module must not stop the
    parsers that use OCR from reading the rest of a file."""
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - exercised only on a broken install
        return None
    return pytesseract


@functools.cache
def tesseract_version() -> str | None:
    """The installed Tesseract version, or None when it is not installed."""
    pytesseract = _pytesseract()
    if pytesseract is None:
        return None
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError):
        return None


def tesseract_available() -> bool:
    """True when Tesseract can be run."""
    return tesseract_version() is not None


def ocr_image(
    image: Image.Image,
    *,
    language: str = "eng",
    detect_rotation: bool = True,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
) -> OcrResult:
    """Read the text of `image`, upright. Raises OcrError when Tesseract is missing, fails or
    runs out of time."""
    if not tesseract_available():
        raise OcrError(
            "Tesseract is not installed; the image was not read.", code="ocr_unavailable"
        )
    started = time.monotonic()
    deadline = started + time_budget_s
    prepared, scale = _prepare(image)

    rotation, method, osd = 0, "none", None
    probes: dict[str, Any] = {}
    best_data: dict[str, list[Any]] | None = None
    if detect_rotation:
        osd = _osd(prepared, language, deadline)
        if osd and osd.get("orientation_conf", 0) >= OSD_MIN_CONFIDENCE:
            rotation, method = int(osd.get("rotate", 0)) % 360, "osd"
        else:
            rotation, probes, best_data = _probe_rotations(prepared, language, deadline)
            method = "probe"

    upright = prepared.rotate(-rotation, expand=True) if rotation else prepared
    if best_data is None or prepared.size != _reduced(prepared).size:
        best_data = _data(upright, language, deadline)
    text, confidences = _text_and_confidences(best_data)
    truncated = len(text) > MAX_TEXT_CHARS
    return OcrResult(
        text=text[:MAX_TEXT_CHARS],
        mean_confidence=round(sum(confidences) / len(confidences), 1) if confidences else None,
        word_count=len(confidences),
        rotation=rotation,
        rotation_method=method,
        language=language,
        seconds=time.monotonic() - started,
        osd=osd,
        probes=probes,
        scale=scale,
        text_truncated=truncated,
    )


def _prepare(image: Image.Image) -> tuple[Image.Image, float]:
    """Greyscale on white, enlarged when small, reduced when huge."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    grey = image.convert("L")
    scale = 1.0
    if max(grey.size) < MIN_LONG_SIDE_PX:
        scale = 2.0
    elif grey.width * grey.height > MAX_OCR_PIXELS:
        scale = (MAX_OCR_PIXELS / (grey.width * grey.height)) ** 0.5
    if scale != 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return grey, round(scale, 3)


def _reduced(image: Image.Image) -> Image.Image:
    from PIL import Image

    if max(image.size) <= PROBE_LONG_SIDE_PX:
        return image
    copy = image.copy()
    copy.thumbnail((PROBE_LONG_SIDE_PX, PROBE_LONG_SIDE_PX), Image.Resampling.LANCZOS)
    return copy


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0.5:
        raise OcrError("OCR ran out of time and was stopped.", code="ocr_timeout")
    return left


def _osd(image: Image.Image, language: str, deadline: float) -> dict[str, Any] | None:
    """Tesseract's orientation guess, or None when it has too little text to guess."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(
            image,
            config="--psm 0",
            output_type=pytesseract.Output.DICT,
            timeout=_remaining(deadline),
        )
    except pytesseract.TesseractError:  # "Too few characters", or no osd.traineddata
        return None
    except RuntimeError as exc:  # pytesseract's timeout
        raise OcrError("OCR ran out of time and was stopped.", code="ocr_timeout") from exc
    return {
        "rotate": int(osd.get("rotate", 0)),
        "orientation_conf": float(osd.get("orientation_conf", 0.0)),
        "script": osd.get("script"),
    }


def _probe_rotations(
    image: Image.Image, language: str, deadline: float
) -> tuple[int, dict[str, int], dict[str, list[Any]] | None]:
    """Read a reduced copy at each right angle; the most confident words win (0 on a tie)."""
    probe = _reduced(image)
    best_rotation, best_score, best_data = 0, (-1, -1.0), None
    scores: dict[str, int] = {}
    for rotation in (0, 90, 180, 270):
        turned = probe.rotate(-rotation, expand=True) if rotation else probe
        data = _data(turned, language, deadline)
        confident = [
            float(c)
            for w, c in zip(data["text"], data["conf"], strict=False)
            if float(c) >= CONFIDENT_WORD and sum(ch.isalnum() for ch in str(w)) >= 2
        ]
        scores[str(rotation)] = len(confident)
        score = (len(confident), sum(confident))
        if score > best_score:
            best_rotation, best_score, best_data = rotation, score, data
    return best_rotation, scores, best_data


def _data(image: Image.Image, language: str, deadline: float) -> dict[str, list[Any]]:
    import pytesseract

    try:
        return pytesseract.image_to_data(
            image, lang=language, output_type=pytesseract.Output.DICT, timeout=_remaining(deadline)
        )
    except pytesseract.TesseractError as exc:
        message = " ".join(str(exc.message or exc).split())[:200]
        raise OcrError(f"Tesseract failed: {message}", code="ocr_failed") from exc
    except RuntimeError as exc:  # pytesseract's timeout
        raise OcrError("OCR ran out of time and was stopped.", code="ocr_timeout") from exc


def _text_and_confidences(data: dict[str, list[Any]]) -> tuple[str, list[float]]:
    """Lines of words in reading order (a blank line between blocks) and each word's
    confidence."""
    lines: list[str] = []
    confidences: list[float] = []
    current_key: tuple[int, int, int] | None = None
    current_block: int | None = None
    words: list[str] = []
    for i, word in enumerate(data["text"]):
        word = str(word).strip()
        if not word:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != current_key:
            if words:
                lines.append(" ".join(words))
            if current_block is not None and key[0] != current_block:
                lines.append("")
            current_key, current_block, words = key, key[0], []
        words.append(word)
        conf = float(data["conf"][i])
        if conf >= 0:
            confidences.append(conf)
    if words:
        lines.append(" ".join(words))
    return "\n".join(lines), confidences
