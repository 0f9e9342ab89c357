"""The files endpoint's generated tests (laseros.api_testing): roles, upload (202, read in the
background) and each filter proven on two rows. Files are not edited through the API; their
other actions (re-extract, restore, delete) have their own tests in test_api.py."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.models import FileExtraction, FileIngest, FileMetadata, FileStatus
from ingest.tests.factories import ClientFactory, dxf_bytes, file_row, make_project
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER, OPERATOR

ALL = {"deleted": "all"}


def warned(m, o):
    set_fields(m.metadata, has_warnings=True, warning_count=1)


class TestFiles(EndpointTests):
    prefix = "files"
    model = FileIngest
    writers = (ADMIN, MANAGER, OPERATOR)  # the shop floor sends drawings too
    deleters = (ADMIN, MANAGER)
    watched = (FileMetadata, FileExtraction)
    create_format = "multipart"
    create_status = 202  # taken: it is read in the background
    filters = (
        Filter("q", lambda f: f.original_name.upper()),
        Filter("kind", lambda f: "pdf", lambda m, o: set_fields(m, kind="pdf")),
        Filter("status", lambda f: FileStatus.FAILED, lambda m, o: set_fields(m, status="failed")),
        Filter(
            "status",
            lambda f: "waiting",
            lambda m, o: set_fields(m, status=FileStatus.QUEUED),
            name="status=waiting",
        ),
        Filter("source", lambda f: "email", lambda m, o: set_fields(m, source="email")),
        Filter("part", lambda f: f.part),
        Filter("version", lambda f: 2, lambda m, o: set_fields(m, version=2)),
        Filter("material", lambda f: "mild steel"),
        Filter("thickness", lambda f: "3mm"),
        Filter("thickness_min", lambda f: "7", lambda m, o: set_fields(m.metadata, thickness_mm=8)),
        Filter("thickness_max", lambda f: "4"),  # 3 mm and 6 mm
        Filter("client", lambda f: f.client.code),
        Filter("client", lambda f: f.client_id, name="client=id"),
        Filter("project", lambda f: f.project.code.lower()),
        Filter("project", lambda f: f.project_id, name="project=id"),
        Filter("has_warnings", lambda f: "true", warned),
        Filter(
            "deleted",
            lambda f: "true",
            lambda m, o: set_fields(m, deleted_at=m.received_at),
            shown=ALL,
        ),
        *dates("received_at"),
        *dates("queued_at"),
        *dates("started_at"),
        *dates("finished_at"),
        *dates("deleted_at", **ALL),
        Filter(
            "uploaded_by",
            lambda f: f.uploaded_by.username,
            lambda m, o: set_fields(m, uploaded_by=someone("bongani")),
        ),
    )

    def make(self, n):
        metadata = {"material_code": ("MS", "SS")[n % 2], "thickness_mm": 3 + 3 * n}
        project = make_project(ClientFactory())
        return file_row(project=project, metadata=metadata, original_name=f"plate-{n}.dxf")

    def gone(self, obj):
        """Soft-deleted: out of the lists, restorable."""
        obj.refresh_from_db()
        return obj.deleted_at is not None

    def create_data(self):
        drawing = dxf_bytes(width=120.0, height=60.0)
        return {"file": SimpleUploadedFile("0001-Plate-MS-3mm-x2.dxf", drawing)}


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["client", "project", "uploaded_by"])
@pytest.mark.parametrize("value", ["²", "١٢", "9" * 40, "-1"])
def test_a_file_filter_by_id_or_code_finds_nothing_for_anything_else(api, param, value):
    """Digits Python reads as digits but int() does not ("²"), other scripts' digits, an id too
    large: an empty list, not a 500."""
    file_row(project=make_project(ClientFactory()))
    response = api("Manager").get("/api/v1/files/", {param: value})
    assert response.status_code == 200, response.data
    assert response.data["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["client", "project"])
def test_an_upload_for_a_client_or_project_that_is_no_id_is_a_400(api, field):
    upload = SimpleUploadedFile("0001-Plate-MS-3mm-x2.dxf", dxf_bytes(width=80.0))
    response = api("Manager").post(
        "/api/v1/files/", {"file": upload, field: "²"}, format="multipart"
    )
    assert response.status_code == 400, response.data
    assert response.data == {field: [f"No {field} '²'."]}
    assert not FileIngest.objects.exists()
