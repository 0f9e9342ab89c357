"""Photos and scans (PNG, JPEG, TIFF, and whatever else Pillow opens): size, EXIF, OCR.

The pixel count is checked from the header before anything is decoded, so a small file that
claims to be 30000 x 30000 pixels is refused, not unpacked. The picture is turned upright as its
EXIF says, then OCR finds the text's own rotation (phone photos of sketches arrive sideways) and
`ingest.content.textscan` finds material, thickness and quantity in what it reads.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import registry
from .base import DetectedType, ParseContext, ParseError, Parser, ParseResult

if TYPE_CHECKING:  # Pillow itself is imported when an image is read
    from PIL import Image

# Choosing a parser imports every parser module: OCR and the text scanner are imported when an
# image is read, so that a DXF does not pay for them.

MAX_FRAMES_COUNTED = 1000
MAX_EXIF_TAGS = 64
MAX_EXIF_VALUE_CHARS = 200
PREVIEW_LONG_SIDE_PX = 800
OCR_TIME_BUDGET_S = 90.0
EXIF_ORIENTATION = 0x0112


@registry.register
class ImageParser(Parser):
    """Reads raster images: size, mode, DPI, EXIF, pages of a TIFF, OCR text and its findings."""

    name = "image"
    version = "1"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 10 if detected.kind == "image" else 0

    @classmethod
    def load_libraries(cls) -> None:
        """Pillow and pytesseract."""
        from ingest.content import ocr

        ocr.load_libraries()

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        result = ParseResult(kind="image", parser=self.name, parser_version=self.version)
        context.report(0.0, "opening image")
        with _open(path, context) as image:
            try:
                picture = self._read_header_and_pixels(image, result)
            except ParseError:
                raise
            except Exception as exc:  # Pillow meets damaged headers with many exception types
                raise ParseError(
                    f"The image is broken and cannot be read ({_one_line(exc)}).", code="corrupt"
                ) from exc

        upright = _upright(picture, result)
        result.raw["upright_size_px"] = list(upright.size)
        context.report(0.2, "reading text")
        self._ocr(upright, result, context)
        if context.make_preview:
            context.report(0.95, "making preview")
            result.preview_png = _preview(upright)
        context.report(1.0, "done")
        return result

    def _read_header_and_pixels(self, image: Image.Image, result: ParseResult) -> Image.Image:
        raw = result.raw
        raw["format"] = image.format
        raw["mode"] = image.mode
        raw["width_px"], raw["height_px"] = image.size
        raw["frame_count"] = _count_frames(image)
        if raw["frame_count"] > 1:
            result.warn(
                "first_page_only",
                f"The image has {raw['frame_count']} pages; only the first was read.",
            )
            image.seek(0)
        raw["dpi"] = _dpi(image)
        raw["exif"], raw["gps_present"], raw["exif_orientation"] = _exif(image)
        return _decode(image)

    def _ocr(self, image: Image.Image, result: ParseResult, context: ParseContext) -> None:
        from ingest.content import ocr, textscan

        if not ocr.tesseract_available():
            result.raw["ocr"] = None
            result.warn(
                "ocr_unavailable", "Tesseract is not installed; the image's text was not read."
            )
            return
        try:
            found = ocr.ocr_image(
                image, language=context.ocr_language, time_budget_s=OCR_TIME_BUDGET_S
            )
        except ocr.OcrError as exc:
            result.raw["ocr"] = {"error": str(exc), "code": exc.code}
            result.warn(exc.code, str(exc))
            return
        result.raw["ocr"] = found.as_dict()
        findings = textscan.scan_text(found.text)
        result.raw["findings"] = findings.as_dict()
        result.raw["identifiers"] = findings.identifiers()
        result.metadata.update(findings.metadata())
        if not found.text.strip():
            result.warn("no_text", "OCR found no readable text in the image.")


def _open(path: Path, context: ParseContext) -> Image.Image:
    """Open lazily (header only) and refuse images with too many pixels before decoding."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ParseError(
            f"The image claims too many pixels to open safely ({_one_line(exc)}).",
            code="decompression_bomb",
        ) from exc
    except UnidentifiedImageError as exc:
        raise ParseError(
            "The image is broken or truncated: it cannot be identified as PNG, JPEG or TIFF.",
            code="corrupt",
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ParseError(
            f"The image is broken and cannot be read ({_one_line(exc)}).", code="corrupt"
        ) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise ParseError("The image has no pixels.", code="corrupt")
    if width * height > context.max_image_pixels:
        image.close()
        raise ParseError(
            f"The image is {width} x {height} pixels ({width * height:,}), more than the "
            f"{context.max_image_pixels:,} allowed; refusing it as a decompression bomb.",
            code="decompression_bomb",
        )
    return image


def _upright(picture: Image.Image, result: ParseResult) -> Image.Image:
    """The picture turned as its EXIF Orientation says; unchanged when EXIF is unreadable."""
    from PIL import ImageOps

    orientation = result.raw.get("exif_orientation")
    try:
        upright = ImageOps.exif_transpose(picture) or picture
    except Exception:  # damaged EXIF: Pillow raises SyntaxError, ValueError, struct.error...
        result.warn("exif_unreadable", "The image's EXIF data is damaged; it was not applied.")
        result.raw["orientation_applied"] = False
        return picture
    result.raw["orientation_applied"] = orientation in range(2, 9)
    return upright


def _decode(image: Image.Image) -> Image.Image:
    """Decode the pixels (the expensive step), turning a truncated file into a ParseError."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            return image.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ParseError(
            f"The image claims too many pixels to open safely ({_one_line(exc)}).",
            code="decompression_bomb",
        ) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ParseError(
            f"The image is broken or truncated and cannot be decoded ({_one_line(exc)}).",
            code="corrupt",
        ) from exc


def _count_frames(image: Image.Image) -> int:
    """Pages of a multi-page TIFF (or frames of a GIF), counted up to MAX_FRAMES_COUNTED."""
    if not getattr(image, "is_animated", False):
        return 1
    count = 1
    try:
        while count < MAX_FRAMES_COUNTED:
            image.seek(count)
            count += 1
    except (EOFError, OSError, ValueError):
        pass
    return count


def _dpi(image: Image.Image) -> list[float] | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        return [round(float(v), 2) for v in dpi][:2]
    except (TypeError, ValueError):
        return None


def _exif(image: Image.Image) -> tuple[dict[str, Any], bool, int | None]:
    """Readable EXIF tags (bounded), whether GPS data is present, and the Orientation tag.

    GPS coordinates themselves are not kept: a phone photo's location is not the shop's business.
    """
    from PIL import ExifTags

    try:
        exif = image.getexif()
    except (OSError, ValueError, SyntaxError):
        return {}, False, None
    tags: dict[str, Any] = {}
    items = list(exif.items())
    with contextlib.suppress(KeyError, OSError, ValueError, SyntaxError):
        items += list(exif.get_ifd(ExifTags.IFD.Exif).items())
    for tag, value in items:
        if len(tags) >= MAX_EXIF_TAGS:
            break
        name = ExifTags.TAGS.get(tag)
        if not name or name in ("ExifOffset", "GPSInfo", "MakerNote", "UserComment"):
            continue
        readable = _exif_value(value)
        if readable is not None:
            tags[name] = readable
    try:
        gps_present = bool(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except (KeyError, OSError, ValueError, SyntaxError):
        gps_present = ExifTags.Base.GPSInfo in exif
    orientation = exif.get(EXIF_ORIENTATION)
    return tags, gps_present, orientation if isinstance(orientation, int) else None


def _exif_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return None  # binary blobs (thumbnails, maker notes) are not readable
    if isinstance(value, str):
        text = value.strip("\x00 ").strip()
        return text[:MAX_EXIF_VALUE_CHARS] or None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, tuple):
        parts = [_exif_value(v) for v in value[:16]]
        return [p for p in parts if p is not None]
    try:
        number = float(value)  # IFDRational and friends
    except (TypeError, ValueError, ZeroDivisionError):
        return str(value)[:MAX_EXIF_VALUE_CHARS]
    return round(number, 6) if number == number and abs(number) != float("inf") else None


def _preview(image: Image.Image) -> bytes:
    from PIL import Image

    preview = image.copy()
    if preview.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        preview = preview.convert("RGBA" if "A" in preview.getbands() else "RGB")
    preview.thumbnail((PREVIEW_LONG_SIDE_PX, PREVIEW_LONG_SIDE_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    preview.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
