"""Message templates: saved only when they render in the sandbox."""

from __future__ import annotations

from django.db import transaction

from laseros.actors import Actor
from laseros.audit import save_audited

from ..models import MessageTemplate


@transaction.atomic
def template_save(*, template: MessageTemplate, by: Actor) -> MessageTemplate:
    """Create or change a template. One with an unknown variable, a tag, a syntax error or a
    text that could grow past the cap is refused (ValidationError naming it); nothing is saved."""
    return save_audited(template, by=by, message=f"message template {template.name}")
