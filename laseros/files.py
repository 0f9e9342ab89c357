"""Stored files go out only through views that check who asks: the drawings, previews, project
documents (proofs of payment among them), product files and run photos under MEDIA_ROOT.

`stored_file_response()` builds every file response (the admin's, the API's and `media_file`'s):
streamed from the storage (local disk or S3, never assuming a path), or handed to the web server
with X-Accel-Redirect / X-Sendfile when FILES_SENDFILE_HEADER says so. A file is shown in the
browser only when it is a known-safe picture or a PDF; anything else is a download. Every file
response says `nosniff` and carries a Content-Security-Policy that runs nothing, so even a file
that slipped past the upload checks cannot script the app's origin.

`media_file` answers MEDIA_URL (whatever DEBUG is): it finds the record that holds the stored name
and serves it only to a user with the view permission on that record's model (the role matrix)
who passes the rule the model's app registered (`register_file_rule`: a quote, an invoice or a
proof of payment only for those who may see money). A name no record holds, or one the user may
not see, is a 404 alike.
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable, Iterator
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

# Shown in the browser (inline) only these: pictures a browser draws without running anything,
# and PDFs. Everything else (SVG, HTML, DXF, office files, ...) goes out as an attachment.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
# The policy of every file response: nothing loads, nothing runs, an origin of its own.
FILE_CSP = "default-src 'none'; sandbox"
# (Chromium's PDF viewer still shows a PDF under it: checked with Debian's chromium 2026-12.)


FileRule = Callable[[object, models.Model], bool]
_rules: dict[type[models.Model], FileRule] = {}


def register_file_rule(model: type[models.Model], rule: FileRule) -> None:
    """A check besides the view permission before a stored file of `model` goes out:
    rule(user, obj). Apps register theirs in AppConfig.ready() (projects: money documents)."""
    _rules[model] = rule


def may_read(user, obj: models.Model) -> bool:
    """Whether `user` may have the stored bytes of `obj`: the view permission on its model, as
    the role matrix gives it (a deleted drawing too, as the files API shows it to its viewers),
    and the rule its app registered."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    opts = obj._meta
    if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return False
    rule = _rules.get(type(obj))
    return rule is None or bool(rule(user, obj))


def file_holders(name: str) -> Iterator[models.Model]:
    """Every record whose file field holds the stored `name` (normally one)."""
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        for field in fields:
            yield from model._default_manager.filter(**{field: name})[:5]


def content_type_for(name: str) -> str:
    """The type a stored name suggests (a download when it is not one of INLINE_TYPES)."""
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if guessed is None or encoding is not None:
        return "application/octet-stream"
    return guessed


def stored_file_response(
    name: str,
    content_type: str,
    download_name: str | None = None,
    *,
    inline: bool = False,
    cache_seconds: int = 0,
    storage: Storage | None = None,
) -> HttpResponse:
    """The response for the stored file `name`: shown in the browser only when `inline` is asked
    and `content_type` is a known-safe picture or a PDF, else a download (as `download_name`, or
    the stored name). Http404 when the bytes are gone from the store."""
    storage = storage or default_storage
    content_type = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    as_attachment = not (inline and content_type in INLINE_TYPES)
    if as_attachment and content_type in ("text/html", "application/xhtml+xml", "image/svg+xml"):
        content_type = "application/octet-stream"  # never a page or a picture that runs script
    filename = download_name or posixpath.basename(name)
    sendfile = _sendfile_target(name, storage)
    if sendfile is not None:
        header, target = sendfile
        response = HttpResponse(content_type=content_type)
        response[header] = target
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    else:
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404("The stored file is missing from the file store.") from exc
        response = FileResponse(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = f"private, max-age={cache_seconds}" if cache_seconds else "private"
    return response


def _sendfile_target(name: str, storage: Storage) -> tuple[str, str] | None:
    """(header, value) to hand a local file to the web server, or None to stream it ourselves
    (no header configured, or a storage without local paths such as S3)."""
    header = getattr(settings, "FILES_SENDFILE_HEADER", "")
    if not header:
        return None
    try:
        path = storage.path(name)
    except NotImplementedError:
        return None
    if not storage.exists(name):
        raise Http404("The stored file is missing from the file store.")
    if header == "X-Sendfile":
        return header, path
    prefix = getattr(settings, "FILES_SENDFILE_PREFIX", "/protected-media/")
    return header, prefix.rstrip("/") + "/" + quote(name.replace("\\", "/").lstrip("/"))


@require_safe
def media_file(request, name: str):
    """MEDIA_URL/<name>: the stored file, for a user who may see the record that holds it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    for holder in file_holders(name):
        if may_read(request.user, holder):
            content_type = content_type_for(name)
            return stored_file_response(name, content_type, inline=True)
    raise Http404("No such file, or not yours to see.")
