"""Small helpers the projects admin modules share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..models import ProjectStatus

S = ProjectStatus


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)
