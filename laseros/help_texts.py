"""Help texts that state the shop's settings in the shop's words, with their values read when
the text is shown: "Quote date + 20 working days", never "QUOTE_VALID_WORKING_DAYS".

    help_text=with_settings("Quote date + {QUOTE_VALID_WORKING_DAYS} working days.")

The text is lazy, so a changed setting shows at once (admin, forms, the API schema). A migration
records the text with the default values; a setting changed in the environment changes no
column, and Django ignores help texts when it alters one.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import lazy


class _Settings(dict):
    def __missing__(self, name: str) -> object:
        return getattr(settings, name)


def _fill(template: str) -> str:
    return template.format_map(_Settings())


with_settings = lazy(_fill, str)
