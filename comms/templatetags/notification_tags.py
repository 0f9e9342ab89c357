"""The bell: `{% notification_bell %}` in the admin's header, `{% notification_bell
"floor:notifications" %}` on the floor pages. The unread count and the newest unread notifications
in a <details> dropdown (no script: the site's CSP runs none inline). One query, kept for the
person for NOTIFY_BELL_SECONDS (comms.bell), plus the user's permissions (read once per
request)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from comms import selectors
from comms.bell import bell_for

register = template.Library()

DROPDOWN_SIZE = 5


@register.inclusion_tag("comms/_bell.html", takes_context=True)
def notification_bell(context: template.Context, list_url_name: str = "notifications:list"):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not selectors.audiences_for(user):
        return {"show": False}
    try:
        list_url = reverse(list_url_name)
    except NoReverseMatch:
        list_url = ""
    unread, latest = bell_for(request, user, limit=DROPDOWN_SIZE)
    return {
        "show": True,
        "unread": unread,
        "latest": latest,
        "list_url": list_url,
        "next_url": request.get_full_path() if request is not None else list_url,
        "csrf_token": context.get("csrf_token"),
    }
