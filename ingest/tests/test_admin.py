"""The files admin: the list a manager scans (filters, thumbnails, constant queries), a file's
page, the upload page, actions through the services, previews behind a permission check, and
a project's design files on the project page."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ingest import services
from ingest.models import FileExtraction, FileIngest, FileMetadata, FileStatus
from laseros.testing import assert_constant_queries, grow_to
from projects.models import Project

from .factories import ClientFactory, dxf_bytes, dxf_file, file_row, make_project, media_files

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"

CHANGELIST = "/admin/ingest/fileingest/"


def _read_file(committed, **kwargs) -> FileIngest:
    kwargs.setdefault("source_file", dxf_file())
    kwargs.setdefault("original_name", "0001-Bracket-MS-3mm-x4.dxf")
    with committed():
        outcome = services.ingest(**kwargs)
    return FileIngest.objects.select_related("metadata").get(pk=outcome.file.pk)


def test_changelist_queries_do_not_grow_with_rows(admin_user_client):
    project = make_project()

    def grow(n):
        while FileIngest.objects.count() < n:
            index = FileIngest.objects.count()
            file_row(
                project=project if index % 2 else None,
                client=None if index % 2 else project.client,
                metadata={
                    "warnings": [{"code": "open_contour", "message": "x"}],
                    "warning_count": 1,
                    "has_warnings": True,
                }
                if index % 3 == 0
                else True,
            )

    assert_constant_queries(lambda: admin_user_client.get(CHANGELIST), grow)


def test_changelist_shows_what_a_manager_scans(admin_user_client, committed):
    file = _read_file(committed, project=make_project(ClientFactory(code="CL-0002")))
    html = admin_user_client.get(CHANGELIST).content.decode()
    assert file.stored_name in html and "CL-0002" in html and file.project.code in html
    assert "v001" in html and "Processed" in html and "MS" in html and "3 mm" in html
    assert reverse("admin:ingest_fileingest_preview", args=[file.pk]) in html
    assert "Upload files" in html
    for title in ("status", "kind", "material", "thickness", "warnings", "deleted"):
        assert f"By {title}" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=waiting", {"queued"}),
        ("status=failed", {"failed"}),
        ("material=SS", {"ss"}),
        ("material=none", {"bare", "queued", "failed"}),
        ("thickness=1.200", {"ss"}),
        ("has_warnings=yes", {"ss"}),
        ("has_warnings=no", {"queued", "failed", "bare", "processed"}),
        ("kind__exact=pdf", {"bare"}),
        ("deleted=yes", {"deleted"}),
        ("deleted=all", {"queued", "failed", "ss", "bare", "processed", "deleted"}),
        ("", {"queued", "failed", "ss", "bare", "processed"}),
        ("q=marker-ss", {"ss"}),
    ],
)
def test_changelist_filters(admin_user_client, query, expected):
    from django.utils import timezone

    rows = {
        "queued": file_row(status="queued", metadata=False, original_name="queued.dxf"),
        "failed": file_row(status="failed", metadata=False, failure_reason="Broken."),
        "ss": file_row(
            original_name="marker-ss.dxf",
            metadata={
                "material_code": "SS",
                "thickness_mm": "1.2",
                "warnings": [{"code": "open_contour", "message": "1 open contour"}],
                "warning_count": 1,
                "has_warnings": True,
            },
        ),
        "bare": file_row(kind="pdf", metadata={"material_code": "", "thickness_mm": None}),
        "processed": file_row(),
        "deleted": file_row(deleted_at=timezone.now()),
    }
    names = {row.stored_name: key for key, row in rows.items()}
    response = admin_user_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    shown = {key for name, key in names.items() if name in response.content.decode()}
    assert shown == expected


def test_client_and_project_filters(admin_user_client):
    project = make_project()
    mine = file_row(project=project)
    other = file_row(client=ClientFactory())
    html = admin_user_client.get(f"{CHANGELIST}?project__id__exact={project.pk}").content.decode()
    assert mine.stored_name in html and other.stored_name not in html
    html = admin_user_client.get(
        f"{CHANGELIST}?client__id__exact={other.client_id}"
    ).content.decode()
    assert other.stored_name in html and mine.stored_name not in html


def test_file_page_shows_measurements_warnings_history_and_preview(admin_user_client, committed):
    file = _read_file(committed)
    with committed():
        services.re_extract(file=file)
    html = admin_user_client.get(f"{CHANGELIST}{file.pk}/change/").content.decode()
    assert "Cut length" in html and "331.4 mm" in html and "Ø10.00 mm" in html
    assert "100.0 × 50.0 mm" in html
    assert "readings (history)" in html.lower() and html.count("reading of file #") == 2
    assert reverse("admin:ingest_fileingest_preview", args=[file.pk]) in html
    assert reverse("admin:ingest_fileingest_download", args=[file.pk]) in html
    assert 'name="_save"' not in html  # nothing to edit: changes go through actions


def test_a_failed_file_says_why_and_only_superusers_see_the_traceback(
    admin_user_client, client, make_user, committed
):
    with committed():
        outcome = services.ingest(
            source_file=ContentFile(b"  0\nSECTION\n  2\nENTITIES\n  0\nLINE\n 10\nabc\n"),
            original_name="broken.dxf",
        )
    file = FileIngest.objects.get(pk=outcome.file.pk)
    FileIngest.objects.filter(pk=file.pk).update(traceback="Traceback (most recent call last): x")
    assert file.status == FileStatus.FAILED
    html = admin_user_client.get(f"{CHANGELIST}{file.pk}/change/").content.decode()
    assert file.failure_reason[:40] in html and "Traceback (most recent call last)" in html
    manager = make_user("manager", role="Manager")
    client.force_login(manager)
    html = client.get(f"{CHANGELIST}{file.pk}/change/").content.decode()
    assert file.failure_reason[:40] in html and "Traceback (most recent" not in html
    listing = client.get(f"{CHANGELIST}?status=failed").content.decode()
    assert file.failure_reason[:40] in listing


def test_upload_page_takes_several_files_with_a_project(admin_user_client, committed, settings):
    project = make_project(ClientFactory(code="CL-0005"))
    page = admin_user_client.get(f"{CHANGELIST}add/")
    assert page.status_code == 200 and b"multiple" in page.content
    files = [
        SimpleUploadedFile("0001-Plate-MS-3mm-x2.dxf", dxf_bytes(width=10)),
        SimpleUploadedFile("0002-Gusset-SS-2mm-x5.dxf", dxf_bytes(width=20)),
    ]
    with committed():
        response = admin_user_client.post(
            f"{CHANGELIST}add/", {"files": files, "project": project.pk}
        )
    assert response.status_code == 302 and response.url == CHANGELIST
    stored = FileIngest.objects.order_by("id")
    assert [f.part for f in stored] == ["Plate", "Gusset"]
    assert all(f.project == project and f.source == "admin" for f in stored)
    assert all(f.uploaded_by.username == "boss" for f in stored)
    assert all(f.status == FileStatus.PROCESSED for f in stored)


def test_upload_page_takes_known_material_thickness_and_quantity(admin_user_client, committed):
    with committed():
        response = admin_user_client.post(
            f"{CHANGELIST}add/",
            {
                "files": [SimpleUploadedFile("plate.dxf", dxf_bytes(width=15))],
                "material": "aluminium",
                "thickness_mm": "4",
                "quantity": "6",
            },
        )
    assert response.status_code == 302
    file = FileIngest.objects.get()
    assert file.given == {"material": "AL", "thickness_mm": "4", "quantity": 6}
    page = admin_user_client.get(f"{CHANGELIST}{file.pk}/change/").content.decode()
    assert "material AL, thickness 4 mm, quantity 6" in page
    response = admin_user_client.post(
        f"{CHANGELIST}add/",
        {"files": [SimpleUploadedFile("b.dxf", dxf_bytes(width=16))], "material": "cheese"},
    )
    assert (
        response.status_code == 200 and "not a material the shop knows" in response.content.decode()
    )
    assert FileIngest.objects.count() == 1


def test_upload_page_reports_refused_files_and_duplicates(admin_user_client, committed):
    with committed():
        admin_user_client.post(
            f"{CHANGELIST}add/", {"files": [SimpleUploadedFile("a.dxf", dxf_bytes(width=30))]}
        )
    response = admin_user_client.post(
        f"{CHANGELIST}add/",
        {
            "files": [
                SimpleUploadedFile("a-again.dxf", dxf_bytes(width=30)),
                SimpleUploadedFile("notes.txt", b"hello\n"),
            ]
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "duplicate of" in html and "not a file type Laser OS reads" in html
    assert FileIngest.objects.count() == 1


def test_upload_refuses_a_project_of_another_client(admin_user_client):
    project = make_project(ClientFactory(code="CL-0001"))
    other = ClientFactory(code="CL-0002")
    response = admin_user_client.post(
        f"{CHANGELIST}add/",
        {
            "files": [SimpleUploadedFile("a.dxf", dxf_bytes(width=40))],
            "project": project.pk,
            "client": other.pk,
        },
    )
    assert b"belongs to CL-0001" in response.content and not FileIngest.objects.exists()


def test_viewers_cannot_upload(client, make_user):
    client.force_login(make_user("viewer", role="Viewer"))
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(CHANGELIST).status_code == 200


def test_actions_call_the_services(admin_user_client, committed):
    file = _read_file(committed)

    def act(action):
        with committed():
            return admin_user_client.post(
                CHANGELIST + "?deleted=all",
                {"action": action, "_selected_action": [file.pk]},
                follow=True,
            )

    act("re_extract_selected")
    assert file.extractions.count() == 2
    act("soft_delete_selected")
    file.refresh_from_db()
    assert file.is_deleted
    response = act("soft_delete_selected")
    assert "already deleted" in response.content.decode()
    act("restore_selected")
    file.refresh_from_db()
    assert not file.is_deleted


def test_operators_may_re_extract_but_not_delete(client, make_user, committed):
    _read_file(committed)
    client.force_login(make_user("op", role="Operator"))
    html = client.get(CHANGELIST).content.decode()
    assert "re_extract_selected" in html and "soft_delete_selected" not in html


def test_deleting_on_the_file_page_removes_it_for_good(admin_user_client, committed, settings):
    file = _read_file(committed)
    with committed():
        response = admin_user_client.post(f"{CHANGELIST}{file.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not FileIngest.objects.exists() and media_files(settings) == []


def test_preview_is_served_to_those_who_may_view_the_file(client, make_user, committed):
    file = _read_file(committed)
    url = reverse("admin:ingest_fileingest_preview", args=[file.pk])
    client.force_login(make_user("viewer", role="Viewer"))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    download = client.get(reverse("admin:ingest_fileingest_download", args=[file.pk]))
    assert download.status_code == 200 and file.stored_name in download["Content-Disposition"]
    client.force_login(make_user("nobody"))  # staff, but no role
    assert client.get(url).status_code == 403


def test_a_thumbnail_is_made_for_its_size_behind_the_same_check(client, make_user, committed):
    file = _read_file(committed)
    url = reverse("admin:ingest_fileingest_preview", args=[file.pk])
    client.force_login(make_user("viewer", role="Viewer"))
    response = client.get(url, {"size": "64"})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert max(Image.open(io.BytesIO(response.content)).size) == 64
    for bad in ("0", "abc", "401", "-5", "64.5", ""):
        refused = client.get(url, {"size": bad})
        assert refused.status_code == 400, bad
        assert "whole number of pixels from 16 to 400" in refused.content.decode()
    client.force_login(make_user("nobody"))  # staff, but no role
    assert client.get(url, {"size": "64"}).status_code == 403


def test_preview_is_404_when_there_is_none(admin_user_client):
    file = file_row()
    url = reverse("admin:ingest_fileingest_preview", args=[file.pk])
    assert admin_user_client.get(url).status_code == 404
    assert (
        admin_user_client.get(reverse("admin:ingest_fileingest_preview", args=[999])).status_code
        == 404
    )


def test_download_of_bytes_gone_from_the_store_is_404(admin_user_client, committed):
    file = _read_file(committed)
    file.file.storage.delete(file.file.name)
    url = reverse("admin:ingest_fileingest_download", args=[file.pk])
    assert admin_user_client.get(url).status_code == 404
    assert admin_user_client.get(f"{CHANGELIST}{file.pk}/change/").status_code == 200


def test_a_hostile_name_is_shown_escaped(admin_user_client):
    file_row(original_name="<script>alert(1)</script>.dxf")
    html = admin_user_client.get(CHANGELIST).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def _reading(i):
    return FileExtraction.objects.create(
        file=file_row(), parser="dxf", parser_version="1", created_at=timezone.now()
    )


@pytest.mark.parametrize(
    ("url", "model", "make"),
    [
        ("/admin/ingest/filemetadata/", FileMetadata, lambda i: file_row()),
        ("/admin/ingest/fileextraction/", FileExtraction, _reading),
    ],
)
def test_other_ingest_admins_list_with_constant_queries(admin_user_client, url, model, make):
    assert_constant_queries(lambda: admin_user_client.get(url), grow_to(model, make))


def test_dashboard_tiles_count_waiting_and_failed_files(admin_user_client):
    file_row(status="queued", metadata=False)
    file_row(status="processing", metadata=False)
    file_row(status="failed", metadata=False)
    html = admin_user_client.get("/admin/").content.decode()
    assert "Files waiting to be read" in html and "Files that failed" in html
    from laseros.dashboard import tiles_for

    request = type("R", (), {"user": admin_user_client.user})()
    tiles = {t["label"]: t for t in tiles_for(request)}
    assert tiles["Files waiting to be read"]["value"] == 2
    assert not tiles["Files waiting to be read"]["warn"]
    assert tiles["Files that failed"]["value"] == 1 and tiles["Files that failed"]["warn"]
    assert tiles["Files that failed"]["url"].endswith("?status=failed")


def test_project_page_shows_its_design_files(admin_user_client, committed):
    from ingest.admin.project_page import ProjectFilesInline
    from laseros.admin import add_page_inline, page_inlines

    add_page_inline(Project, ProjectFilesInline)  # twice is harmless
    assert page_inlines(Project).count(ProjectFilesInline) == 1

    project = make_project()
    file = _read_file(committed, project=project)
    gone = _read_file(committed, project=project, source_file=dxf_file(width=77))
    services.soft_delete(file=gone)
    html = admin_user_client.get(f"/admin/projects/project/{project.pk}/change/").content.decode()
    assert "design files" in html.lower() and file.stored_name in html
    assert gone.stored_name not in html
    assert reverse("admin:ingest_fileingest_preview", args=[file.pk]) in html
    assert "331 mm" in html  # cut length
    assert f"/admin/ingest/fileingest/add/?project={project.pk}" in html
    page = admin_user_client.get(f"/admin/ingest/fileingest/add/?project={project.pk}")
    assert f'<option value="{project.pk}" selected>' in page.content.decode()


def test_the_file_bytes_stay_put_when_the_admin_is_just_looked_at(admin_user_client, committed):
    file = _read_file(committed)
    admin_user_client.get(f"{CHANGELIST}{file.pk}/change/")
    assert default_storage.exists(file.file.name)


class _Thumbnails(HTMLParser):
    """The preview pictures of a page: each <img alt="preview of ..."> with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "img" and values.get("alt", "").startswith("preview of"):
            self.found.append(values)


def _as_shown(png: bytes, width: int, height: int) -> Image.Image:
    """The picture as a browser draws it in its width × height box: scaled down to fit (keeping
    its shape), each screen pixel the average of the picture's pixels under it."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    scale = min(width / picture.width, height / picture.height, 1.0)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    return picture.resize(size, Image.Resampling.BOX) if scale < 1 else picture


@pytest.mark.parametrize(
    "sample",
    [
        "fdlb__0002-Blue Plate Final-MS-3mm-x1.dxf",
        "fdlb__0003-new teethed plate design-Galv-1.2mm-x1.dxf",
    ],
)
def test_the_job_pages_thumbnails_show_the_drawing(client, make_user, committed, sample):
    """A manager sees each drawing's shape on the job's page, not a blank square: followed as
    the manager, the thumbnail is a picture with lines dark enough to see at its shown size."""
    project = make_project()
    data = (SAMPLES / "dxf" / sample).read_bytes()
    name = sample.removeprefix("fdlb__")
    file = _read_file(committed, project=project, source_file=ContentFile(data), original_name=name)
    assert file.status == FileStatus.PROCESSED
    client.force_login(make_user("manager", role="Manager"))
    page = client.get(f"/admin/projects/project/{project.pk}/change/")
    parser = _Thumbnails()
    parser.feed(page.content.decode())
    assert len(parser.found) == 1, parser.found
    thumbnail = parser.found[0]
    response = client.get(thumbnail["src"])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    png = b"".join(response.streaming_content) if response.streaming else response.content
    shown = _as_shown(png, int(thumbnail["width"]), int(thumbnail["height"]))
    darkest, lightest = shown.getextrema()
    assert darkest != lightest, "the thumbnail is one colour"
    assert darkest <= 128, f"no line dark enough to see at {shown.size}: darkest {darkest}/255"
