"""Every clients endpoint's generated tests (laseros.api_testing): roles, create, update and
each filter proven on two rows."""

from __future__ import annotations

import pytest

from clients.models import Client, Contact
from clients.tests.factories import ClientFactory, ContactFactory
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER

WRITERS = (ADMIN, MANAGER)


class TestClients(EndpointTests):
    prefix = "clients"
    model = Client
    writers = WRITERS
    filters = (
        Filter("q", lambda c: c.name),
        Filter("code", lambda c: c.code.lower()),
        Filter("name", lambda c: c.name.upper()),
        Filter(
            "payment_terms",
            lambda c: c.payment_terms,
            arrange=lambda m, o: set_fields(m, payment_terms=Client.PaymentTerms.NET30),
        ),
        Filter("is_active", lambda c: "false", arrange=lambda m, o: set_fields(m, is_active=False)),
        *dates("created_at"),
        *dates("updated_at"),
        Filter(
            "created_by",
            lambda c: c.created_by.username.upper(),
            arrange=lambda m, o: set_fields(m, created_by=someone("thandi")),
            name="created_by=username",
        ),
        Filter(
            "created_by",
            lambda c: c.created_by_id,
            arrange=lambda m, o: set_fields(m, created_by=someone("thandi")),
            name="created_by=id",
        ),
    )

    def make(self, n):
        return ClientFactory(name=f"Client {'AB'[n % 2]}{n} Steel")

    def create_data(self):
        return {"name": "Acme Steel", "email": "orders@acme.example", "payment_terms": "net7"}

    def update_data(self, obj):
        return {"name": f"{obj.name} (renamed)", "is_active": False}


class TestContacts(EndpointTests):
    prefix = "contacts"
    model = Contact
    writers = deleters = WRITERS
    watched = (Client,)
    filters = (
        Filter("client", lambda c: c.client_id),
        Filter("name", lambda c: c.name[2:].lower()),
        Filter("email", lambda c: c.email.upper()),
        Filter("is_primary", lambda c: "true", arrange=lambda m, o: set_fields(m, is_primary=True)),
    )

    def make(self, n):
        return ContactFactory(name=f"Person {'AB'[n % 2]}{n}", email=f"p{n}x@client.example")

    def create_data(self):
        return {"client": ClientFactory().pk, "name": "Thandi", "email": "thandi@acme.example"}

    def update_data(self, obj):
        return {"role": "accounts", "phone": "031 555 0101"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["9" * 40, str(2**63), "-1", "1.5", "²", "' OR 1=1 --", "nobody", "x" * 5000]
)
def test_a_user_filter_finds_nobody_for_anything_else(api, value):
    """An id too large for the database, a negative one, text that names no user: an empty
    list, not a 500."""
    ClientFactory(name="Acme")
    response = api("Manager").get("/api/v1/clients/", {"created_by": value})
    assert response.status_code == 200, response.data
    assert response.data["count"] == 0


@pytest.mark.django_db
def test_a_day_filter_refuses_what_is_not_a_day(api):
    ClientFactory(name="Acme")
    response = api("Manager").get("/api/v1/clients/", {"updated_after": "2026-02-30"})
    assert response.status_code == 400
    assert "updated_after" in response.data
