"""The admin index tiles the projects app adds: open jobs, waiting for payment, quotes expiring."""

import datetime as dt

import pytest
from django.utils import timezone

from projects.models import Project, ProjectStatus

pytestmark = pytest.mark.django_db
S = ProjectStatus


def _tiles(http):
    response = http.get("/admin/")
    assert response.status_code == 200
    return {t["label"]: t for t in response.context["tiles"]}


def test_tiles_count_and_link(admin_user_client, job_in):
    job_in(S.QUOTING)
    job_in(S.APPROVED)
    job_in(S.COMPLETED)
    expiring = job_in(S.QUOTING)
    Project.objects.filter(pk=expiring.pk).update(
        quote_expires_on=timezone.localdate() + dt.timedelta(days=2)
    )
    tiles = _tiles(admin_user_client)
    assert tiles["Open jobs"]["value"] == 3
    assert tiles["Waiting for payment"]["value"] == 1
    assert tiles["Quotes expiring this week"]["value"] == 1
    assert tiles["Quotes expiring this week"]["warn"]
    for label, query in [
        ("Open jobs", "stage=open"),
        ("Quotes expiring this week", "stage=expiring"),
    ]:
        url = tiles[label]["url"]
        assert url.endswith(query)
        response = admin_user_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == tiles[label]["value"]


def test_viewer_sees_the_tiles_too(client, viewer):
    client.force_login(viewer)
    assert "Open jobs" in _tiles(client)
