"""The floor pages' header: the machine switcher and the links each role may follow.

Every floor page extends templates/production/floor/base.html, whose header calls
`{% floor_nav %}`; the pages need not pass the machines themselves (one query a page).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.template import TemplateDoesNotExist, loader
from django.utils.formats import number_format

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


@register.simple_tag(takes_context=True)
def floor_slot(context: template.Context, template_name: str) -> str:
    """Render `template_name` with the page's context if it exists, else nothing: a place a
    page leaves for another module's part (the job card's "Start a run" button is
    production/floor/run_start_button.html, written with the runs' pages)."""
    try:
        found = loader.get_template(template_name)
    except TemplateDoesNotExist:
        return ""
    values: dict[str, Any] = {str(k): v for k, v in context.flatten().items()}
    return found.render(values, context.get("request"))


@register.filter
def trimmed(value: Any) -> str:
    """A decimal as the shop writes it, without trailing zeros: 12.50 -> "12.5", 3.00 -> "3",
    4200 -> "4 200" (grouped as every number on the site); "—" when there is none."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    places = max(0, -number.as_tuple().exponent)  # type: ignore[operator]
    return number_format(number, decimal_pos=places, force_grouping=True)
