"""The API's OpenAPI schema is valid OpenAPI 3 (drf-spectacular's validator: the OpenAPI 3.0
JSON Schema), and it says what a client must know to retry and share safely: the error answers
each operation may give, Idempotency-Key on every POST (but the token's), If-Match on
their changes, and the ETag one record's GET answers."""

from __future__ import annotations

import copy

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from jsonschema.exceptions import ValidationError

pytestmark = pytest.mark.django_db

WRITES = ("put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def header_names(operation) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_the_validator_refuses_a_broken_schema(schema):
    """The check above can fail: a response without its description is not OpenAPI 3."""
    broken = copy.deepcopy(schema)
    del broken["paths"]["/api/v1/tokens/"]["get"]["responses"]["200"]["description"]
    with pytest.raises(ValidationError):
        validate_schema(broken)


def test_every_operation_describes_its_error_answers(schema):
    missing = []
    for path, method, operation in operations(schema):
        if not path.startswith("/api/v1/"):
            continue
        codes = set(operation["responses"])
        wanted = {"401", "403", "429"}
        if "{" in path:
            wanted.add("404")
        if "requestBody" in operation or method == "post":
            wanted.add("400")
        missing += [f"{method.upper()} {path}: {code}" for code in sorted(wanted - codes)]
    assert missing == []


# POSTs that take no Idempotency-Key, each with the reason a retry of it is safe without one.
NO_KEY = {
    # DRF's one token per user: asked again, it answers the same token and makes nothing new;
    # and the caller has no user yet for a key to belong to
    "/api/v1/auth/token/": "the same token every time",
}


def test_every_post_takes_an_idempotency_key(schema):
    posts = [(path, op) for path, method, op in operations(schema) if method == "post"]
    assert any(path == "/api/v1/clients/" for path, _ in posts)
    without = sorted(path for path, op in posts if "Idempotency-Key" not in header_names(op))
    assert without == sorted(NO_KEY)
    for path, operation in posts:
        if path not in NO_KEY:
            assert {"409", "422"} <= set(operation["responses"]), path
    keyed = {path for path, _op in posts} - set(NO_KEY)
    assert {"/api/v1/tokens/", "/api/v1/projects/{id}/transition/"} <= keyed
    assert "/api/v1/quotes/instant/" in keyed


def test_every_change_of_one_record_takes_if_match_and_its_get_answers_an_etag(schema):
    changes = [
        (path, method, op)
        for path, method, op in operations(schema)
        if method in WRITES and path.count("/") == 5  # /api/v1/<resource>/{id}/
    ]
    assert changes, "no change of one record in the schema"
    for path, method, operation in changes:
        assert "If-Match" in header_names(operation), f"{method} {path}"
        assert {"412", "428"} <= set(operation["responses"]), f"{method} {path}"
        read = schema["paths"][path].get("get")
        if read is not None:
            assert "ETag" in read["responses"]["200"].get("headers", {}), f"GET {path}"
