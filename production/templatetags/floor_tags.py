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
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


def _queue_row(row: Any, can_act: bool) -> str:
    """One <li> of the queue (production.floor.selectors.QueueRow), escaped."""
    code = escape(row.code)
    handle = (
        f'<span class="queue-row__handle" role="button" tabindex="-1" '
        f'aria-label="Drag {code} to reorder" title="Drag to reorder">⠿</span>'
        if can_act
        else ""
    )
    flag = {
        "overdue": '<strong class="overdue">Overdue</strong> ',
        "today": '<strong class="due-today">Due today</strong> ',
    }.get(row.due_state, "")
    minutes = f"{row.minutes} min" if row.minutes else "— min"
    overdue = " is-overdue" if row.due_state == "overdue" else ""
    status, priority = escape(row.status), escape(row.priority)
    return (
        f'<li class="queue-row queue-row--{status}{overdue}" data-item="{escape(row.pk)}" '
        f'data-position="{escape(row.position)}" data-priority="{priority}">{handle}'
        f'<span class="queue-row__pos" aria-label="Position">{escape(row.position)}</span>'
        f'<a class="queue-row__job" href="{escape(row.url)}"><strong class="queue-row__code">'
        f'{code}</strong><span class="queue-row__client">{escape(row.client)}</span></a>'
        f'<span class="queue-row__material">{escape(row.material or "Material not set")}</span>'
        f'<span class="queue-row__qty">{row.quantity} pcs</span>'
        f'<span class="queue-row__due">{flag}<span class="queue-row__date">'
        f"{escape(row.due or 'No due date')}</span></span>"
        f'<span class="queue-row__priority"><span class="badge badge--{priority}">'
        f"{escape(row.priority_label)}</span></span>"
        f'<span class="queue-row__minutes">{minutes}</span>'
        f'<span class="queue-row__status"><span class="badge badge--status badge--{status}">'
        f"{escape(row.status_label)}</span></span></li>\n"
    )


@register.simple_tag
def queue_rows(rows: list, can_act: bool) -> str:
    """The queue's rows, drawn here rather than by a {% for %} over the template engine: the
    one loop of the floor that runs 500 times a page (a few ms, against half a second through
    the engine on the shop's small server). The markup is _queue_row's; floor.css styles it."""
    return mark_safe("".join(_queue_row(row, can_act) for row in rows))  # every value escaped
