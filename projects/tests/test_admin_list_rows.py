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


@pytest.mark.parametrize(
    "choices",
    [
        [("", "---------"), ("delete_selected", "Delete selected projects")],
        [("a&b", '<b>"bold"</b> & co'), (3, "three"), ("x", "ex")],
        [("Moves", [("m1", "Move <1>"), ("m2", "Move 2")]), ("plain", "Plain")],
        [],
    ],
)
@pytest.mark.parametrize("value", ["", "a&b", 3, ["m2"], None])
def test_the_written_select_is_djangos_select_byte_for_byte(choices, value):
    from django import forms

    from projects.admin.common import WrittenSelect

    attrs = {"required": True, "disabled": False, "data-n": 0, "title": 'say "hi" & <go>'}
    djangos = forms.Select(attrs=attrs, choices=choices).render("action", value)
    ours = WrittenSelect(attrs=attrs, choices=choices).render("action", value)
    assert ours == djangos


def test_the_job_lists_action_form_is_djangos(admin_client):
    from django.contrib.admin import helpers

    ProjectFactory()
    response = admin_client.get("/admin/projects/project/")
    ours = response.context["action_form"]
    djangos = helpers.ActionForm(auto_id=None)
    djangos.fields["action"].choices = ours.fields["action"].choices
    assert str(ours["action"]) == str(djangos["action"])
    assert str(ours["action"]) in response.content.decode()
