"""Uploading from a job's page brings the manager back to the job, not to the list of every
file; an upload begun on the files list still ends there."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.models import FileIngest

from .factories import dxf_bytes, make_project

pytestmark = pytest.mark.django_db


def test_an_upload_from_the_job_page_returns_to_the_job(admin_user_client, committed):
    project = make_project()
    job_page = f"/admin/projects/project/{project.pk}/change/"
    link = f"/admin/ingest/fileingest/add/?project={project.pk}"
    assert link in admin_user_client.get(job_page).content.decode()
    with committed():
        response = admin_user_client.post(
            link,
            {
                "files": [SimpleUploadedFile("0001-Plate-MS-3mm-x2.dxf", dxf_bytes(width=12))],
                "project": project.pk,
            },
        )
    assert response.status_code == 302 and response.url == job_page
    assert FileIngest.objects.get().project == project
    back = admin_user_client.get(job_page).content.decode()
    assert "0001-Plate-MS-3mm-x2.dxf" in back  # the message says what was stored


def test_an_upload_from_the_job_page_filed_elsewhere_goes_to_the_files(
    admin_user_client, committed
):
    project = make_project()
    with committed():
        response = admin_user_client.post(
            f"/admin/ingest/fileingest/add/?project={project.pk}",
            {"files": [SimpleUploadedFile("loose.dxf", dxf_bytes(width=13))], "project": ""},
        )
    assert response.status_code == 302 and response.url == "/admin/ingest/fileingest/"
