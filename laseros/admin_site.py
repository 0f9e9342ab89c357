"""The Laser OS admin site: branded, models grouped by domain in the shop's order, audited."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.sites import AlreadyRegistered
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import get_script_prefix
from django.utils.translation import get_language

from .audit.admin import AuditedAdminMixin

# Apps in the order a manager works through them; others follow alphabetically.
APP_ORDER = [
    "clients",
    "projects",
    "ingest",
    "production",
    "inventory",
    "finance",
    "comms",
    "laseros",
    "auth",
    "authtoken",
    "axes",
    "django_q",
]
# Models within an app, where alphabetical is not the natural order (object_name, lower case).
MODEL_ORDER = {
    "projects": ["project", "projectdocument", "projectstatuschange", "product", "projectline"],
    "production": ["queueitem", "laserrun", "machine", "operator", "cutpreset"],
    "inventory": ["sheetstock", "stockmovement", "offcut", "material"],
    "finance": ["quote", "invoice", "payment"],
}

# How many permission sets' app lists are kept (roles × languages: a handful in a shop).
APP_LIST_CACHE_SIZE = 64

# Whole-number columns that name a thing rather than count it: shown as written ("123456"), never
# grouped as an amount is ("123 456"; USE_THOUSAND_SEPARATOR). Primary keys are ids too.
IDENTIFIER_NAMES = frozenset({"pid", "pid_start", "worker_pid", "last_value"})


def is_identifier(model: type[models.Model], name: Any) -> bool:
    """Whether list column `name` of `model` is a whole-number id (a key, a process id, ...)."""
    if not isinstance(name, str):
        return False
    try:
        field = model._meta.get_field(name) if name != "pk" else model._meta.pk
    except FieldDoesNotExist:
        return False
    if not isinstance(field, models.IntegerField) or field.is_relation:
        return False
    return field.primary_key or name in IDENTIFIER_NAMES or name.endswith("_id")


def plain_column(model: type[models.Model], name: str) -> Callable[[models.Model], str | None]:
    """A list column showing the id as written, sorted, titled and styled as the field's own."""
    field = model._meta.get_field(name) if name != "pk" else model._meta.pk
    assert field is not None

    @admin.display(description=str(field.verbose_name), ordering=name)
    def column(obj: models.Model) -> str | None:
        value = getattr(obj, name)
        return None if value is None else str(value)

    column.__name__ = name  # CSS classes field-<name> and column-<name>, as before
    return column


class PlainIdentifiersMixin:
    """Every list (Django's, third parties' and ours) shows its id columns ungrouped."""

    model: type[models.Model]

    def _plain(self, names: Sequence[Any]) -> list[Any]:
        columns = self.__dict__.setdefault("_plain_columns", {})
        out = []
        for name in names:
            if is_identifier(self.model, name):
                name = columns.setdefault(name, plain_column(self.model, name))
            out.append(name)
        return out

    def get_list_display(self, request):
        return self._plain(super().get_list_display(request))  # type: ignore[misc]

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)  # type: ignore[misc]
        return links if links is None else self._plain(links)


class LaserOSAdminSite(admin.AdminSite):
    site_header = "Laser OS"
    site_title = "Laser OS"
    index_title = "The shop"
    index_template = "admin/laseros_index.html"
    enable_nav_sidebar = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, list[dict]] = {}
        from .export import export_csv, export_xlsx

        # Every changelist can export what it shows (CSV and Excel).
        self.add_action(export_csv, "export_csv")
        self.add_action(export_xlsx, "export_xlsx")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin registered here records its saves and deletes in the audit trail,
        and shows its id columns ungrouped."""
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(
            mixin
            for mixin in (AuditedAdminMixin, PlainIdentifiersMixin)
            if not issubclass(admin_class, mixin)
        )
        if mixins:
            admin_class = type(
                admin_class.__name__,
                (*mixins, admin_class),
                {"__module__": admin_class.__module__},
            )
        try:
            return super().register(model_or_iterable, admin_class, **options)
        except AlreadyRegistered:
            raise

    def get_app_list(self, request, app_label=None):
        """The apps and models the user may see, in the shop's order.

        Built once per set of permissions, not once per page: Django builds it on every admin
        page (the nav sidebar, twice on the index), reversing three URLs and checking four
        permissions per model; that was a tenth of the job list's time under load (issue 9). What
        a user may see depends only on their permissions (no ModelAdmin here decides by anything
        else; laseros/site/tests/test_admin_app_list.py holds each role to what Django would show it), so a new
        permission or group gives a new key and a fresh list. Each caller gets its own lists, so
        sorting or editing one cannot change another request's.
        """
        key = self._app_list_key(request, app_label)
        apps = self._app_lists.get(key)
        if apps is None:
            apps = self._sorted_app_list(request, app_label)
            if len(self._app_lists) >= APP_LIST_CACHE_SIZE:
                self._app_lists.clear()
            self._app_lists[key] = apps
        return [{**app, "models": [dict(model) for model in app["models"]]} for app in apps]

    def each_context(self, request):
        context = super().each_context(request)
        if request.user.is_active and request.user.is_staff:  # the side menu's key (laseros_nav)
            context["nav_key"] = (self.name, self._app_list_key(request, None))
        return context

    def _app_list_key(self, request, app_label) -> tuple:
        user = request.user
        if user.is_active and user.is_superuser:
            perms: frozenset[str] | str = "all"
        else:
            perms = frozenset(user.get_all_permissions()) if user.is_active else frozenset()
        return (
            app_label,
            bool(user.is_active and user.is_staff),
            perms,
            len(self._registry),
            get_script_prefix(),
            get_language(),
        )

    def _sorted_app_list(self, request, app_label):
        apps = super().get_app_list(request, app_label)

        def app_key(app):
            label = app["app_label"]
            return (APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER), app["name"])

        apps.sort(key=app_key)
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], [])
            app["models"].sort(
                key=lambda m: (
                    order.index(m["object_name"].lower())
                    if m["object_name"].lower() in order
                    else len(order),
                    m["name"],
                )
            )
        return apps

    def refuse(self, request: HttpRequest, doing: str) -> HttpResponseRedirect:
        """Send a user away from a page they may not use, to the index, saying what they may not
        do and as whom: "You may not record laser runs (your login is a Viewer)."""
        roles = sorted(request.user.groups.values_list("name", flat=True))
        who = f" (your login is {' and '.join(roles)})" if roles else ""
        messages.error(request, f"You may not {doing}{who}. Ask a manager if you need to.")
        return redirect("admin:index")

    def index(self, request, extra_context=None):
        from .dashboard import tiles_for

        extra_context = {**(extra_context or {}), "tiles": tiles_for(request)}
        if request.user.has_perm("laseros.view_backuprun"):
            from .backup.selectors import backup_status

            extra_context["backup_status"] = backup_status()
        return super().index(request, extra_context)
