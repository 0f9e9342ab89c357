"""Files on S3 (STORAGE_BACKEND=s3), against a private S3 server (moto in server mode): a drawing
received by ingest is stored in the bucket, read from it by the parse task, its preview written
there; the preview, the download and the protected media link stream from the bucket; a hard
delete empties it. Nothing is written to local disk. Skipped when moto[server] is absent."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import default_storage

from ingest import services
from ingest.models import FileExtraction, FileIngest, FileMetadata, FileStatus
from ingest.tests.factories import dxf_bytes, dxf_file
from laseros.storage import ProtectedS3Storage
from laseros.testing_servers import s3_client, s3_server, s3_storage_settings

pytestmark = [pytest.mark.servers, pytest.mark.django_db]


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(settings, s3_endpoint):
    """A new bucket, the file store for this test (as STORAGE_BACKEND=s3 makes it)."""
    name = f"laseros-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(s3_endpoint, name)}

    def objects() -> dict[str, bytes]:
        listed = client.list_objects_v2(Bucket=name).get("Contents", [])
        return {
            o["Key"]: client.get_object(Bucket=name, Key=o["Key"])["Body"].read() for o in listed
        }

    return objects


def _local_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_drawing_goes_in_and_out_through_the_bucket(bucket, settings, api, committed):
    manager = api("Manager")
    with committed():  # the parse task runs after the commit, reading the bytes from the bucket
        outcome = services.ingest(
            source_file=dxf_file("0007-Gusset-MS-3mm-x2.dxf", width=120.0, height=60.0),
            original_name="0007-Gusset-MS-3mm-x2.dxf",
            uploaded_by=manager.user,
        )
    assert isinstance(default_storage._wrapped, ProtectedS3Storage)
    file = FileIngest.objects.get(pk=outcome.file.pk)
    assert file.status == FileStatus.PROCESSED, file.failure_reason
    metadata = FileMetadata.objects.get(file=file)
    assert FileExtraction.objects.filter(file=file).count() == 1
    assert metadata.cut_length_mm and metadata.preview.name
    stored = bucket()
    drawing = dxf_bytes(width=120.0, height=60.0)
    assert stored[file.file.name] == drawing  # the upload is in the bucket
    assert stored[metadata.preview.name].startswith(b"\x89PNG")  # and so is the preview
    assert _local_files(settings) == []  # nothing on local disk

    preview = manager.get(f"/api/v1/files/{file.pk}/preview/")
    assert preview.status_code == 200
    assert b"".join(preview.streaming_content) == stored[metadata.preview.name]
    download = manager.get(f"/api/v1/files/{file.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == drawing
    assert file.file.url == f"/media/{file.file.name}"  # a link to the app, not to the bucket
    manager.force_login(manager.user)
    linked = manager.get(file.file.url)
    assert linked.status_code == 200 and b"".join(linked.streaming_content) == drawing

    with committed():
        assert manager.delete(f"/api/v1/files/{file.pk}/?hard=true").status_code == 204
    assert bucket() == {}  # the drawing and its preview are gone from the bucket
    assert not FileIngest.objects.filter(pk=file.pk).exists()


def test_a_soft_deleted_drawing_keeps_its_bytes_in_the_bucket(bucket, api, committed):
    manager = api("Manager")
    with committed():
        outcome = services.ingest(
            source_file=dxf_file("0008-Plate-MS-3mm-x1.dxf", width=80.0, height=40.0),
            original_name="0008-Plate-MS-3mm-x1.dxf",
        )
    with committed():
        assert manager.delete(f"/api/v1/files/{outcome.file.pk}/").status_code == 204
    assert outcome.file.file.name in bucket()
    with committed():
        assert manager.post(f"/api/v1/files/{outcome.file.pk}/restore/").status_code == 200
    download = manager.get(f"/api/v1/files/{outcome.file.pk}/download/")
    assert b"".join(download.streaming_content) == dxf_bytes(width=80.0, height=40.0)
