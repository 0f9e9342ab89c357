"""The floor pages' header: the machine switcher and the links each role may follow.

Every floor page extends templates/production/floor/base.html, whose header calls
`{% floor_nav %}`; the pages need not pass the machines themselves (one query a page).
"""

from __future__ import annotations

from typing import Any

from django import template

from production.floor.auth import can_act_on_floor, can_plan
from production.models import Machine

register = template.Library()


@register.inclusion_tag("production/floor/_nav.html", takes_context=True)
def floor_nav(context: template.Context) -> dict[str, Any]:
    """The active machines (the current one marked: a page sets `floor_machine`), and the
    planner's link for managers and admins."""
    request = context.get("request")
    user = getattr(request, "user", None)
    current = context.get("floor_machine")
    return {
        "machines": list(Machine.objects.active().order_by("code").only("pk", "code", "name")),
        "current_code": getattr(current, "code", None),
        "show_plan": bool(user is not None and can_plan(user)),
        "request": request,
    }


@register.simple_tag(takes_context=True)
def floor_can_act(context: template.Context) -> bool:
    """Whether the user may act on the floor (operators, managers, admins; not viewers):
    `{% floor_can_act as can_act %}`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and can_act_on_floor(user))
