"""Rendering a message template in a sandbox, and the one fixed context it may use.

A template is plain text with variables and filters: `{{ contact.name }}`,
`{{ job.due_date|date:"j F Y" }}`. No tag exists in this engine (not `{% load %}`, `{% include %}`,
`{% for %}` or `{% if %}`), the filters are a short safe list, and the context holds plain values
(strings, numbers, dates) copied from the records, never a model instance: nothing a template
says can reach the database, the settings or a file. The text it renders is capped.

The variables (CONTEXT_FIELDS, also shown on the template's admin page):

    company   name, phone, email, address, bank_details
    client    code, name, email, phone
    contact   name, email, phone            (the client's primary contact, else its contact person)
    job       code, name, status, quantity, material, thickness_mm, due_date, promised_date,
              quote_expires_on
    quote     code, total, valid_until      (given by finance when a quote is sent)
    invoice   code, total, balance, due_date  (given by finance when an invoice is issued)
    dates     today
    tracking_url   the job's tracking link for the client, "" without a job (register_tracking_link)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Library, TemplateSyntaxError
from django.template import defaultfilters as f
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.utils import timezone

CONTEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "company": ("name", "phone", "email", "address", "bank_details"),
    "client": ("code", "name", "email", "phone"),
    "contact": ("name", "email", "phone"),
    "job": (
        "code",
        "name",
        "status",
        "quantity",
        "material",
        "thickness_mm",
        "due_date",
        "promised_date",
        "quote_expires_on",
    ),
    "quote": ("code", "total", "valid_until"),
    "invoice": ("code", "total", "balance", "due_date"),
    "dates": ("today",),
}
PLAIN_VARIABLES: tuple[str, ...] = ("tracking_url",)

MAX_SUBJECT_CHARS = 300
MAX_BODY_CHARS = 20_000
# The longest value a field may hold in the worst-case check (a client's name is 200 at most).
_WORST_VALUE = "W" * 200

# The filters a template may use; nothing that formats to a width or repeats its input.
SAFE_FILTERS: dict[str, Callable[..., Any]] = {
    "upper": f.upper,
    "lower": f.lower,
    "title": f.title,
    "capfirst": f.capfirst,
    "default": f.default,
    "default_if_none": f.default_if_none,
    "date": f.date,
    "truncatechars": f.truncatechars,
    "truncatewords": f.truncatewords,
    "yesno": f.yesno,
}

register = Library()
for _name, _function in SAFE_FILTERS.items():
    register.filter(_name, _function)


class SandboxEngine(Engine):
    """A template engine with no tags, no loaders and SAFE_FILTERS only."""

    def __init__(self) -> None:
        super().__init__(loaders=[], libraries={}, autoescape=False, string_if_invalid="")
        self.builtins = []
        self.template_builtins = [register]


ENGINE = SandboxEngine()


class RenderError(ValueError):
    """A template that cannot be rendered (or renders too much): the message says why."""


def variable_list() -> list[str]:
    """Every variable a template may use, as it is written: 'client.name', 'tracking_url'."""
    return [f"{group}.{name}" for group, names in CONTEXT_FIELDS.items() for name in names] + list(
        PLAIN_VARIABLES
    )


def _unknown(lookups: tuple[str, ...]) -> bool:
    if lookups[0] in PLAIN_VARIABLES:
        return len(lookups) != 1
    fields = CONTEXT_FIELDS.get(lookups[0])
    return fields is None or len(lookups) != 2 or lookups[1] not in fields


def _variables(expression: FilterExpression) -> list[Variable]:
    found = [expression.var] if isinstance(expression.var, Variable) else []
    for _function, args in expression.filters:
        found += [arg for lookup, arg in args if lookup and isinstance(arg, Variable)]
    return found


def unknown_variables(nodes: list[Node]) -> list[str]:
    """The variables of a compiled template that are not in the fixed context."""
    found = []
    for node in nodes:
        if isinstance(node, TextNode):
            continue
        if not isinstance(node, VariableNode):  # no tag exists in the engine; keep it so
            found.append(f"{{% {type(node).__name__} %}}")
            continue
        for variable in _variables(node.filter_expression):
            if variable.lookups is not None and _unknown(tuple(variable.lookups)):
                found.append(f"{{{{ {variable.var} }}}}")
    return found


def _unclosed(nodes: list[Node]) -> str:
    """The text around an opening brace left unclosed ('{{ job.code'), else ""."""
    for node in nodes:
        if isinstance(node, TextNode):
            for opening in ("{{", "{%"):
                at = node.s.find(opening)
                if at >= 0:
                    return node.s[at : at + 40]
    return ""


def _compile(text: str):
    return ENGINE.from_string(text or "")


def _syntax_message(exc: TemplateSyntaxError) -> str:
    text = str(exc)
    if "Invalid block tag" in text:
        text += " (templates allow variables and filters only: no tags)"
    elif "Invalid filter" in text:
        text += f" (the filters allowed are: {', '.join(SAFE_FILTERS)})"
    return text


def check_text(text: str, *, limit: int | None) -> list[str]:
    """Why `text` is refused as a template (an empty list: it is fine). With a `limit`, a text
    that could render longer (every variable at its longest) is refused too."""
    try:
        template = _compile(text)
    except TemplateSyntaxError as exc:
        return [_syntax_message(exc)]
    stray = _unclosed(list(template.nodelist))
    if stray:
        return [f"A '{{{{' or '{{%' is not closed: {stray!r}"]
    unknown = unknown_variables(list(template.nodelist))
    if unknown:
        return [
            f"Unknown variable {', '.join(dict.fromkeys(unknown))}: the variables are "
            f"{', '.join(variable_list())}."
        ]
    if limit is None:
        return []
    size = len(template.render(Context(worst_case_context(), autoescape=False)))
    if size > limit:
        return [f"It could render {size:,} characters, more than the {limit:,} allowed."]
    return []


def check_template(*, subject: str, body: str, parameters: list[str]) -> dict[str, list[str]]:
    """{field: [reasons]} for a template's subject, body and WhatsApp parameters."""
    errors: dict[str, list[str]] = {}
    for field, text, limit in (
        ("subject", subject, None),  # one line, cut at MAX_SUBJECT_CHARS when rendered
        ("body", body, MAX_BODY_CHARS),
    ):
        reasons = check_text(text, limit=limit)
        if reasons:
            errors[field] = reasons
    known = set(variable_list())
    unknown = [name for name in parameters if name not in known]
    if unknown:
        errors["whatsapp_parameters"] = [
            f"Unknown variable {', '.join(unknown)}: the variables are {', '.join(known)}."
        ]
    return errors


def worst_case_context() -> dict[str, Any]:
    """Every variable at its longest: what the size check renders."""
    context: dict[str, Any] = {
        group: dict.fromkeys(names, _WORST_VALUE) for group, names in CONTEXT_FIELDS.items()
    }
    context["dates"]["today"] = dt.date(2026, 12, 31)
    return context | dict.fromkeys(PLAIN_VARIABLES, _WORST_VALUE)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    parameters: list[str]


def render_text(text: str, context: Mapping[str, Any], *, limit: int) -> str:
    try:
        # plain str, not the engine's SafeString: a page that shows it escapes what a client or
        # a job's name says
        out = str.__str__(_compile(text).render(Context(dict(context), autoescape=False)))
    except TemplateSyntaxError as exc:
        raise RenderError(_syntax_message(exc)) from exc
    if len(out) > limit:
        raise RenderError(f"The text is {len(out):,} characters, more than {limit:,} allowed.")
    return out


def render_template(template: Any, context: Mapping[str, Any]) -> Rendered:
    """A MessageTemplate rendered for `context` (a message_context()); RenderError says why not."""
    reasons = check_template(
        subject=template.subject, body=template.body, parameters=template.parameter_names()
    )
    if reasons:
        raise RenderError("; ".join(r for rs in reasons.values() for r in rs))
    subject = " ".join(render_text(template.subject, context, limit=MAX_BODY_CHARS).split())
    subject = subject[:MAX_SUBJECT_CHARS]
    body = render_text(template.body, context, limit=MAX_BODY_CHARS)
    parameters = [
        render_text("{{ " + name + " }}", context, limit=1000)
        for name in template.parameter_names()
    ]
    return Rendered(subject=subject, body=body, parameters=parameters)


# --- the context ------------------------------------------------------------------------------

_tracking_link: Callable[..., str] | None = None


def register_tracking_link(function: Callable[..., str] | None) -> None:
    """The hook for the client's tracking link: `function(client=…, job=…) -> url or ""` (the
    job None when the message concerns none). The top wiring registers the job's link
    (laseros.site.tracking); with no hook, `tracking_url` renders empty."""
    global _tracking_link
    _tracking_link = function


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date | int | str):
        return value
    return str(value)


def _pick(values: Mapping[str, Any] | None, group: str) -> dict[str, Any]:
    values = values or {}
    return {name: _text(values.get(name)) for name in CONTEXT_FIELDS[group]}


def company_values() -> dict[str, Any]:
    return {
        "name": settings.SHOP_NAME,
        "phone": settings.SHOP_PHONE,
        "email": settings.SHOP_EMAIL,
        "address": ", ".join(line.strip() for line in settings.SHOP_ADDRESS.splitlines()),
        "bank_details": settings.SHOP_BANK_DETAILS,
    }


def client_values(client: Any) -> dict[str, Any]:
    if client is None:
        return {}
    return {"code": client.code, "name": client.name, "email": client.email, "phone": client.phone}


def contact_values(client: Any, contact: Any = None) -> dict[str, Any]:
    if contact is not None:
        return {"name": contact.name, "email": contact.email, "phone": contact.phone}
    if client is None:
        return {}
    primary = next((c for c in client.contacts.all() if c.is_primary), None)
    if primary is not None:
        return contact_values(client, primary)
    return {"name": client.contact_person or client.name, "email": client.email, "phone": ""}


def job_values(job: Any) -> dict[str, Any]:
    if job is None:
        return {}
    return {
        "code": job.code,
        "name": job.name,
        "status": job.get_status_display(),
        "quantity": job.quantity,
        "material": str(job.material) if job.material_id else "",
        "thickness_mm": f"{job.thickness_mm:g}" if job.thickness_mm is not None else "",
        "due_date": job.due_date,
        "promised_date": job.promised_date,
        "quote_expires_on": job.quote_expires_on,
    }


def message_context(
    *,
    client: Any = None,
    contact: Any = None,
    job: Any = None,
    quote: Mapping[str, Any] | None = None,
    invoice: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The fixed context, as plain dicts of the allowed fields: every group present (empty
    values when the message does not concern one), so a template renders for any message."""
    client = client if client is not None else getattr(job, "client", None)
    tracking = (
        _tracking_link(client=client, job=job) if (_tracking_link and client is not None) else ""
    )
    return {
        "company": _pick(company_values(), "company"),
        "client": _pick(client_values(client), "client"),
        "contact": _pick(contact_values(client, contact), "contact"),
        "job": _pick(job_values(job), "job"),
        "quote": _pick(quote, "quote"),
        "invoice": _pick(invoice, "invoice"),
        "dates": {"today": today or timezone.localdate()},
        "tracking_url": tracking or "",
    }
