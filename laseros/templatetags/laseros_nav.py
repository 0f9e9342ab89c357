"""The admin's side menu, rendered once per menu and page kind instead of on every page.

Django renders `admin/app_list.html` for the nav sidebar on each admin page: a link, a title and
an "Add" link per model, which was a tenth of the job list's time under load (issue 9). The menu
depends only on what the user may see (the site's app-list key: their permissions, the script
prefix, the language) and on which app and model the page belongs to (it marks them current), so
the HTML is kept under those and reused. templates/admin/nav_sidebar.html uses it;
laseros/site/tests/test_admin_app_list.py compares it with Django's own rendering.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import urlencode as urlencode_filter
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

MENU_CACHE_SIZE = 512  # roles × pages of models: a few hundred at most
_menus: dict[tuple, SafeString] = {}


def _current(apps: list[dict], path: str) -> tuple[str, ...]:
    """The app and model URLs the page is under, as app_list.html tests them."""
    quoted = urlencode_filter(path)
    found = []
    for app in apps:
        if app["app_url"] in quoted:
            found.append(app["app_url"])
        found.extend(
            model["admin_url"]
            for model in app["models"]
            if model.get("admin_url") and model["admin_url"] in quoted
        )
    return tuple(found)


def render_menu(context) -> SafeString:
    """What `{% include 'admin/app_list.html' with app_list=available_apps
    show_changelinks=False %}` renders."""
    menu = context.template.engine.get_template("admin/app_list.html")
    with context.push(app_list=context.get("available_apps"), show_changelinks=False):
        return mark_safe(menu.render(context))


@register.simple_tag(takes_context=True)
def nav_app_list(context) -> SafeString:
    key = context.get("nav_key")
    request = context.get("request")
    if key is None or request is None:
        return render_menu(context)
    key = (key, _current(context.get("available_apps") or [], request.path))
    menu = _menus.get(key)
    if menu is None:
        menu = render_menu(context)
        if len(_menus) >= MENU_CACHE_SIZE:
            _menus.clear()
        _menus[key] = menu
    return menu
