"""What an .xlsx must pass before openpyxl is given it.

A password-protected workbook (an OLE2 container, not a zip), a legacy .xls, a damaged zip, a zip
bomb (too many parts, too many unpacked bytes, too high a compression ratio) and a Strict OOXML
workbook (which openpyxl cannot read) each give a ParseError with a reason a person can act on.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from .base import ParseError

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # tiny parts compress well and prove nothing
MAX_ZIP_MEMBERS = 10_000
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
STRICT_MARKER = b"purl.oclc.org/ooxml/"

# What zipfile raises on damaged archives besides BadZipFile.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    UnicodeDecodeError,
    EOFError,
    OSError,
    ValueError,
)


def check_container(path: Path) -> None:
    """Refuse, with a clear ParseError, what openpyxl must not be given: encrypted or legacy
    (OLE2) workbooks, damaged zips, zip bombs and Strict OOXML."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ParseError(f"The workbook cannot be read: {exc}", code="unreadable") from exc
    if not head:
        raise ParseError("The workbook file is empty (0 bytes).", code="empty")
    if head == OLE2_MAGIC:
        _refuse_ole2(path)
    try:
        _check_zip(path)
    except ZIP_ERRORS as exc:
        raise ParseError(
            "The workbook is damaged: it is not a valid .xlsx (zip) file.", code="corrupt"
        ) from exc


def _check_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ParseError(
                f"The workbook holds {len(infos)} parts; refusing it as a zip bomb.",
                code="zip_bomb",
            )
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise ParseError(
                f"The workbook would unpack to {total // (1024 * 1024)} MB "
                f"(limit {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB); refusing it as a zip bomb.",
                code="zip_bomb",
            )
        for info in infos:
            ratio = info.file_size / max(1, info.compress_size)
            if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise ParseError(
                    f"The workbook part {info.filename} is compressed {ratio:.0f}:1 "
                    f"(limit {MAX_COMPRESSION_RATIO}:1); refusing it as a zip bomb.",
                    code="zip_bomb",
                )
            if info.flag_bits & 0x1:
                raise ParseError("The workbook is password-protected.", code="encrypted")
        if _is_strict_ooxml(archive):
            raise ParseError(
                "The workbook is saved as Strict Open XML, which cannot be read; open it in "
                "Excel and save it as a standard 'Excel Workbook (.xlsx)'.",
                code="strict_ooxml",
            )


def _refuse_ole2(path: Path) -> None:
    """An OLE2 file is either an encrypted .xlsx or a legacy .xls; both are refused."""
    found = _find_markers(path, [name.encode("utf-16-le") for name in _OLE2_STREAMS])
    if found & {"EncryptionInfo", "EncryptedPackage"} or not found:
        raise ParseError("The workbook is password-protected.", code="encrypted")
    raise ParseError(
        "This is an Excel 97-2003 (.xls) workbook, which cannot be read; open it in Excel "
        "and save it as 'Excel Workbook (.xlsx)'.",
        code="legacy_xls",
    )


_OLE2_STREAMS = ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book")


def _find_markers(path: Path, markers: list[bytes]) -> set[str]:
    """Which OLE2 stream names occur in the file (read in chunks, bounded)."""
    found: set[str] = set()
    overlap = max(len(m) for m in markers)
    tail = b""
    read = 0
    with path.open("rb") as handle:
        while read < MAX_UNCOMPRESSED_BYTES:
            chunk = handle.read(1024 * 1024)
            if not chunk:
                break
            read += len(chunk)
            window = tail + chunk
            for marker in markers:
                if marker in window:
                    found.add(marker.decode("utf-16-le"))
            tail = window[-overlap:]
    return found


def _is_strict_ooxml(archive: zipfile.ZipFile) -> bool:
    names = set(archive.namelist())
    for part in ("_rels/.rels", "xl/workbook.xml"):
        if part in names:
            with archive.open(part) as member:
                if STRICT_MARKER in member.read(65536):
                    return True
    return False
