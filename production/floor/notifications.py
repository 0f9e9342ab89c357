"""The floor's notifications: the same list as /notifications/ (comms), in the floor's look, for
operators (the floor's causes: overdue jobs, files that failed, jobs sitting in Cutting) and for
managers (every one). Marking read posts to comms' views, which come back here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from comms import selectors

from .auth import floor_view


@require_safe
@floor_view()
def notifications_page(request: HttpRequest) -> HttpResponse:
    if not selectors.audiences_for(request.user):
        raise PermissionDenied("Your role receives no notifications.")
    return render(
        request,
        "production/floor/notifications.html",
        {
            "notifications": selectors.notification_list(request.user),
            "unread": selectors.unread_count(request.user),
            "next_url": request.get_full_path(),
        },
    )
