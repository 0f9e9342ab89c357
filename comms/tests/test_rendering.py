"""The sandbox: the shop's templates render, and a template that could reach anything beyond
plain variables and filters, or grow without bound, is refused with its name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from comms.models import Channel, MessageTemplate
from comms.rendering import RenderError, check_text, message_context, render_template
from comms.services import template_save
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db


def _template(**fields) -> MessageTemplate:
    values = {
        "key": "probe",
        "name": "Probe",
        "channel": Channel.EMAIL,
        "subject": "About {{ job.code }}",
        "body": "Dear {{ contact.name }}",
    }
    return MessageTemplate(**(values | fields))


def test_the_shop_ships_its_eight_templates_and_every_one_renders_in_the_sandbox():
    keys = set(MessageTemplate.objects.filter(channel=Channel.EMAIL).values_list("key", flat=True))
    assert keys == {
        "welcome",
        "quote_sent",
        "order_confirmed",
        "invoice_sent",
        "payment_reminder",
        "collection_ready",
        "delivery_notification",
        "status_update",
        "quote_reminder",  # DOMAIN.md's quote-expiry reminder; the old system had none
    }
    context = message_context(
        quote={"code": "QT-2026-0001", "total": "R 1,150.00", "valid_until": dt.date(2027, 1, 8)},
        today=dt.date(2026, 12, 5),
    )
    for template in MessageTemplate.objects.all():
        template.full_clean()  # the shipped wording passes the check a manager's edit must pass
        rendered = render_template(template, context)
        assert "{{" not in rendered.body and "{%" not in rendered.body
    quote = MessageTemplate.objects.get(key="quote_sent", channel=Channel.EMAIL)
    body = render_template(quote, context).body
    assert "Valid Until: 8 January 2027" in body
    assert "Thank you for your interest in our laser cutting services." in body  # old wording


def test_values_come_from_the_records_as_plain_text(settings):
    from clients.models import Client

    settings.SHOP_NAME = "Cut Right"
    client = Client.objects.create(code="CL-0042", name="Acme Brackets", contact_person="Thandi")
    template = _template(
        subject="{{ client.name|upper }}", body="{{ contact.name }} at {{ company.name }}"
    )
    rendered = render_template(template, message_context(client=client))
    assert rendered.subject == "ACME BRACKETS"
    assert rendered.body == "Thandi at Cut Right"


HOSTILE = {
    "a tag library": ("{% load static %}{% static 'x' %}", "load"),
    "an include": ("{% include 'admin/base.html' %}", "include"),
    "the settings": ("{{ settings.SECRET_KEY }}", "settings.SECRET_KEY"),
    "a loop": ("{% for a in job.code %}{% for b in job.code %}x{% endfor %}{% endfor %}", "for"),
    "a debug dump": ("{% debug %}", "debug"),
    "a private attribute": ("{{ client.__class__ }}", "__class__"),
    "a field not in the context": ("{{ client.vat_number }}", "client.vat_number"),
    "a whole group": ("{{ client }}", "client"),
    "a width filter": ("{{ job.code|ljust:'99999999' }}", "ljust"),
    "a variable in a filter argument": ("{{ job.code|default:request.user }}", "request.user"),
    "an unclosed variable": ("{{ job.code ", "{{ job.code"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_template_is_refused_when_saved_naming_what_is_wrong(name, make_user):
    body, named = HOSTILE[name]
    manager = make_user("hostile-manager", role="Manager")
    with unchanged(MessageTemplate), pytest.raises(ValidationError) as refused:
        template_save(template=_template(body=body), by=manager)
    assert named in str(refused.value.message_dict["body"])


def test_a_template_that_could_render_a_huge_text_is_refused():
    # made at test time: 1,000 variables of up to 200 characters each could make 200,000
    body = "{{ client.name }}" * 1000
    assert len(body) < 20_000
    reasons = check_text(body, limit=20_000)
    assert reasons and "more than the 20,000 allowed" in reasons[0]
    with pytest.raises(ValidationError):
        _template(body=body).full_clean()


def test_rendering_refuses_a_template_that_was_edited_around_the_check():
    """A row changed in the database by hand is checked again when it is rendered."""
    template = _template(body="{{ settings.SECRET_KEY }}")
    with pytest.raises(RenderError, match="settings.SECRET_KEY"):
        render_template(template, message_context())


def test_the_context_holds_no_model_instance():
    from clients.models import Client

    client = Client.objects.create(code="CL-0043", name="Acme")
    context = message_context(client=client)
    allowed = (str, int, dt.date)
    for group, values in context.items():
        if isinstance(values, dict):
            assert all(isinstance(v, allowed) for v in values.values()), group
        else:
            assert isinstance(values, allowed), group


@pytest.mark.parametrize(
    "body, named",
    [("{{ job.code|nosuch }}", "nosuch"), ("{{ }}", "Empty variable tag"), ("x {{ }", "{{ }")],
)
def test_a_syntax_error_is_refused_naming_it(body, named):
    with pytest.raises(ValidationError) as refused:
        _template(body=body).full_clean()
    assert named in str(refused.value.message_dict["body"])
