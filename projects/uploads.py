"""Checks on files people attach to jobs and products: not empty, not too big, a type the shop
exchanges, content that matches its extension (a ".pdf" must really be a PDF), and nothing that
could run script in a browser (a web page, an SVG with script or event handlers)."""

from __future__ import annotations

import os
import re

import magic
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from django.core.exceptions import ValidationError

from laseros.uploads import check_upload_size

# Extensions the shop exchanges (DOMAIN.md, "Files the shop exchanges") plus office paperwork.
ALLOWED_EXTENSIONS = frozenset(
    {
        # paperwork
        "pdf", "doc", "docx", "odt", "txt", "rtf", "eml", "msg",
        "xls", "xlsx", "xlsm", "ods", "csv",
        # images and scans
        "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "heic", "heif",
        # drawings
        "dxf", "dwg", "lbrn", "lbrn2", "svg", "ai", "eps", "step", "stp", "igs", "iges",
        # a bundle of drawings
        "zip",
    }
)  # fmt: skip
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff"})
# Content types refused whatever the name says.
REFUSED_TYPES = (
    "application/x-executable",
    "application/x-dosexec",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-pie-executable",
)


# Pages a browser would run, whatever the file is called.
PAGE_TYPES = ("text/html", "application/xhtml+xml")
# SVG elements that run script or embed a page, and attribute values that do.
ACTIVE_SVG_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
)
_SCRIPT_URL = re.compile(r"(java|vb)script:|data:\s*(text/html|application/xhtml|image/svg)", re.I)
_IGNORED_IN_URLS = re.compile(r"[\s\x00-\x1f]+")


def check_upload(file, *, image_only: bool = False) -> tuple[str, str, int]:
    """(original name, detected content type, size) of an acceptable file; ValidationError
    saying what is wrong otherwise."""
    name = os.path.basename(getattr(file, "name", "") or "").strip()
    if not name:
        raise ValidationError("The file has no name.")
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    check_upload_size(name, size)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            f"{name}: .{ext or '(none)'} files are not accepted here "
            "(PDF, images, office files, DXF/DWG/LightBurn/SVG drawings, ZIP)."
        )
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    content_type = magic.from_buffer(head, mime=True) or "application/octet-stream"
    if content_type in REFUSED_TYPES:
        raise ValidationError(f"{name} is a program ({content_type}), not a document.")
    if ext == "pdf" and content_type != "application/pdf":
        raise ValidationError(f"{name} is called .pdf but is not a PDF ({content_type}).")
    if ext in IMAGE_EXTENSIONS and not content_type.startswith("image/"):
        raise ValidationError(f"{name} is called .{ext} but is not an image ({content_type}).")
    if image_only and not content_type.startswith("image/"):
        raise ValidationError(f"{name} is not an image ({content_type}).")
    if content_type in PAGE_TYPES:
        raise ValidationError(
            f"{name} is a web page ({content_type}); pages are not kept with jobs: "
            "send it as a PDF."
        )
    if ext == "svg" or content_type == "image/svg+xml":
        if ext != "svg":
            raise ValidationError(f"{name} is called .{ext} but is an SVG drawing.")
        check_svg(file, name)
    return name[:255], content_type[:100], size


def check_svg(file, name: str) -> None:
    """ValidationError when the SVG could run script in a browser (a script, an event handler,
    an embedded page, a javascript: link) or is not a well-formed SVG; the whole file is read."""
    file.seek(0)
    try:
        for _event, element in iterparse(file, events=("end",)):
            tag = _local(element.tag)
            if tag in ACTIVE_SVG_ELEMENTS:
                raise ValidationError(
                    f"{name} holds a <{tag}> element that could run in a browser; "
                    "save the drawing without it (or send DXF or PDF)."
                )
            for key, value in element.attrib.items():
                attribute = _local(key)
                animated = attribute == "attributename" and value.strip().lower()
                if attribute.startswith("on") or (animated and animated.startswith("on")):
                    raise ValidationError(
                        f"{name} holds a script in its {attribute!r} attribute; "
                        "save the drawing without it (or send DXF or PDF)."
                    )
                if _SCRIPT_URL.search(_IGNORED_IN_URLS.sub("", value)):
                    raise ValidationError(
                        f"{name} holds a script link in its {attribute!r} attribute; "
                        "save the drawing without it (or send DXF or PDF)."
                    )
            element.clear()
    except (ParseError, DefusedXmlException) as exc:
        raise ValidationError(f"{name} is not a well-formed SVG drawing ({exc}).") from None
    finally:
        file.seek(0)


def _local(name: str) -> str:
    """`{namespace}name` -> name, lower-case."""
    return str(name).rsplit("}", 1)[-1].lower()
