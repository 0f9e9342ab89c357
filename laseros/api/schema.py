"""The API's OpenAPI schema: each operation is tagged by the resource it is about, so Swagger
groups jobs, files, stock, ... instead of putting all of /api/v1/ under one "v1" heading.

The tags, in Swagger's order and with a line each, are SPECTACULAR_SETTINGS["TAGS"]; an operation
can still name its own with @extend_schema(tags=[...]).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

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
    "tokens": "account",
    "project-status-changes": "jobs",
    "tracking-links": "jobs",
    "file-extractions": "files",
    "file-metadata": "files",
    "floor-runs": "runs",
    "operators": "machines",
    "preset-changes": "machines",
    "shop-rates": "quotes",
    "shop-rates-changes": "quotes",
    "quantity-breaks": "quotes",
    "delivery-options": "quotes",
    "vat-rates": "quotes",
    "communications": "messages",
    "conversation-notes": "messages",
    "message-templates": "messages",
    "mail-messages": "messages",
    "webhooks": "webhooks",
    "webhook-deliveries": "webhooks",
    "notifications": "messages",
    "pinned-slots": "queue",
    "activity-log": "shop",
    "backups": "shop",
    "report-runs": "shop",
}


def resource_tag(path: str) -> str:
    """The tag of an API path: its resource's, else the resource's own name (a new resource is
    listed by itself until it is named here and in the settings' TAGS)."""
    resource = path.removeprefix(API_PREFIX).strip("/").split("/")[0]
    return RESOURCE_TAGS.get(resource, resource)


# The error answers every operation may give, and when (laseros.api.exceptions, .safety).
ERRORS = {
    400: "The request cannot be used: each field's problem, by field name, or `detail`.",
    401: "No credentials, or a token that is unknown or revoked (`Authorization: Token <key>`).",
    403: "Signed in, but your role may not do this.",
    404: "No such record (or not one you may see).",
    409: "A request with this Idempotency-Key is still being answered: retry in a moment.",
    412: "If-Match names an ETag the record no longer has: it changed since you read it.",
    422: "This Idempotency-Key was used for a different request (another body or address).",
    428: "If-Match is required (API_REQUIRE_IF_MATCH) and was not sent.",
    429: "Too many requests (or failed logins): wait for the seconds in Retry-After.",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong and what to do; a refused field is a key of "
    "its own with its messages (400).",
    "properties": {"detail": {"description": "A message, or a list of messages."}},
    "additionalProperties": True,
}
# A 400 may be a list of messages (a refusal not tied to a field), not an object.
BAD_REQUEST_SCHEMA = {
    "description": "{field: [messages]} or {detail: ...}; or a list of messages.",
    "oneOf": [{"type": "object", "additionalProperties": True}, {"type": "array"}],
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique value (a UUID) for this request: sent again with the same body, "
    "the request is not made twice and the first answer is given again (with "
    "`Idempotent-Replayed: true`). Kept 24 hours, per user.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
ETAG_HEADER = {
    "ETag": {
        "description": "The record's version as read: send it as If-Match with a change.",
        "schema": {"type": "string"},
    }
}


class LaserOSAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return [resource_tag(self.path)]

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None and path.startswith(API_PREFIX):
            self._describe_safety(operation)
            self._describe_errors(operation)
        return operation

    def _guarded(self) -> bool:
        from .safety import SafeRetryMixin  # the router's viewsets have it

        return isinstance(self.view, SafeRetryMixin)

    def _describe_safety(self, operation: dict) -> None:
        if not self._guarded():
            return
        parameters = operation.setdefault("parameters", [])
        action = getattr(self.view, "action", None)
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        elif action in ("update", "partial_update", "destroy"):
            from django.conf import settings

            parameters.append(
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": bool(settings.API_REQUIRE_IF_MATCH),
                    "description": "The ETag a GET of the record answered: the change is made "
                    "only if the record has not changed since (else 412).",
                    "schema": {"type": "string"},
                }
            )
        if action in ("retrieve", "update", "partial_update"):
            ok = operation["responses"].get("200")
            if ok is not None:
                ok.setdefault("headers", {}).update(ETAG_HEADER)

    def _describe_errors(self, operation: dict) -> None:
        codes = [401, 403, 429]
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        if "requestBody" in operation or has_query or self.method == "POST":
            codes.append(400)
        if "{" in self.path:
            codes.append(404)
        if self._guarded():
            action = getattr(self.view, "action", None)
            if self.method == "POST":
                codes += [409, 422]
            elif action in ("update", "partial_update", "destroy"):
                codes += [412, 428]
        error = self._error_component("Error", ERROR_SCHEMA)
        bad_request = self._error_component("BadRequest", BAD_REQUEST_SCHEMA)
        responses = operation["responses"]
        for code in sorted(codes):
            schema = bad_request if code == 400 else error
            responses.setdefault(
                str(code),
                {"description": ERRORS[code], "content": {"application/json": {"schema": schema}}},
            )

    def _error_component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref
