"""The audit trail: written by services and the admin, chained, and verified."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from laseros.audit import record, request_context, verify_chain
from laseros.models import ActivityLog

pytestmark = pytest.mark.django_db


def _three_entries(user):
    group = Group.objects.create(name="Night shift")
    for i in range(3):
        record(action="update", obj=group, changes={"name": [f"a{i}", f"b{i}"]}, user=user)
    return list(ActivityLog.objects.order_by("id"))


def test_entries_chain_and_verify(make_user):
    user = make_user("anna")
    entries = _three_entries(user)
    assert entries[0].prev_hash == ""
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].actor == user and entries[2].actor_name == "anna"
    assert verify_chain() is None
    call_command("verify_audit")


def test_altered_row_is_named(make_user):
    entries = _three_entries(make_user("anna"))
    ActivityLog.objects.filter(pk=entries[1].pk).update(changes={"name": ["forged", "x"]})
    with pytest.raises(CommandError, match=f"entry #{entries[1].pk}: its content was altered"):
        call_command("verify_audit")


def test_removed_row_is_named(make_user):
    entries = _three_entries(make_user("anna"))
    ActivityLog.objects.filter(pk=entries[1].pk).delete()
    with pytest.raises(
        CommandError, match=f"entry #{entries[2].pk}: the entry before it was removed"
    ):
        call_command("verify_audit")


def test_removed_newest_row_is_noticed(make_user):
    entries = _three_entries(make_user("anna"))
    ActivityLog.objects.filter(pk=entries[2].pk).delete()
    with pytest.raises(CommandError, match="newest entries"):
        call_command("verify_audit")


def test_ip_and_user_come_from_the_request_context(make_user):
    user = make_user("ben")
    with request_context(user=user, ip="10.1.2.3"):
        entry = record(action="other", message="printed a label")
    assert entry.actor == user and entry.ip_address == "10.1.2.3"


def test_admin_change_records_fields_before_and_after(admin_user_client):
    group = Group.objects.create(name="Day shift")
    response = admin_user_client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "Early shift", "permissions": []},
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    entry = ActivityLog.objects.filter(action="update", object_id=str(group.pk)).get()
    assert entry.changes["name"] == ["Day shift", "Early shift"]
    assert entry.actor == admin_user_client.user
    assert entry.ip_address == "192.0.2.7"


def test_admin_delete_is_recorded(admin_user_client):
    group = Group.objects.create(name="Temp")
    response = admin_user_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = ActivityLog.objects.get(action="delete", object_id=str(group.pk))
    assert entry.object_repr == "Temp" and entry.changes["name"] == ["Temp", None]
    assert verify_chain() is None


def test_activity_log_is_read_only_in_the_admin(admin_user_client, make_user):
    entry = record(action="other", message="x", user=make_user("c"))
    assert admin_user_client.get("/admin/laseros/activitylog/").status_code == 200
    assert admin_user_client.get("/admin/laseros/activitylog/?action=other").status_code == 200
    page = admin_user_client.get(f"/admin/laseros/activitylog/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_user_client.get("/admin/laseros/activitylog/add/").status_code == 403


def test_rolled_back_work_leaves_no_entry(make_user):
    from django.db import transaction

    before = ActivityLog.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="other", message="doomed", user=make_user("d"))
        raise RuntimeError
    assert ActivityLog.objects.count() == before
    assert verify_chain() is None
