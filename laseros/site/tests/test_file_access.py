"""Stored files go only to those allowed to see them, with DEBUG on or off: drawings, previews,
project documents (proofs of payment among them), deleted files; downloads vs pictures shown in
the browser; the headers every file response carries; S3-like storage and X-Accel-Redirect."""

from __future__ import annotations

import importlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, Storage, default_storage
from django.urls import clear_url_caches
from django.utils import timezone
from rest_framework.test import APIClient

from ingest.tests.factories import file_row
from projects.models import DocumentKind
from projects.services import project_document_add
from projects.tests.factories import PDF_BYTES, ProjectFactory

pytestmark = pytest.mark.django_db

DXF = b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings):
    """The URLs as the server builds them with DEBUG on (`make run`) and off (production)."""
    import laseros.site.urls

    settings.DEBUG = request.param
    clear_url_caches()
    importlib.reload(laseros.site.urls)
    yield request.param
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(laseros.site.urls)


@pytest.fixture
def stored():
    """A drawing with its preview, a soft-deleted drawing, a proof of payment and a quote."""
    drawing = file_row(file=default_storage.save("CL-0001/JOB-1/0001-v001.dxf", ContentFile(DXF)))
    preview = default_storage.save("previews/0001-v001.png", ContentFile(PNG))
    drawing.metadata.preview = preview
    drawing.metadata.save(update_fields=["preview"])
    deleted = file_row(file=default_storage.save("CL-0001/JOB-1/old.dxf", ContentFile(DXF)))
    deleted.deleted_at = timezone.now()
    deleted.save(update_fields=["deleted_at"])
    project = ProjectFactory()
    pop = project_document_add(
        project=project,
        file=ContentFile(PDF_BYTES, name="pop.pdf"),
        kind=DocumentKind.PROOF_OF_PAYMENT,
        by=None,
    )
    return {
        "drawing": "/media/" + drawing.file.name,
        "preview": "/media/" + drawing.metadata.preview.name,
        "deleted drawing": "/media/" + deleted.file.name,
        "proof of payment": pop.file.url,
    }


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_nobody_without_a_login_gets_a_stored_file(debug, client, stored):
    for what, url in stored.items():
        response = client.get(url)
        body = _body(response)
        assert response.status_code == 302, what
        assert "/admin/login/" in response["Location"], what
        assert DXF not in body and PDF_BYTES not in body and PNG not in body, what


def test_a_user_without_a_role_gets_none(debug, client, stored, make_user):
    client.force_login(make_user("nobody"))  # staff, but in no role
    for what, url in stored.items():
        assert client.get(url).status_code == 404, what


@pytest.mark.parametrize("role", ["Admin", "Manager", "Operator", "Viewer"])
def test_each_role_gets_what_the_matrix_lets_it_see(debug, client, stored, make_user, role):
    client.force_login(make_user(role.lower(), role=role))
    # every role views projects and files (a deleted drawing too, as the files API shows it);
    # a proof of payment only for those who may see money: not operators
    expected = {
        "drawing": DXF,
        "preview": PNG,
        "deleted drawing": DXF,
        "proof of payment": PDF_BYTES,
    }
    if role == "Operator":
        expected["proof of payment"] = None
    for what, url in stored.items():
        response = client.get(url)
        if expected[what] is None:
            assert response.status_code == 404, what
            continue
        assert response.status_code == 200, what
        assert _body(response) == expected[what], what


def test_an_operator_gets_a_design_document_but_no_money_document(client, make_user, api):
    project = ProjectFactory()
    design = project_document_add(
        project=project, file=ContentFile(DXF, "part.dxf"), kind=DocumentKind.DESIGN, by=None
    )
    invoice = project_document_add(
        project=project, file=ContentFile(PDF_BYTES, "inv.pdf"), kind=DocumentKind.INVOICE, by=None
    )
    client.force_login(make_user("operator", role="Operator"))
    assert client.get(design.file.url).status_code == 200
    assert client.get(invoice.file.url).status_code == 404
    operator = api("Operator")
    assert operator.get(f"/api/v1/project-documents/{design.pk}/download/").status_code == 200
    assert operator.get(f"/api/v1/project-documents/{invoice.pk}/download/").status_code == 404


def test_project_documents_download_from_the_api_link_with_debug_off(debug, api, make_user):
    project = ProjectFactory()
    manager = api("Manager")
    upload = manager.post(
        "/api/v1/project-documents/",
        {"project": project.pk, "kind": "invoice", "file": ContentFile(PDF_BYTES, "inv.pdf")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    link = upload.json()["file"]
    response = api("Viewer").get(link)  # a token client: no session needed
    assert response.status_code == 200 and _body(response) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="inv.pdf"'
    assert APIClient().get(link).status_code in (401, 403)
    nobody = APIClient()
    nobody.force_authenticate(make_user("nobody"))
    assert nobody.get(link).status_code == 403


def test_a_pdf_is_shown_a_drawing_is_a_download_and_every_file_is_locked_down(
    admin_user_client, stored
):
    pdf = admin_user_client.get(stored["proof of payment"])
    assert pdf["Content-Disposition"].startswith("inline")
    preview = admin_user_client.get(stored["preview"])
    assert preview["Content-Disposition"].startswith("inline")
    dxf = admin_user_client.get(stored["drawing"])
    assert dxf["Content-Disposition"] == 'attachment; filename="0001-v001.dxf"'
    for response in (pdf, preview, dxf):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response["Content-Security-Policy"]
        assert response["Cache-Control"].startswith("private")
    assert "sandbox" in dxf["Content-Security-Policy"]


def test_an_svg_or_a_page_is_never_shown_in_the_browser(admin_user_client, settings):
    """A file that could run script goes out as a download in a sandbox, whatever stored it."""
    svg = default_storage.save("CL-0001/JOB-1/drawing.svg", ContentFile(b"<svg/>"))
    page = default_storage.save("CL-0001/JOB-1/page.html", ContentFile(b"<p>hi</p>"))
    file_row(file=svg)
    file_row(file=page)
    for name in (svg, page):
        response = admin_user_client.get("/media/" + name)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/octet-stream"
        assert "sandbox" in response["Content-Security-Policy"]


def test_a_name_no_record_holds_is_404_even_when_it_is_on_disk(debug, admin_user_client):
    default_storage.save("stray/secret.pdf", ContentFile(PDF_BYTES))
    assert admin_user_client.get("/media/stray/secret.pdf").status_code == 404
    assert admin_user_client.get("/media/../laseros.sqlite3").status_code == 404


class NoPathStorage(Storage):
    """Like S3: the bytes are somewhere else; no local path (Storage.path raises)."""

    def __init__(self):
        self._bytes = InMemoryStorage()

    def _open(self, name, mode="rb"):
        return self._bytes._open(name, mode)

    def _save(self, name, content):
        return self._bytes._save(name, content)

    def exists(self, name):
        return self._bytes.exists(name)

    def size(self, name):
        return self._bytes.size(name)

    def delete(self, name):
        self._bytes.delete(name)

    def url(self, name):
        return self._bytes.url(name)


def test_files_stream_from_a_storage_without_local_paths(admin_user_client, settings):
    """S3 has no .path(): the bytes are streamed from the storage itself."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.NoPathStorage"},
    }
    settings.FILES_SENDFILE_HEADER = "X-Accel-Redirect"  # ignored: nothing for nginx to read
    doc = project_document_add(
        project=ProjectFactory(), file=ContentFile(PDF_BYTES, "q.pdf"), kind="quote", by=None
    )
    with pytest.raises(NotImplementedError):
        doc.file.path  # noqa: B018
    response = admin_user_client.get(doc.file.url)
    assert response.status_code == 200 and _body(response) == PDF_BYTES
    assert "X-Accel-Redirect" not in response


def test_the_web_server_sends_the_bytes_when_told(admin_user_client, stored, settings):
    settings.FILES_SENDFILE_HEADER = "X-Accel-Redirect"
    settings.FILES_SENDFILE_PREFIX = "/protected-media/"
    response = admin_user_client.get(stored["drawing"])
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/CL-0001/JOB-1/0001-v001.dxf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    settings.FILES_SENDFILE_HEADER = "X-Sendfile"
    response = admin_user_client.get(stored["drawing"])
    assert response["X-Sendfile"] == default_storage.path("CL-0001/JOB-1/0001-v001.dxf")
    anonymous = admin_user_client.__class__().get(stored["drawing"])
    assert "X-Sendfile" not in anonymous and anonymous.status_code == 302


def test_s3_links_lead_to_the_app_not_to_the_bucket():
    """A signed bucket address would open the file for anyone holding it; the link is ours."""
    from laseros.storage import ProtectedS3Storage

    storage = ProtectedS3Storage(
        bucket_name="laseros",
        location="shop",
        access_key="key",
        secret_key="secret",
        region_name="af-south-1",
        endpoint_url="http://127.0.0.1:9",  # never reached: a link needs no request
    )
    url = storage.url("CL-0001/JB-1/documents/pop 1.pdf")
    assert url == "/media/CL-0001/JB-1/documents/pop%201.pdf"
