"""The job list's checkbox column (written out for speed) is Django's own widget, byte for byte,
for a job whose name holds HTML."""

from __future__ import annotations

import pytest
from django.contrib import admin

from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_checkbox_of_each_row_is_djangos_own():
    job = ProjectFactory(name='<b>"Brackets" & plates</b>')
    model_admin = admin.site._registry[Project]
    ours = model_admin.action_checkbox(job)
    djangos = admin.ModelAdmin.action_checkbox(model_admin, job)
    assert ours == djangos
    assert "<b>" not in ours and "&lt;b&gt;" in ours


def test_the_job_list_shows_a_checkbox_per_job(admin_client):
    jobs = [ProjectFactory(name=f"job <{n}>") for n in range(3)]
    page = admin_client.get("/admin/projects/project/").content.decode()
    for job in jobs:
        expected = admin.ModelAdmin.action_checkbox(admin.site._registry[Project], job)
        assert expected in page
