"""WhatsApp: phone numbers in E.164, the Business Cloud API over HTTP, and the wa.me link the
outbox offers when the API is not configured.

Settings: WHATSAPP_TOKEN (a system user's access token), WHATSAPP_PHONE_NUMBER_ID (the sending
number's id in Meta's WhatsApp Manager), WHATSAPP_API_URL (https://graph.facebook.com/v21.0 by
default), WHATSAPP_DEFAULT_COUNTRY_CODE ("27", South Africa).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings

# A national number's length (without the trunk 0) per country code we know; others: 7 to 12.
_NATIONAL_DIGITS = {"27": 9, "264": 9, "267": 8, "263": 9, "258": 9, "44": 10, "1": 10}
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")


class PhoneNumberError(ValueError):
    """Not a phone number we can send to; the message says why."""


def normalise_phone(text: str, *, country_code: str | None = None) -> str:
    """'082 123 4567' -> '+27821234567' (South Africa by default; WHATSAPP_DEFAULT_COUNTRY_CODE).

    Accepts the local form with its trunk 0, the international form with + or 00, and the
    digits with the country code; spaces, dashes, dots, brackets and slashes are ignored.
    PhoneNumberError says what is wrong with anything else."""
    country = str(country_code or getattr(settings, "WHATSAPP_DEFAULT_COUNTRY_CODE", "27"))
    raw = (text or "").strip()
    digits = _SEPARATORS.sub("", raw)
    if not digits:
        raise PhoneNumberError("There is no phone number.")
    if digits.startswith("+"):
        international = digits[1:]
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = country + digits[1:]
    elif digits.startswith(country) and len(digits) == len(country) + _NATIONAL_DIGITS.get(
        country, 0
    ):
        international = digits
    else:
        raise PhoneNumberError(
            f"{raw!r} is not a phone number we can read: write it as 082 123 4567 or +27 82 "
            "123 4567."
        )
    if not international.isdigit():
        raise PhoneNumberError(f"{raw!r} has characters that are not digits.")
    if international.startswith("0"):
        raise PhoneNumberError(f"{raw!r}: a country code does not start with 0.")
    for code, national in _NATIONAL_DIGITS.items():
        if international.startswith(code) and len(international) - len(code) != national:
            raise PhoneNumberError(
                f"{raw!r} has {len(international) - len(code)} digits after the country code "
                f"+{code}; a number there has {national}."
            )
    if not 8 <= len(international) <= 15:  # E.164: at most 15 digits
        raise PhoneNumberError(f"{raw!r} is too short or too long for a phone number.")
    return "+" + international


def wa_me_link(phone_e164: str, text: str) -> str:
    """The click-to-chat link that opens WhatsApp with the number and the text filled in."""
    return f"https://wa.me/{phone_e164.lstrip('+')}?text={quote(text, safe='')}"


def is_configured() -> bool:
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID)


class WhatsAppError(RuntimeError):
    """The Cloud API refused the message or could not be reached; the message says why."""


@dataclass(frozen=True)
class TemplateMessage:
    to: str  # E.164
    name: str
    language: str
    parameters: list[str]

    def payload(self) -> dict:
        components = []
        if self.parameters:
            components.append(
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in self.parameters],
                }
            )
        return {
            "messaging_product": "whatsapp",
            "to": self.to.lstrip("+"),
            "type": "template",
            "template": {
                "name": self.name,
                "language": {"code": self.language or "en"},
                "components": components,
            },
        }


def _error_text(body: bytes, status: int) -> str:
    try:
        error = json.loads(body or b"{}").get("error", {})
    except ValueError:
        error = {}
    detail = error.get("message") or body[:200].decode("utf-8", "replace") or "no answer"
    return f"WhatsApp answered {status}: {detail}"


def send_template(message: TemplateMessage, *, timeout: float = 20.0) -> str:
    """Send an approved template message; returns the message id WhatsApp gave it."""
    url = f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    request = urllib.request.Request(
        url,
        data=json.dumps(message.payload()).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {settings.WHATSAPP_TOKEN}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise WhatsAppError(_error_text(exc.read(), exc.code)) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WhatsAppError(f"WhatsApp could not be reached: {exc}") from exc
    messages = answer.get("messages") or [{}]
    return str(messages[0].get("id", ""))
