"""The API's OpenAPI schema: each operation is tagged by the resource it is about, so Swagger
groups jobs, files, stock, ... instead of putting all of /api/v1/ under one "v1" heading.

The tags, in Swagger's order and with a line each, are SPECTACULAR_SETTINGS["TAGS"]; an operation
can still name its own with @extend_schema(tags=[...]).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

API_PREFIX = "/api/v1/"

# The first part of a path after /api/v1/ -> the tag it is listed under. Model and URL names
# stay as they are (projects); the tags are the shop's words (jobs).
RESOURCE_TAGS = {
    "projects": "jobs",
    "project-lines": "jobs",
    "project-documents": "jobs",
    "products": "products",
    "clients": "clients",
    "contacts": "clients",
    "files": "files",
    "queue": "queue",
    "runs": "runs",
    "machines": "machines",
    "presets": "machines",
    "stock": "stock",
    "stock-movements": "stock",
    "offcuts": "stock",
    "materials": "stock",
    "invoices": "billing",
    "credit-notes": "billing",
    "payments": "billing",
    "me": "account",
    "auth": "account",
}


def resource_tag(path: str) -> str:
    """The tag of an API path: its resource's, else the resource's own name (a new resource is
    listed by itself until it is named here and in the settings' TAGS)."""
    resource = path.removeprefix(API_PREFIX).strip("/").split("/")[0]
    return RESOURCE_TAGS.get(resource, resource)


class LaserOSAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return [resource_tag(self.path)]
