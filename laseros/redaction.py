"""Messages a user sees name no path on the server.

An exception's text often carries one ("[Errno 2] No such file or directory:
'/srv/laseros/data/media/unfiled/2026/…'", a temporary copy, a system library's data file); it
tells a user nothing and tells a stranger how the server is laid out. Each path becomes its last
part (the file's name). Tracebacks, for staff, keep them.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

from django.conf import settings

# An absolute path of two parts or more: POSIX, not inside a word or a URL ("http://host/a/b",
# "mm/min", "3/4"); or Windows, "C:\…".
_POSIX_PATH = re.compile(r"(?<![\w:/.~\\-])(?:/[^\s'\"`<>|;,/]+){2,}/?")
_WINDOWS_PATH = re.compile(r"(?<![\w])[A-Za-z]:\\[^\s'\"`<>|;,]*")
_SEGMENT = r"(?:[/\\][^\s'\"`<>|;,/\\]*)*"
_END_OF_NAME = r"(?![^\s'\"`<>|;,/\\])"  # "/tmp" is not the start of "/tmpfiles"


def _server_roots() -> list[str]:
    """Folders of this server a message may name, longest first (they may hold spaces)."""
    roots = {
        getattr(settings, name, None)
        for name in ("MEDIA_ROOT", "STATIC_ROOT", "DATA_DIR", "BASE_DIR", "FILE_UPLOAD_TEMP_DIR")
    }
    roots |= {tempfile.gettempdir(), sys.prefix, sys.base_prefix, os.path.expanduser("~")}
    cleaned = {str(root).rstrip("/\\") for root in roots if root}
    return sorted((root for root in cleaned if len(root) > 1), key=len, reverse=True)


def _last_part(match: re.Match) -> str:
    parts = [part for part in re.split(r"[/\\]", match.group(0)) if part]
    return parts[-1] if parts else "…"


def without_server_paths(text: str) -> str:
    """`text` with every path on the server replaced by its last part."""
    if not text:
        return text
    for root in _server_roots():
        if root in text:
            text = re.sub(re.escape(root) + _END_OF_NAME + _SEGMENT, _last_part, text)
    text = _POSIX_PATH.sub(_last_part, text)
    return _WINDOWS_PATH.sub(_last_part, text)
