"""Who may use the floor pages, and the tablet's login and logout.

Seeing the floor is the permission to view queue items (every role but "no role"); acting on it
(moving, starting, recording) is the permission to change them (operators, managers, admins);
the planner's board is for managers and admins (laseros.roles). Viewers see and cannot act.

The login is Django's LoginView with the floor's template: it authenticates through the site's
backends, so django-axes counts failures and locks out exactly as on the admin's login.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode

from laseros.roles import ADMIN, MANAGER

SEE_FLOOR = "production.view_queueitem"
ACT_ON_FLOOR = "production.change_queueitem"
PLANNER_ROLES = (ADMIN, MANAGER)


def can_see_floor(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(SEE_FLOOR))


def can_act_on_floor(user: Any) -> bool:
    """Operators, managers and admins: they move, start and record. Viewers only look."""
    return bool(can_see_floor(user) and user.has_perm(ACT_ON_FLOOR))


def can_plan(user: Any) -> bool:
    """Managers and admins: the planner's board. Read once per request (cached on the user)."""
    if not can_see_floor(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_floor_can_plan", None)
    if cached is None:
        cached = user.groups.filter(name__in=PLANNER_ROLES).exists()
        user._floor_can_plan = cached
    return cached


def _to_login(request: HttpRequest) -> HttpResponse:
    login = f"{reverse('floor:login')}?{urlencode({'next': request.get_full_path()})}"
    if getattr(request, "htmx", False):
        # A fragment request whose session ended: the whole page goes to the login.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login
        return response
    return HttpResponseRedirect(login)


def floor_view(*, act: bool = False) -> Callable:
    """A floor page: anonymous users go to the floor's login; users without the floor's view
    permission (or, with `act=True`, its change permission) get a 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return _to_login(request)
            if not can_see_floor(user):
                raise PermissionDenied("Your role does not give access to the shop floor.")
            if act and not can_act_on_floor(user):
                raise PermissionDenied("Your role may look at the floor but not act on it.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class FloorLoginView(auth_views.LoginView):
    """The tablet's login: big fields, the shop's name; axes applies as on the admin."""

    template_name = "production/floor/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return resolve_url("floor:home")


class FloorLogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django requires) and back to the floor's login."""

    next_page = "floor:login"
