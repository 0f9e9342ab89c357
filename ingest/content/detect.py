"""What a file is, judged from its bytes; its name only breaks ties.

A client who names a PDF `part.dxf` still sent a PDF. `detect_type()` reads at most the first
64 KB (and, for zips, the central directory) and never extracts or parses the whole file, so it is
safe to run on anything that was uploaded, zip bombs included. `extension_mismatch()` gives the
sentence the pipeline shows when the name and the content disagree.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..parsers.base import DetectedType

HEAD_BYTES = 64 * 1024
XML_SNIFF_BYTES = 8 * 1024
PDF_SIGNATURE_WITHIN = 1024

BINARY_DXF_SENTINEL = b"AutoCAD Binary DXF\r\n\x1a\x00"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
UTF8_BOM = b"\xef\xbb\xbf"

MIME_DXF = "image/vnd.dxf"
MIME_LIGHTBURN = "application/x-lightburn"
MIME_PDF = "application/pdf"
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
MIME_XLS = "application/vnd.ms-excel"
MIME_ENCRYPTED = "application/encrypted"

# Image types the image parser reads, by MIME type: (stored extension, detail).
IMAGE_TYPES = {
    "image/png": ("png", "png"),
    "image/jpeg": ("jpg", "jpeg"),
    "image/tiff": ("tif", "tiff"),
}

# Extensions a name may carry for each kind without being called a mismatch.
_ACCEPTED_EXTENSIONS: dict[str, frozenset[str]] = {
    "dxf": frozenset({"dxf"}),
    "lightburn": frozenset({"lbrn", "lbrn2"}),
    "pdf": frozenset({"pdf"}),
    "excel": frozenset({"xlsx", "xlsm", "xls"}),
}
_IMAGE_EXTENSIONS = {
    "png": frozenset({"png"}),
    "jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "tiff": frozenset({"tif", "tiff"}),
}
_KIND_LABEL = {
    "dxf": "a DXF drawing",
    "lightburn": "a LightBurn project",
    "pdf": "a PDF",
    "excel": "an Excel workbook",
    "image": "an image",
}

_ENCRYPTED_PACKAGE_UTF16 = "EncryptedPackage".encode("utf-16-le")
_WORKBOOK_UTF16 = "Workbook".encode("utf-16-le")
_BOOK_UTF16 = "Book".encode("utf-16-le")
_XML_ROOT = re.compile(rb"<\s*([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")
_XML_ATTR = re.compile(rb"""([A-Za-z_][\w.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class Unreadable(Exception):
    """Laser OS reads no file of this kind; `what` says what the content seems to be."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def detect_readable(path: Path, original_name: str = "") -> DetectedType:
    """The type of a file Laser OS can read, or Unreadable saying what it seems to be: the one
    detect-and-refuse step of receiving a file (ingest.services.preflight) and reading it
    (ingest.content.pipeline.analyse), each of which words the refusal for its reader."""
    detected = detect_type(path, original_name)
    if detected.kind == "unknown":
        raise Unreadable(detected.detail or detected.mime or "unrecognised content")
    return detected


def detect_type(path: Path, original_name: str = "") -> DetectedType:
    """The type of the file at `path`, judged from its content (the name only breaks ties)."""
    path = Path(path)
    name_ext = _name_extension(original_name or path.name)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        return DetectedType("unknown", "inode/x-empty", name_ext or "bin", "empty")

    if head.startswith(BINARY_DXF_SENTINEL):
        return DetectedType("dxf", MIME_DXF, "dxf", "binary")
    if b"%PDF-" in head[:PDF_SIGNATURE_WITHIN]:
        return DetectedType("pdf", MIME_PDF, "pdf")
    if head.startswith(ZIP_SIGNATURES):
        return _detect_zip(path, name_ext)
    if head.startswith(OLE2_SIGNATURE):
        return _detect_ole2(path, head, name_ext)

    lightburn = _sniff_lightburn(head[:XML_SNIFF_BYTES], name_ext)
    if lightburn is not None:
        return lightburn
    if _looks_like_ascii_dxf(head):
        return DetectedType("dxf", MIME_DXF, "dxf", "ascii")

    mime = _magic_mime(path, head)
    if mime not in IMAGE_TYPES:
        # A damaged image still starts with its signature: let the image parser say what is wrong.
        mime = _signature_image_mime(head) or mime
    if mime in IMAGE_TYPES:
        extension, detail = IMAGE_TYPES[mime]
        return DetectedType("image", mime, extension, detail)

    # Tiebreak: a text file named .dxf that is made of DXF group-code pairs but does not start
    # with a SECTION (some exporters write junk first) is still handed to the DXF parser.
    if name_ext == "dxf" and _looks_like_dxf_pairs(head):
        return DetectedType("dxf", MIME_DXF, "dxf", "ascii (no leading SECTION)")
    return DetectedType("unknown", mime, name_ext or "bin", _describe_unknown(mime))


def extension_mismatch(detected: DetectedType, original_name: str) -> str | None:
    """A sentence for the shop when the name's extension does not match the content, else None.

    A name without an extension is not a mismatch, nor is an unknown type (nothing to compare)."""
    name_ext = _name_extension(original_name)
    if not name_ext or detected.kind == "unknown":
        return None
    if detected.kind == "image":
        accepted = _IMAGE_EXTENSIONS.get(detected.detail, frozenset({detected.extension}))
    else:
        accepted = _ACCEPTED_EXTENSIONS.get(detected.kind, frozenset({detected.extension}))
    if name_ext in accepted:
        return None
    label = _KIND_LABEL.get(detected.kind, detected.kind)
    if detected.kind == "image" and detected.detail:
        label = f"a {detected.detail.upper()} image"
    return (
        f"extension does not match content: the file is named .{name_ext} but it is {label}; "
        f"it is stored as .{detected.extension}"
    )


# --- sniffers --------------------------------------------------------------------------------


def _detect_zip(path: Path, name_ext: str) -> DetectedType:
    """Excel if the zip's member names say so. Reads the central directory only."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return DetectedType("unknown", "application/zip", name_ext or "zip", "damaged zip")
    members = set(names)
    if "[Content_Types].xml" in members and any(n.startswith("xl/") for n in names):
        if "xl/vbaProject.bin" in members or name_ext == "xlsm":
            return DetectedType("excel", MIME_XLSM, "xlsm", "xlsm")
        return DetectedType("excel", MIME_XLSX, "xlsx", "xlsx")
    if "[Content_Types].xml" in members and any(n.startswith("word/") for n in names):
        detail = "word document"
    elif "mimetype" in members:
        detail = "OpenDocument or other packaged file"
    else:
        detail = "zip archive"
    return DetectedType("unknown", "application/zip", name_ext or "zip", detail)


def _detect_ole2(path: Path, head: bytes, name_ext: str) -> DetectedType:
    """OLE2 compound file: a password-protected xlsx/xlsm, a legacy .xls, or something else."""
    tail = b""
    try:
        size = path.stat().st_size
        if size > HEAD_BYTES:
            with path.open("rb") as handle:
                handle.seek(max(HEAD_BYTES, size - HEAD_BYTES))
                tail = handle.read(HEAD_BYTES)
    except OSError:
        pass
    sample = head + tail
    mime = _magic_mime(path, head)
    if mime == MIME_ENCRYPTED or _ENCRYPTED_PACKAGE_UTF16 in sample:
        extension = name_ext if name_ext in ("xlsx", "xlsm") else "xlsx"
        return DetectedType("excel", MIME_ENCRYPTED, extension, "encrypted")
    if mime == MIME_XLS or _WORKBOOK_UTF16 in sample or _BOOK_UTF16 in sample:
        return DetectedType("excel", MIME_XLS, "xls", "xls")
    return DetectedType("unknown", mime or "application/x-ole-storage", name_ext or "bin", "OLE2")


def _sniff_lightburn(head: bytes, name_ext: str) -> DetectedType | None:
    """A LightBurn project is XML whose root element is LightBurnProject (first few KB only)."""
    text = head
    if text.startswith(UTF8_BOM):
        text = text[len(UTF8_BOM) :]
    elif text.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if text.startswith(b"\xff\xfe") else "utf-16-be"
        text = text[2:].decode(encoding, errors="ignore").encode("utf-8")
    text = text.lstrip()
    if not text.startswith(b"<"):
        return None
    # Skip the XML declaration, processing instructions, comments and a DOCTYPE (the parser
    # refuses DTDs; detection only has to say what the file claims to be).
    position = 0
    while True:
        text_at = text[position:].lstrip()
        position = len(text) - len(text_at)
        if text_at.startswith(b"<?"):
            end = text.find(b"?>", position)
        elif text_at.startswith(b"<!--"):
            end = text.find(b"-->", position)
        elif text_at.startswith(b"<!"):
            end = _end_of_doctype(text, position)
        else:
            break
        if end < 0:
            return None
        position = end + (
            3 if text_at.startswith(b"<!--") else 2 if text_at.startswith(b"<?") else 1
        )
    match = _XML_ROOT.match(text, position)
    if not match or match.group(1).split(b":")[-1] != b"LightBurnProject":
        return None
    tag_end = text.find(b">", match.end())
    attributes = {
        key.decode("ascii", "replace"): (dq if dq is not None else sq).decode("utf-8", "replace")
        for key, dq, sq in _XML_ATTR.findall(
            text[match.end() : tag_end if tag_end > 0 else len(text)]
        )
    }
    format_version = attributes.get("FormatVersion", "")
    if name_ext in ("lbrn", "lbrn2"):
        extension = name_ext
    else:
        extension = "lbrn" if format_version == "0" else "lbrn2"
    detail = f"FormatVersion {format_version}" if format_version else ""
    if attributes.get("AppVersion"):
        detail = f"{detail}, LightBurn {attributes['AppVersion']}".lstrip(", ")
    return DetectedType("lightburn", MIME_LIGHTBURN, extension, detail)


def _end_of_doctype(text: bytes, start: int) -> int:
    """Index of the '>' closing a <!DOCTYPE ...> that may hold an [internal subset]."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index : index + 1]
        if char == b"[":
            depth += 1
        elif char == b"]":
            depth -= 1
        elif char == b">" and depth <= 0:
            return index
    return -1


def _dxf_lines(head: bytes, limit: int = 64) -> list[str]:
    """The first non-blank lines of a text file, stripped (BOM removed)."""
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    if b"\x00" in head[:4096]:
        return []
    lines: list[str] = []
    for raw_line in head[:16384].splitlines():
        line = raw_line.decode("latin-1").strip()
        if line:
            lines.append(line)
        if len(lines) >= limit:
            break
    return lines


def _looks_like_ascii_dxf(head: bytes) -> bool:
    """First group is 0/SECTION, after any number of 999 comment groups."""
    lines = _dxf_lines(head)
    index = 0
    while index + 1 < len(lines) and lines[index] == "999":
        index += 2
    return index + 1 < len(lines) and lines[index] == "0" and lines[index + 1].upper() == "SECTION"


def _looks_like_dxf_pairs(head: bytes) -> bool:
    """Mostly (integer group code, value) pairs with a SECTION or EOF marker somewhere."""
    lines = _dxf_lines(head, limit=400)
    if len(lines) < 8:
        return False
    codes = lines[0::2]
    integer_codes = sum(1 for code in codes if code.lstrip("-").isdigit())
    markers = {"SECTION", "ENTITIES", "EOF", "ENDSEC"}
    return integer_codes >= 0.9 * len(codes) and any(v.upper() in markers for v in lines[1::2])


def _magic_mime(path: Path, head: bytes) -> str:
    """libmagic's MIME type, or an own guess from the signature when libmagic is unavailable."""
    try:
        import magic

        return str(magic.from_buffer(head, mime=True))
    except Exception:  # libmagic missing or failing: fall back to signatures
        pass
    image_mime = _signature_image_mime(head)
    if image_mime:
        return image_mime
    if b"\x00" not in head[:4096]:
        return "text/plain"
    return "application/octet-stream"


def _signature_image_mime(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    return None


def _describe_unknown(mime: str) -> str:
    if mime.startswith("text/"):
        return "text"
    if mime.startswith("image/"):
        return f"unsupported image ({mime})"
    return mime


def _name_extension(name: str) -> str:
    """The lower-case extension of the last path component, without the dot ('' if none)."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    if "." not in base.strip("."):
        return ""
    extension = base.rsplit(".", 1)[1].strip().lower()
    return extension if re.fullmatch(r"[a-z0-9]{1,10}", extension) else ""
