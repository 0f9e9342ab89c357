"""Renderers for API endpoints that answer with stored bytes (downloads, previews)."""

from __future__ import annotations

import json

from rest_framework import renderers


class BinaryRenderer(renderers.BaseRenderer):
    """Streams a file response; an error (a dict) still goes out as JSON."""

    media_type = "*/*"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error: say it is JSON, whatever the client asked for
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode("utf-8")


class PNGRenderer(BinaryRenderer):
    media_type = "image/png"
    format = "png"
