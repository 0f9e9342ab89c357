"""The job list's rows (ProjectSerializer's row plan and its fields built once per class, from
laseros.api.lists, made for speed) are what DRF's own generic steps give, field by field: every
status, with and without a material, prices and dates, for a role that sees money and one that
does not, in two time zones."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from projects.api import ProjectSerializer
from projects.models import Project, ProjectStatus

pytestmark = pytest.mark.django_db


def _generic(project, request=None) -> dict:
    """DRF's Serializer.to_representation for the job, money left out as the mixin does."""
    serializer = ProjectSerializer(context={"request": request})
    data = serializers.Serializer.to_representation(serializer, project)
    if serializer.hides_money():
        for name in serializer.money_fields:
            data.pop(name, None)
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def shop(job_in):
    jobs = [job_in(status) for status in ProjectStatus.values]
    jobs.append(job_in(ProjectStatus.ON_HOLD, before_hold=ProjectStatus.QUOTING))
    bare = job_in(ProjectStatus.REQUEST, material=None, thickness_mm=None)
    Project.objects.filter(pk=bare.pk).update(quoted_price=None, final_price=None, notes="")
    priced = jobs[3]
    Project.objects.filter(pk=priced.pk).update(
        quoted_price=Decimal("1234.50"),
        final_price=Decimal("0.10"),
        promised_date=dt.date(2026, 2, 28),
        # a time with microseconds, and one exactly at UTC midnight (DRF writes "Z" for +00:00)
        approved_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
        completed_at=dt.datetime(2026, 1, 3, 0, 0, tzinfo=dt.UTC),
    )
    return Project.objects.select_related("client", "material")


@pytest.mark.parametrize("role", ["Admin", "Operator"])
@pytest.mark.parametrize("zone", ["Africa/Johannesburg", "UTC"])
def test_list_rows_are_drfs_own(api, shop, role, zone):
    client = api(role)
    with timezone.override(zone):
        answer = client.get("/api/v1/projects/?page_size=100")
        assert answer.status_code == 200
        rows = {row["id"]: row for row in answer.json()["results"]}
        request = answer.wsgi_request
        request.user = client.user
        expected = {p.pk: _generic(p, request) for p in shop}
    assert set(rows) == set(expected) and len(rows) == Project.objects.count()
    for pk, row in rows.items():
        assert list(row) == list(expected[pk])  # the same fields, in the same order
        assert row == expected[pk]
        assert row["status_display"] == Project(status=row["status"]).get_status_display()
    if role == "Operator":
        assert all("quoted_price" not in row for row in rows.values())
    times = {row["approved_at"] for row in rows.values()} | {
        r["completed_at"] for r in rows.values()
    }
    if zone == "UTC":
        assert "2026-01-03T00:00:00Z" in times
    else:
        assert "2026-01-02T05:04:05.678901+02:00" in times


def test_detail_and_on_hold_rows_are_drfs_own(api, job_in):
    client = api("Manager")
    held = job_in(ProjectStatus.ON_HOLD, before_hold=ProjectStatus.CUTTING)
    answer = client.get(f"/api/v1/projects/{held.pk}/")
    request = answer.wsgi_request
    request.user = client.user
    project = Project.objects.select_related("client", "material").get(pk=held.pk)
    assert answer.json() == _generic(project, request)
    assert answer.json()["status_before_hold"] == ProjectStatus.CUTTING
    assert answer.json()["status_display"] == ProjectStatus.ON_HOLD.label


def test_a_list_that_names_no_filter_is_the_whole_list_and_filters_still_filter(api, job_in):
    client = api("Manager")
    quoting = job_in(ProjectStatus.QUOTING)
    job_in(ProjectStatus.REQUEST)
    everything = client.get("/api/v1/projects/").json()
    assert everything["count"] == 2
    assert client.get("/api/v1/projects/?page=1&ordering=code").json()["count"] == 2
    only = client.get("/api/v1/projects/?status=quoting").json()
    assert [row["id"] for row in only["results"]] == [quoting.pk]
    # a filter's value is still checked: a bad date is a 400 that says which
    bad = client.get("/api/v1/projects/?created_after=yesterday")
    assert bad.status_code == 400 and "created_after" in bad.json()


def test_each_answer_has_its_own_fields_built_once_per_class(api, job_in):
    first, second = ProjectSerializer(), ProjectSerializer()
    assert first.fields["name"] is not second.fields["name"]
    assert first.fields["name"].parent is first and second.fields["name"].parent is second
    # a field an answer changes (DRF binds and sets them up per answer) changes in that one only
    first.fields["name"].read_only = True
    assert ProjectSerializer().fields["name"].read_only is False
    # a write still validates with the copied fields: an empty name is refused, by name
    job = job_in(ProjectStatus.REQUEST)
    answer = api("Manager").patch(f"/api/v1/projects/{job.pk}/", {"name": ""}, format="json")
    assert answer.status_code == 400 and "name" in answer.json()
