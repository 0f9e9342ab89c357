"""Swagger groups the API by what it is about (jobs, files, stock, ...), not all under "v1": every
operation has one resource tag, each tag is described, and the descriptions speak of jobs."""

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", operation


def test_every_operation_is_tagged_by_its_resource(schema):
    described = {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    seen = set()
    for name, operation in _operations(schema):
        assert len(operation["tags"]) == 1, name
        [tag] = operation["tags"]
        assert tag != "v1" and tag in described, name
        seen.add(tag)
    assert seen == described  # no tag is described that nothing uses
    by_path = {name: op["tags"][0] for name, op in _operations(schema)}
    assert by_path["GET /api/v1/projects/"] == "jobs"
    assert by_path["POST /api/v1/project-documents/"] == "jobs"
    assert by_path["GET /api/v1/files/"] == "files"
    assert by_path["GET /api/v1/stock-movements/"] == "stock"
    assert by_path["GET /api/v1/me/"] == "account"


def test_the_tags_are_listed_in_the_schema_with_their_descriptions(schema):
    assert [tag["name"] for tag in schema["tags"]][:2] == ["jobs", "clients"]
    assert all(tag.get("description") for tag in schema["tags"])
