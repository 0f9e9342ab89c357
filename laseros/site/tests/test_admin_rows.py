"""Every changelist's rows, written out once per row (laseros/templatetags/laseros_admin_list.py),
are Django's own HTML byte for byte: in the demo shop, as a superuser, sorted, filtered (the links
carry the filters back), with HTML in the names, and in a popup (Django's own code then)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.template.loader import render_to_string
from django.urls import reverse

from clients.models import Client
from laseros.templatetags.laseros_admin_list import fast_result_list, fast_results
from projects.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _both_ways(response) -> tuple[str, str]:
    cl = response.context["cl"]
    ours = render_to_string("admin/change_list_results.html", fast_result_list(cl))
    djangos = render_to_string("admin/change_list_results.html", admin_list.result_list(cl))
    return ours, djangos


def test_every_changelist_shows_djangos_rows(shop, admin_user_client):
    client = Client.objects.order_by("pk").first()
    Client.objects.filter(pk=client.pk).update(name='<b>"Acme" & Sons</b>', email="")
    Project.objects.filter(pk=Project.objects.order_by("pk").first().pk).update(name="<i>x</i>")
    pages = 0
    for model, _model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = admin_user_client.get(url)
        assert response.status_code == 200, url
        ours, djangos = _both_ways(response)
        assert ours == djangos, url
        if response.context["cl"].result_count:
            pages += 1
            assert ours in response.content.decode(), url  # the page shows these rows
    assert pages >= 15  # the demo shop fills most lists


QUERIES = (
    "?o=-3.1",
    "?status=request&o=2",
    "?q=%3Ci%3E",
    "?created_at__year=2025",
    "?p=2",
    "?_popup=1",
)


def test_sorted_filtered_and_popup_job_lists_show_djangos_rows(shop, admin_user_client):
    Project.objects.filter(pk=Project.objects.order_by("pk").first().pk).update(name="<i>x</i>")
    for query in QUERIES:
        response = admin_user_client.get("/admin/projects/project/" + query)
        assert response.status_code == 200, query
        ours, djangos = _both_ways(response)
        assert ours == djangos, query


def test_a_filtered_list_links_each_row_with_its_filters(shop, admin_user_client):
    response = admin_user_client.get("/admin/projects/project/?priority=normal")
    cl = response.context["cl"]
    job = cl.result_list[0]
    [row] = fast_results(cl)[0]
    assert f"/admin/projects/project/{job.pk}/change/?_changelist_filters=priority%3Dnormal" in row
