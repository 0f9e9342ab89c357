"""The permission matrix is what the groups really hold, and what users can really do."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from laseros.roles import PERMISSION_MATRIX, ROLES, matrix_markdown, role_grants, sync_roles
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_groups_hold_exactly_what_the_matrix_grants():
    """Walk every permission of every model for every role."""
    permissions = list(Permission.objects.select_related("content_type"))
    assert len(permissions) > 50
    for role in ROLES:
        held = set(Group.objects.get(name=role).permissions.values_list("pk", flat=True))
        for perm in permissions:
            ct = perm.content_type
            expected = role_grants(role, ct.app_label, ct.model, perm.codename)
            assert (perm.pk in held) == expected, (role, ct.app_label, ct.model, perm.codename)


def test_matrix_rules_that_the_shop_stated():
    # Viewers see but change nothing.
    for key in PERMISSION_MATRIX:
        app, _, model = key.partition(".")
        for verb in ("add", "change", "delete"):
            assert not role_grants("Viewer", app, model or "x", f"{verb}_{model or 'x'}")
    # Operators see production and inventory but not finance.
    assert role_grants("Operator", "production", "queueitem", "view_queueitem")
    assert role_grants("Operator", "inventory", "sheetstock", "view_sheetstock")
    assert not role_grants("Operator", "finance", "invoice", "view_invoice")
    # Managers everything but users and settings; Admins everything.
    assert role_grants("Manager", "finance", "invoice", "delete_invoice")
    assert not role_grants("Manager", "auth", "user", "change_user")
    assert role_grants("Admin", "auth", "user", "change_user")
    # A new app nobody listed is for Admins only.
    assert role_grants("Admin", "newapp", "thing", "add_thing")
    assert not role_grants("Manager", "newapp", "thing", "view_thing")


def test_sync_is_idempotent_and_repairs_drift():
    viewer = Group.objects.get(name="Viewer")
    viewer.permissions.add(Permission.objects.get(codename="delete_user"))
    sync_roles()
    sync_roles()
    assert not viewer.permissions.filter(codename="delete_user").exists()


def test_viewer_can_look_but_not_change_in_the_admin(client, make_user):
    viewer = make_user("vera", role="Viewer")
    client.force_login(viewer)
    assert client.get("/admin/").status_code == 200
    group = Group.objects.get(name="Operator")
    # Users and groups are not a viewer's business at all.
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 403
    with unchanged(Group, Group.permissions.through):
        response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Hacked"})
    assert response.status_code == 403


def test_readme_shows_the_matrix():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert matrix_markdown() in readme, (
        "README's roles table is out of date: manage.py roles --markdown"
    )
