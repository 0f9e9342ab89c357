"""One word for each thing, in the shop's words, everywhere a manager reads: the menu, the model
and field names, help texts, buttons, and every admin page's visible text.

- "job", never "project", for people (the models and the API keep their names);
- no setting's name (QUOTE_VALID_WORKING_DAYS, ...) and no "DOMAIN.md": a help text says what the
  setting means, with its value, read from the settings when it is shown.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

# The word, not a dotted name a task runs (projects.tasks.expire_quotes) nor LightBurn's own name
# for its files ("LightBurn project").
PROJECT_WORD = re.compile(r"(?<![.\w])(?<!LightBurn )projects?(?![.\w])", re.IGNORECASE)


def _setting_names() -> set[str]:
    return {name for name in dir(settings) if name.isupper() and "_" in name}


def _unwanted(text: str) -> list[str]:
    """Setting names and DOMAIN.md in a text a manager reads."""
    found = [name for name in _setting_names() if re.search(rf"\b{name}\b", text)]
    return found + (["DOMAIN.md"] if "DOMAIN.md" in text else [])


def _shop_models():
    """Every model of the shop's own apps (those in the project's folder, as INSTALLED_APPS has
    them: a new app is walked too); Django's, django-q's and axes' are not ours to word."""
    root, installed = Path(settings.BASE_DIR).resolve(), Path(sys.prefix).resolve()
    for config in apps.get_app_configs():
        where = Path(config.path).resolve()
        if where.is_relative_to(root) and not where.is_relative_to(installed):
            yield from config.get_models()


def _fields(model):
    return [f for f in model._meta.get_fields() if not f.auto_created or f.concrete]


def test_no_help_text_or_name_shows_a_setting_or_domain_md():
    bad = []
    for model in _shop_models():
        for field in _fields(model):
            for text in (
                str(getattr(field, "help_text", "")),
                str(getattr(field, "verbose_name", "")),
            ):
                if _unwanted(text):
                    bad.append(f"{model._meta.label}.{field.name}: {text}")
    assert not bad, "\n".join(bad)


def test_people_read_job_not_project():
    bad = []
    for model in _shop_models():
        opts = model._meta
        for text in (opts.verbose_name, opts.verbose_name_plural):
            if PROJECT_WORD.search(str(text)):
                bad.append(f"{opts.label}: {text}")
        for field in _fields(model):
            for text in (
                str(getattr(field, "help_text", "")),
                str(getattr(field, "verbose_name", "")),
            ):
                if PROJECT_WORD.search(text):
                    bad.append(f"{opts.label}.{field.name}: {text}")
    assert not bad, "\n".join(bad)
    assert apps.get_app_config("projects").verbose_name == "Jobs"


def test_help_texts_state_the_settings_values(settings):
    from projects.models import Project

    settings.QUOTE_VALID_WORKING_DAYS = 10
    settings.POP_DUE_WORKING_DAYS = 4
    settings.QUOTE_REMINDER_DAYS_BEFORE_EXPIRY = 3
    fields = {
        name: str(Project._meta.get_field(name).help_text)
        for name in ("quote_expires_on", "due_date", "quote_reminder_on")
    }
    assert "10 working days" in fields["quote_expires_on"]
    assert "4 working days" in fields["due_date"]
    assert "3 working days" in fields["quote_reminder_on"]


class _VisibleText(HTMLParser):
    """The text a person sees: no tags, scripts or styles; titles and button values kept."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        if attrs.get("title"):
            self.parts.append(attrs["title"])
        if attrs.get("placeholder"):
            self.parts.append(attrs["placeholder"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _admin_pages():
    yield reverse("admin:index")
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{name}_changelist")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"{name}_change", args=[first.pk])
        yield reverse(f"{name}_add")


@pytest.mark.slow
def test_no_admin_page_shows_a_setting_name_or_domain_md_or_project(shop, admin_user_client):
    from clients.models import Client
    from projects.models import Project

    names = {p.name for p in Project.objects.all()} | {c.name for c in Client.objects.all()}
    bad = []
    for url in _admin_pages():
        response = admin_user_client.get(url)
        if response.status_code != 200:
            continue  # an add page some models do not have (403), or a redirect
        text = _visible(response.content.decode())
        for name in names:  # what users typed is theirs to word
            text = text.replace(name, "")
        for found in _unwanted(text):
            bad.append(f"{url}: {found}")
        for match in PROJECT_WORD.finditer(text):
            bad.append(f"{url}: …{text[max(0, match.start() - 50) : match.end() + 30]}…")
    assert not bad, "\n".join(bad)


def test_a_refused_upload_names_the_limit_not_the_setting(settings):
    from django.core.exceptions import ValidationError

    from laseros.uploads import refuse_if_too_large

    settings.INGEST_MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError) as refused:
        refuse_if_too_large("big.dxf", 3 * 1024 * 1024)
    text = " ".join(refused.value.messages)
    assert "the limit is 1 MB" in text and not _unwanted(text)
