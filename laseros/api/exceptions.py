"""The API's one exception handler: a service's refusal is a 400 that names what to fix.

Services raise Django's ValidationError (a field's message, or a form-wide one) and status moves
raise laseros.moves.TransitionError (naming the gate). Views call services without try/except:
this handler turns those into 400 responses, {"field": ["message"]} or {"detail": [...]}; a
refused move answers {"gate": "payment", "detail": "...", "failed": [{gate, detail}, ...]}.
Anything else goes to DRF's own handler.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from laseros.moves import TransitionError


def transition_error_body(exc: TransitionError) -> dict[str, Any]:
    body: dict[str, Any] = {"gate": exc.gate, "detail": exc.detail}
    if exc.field:
        body[exc.field] = [exc.detail]
    if exc.failures:
        body["failed"] = [{"gate": g.code, "detail": g.message} for g in exc.failures]
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TransitionError):
        return Response(transition_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(data)
    return drf_exception_handler(exc, context)
