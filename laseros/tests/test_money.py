"""Who sees money: one permission (laseros.view_money) in the role matrix, and every admin and
serializer that shows a price, a cost or a value declares it in `money_fields`."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models
from django.test import RequestFactory
from rest_framework import serializers

from laseros.money import VIEW_MONEY, can_see_money

pytestmark = pytest.mark.django_db

# Names that say "a sum of money"; a field so named must be in its admin's or serializer's
# money_fields. NOT_MONEY lists those that are not money, with the reason.
MONEY_NAME = re.compile(r"price|cost|value|amount|total|(^|_)vat($|_)|fee|margin|revenue")
NOT_MONEY = {
    "vat_number",  # the client's tax registration number
    "client_vat_number",  # the same, as an issued tax invoice printed it
    "given_values",  # material, thickness, quantity given with an uploaded file
    "warning_total",  # a count of a file's warnings
}


def _money_like(name) -> bool:
    return isinstance(name, str) and bool(MONEY_NAME.search(name)) and name not in NOT_MONEY


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("role", "sees"), [("Admin", True), ("Manager", True), ("Viewer", True), ("Operator", False)]
)
def test_the_matrix_gives_view_money_to_all_but_operators(make_user, role, sees):
    user = make_user(role.lower(), role=role)
    assert user.has_perm(VIEW_MONEY) is sees
    assert can_see_money(user) is sees


def test_an_inactive_or_anonymous_user_sees_no_money(make_user):
    from django.contrib.auth.models import AnonymousUser

    assert not can_see_money(AnonymousUser())
    assert not can_see_money(None)
    assert not can_see_money(make_user("gone", role="Manager", is_active=False))


def _admin_names(admin_class) -> set:
    names = set()
    for attr in ("list_display", "readonly_fields", "fields", "list_filter", "search_fields"):
        for item in getattr(admin_class, attr, None) or ():
            names.add(item[0] if isinstance(item, list | tuple) else item)
    if admin_class.fieldsets:
        names |= set(flatten_fieldsets(admin_class.fieldsets))
    return {n for n in names if isinstance(n, str)}


def _money_model_fields(model) -> set:
    return {
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.DecimalField) and _money_like(f.name)
    }


def _all_inlines():
    seen, todo = set(), [InlineModelAdmin]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if getattr(c, "model", None) is not None]


def test_every_admin_that_shows_money_declares_it():
    """A new admin (finance's invoices, say) that shows an amount without money_fields fails
    here: operators would see it."""
    classes = [(model, type(a)) for model, a in admin.site._registry.items()]
    classes += [(inline.model, inline) for inline in _all_inlines()]
    undeclared = {}
    for model, admin_class in classes:
        money = {n for n in _admin_names(admin_class) if _money_like(n)}
        money |= _money_model_fields(model)
        missing = money - set(getattr(admin_class, "money_fields", ()))
        if missing:
            undeclared[f"{admin_class.__module__}.{admin_class.__qualname__}"] = sorted(missing)
    assert not undeclared, f"list these in money_fields (laseros.money): {undeclared}"


def _api_serializers():
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError:
            continue
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, serializers.Serializer)
                and obj.__module__ == module.__name__
            ):
                yield obj


def test_every_serializer_that_shows_money_declares_it():
    found, undeclared = 0, {}
    for serializer_class in _api_serializers():
        found += 1
        try:
            fields = serializer_class().fields
        except TypeError:  # a serializer that needs arguments to exist
            continue
        missing = {n for n in fields if _money_like(n)} - set(
            getattr(serializer_class, "money_fields", ())
        )
        if missing:
            undeclared[f"{serializer_class.__module__}.{serializer_class.__name__}"] = sorted(
                missing
            )
    assert found > 10
    assert not undeclared, f"list these in money_fields (laseros.money): {undeclared}"


def test_an_operator_gets_no_money_field_from_any_admin(make_user):
    """Straight from each admin's hooks, the add form included (an admin that overrides one
    without super() would leak here)."""
    operator = _request(make_user("op", role="Operator"))
    manager = _request(make_user("boss", role="Manager"))
    checked = 0
    for model_admin in admin.site._registry.values():
        money = set(getattr(model_admin, "money_fields", ()))
        if not money:
            continue
        checked += 1
        shown = set(model_admin.get_list_display(operator))
        shown |= set(flatten_fieldsets(model_admin.get_fieldsets(operator, None)))
        shown |= set(model_admin.get_readonly_fields(operator, None))
        assert not shown & money, (type(model_admin).__name__, sorted(shown & money))
        seen_by_manager = set(model_admin.get_list_display(manager)) | set(
            flatten_fieldsets(model_admin.get_fieldsets(manager, None))
        )
        assert seen_by_manager & money, type(model_admin).__name__
    assert checked >= 4
