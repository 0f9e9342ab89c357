"""The test helpers themselves (laseros.testing): each one fails when it should."""

import pytest
from django.contrib.auth.models import Group

from clients.models import Client
from clients.tests.factories import ClientFactory
from laseros.audit import record
from laseros.testing import assert_constant_queries, grow_to, unchanged

pytestmark = pytest.mark.django_db


def test_unchanged_passes_when_nothing_is_written():
    ClientFactory(name="Acme")
    with unchanged(Client, Group.objects.filter(name="Viewer")):
        assert Client.objects.get().name == "Acme"


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (lambda acme: ClientFactory(name="Other"), "clients.Client: added ["),
        (lambda acme: acme.delete(), "removed ["),
        (
            lambda acme: Client.objects.filter(pk=acme.pk).update(name="Hacked"),
            "'name': ('Acme', 'Hacked')",
        ),
        (lambda acme: record(action="other", message="tried"), "laseros.ActivityLog: added ["),
    ],
)
def test_unchanged_fails_naming_what_a_write_changed(write, says):
    acme = ClientFactory(name="Acme")
    refused = pytest.raises(AssertionError, match="a refused write changed rows")
    with refused as failure, unchanged(Client):
        write(acme)
    assert says in str(failure.value)


def test_unchanged_can_leave_the_audit_log_out():
    with unchanged(Client, audit=False):
        record(action="other", message="a refusal the shop records")


def test_constant_queries_fails_when_the_list_did_not_grow(admin_user_client):
    def grow_only_once(n):  # makes 5 rows, then none: the second count sees the same rows
        while Group.objects.count() < 5:
            Group.objects.create(name=f"g{Group.objects.count()}")

    with pytest.raises(AssertionError, match="it did not grow"):
        assert_constant_queries(lambda: admin_user_client.get("/admin/auth/group/"), grow_only_once)
    grow = grow_to(Group, lambda i: Group.objects.create(name=f"shift {i}"))
    assert_constant_queries(lambda: admin_user_client.get("/admin/auth/group/"), grow)
