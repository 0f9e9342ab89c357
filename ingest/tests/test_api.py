"""/api/v1/files/: upload (202 with ids), list with filters at constant queries, detail,
metadata, preview, download, re-extract, delete (soft/hard), restore, and the roles."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from ingest import services
from ingest.models import FileExtraction, FileIngest, FileMetadata, FileStatus
from laseros.testing import assert_constant_queries, grow_to, unchanged

from .factories import ClientFactory, dxf_bytes, file_row, make_project, media_files

pytestmark = pytest.mark.django_db

FILES = "/api/v1/files/"


def _upload(api_client, committed, *files, **data):
    with committed():
        return api_client.post(FILES, {"file": list(files), **data}, format="multipart")


def _dxf(name="0001-Bracket-MS-3mm-x4.dxf", width=100.0):
    return SimpleUploadedFile(name, dxf_bytes(width=width))


def test_upload_one_file_answers_202_with_its_id(api, committed):
    project = make_project(ClientFactory(code="CL-0001"))
    client = api("Operator")
    response = _upload(client, committed, _dxf(), project=project.code)
    assert response.status_code == 202, response.content
    [result] = response.json()
    file = FileIngest.objects.get(pk=result["id"])
    assert result["created"] is True and result["duplicate_of"] is None
    assert result["status"] == "queued"  # at the moment of the answer
    assert result["stored_name"] == file.stored_name and "queued for reading" in result["message"]
    assert file.project == project and file.source == "api" and file.uploaded_by == client.user
    assert file.status == FileStatus.PROCESSED  # read after the commit


def test_upload_many_files_with_a_client_code_or_id(api, committed):
    customer = ClientFactory(code="CL-0007")
    client = api()
    response = _upload(client, committed, _dxf("a.dxf", 10), _dxf("b.dxf", 20), client="CL0007")
    assert response.status_code == 202 and len(response.json()) == 2
    with committed():
        response = client.post(
            FILES,
            {"files": [_dxf("c.dxf", 30)], "client": str(customer.pk)},
            format="multipart",
        )
    assert response.status_code == 202
    assert FileIngest.objects.filter(client=customer).count() == 3


def test_duplicates_and_refusals_are_reported_per_file(api, committed):
    client = api()
    _upload(client, committed, _dxf("a.dxf", 10))
    response = _upload(
        client,
        committed,
        _dxf("again.dxf", 10),
        SimpleUploadedFile("notes.txt", b"hello there\n"),
        SimpleUploadedFile("empty.dxf", b""),
    )
    assert response.status_code == 202
    again, notes, empty = response.json()
    first = FileIngest.objects.get()
    assert again["duplicate_of"] == first.pk and again["id"] == first.pk
    assert again["created"] is False and again["message"].startswith("duplicate of")
    assert notes["status"] == "refused" and "Accepted: DXF" in notes["message"]
    assert empty["status"] == "refused" and "empty" in empty["message"]


def test_all_refused_is_a_400_and_nothing_is_stored(api, committed, settings):
    response = _upload(api(), committed, SimpleUploadedFile("notes.txt", b"hello\n"))
    assert response.status_code == 400 and response.json()[0]["status"] == "refused"
    assert not FileIngest.objects.exists() and media_files(settings) == []


def test_upload_needs_a_file_and_a_real_client_or_project(api):
    client = api()
    assert client.post(FILES, {}, format="multipart").status_code == 400
    response = client.post(FILES, {"file": [_dxf()], "client": "CL-0404"}, format="multipart")
    assert response.status_code == 400 and "No client" in str(response.json())
    response = client.post(FILES, {"file": [_dxf()], "project": "JB-X"}, format="multipart")
    assert response.status_code == 400 and "No project" in str(response.json())
    other = ClientFactory(code="CL-0002")
    project = make_project(ClientFactory(code="CL-0003"))
    response = client.post(
        FILES, {"file": [_dxf()], "client": other.code, "project": project.pk}, format="multipart"
    )
    assert response.status_code == 400 and "belongs to CL-0003" in str(response.json())
    assert not FileIngest.objects.exists()


@pytest.mark.parametrize("url", [FILES, f"{FILES}?material=ms&has_warnings=false"])
def test_list_runs_constant_queries(api, url):
    client = api()
    project = make_project()
    grow = grow_to(FileIngest, lambda i: file_row(project=project if i % 2 else None))
    assert_constant_queries(lambda: client.get(url), grow)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=pdf", {"pdf"}),
        ("status=failed", {"failed"}),
        ("status=waiting", {"queued"}),
        ("material=stainless", {"ss"}),
        ("material=SS", {"ss"}),
        ("thickness=1.2", {"ss"}),
        ("thickness=1.2mm", {"ss"}),
        ("thickness_min=2", {"ms", "pdf"}),
        ("has_warnings=true", {"ss"}),
        ("q=marker", {"ss"}),
        ("deleted=true", {"deleted"}),
        ("deleted=all", {"ms", "ss", "pdf", "queued", "failed", "deleted"}),
        ("", {"ms", "ss", "pdf", "queued", "failed"}),
    ],
)
def test_list_filters(api, query, expected):
    from django.utils import timezone

    rows = {
        "ms": file_row(),
        "ss": file_row(
            original_name="marker.dxf",
            metadata={
                "material_code": "SS",
                "thickness_mm": "1.2",
                "warnings": [{"code": "open_contour", "message": "open"}],
                "warning_count": 1,
                "has_warnings": True,
            },
        ),
        "pdf": file_row(kind="pdf"),
        "queued": file_row(status="queued", metadata=False),
        "failed": file_row(status="failed", metadata=False),
        "deleted": file_row(deleted_at=timezone.now()),
    }
    ids = {row.pk: key for key, row in rows.items()}
    response = api().get(f"{FILES}?{query}")
    assert response.status_code == 200
    assert {ids[item["id"]] for item in response.json()["results"]} == expected


def test_client_and_project_filters_take_codes_or_ids(api):
    project = make_project(ClientFactory(code="CL-0011"))
    mine = file_row(project=project)
    file_row(client=ClientFactory(code="CL-0012"))
    client = api()
    for query in (
        "client=CL-0011",
        "client=cl0011",
        f"client={project.client_id}",
        f"project={project.code}",
        f"project={project.pk}",
    ):
        ids = [item["id"] for item in client.get(f"{FILES}?{query}").json()["results"]]
        assert ids == [mine.pk], query
    assert client.get(f"{FILES}?client=nonsense").json()["results"] == []


def test_detail_and_metadata(api, committed):
    client = api()
    response = _upload(client, committed, _dxf())
    file_id = response.json()[0]["id"]
    detail = client.get(f"{FILES}{file_id}/").json()
    assert detail["status"] == "processed" and detail["version_label"] == "v001"
    assert detail["metadata"]["material"] == "MS" and detail["metadata"]["has_preview"]
    assert detail["urls"]["preview"].endswith(f"/api/v1/files/{file_id}/preview/")
    metadata = client.get(f"{FILES}{file_id}/metadata/").json()
    assert metadata["parser"] == "dxf" and metadata["bbox_mm"] == [100.0, 50.0]
    assert metadata["holes"][0]["diameter_mm"] == pytest.approx(10.0)
    assert metadata["cut_length_mm"] == pytest.approx(331.4159, rel=1e-4)
    assert metadata["entity_counts"] == {"LWPOLYLINE": 1, "CIRCLE": 1}


def test_metadata_is_404_until_read(api):
    file = file_row(status="queued", metadata=False)
    response = api().get(f"{FILES}{file.pk}/metadata/")
    assert response.status_code == 404 and "not been read yet" in response.json()["detail"]


def test_preview_and_download(api, committed):
    client = api("Viewer")
    uploader = api("Operator")
    file_id = _upload(uploader, committed, _dxf()).json()[0]["id"]
    preview = client.get(f"{FILES}{file_id}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert b"".join(preview.streaming_content).startswith(b"\x89PNG")
    png = client.get(f"{FILES}{file_id}/preview/", HTTP_ACCEPT="image/png")
    assert png.status_code == 200
    download = client.get(f"{FILES}{file_id}/download/")
    assert download.status_code == 200
    stored = FileIngest.objects.get(pk=file_id).file
    assert b"".join(download.streaming_content) == stored.open("rb").read()
    no_preview = file_row()
    response = client.get(f"{FILES}{no_preview.pk}/preview/", HTTP_ACCEPT="image/png")
    assert response.status_code == 404


def test_download_of_bytes_gone_from_the_store_is_a_clear_404(api, committed):
    client = api("Operator")
    file_id = _upload(client, committed, _dxf()).json()[0]["id"]
    file = FileIngest.objects.get(pk=file_id)
    file.file.storage.delete(file.file.name)  # lost outside Laser OS (a restored backup, a disk)
    response = client.get(f"{FILES}{file_id}/download/")
    assert response.status_code == 404
    assert "missing from the file store" in response.json()["detail"]
    preview = file.metadata.preview
    preview.storage.delete(preview.name)
    as_png = client.get(f"{FILES}{file_id}/preview/", HTTP_ACCEPT="image/png")
    assert as_png.status_code == 404 and as_png["Content-Type"] == "application/json"
    assert client.get(f"{FILES}{file_id}/").status_code == 200  # the record is still there


def test_traceback_only_for_superusers(api):
    file = file_row(status="failed", metadata=False, traceback="Traceback: boom")
    assert api("Admin").get(f"{FILES}{file.pk}/").json()["traceback"] == "Traceback: boom"
    assert api("Manager").get(f"{FILES}{file.pk}/").json()["traceback"] is None


def test_re_extract_answers_202_and_keeps_history(api, committed):
    client = api("Operator")
    file_id = _upload(client, committed, _dxf()).json()[0]["id"]
    with committed():
        response = client.post(f"{FILES}{file_id}/re-extract/")
    assert response.status_code == 202 and response.json()["id"] == file_id
    assert FileIngest.objects.get(pk=file_id).extractions.count() == 2


def test_soft_delete_restore_and_hard_delete(api, committed, settings):
    manager = api("Manager")
    file_id = _upload(manager, committed, _dxf()).json()[0]["id"]
    with committed():
        assert manager.delete(f"{FILES}{file_id}/").status_code == 204
    assert FileIngest.objects.get(pk=file_id).is_deleted
    assert manager.get(FILES).json()["count"] == 0
    assert manager.get(f"{FILES}?deleted=true").json()["count"] == 1
    assert manager.delete(f"{FILES}{file_id}/").status_code == 400  # already deleted
    with committed():
        assert manager.post(f"{FILES}{file_id}/restore/").status_code == 200
    assert not FileIngest.objects.get(pk=file_id).is_deleted
    assert manager.post(f"{FILES}{file_id}/restore/").status_code == 400
    with committed():
        assert manager.delete(f"{FILES}{file_id}/?hard=true").status_code == 204
    assert not FileIngest.objects.exists() and media_files(settings) == []


def test_roles(api, committed):
    file_id = _upload(api("Admin"), committed, _dxf()).json()[0]["id"]
    viewer, operator = api("Viewer"), api("Operator")
    assert viewer.get(FILES).status_code == 200
    assert viewer.get(f"{FILES}{file_id}/").status_code == 200
    files = (FileIngest, FileExtraction, FileMetadata)
    with unchanged(*files):
        upload = viewer.post(FILES, {"file": [_dxf("v.dxf", 5)]}, format="multipart")
        assert upload.status_code == 403
        assert viewer.post(f"{FILES}{file_id}/re-extract/").status_code == 403
        assert viewer.delete(f"{FILES}{file_id}/").status_code == 403
    assert _upload(operator, committed, _dxf("o.dxf", 6)).status_code == 202
    with unchanged(*files):
        assert operator.delete(f"{FILES}{file_id}/").status_code == 403
        assert operator.delete(f"{FILES}{file_id}/?hard=true").status_code == 403
        assert operator.post(f"{FILES}{file_id}/restore/").status_code == 403
    assert operator.put(f"{FILES}{file_id}/", {}).status_code == 405
    assert APIClient().get(FILES).status_code in (401, 403)
    assert default_storage.exists(FileIngest.objects.get(pk=file_id).file.name)


def test_the_schema_describes_the_files_api(admin_user_client):
    schema = admin_user_client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/files/", "/api/v1/files/{id}/re-extract/", "/api/v1/files/{id}/preview/"):
        assert path in text


def test_services_refuse_what_the_api_lets_through_nothing(api, committed):
    """A file the service refuses mid-way leaves nothing behind (same as the service tests)."""
    client = api()
    response = _upload(client, committed, SimpleUploadedFile("x.lbrn2", b"<html>no</html>"))
    assert response.status_code == 400
    assert not FileIngest.objects.exists()
    assert services.max_upload_bytes() == 50 * 1024 * 1024


def test_upload_with_values_given_as_fields_or_as_the_old_override_metadata(api, committed):
    client = api("Operator")
    response = _upload(client, committed, _dxf("a.dxf", 10), material="SS", thickness_mm="1.5")
    assert response.status_code == 202, response.content
    detail = client.get(f"{FILES}{response.json()[0]['id']}/").json()
    assert detail["given"] == {"material": "SS", "thickness_mm": "1.5"}
    assert detail["metadata"]["material"] == "SS"
    assert float(detail["metadata"]["thickness_mm"]) == 1.5
    response = _upload(
        client,
        committed,
        _dxf("b.dxf", 20),
        override_metadata='{"material": "galv", "quantity": 12, "thickness_mm": null}',
        mode="dxf",
    )
    assert response.status_code == 202, response.content
    file = FileIngest.objects.get(pk=response.json()[0]["id"])
    assert file.given == {"material": "GALV", "quantity": 12}
    assert file.metadata.quantity == 12


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"material": "cheese"}, "material"),
        ({"quantity": "lots"}, "quantity"),
        ({"override_metadata": "{not json"}, "override_metadata"),
        ({"override_metadata": '{"colour": "red"}'}, "override_metadata"),
        ({"kind": "spreadsheet"}, "kind"),
    ],
)
def test_bad_values_given_are_a_400_naming_the_field_and_store_nothing(
    api, committed, settings, data, field
):
    response = _upload(api("Operator"), committed, _dxf(), **data)
    assert response.status_code == 400 and field in response.json()
    assert not FileIngest.objects.exists() and media_files(settings) == []


def test_a_file_of_another_kind_than_the_mode_says_is_refused(api, committed):
    response = _upload(api("Operator"), committed, _dxf(), mode="pdf")
    assert response.status_code == 400
    [result] = response.json()
    assert result["status"] == "refused" and "not a PDF as the upload said" in result["message"]
    assert _upload(api("Manager"), committed, _dxf(), mode="AUTO").status_code == 202


def test_extractions_list_every_reading_newest_first(api, committed):
    client = api("Manager")
    file_id = _upload(client, committed, _dxf()).json()[0]["id"]
    with committed():
        assert client.post(f"{FILES}{file_id}/re-extract/").status_code == 202
    readings = client.get(f"{FILES}{file_id}/extractions/").json()
    assert [r["is_current"] for r in readings] == [True, False]
    assert readings[0]["parser"] == "dxf" and "raw" not in readings[0]
    assert readings[1]["metadata"]["cut_length_mm"] > 0
    with_raw = client.get(f"{FILES}{file_id}/extractions/?raw=true").json()
    assert with_raw[0]["raw"]["dxfversion"] == "AC1024"  # R2010, as drawn
    assert (
        client.get(f"{FILES}{file_id}/")
        .json()["urls"]["extractions"]
        .endswith(f"/api/v1/files/{file_id}/extractions/")
    )


def test_a_preview_is_shown_a_download_is_an_attachment_both_locked_down(api, committed):
    client = api("Viewer")
    file_id = _upload(api("Operator"), committed, _dxf()).json()[0]["id"]
    file = FileIngest.objects.get(pk=file_id)
    preview = client.get(f"{FILES}{file_id}/preview/")
    download = client.get(f"{FILES}{file_id}/download/")
    assert preview["Content-Disposition"].startswith("inline")
    assert download["Content-Disposition"] == f'attachment; filename="{file.stored_name}"'
    for response in (preview, download):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"].startswith("private")
    assert APIClient().get(f"{FILES}{file_id}/download/").status_code in (401, 403)
