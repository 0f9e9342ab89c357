"""The notifications page in the admin's look (/notifications/), and marking them read.

The floor has its own page with the same list (production.floor.notifications); both post
here to mark read, with `next` saying where to go back to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors
from .bell import mark_fresh
from .services.notifications import notification_mark_read, notifications_mark_all_read


def notifications_page(request: HttpRequest) -> HttpResponse:
    """Every notification the person may see, open ones first, with their read state."""
    if not selectors.audiences_for(request.user):
        raise PermissionDenied("Your role receives no notifications.")
    return TemplateResponse(
        request,
        "comms/notifications.html",
        {
            **admin.site.each_context(request),
            "is_nav_sidebar_enabled": False,
            "title": "Notifications",
            "notifications": selectors.notification_list(request.user),
            "unread": selectors.unread_count(request.user),
            "next_url": request.get_full_path(),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


def _signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anyone signed in who receives notifications (operators need not be staff)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not selectors.audiences_for(request.user):
            raise PermissionDenied("Your role receives no notifications.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_POST
@_signed_in
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read for the person who asks."""
    notification = get_object_or_404(selectors.visible_notifications(request.user), pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    mark_fresh(request)
    return _back(request)


@require_POST
@_signed_in
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every open notification the person sees read."""
    count = notifications_mark_all_read(user=request.user)
    mark_fresh(request)
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return _back(request)
