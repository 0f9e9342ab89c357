"""The clients admin: search, generated codes, contacts inline, the client's projects."""

import pytest

from clients.models import Client
from clients.tests.factories import ClientFactory, ContactFactory
from laseros.models import ActivityLog
from laseros.testing import assert_constant_queries, change_form_data

pytestmark = pytest.mark.django_db
URL = "/admin/clients/client/"


def test_changelist_queries_do_not_grow_with_rows(admin_user_client):
    def grow(n):
        while Client.objects.count() < n:
            ContactFactory(client=ClientFactory())

    assert_constant_queries(lambda: admin_user_client.get(URL), grow)


@pytest.mark.parametrize("term", ["CL0002", "cl-0002", "bolt", "orders-bolt@", "031 777"])
def test_search_by_code_name_email_phone(admin_user_client, term):
    ClientFactory(name="Acme Steel")
    ClientFactory(name="Bolt Works", email="orders-bolt@bolt.example", phone="031 777 1234")
    response = admin_user_client.get(URL, {"q": term})
    assert response.status_code == 200
    assert b"Bolt Works" in response.content and b"Acme Steel" not in response.content


def test_add_client_generates_the_code_and_saves_contacts(admin_user_client):
    data = {
        "name": "Coastal Signs",
        "email": "hello@coastal.example",
        "payment_terms": "prepaid",
        "is_active": "on",
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Thandi",
        "contacts-0-is_primary": "on",
        "contacts-1-name": "Sipho",
    }  # a new client's page has only the contacts inline
    response = admin_user_client.post(URL + "add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client = Client.objects.get(name="Coastal Signs")
    assert client.code == "CL-0001" and client.created_by == admin_user_client.user
    assert sorted(client.contacts.values_list("name", flat=True)) == ["Sipho", "Thandi"]
    assert (
        ActivityLog.objects.filter(action="create", object_repr__startswith="CL-0001").count() == 1
    )


def test_two_primary_contacts_are_refused(admin_user_client):
    data = {
        "name": "Coastal Signs",
        "payment_terms": "prepaid",
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Thandi",
        "contacts-0-is_primary": "on",
        "contacts-1-name": "Sipho",
        "contacts-1-is_primary": "on",
    }
    response = admin_user_client.post(URL + "add/", data)
    assert response.status_code == 200 and b"only one contact as the primary" in response.content
    assert not Client.objects.exists()


def test_change_client_goes_through_the_service(admin_user_client):
    client = ClientFactory(name="Acme")
    url = f"{URL}{client.pk}/change/"
    data = change_form_data(admin_user_client, url, name="Acme Steel", payment_terms="net30")
    response = admin_user_client.post(f"{URL}{client.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.refresh_from_db()
    assert (client.name, client.payment_terms, client.code) == ("Acme Steel", "net30", "CL-0001")
    entry = ActivityLog.objects.filter(action="update").latest("id")
    assert entry.changes["name"] == ["Acme", "Acme Steel"]


def test_contacts_changelist_queries_do_not_grow(admin_user_client):
    from clients.models import Contact

    def grow(n):
        while Contact.objects.count() < n:
            ContactFactory()

    assert_constant_queries(lambda: admin_user_client.get("/admin/clients/contact/"), grow)
