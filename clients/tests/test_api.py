"""/api/v1/clients/ and /contacts/: roles, filters, codes generated, constant queries."""

import pytest

from clients.models import Client, Contact
from clients.tests.factories import ClientFactory, ContactFactory
from laseros.testing import assert_constant_queries, grow_to, unchanged

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "model"), [("/api/v1/clients/", Client), ("/api/v1/contacts/", Contact)]
)
def test_list_queries_do_not_grow(api, url, model):
    client = api("Manager")
    grow = grow_to(model, lambda i: ContactFactory(client=ClientFactory()))
    assert_constant_queries(lambda: client.get(url), grow)


def test_viewer_reads_but_cannot_write(api):
    ClientFactory(name="Acme")
    viewer = api("Viewer")
    assert viewer.get("/api/v1/clients/").json()["count"] == 1
    with unchanged(Client, Contact):
        assert viewer.post("/api/v1/clients/", {"name": "Nope"}).status_code == 403


def test_create_generates_the_code_and_ignores_a_given_one(api):
    response = api("Manager").post("/api/v1/clients/", {"name": "Acme", "code": "CL-9999"})
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "CL-0001" and response.json()["project_count"] == 0


def test_bad_input_is_a_400_and_changes_nothing(api):
    response = api("Manager").post("/api/v1/clients/", {"name": "Acme", "email": "nope"})
    assert response.status_code == 400 and "email" in response.json()
    assert not Client.objects.exists()


def test_filter_and_search(api):
    ClientFactory(name="Acme Steel", phone="031 111 2222")
    ClientFactory(name="Bolt Works", is_active=False)
    manager = api("Manager")
    assert [c["name"] for c in manager.get("/api/v1/clients/?q=111").json()["results"]] == [
        "Acme Steel"
    ]
    assert [
        c["name"] for c in manager.get("/api/v1/clients/?is_active=false").json()["results"]
    ] == ["Bolt Works"]
    assert manager.get("/api/v1/clients/?code=cl-0002").json()["count"] == 1


def test_update_goes_through_the_service(api):
    client = ClientFactory(name="Acme")
    response = api("Manager").patch(f"/api/v1/clients/{client.pk}/", {"name": "Acme Steel"})
    assert response.status_code == 200 and response.json()["name"] == "Acme Steel"
    assert response.json()["code"] == client.code
