"""Client codes and writes: generated, never reused, audited."""

import pytest
from django.core.exceptions import ValidationError

from clients.models import Client, normalise_client_code
from clients.services import client_create, client_update, contact_create, contact_update
from clients.tests.factories import ClientFactory
from laseros.models import ActivityLog
from laseros.sequences import next_number

pytestmark = pytest.mark.django_db


def test_codes_are_generated_in_order_and_never_reused_after_deletion():
    first = client_create(name="Acme Steel", by=None)
    second = client_create(name="Bolt Works", by=None)
    assert (first.code, second.code) == ("CL-0001", "CL-0002")
    second.delete()
    third = client_create(name="Coastal Signs", by=None)
    assert third.code == "CL-0003"
    assert third.compact_code == "CL0003"


def test_an_imported_code_is_kept_in_one_form_and_the_sequence_moves_past_it():
    kept = client_create(name="Legacy Client", code="CL0007", by=None)
    assert kept.code == "CL-0007"
    assert client_create(name="New", by=None).code == "CL-0008"
    with pytest.raises(ValidationError, match="already exists"):
        client_create(name="Again", code="cl-0007", by=None)
    with pytest.raises(ValidationError, match="not a client code"):
        client_create(name="Bad", code="C-7", by=None)


def test_normalise_client_code():
    assert normalise_client_code(" cl0001 ") == "CL-0001"
    with pytest.raises(ValueError):
        normalise_client_code("JB-1")


def test_create_and_update_are_audited(make_user):
    boss = make_user("boss", role="Manager")
    client = client_create(name="  Acme Steel ", email="a@acme.example", by=boss)
    assert client.name == "Acme Steel" and client.created_by == boss
    entry = ActivityLog.objects.filter(action=ActivityLog.Action.CREATE).latest("id")
    assert entry.object_id == str(client.pk) and entry.actor == boss
    client_update(client=client, phone="031 555 0101", by=boss)
    entry = ActivityLog.objects.filter(action=ActivityLog.Action.UPDATE).latest("id")
    assert entry.changes == {"phone": ["", "031 555 0101"]}
    count = ActivityLog.objects.count()
    client_update(client=client, phone="031 555 0101", by=boss)  # nothing changed, nothing logged
    assert ActivityLog.objects.count() == count


def test_bad_input_changes_nothing():
    with pytest.raises(ValidationError):
        client_create(name="", by=None)
    with pytest.raises(ValidationError):
        client_create(name="X", email="not-an-email", by=None)
    assert not Client.objects.exists()
    client = client_create(name="Acme", by=None)
    with pytest.raises(ValidationError, match="cannot be changed"):
        client_update(client=client, code="CL-9999", by=None)
    # a failed create does not burn... it may; what matters is that codes are never reused
    assert next_number("client") > 1


def test_one_primary_contact_per_client():
    client = client_create(name="Acme", by=None)
    anna = contact_create(client=client, name="Anna", is_primary=True, by=None)
    ben = contact_create(client=client, name="Ben", is_primary=True, by=None)
    anna.refresh_from_db()
    assert ben.is_primary and not anna.is_primary
    contact_update(contact=anna, is_primary=True, by=None)
    ben.refresh_from_db()
    assert not ben.is_primary


@pytest.mark.parametrize(
    ("terms", "on_account"),
    [("prepaid", False), ("cod", False), ("net7", True), ("net30", True)],
)
def test_only_clients_on_7_or_30_days_may_be_cut_before_paying(terms, on_account):
    client = ClientFactory(payment_terms=terms)
    assert client.on_account is on_account
    help_text = Client._meta.get_field("payment_terms").help_text
    assert "queued" in help_text and "DOMAIN" not in help_text and "_" not in help_text
