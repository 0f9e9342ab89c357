"""The job list's client filter is a box a manager types a client's code or name into; it keeps
the other filters, the search and the order."""

from __future__ import annotations

import re
from html import unescape

import pytest

from clients.tests.factories import ClientFactory
from projects.models import Project, ProjectStatus
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/projects/project/"


def _codes(response) -> set[str]:
    return {job.code for job in response.context["cl"].result_list}


def _quoting(job):
    Project.objects.filter(pk=job.pk).update(status=ProjectStatus.QUOTING)
    return job


@pytest.fixture
def jobs():
    acme = ClientFactory(name="Acme Gates")
    harlow = ClientFactory(name="Harlow Farms")
    return {
        "acme_request": ProjectFactory(client=acme, name="gate brackets"),
        "acme_quoting": _quoting(ProjectFactory(client=acme, name="gate hinges")),
        "harlow": ProjectFactory(client=harlow, name="gate plates"),
        "acme": acme,
        "harlow_client": harlow,
    }


def test_a_typed_name_or_code_shows_that_clients_jobs(admin_client, jobs):
    by_name = admin_client.get(LIST, {"client": "acme"})
    by_code = admin_client.get(LIST, {"client": jobs["harlow_client"].code.lower()})

    assert _codes(by_name) == {jobs["acme_request"].code, jobs["acme_quoting"].code}
    assert _codes(by_code) == {jobs["harlow"].code}
    assert by_name.context["cl"].has_active_filters


def test_the_box_keeps_the_other_filters_the_search_and_the_order(admin_client, jobs):
    response = admin_client.get(
        LIST, {"client": "Acme", "status": "quoting", "q": "gate", "o": "2"}
    )
    assert _codes(response) == {jobs["acme_quoting"].code}

    page = response.content.decode()
    form = re.search(r'<form method="get" class="typed-filter".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert fields == {"status": "quoting", "q": "gate", "o": "2", "client": "Acme"}
    # "All" drops the client and keeps the rest
    all_link = re.search(r'<a href="([^"]+)">All</a>', form_and_list(page)).group(1)
    assert "client=" not in unescape(all_link) and "status=quoting" in unescape(all_link)


def form_and_list(page: str) -> str:
    return re.search(r'<details data-filter-title="client".*?</details>', page, re.S).group(0)


def test_a_name_no_client_has_lists_no_job_and_html_is_shown_as_typed(admin_client, jobs):
    response = admin_client.get(LIST, {"client": '<b>"nobody"</b>'})

    assert response.status_code == 200 and _codes(response) == set()
    assert 'value="&lt;b&gt;&quot;nobody&quot;&lt;/b&gt;"' in form_and_list(
        response.content.decode()
    )


def test_an_empty_box_lists_every_job(admin_client, jobs):
    response = admin_client.get(LIST, {"client": "  "})
    assert len(_codes(response)) == 3
