"""The admin's menu (the apps and models a user may open) is built once per set of permissions
(laseros/admin_site.py): what each role sees must stay exactly what Django would show it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import resolve

from laseros.roles import ROLES

pytestmark = pytest.mark.django_db


def _site():
    return resolve("/admin/").func.admin_site


def _menu(site, user, app_label=None):
    request = RequestFactory().get("/admin/")
    request.user = user
    return [
        (
            app["app_label"],
            [(m["object_name"], m["perms"], m.get("add_url")) for m in app["models"]],
        )
        for app in site.get_app_list(request, app_label)
    ]


def _fresh_menu(site, user, app_label=None):
    site._app_lists.clear()
    return _menu(site, user, app_label)


def test_each_role_sees_what_django_would_show_it_whichever_role_came_first(make_user):
    site = _site()
    users = [make_user(role.lower(), role=role, superuser=role == "Admin") for role in ROLES]
    expected = {user.username: _fresh_menu(site, user) for user in users}
    assert len({repr(menu) for menu in expected.values()}) == len(ROLES)  # four different menus

    site._app_lists.clear()
    for user in [*users, *reversed(users)]:  # the others' menus are kept while each is served
        assert _menu(site, user) == expected[user.username]


def test_a_permission_given_to_a_role_shows_on_its_next_page(client, make_user):
    viewer = make_user("clerk", role="Viewer")
    client.force_login(viewer)
    assert "/admin/django_q/schedule/add/" not in client.get("/admin/").content.decode()

    Group.objects.get(name="Viewer").permissions.add(
        Permission.objects.get(codename="add_schedule", content_type__app_label="django_q")
    )
    page = client.get("/admin/").content.decode()  # a new request: its user read afresh

    assert "/admin/django_q/schedule/add/" in page


def test_changing_a_menu_handed_out_does_not_change_the_next(make_user):
    site = _site()
    request = RequestFactory().get("/admin/")
    request.user = make_user("boss", role="Admin", superuser=True)
    first = site.get_app_list(request)
    first[0]["models"].clear()
    first.clear()

    again = site.get_app_list(request)

    assert again and all(app["models"] for app in again)


def test_an_app_page_lists_only_that_apps_models(make_user):
    site = _site()
    boss = make_user("boss", role="Admin", superuser=True)
    _menu(site, boss)  # the whole menu first

    assert [label for label, _ in _menu(site, boss, "inventory")] == ["inventory"]


def _nav(page: str) -> str:
    return page.split('<nav class="sticky" id="nav-sidebar"', 1)[1].split("</nav>", 1)[0]


PAGES = ["/admin/", "/admin/projects/project/", "/admin/inventory/", "/admin/auth/user/"]


def test_the_side_menu_is_djangos_for_each_role_and_page(client, make_user):
    from django.template.loader import render_to_string

    from laseros.templatetags import laseros_nav

    laseros_nav._menus.clear()
    users = [make_user(role.lower(), role=role, superuser=role == "Admin") for role in ROLES]
    # every role on every page, twice: the second time from the kept menus
    for user, url in [(user, url) for user in [*users, *users] for url in PAGES]:
        client.force_login(user)
        response = client.get(url, follow=True)
        page = response.content.decode()
        if 'id="nav-sidebar"' not in page:  # a page this role may not open
            continue
        djangos = render_to_string(
            "admin/app_list.html",
            {
                "app_list": response.context["available_apps"],
                "show_changelinks": False,
                "request": response.wsgi_request,
            },
        )
        assert djangos.strip() and djangos in _nav(page), (user.username, url)
