"""Fixtures for the top wiring's tests."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

SHOP_SIZE = 8  # jobs in the demo shop (every status, runs, queue, stock, files)


@pytest.fixture
def shop(settings, tmp_path):
    """The demo shop, and a row in each list it leaves empty at this size (its files wait for
    the worker; no offcut, no preset or rates change, no quantity break yet): a list with rows
    shows a query per row."""
    from decimal import Decimal

    from finance.models import QuantityBreak
    from finance.services import quantity_break_save, quote_create, quote_line_add, rates_update
    from ingest.models import FileIngest
    from ingest.tasks import process_file
    from inventory.models import SheetStock
    from inventory.services import offcut_create
    from production.models import CutPreset
    from production.services import preset_update
    from projects.models import Project

    settings.DATA_DIR = tmp_path  # the demo password file goes here
    call_command("seed_demo", "--size", str(SHOP_SIZE), "--seed", "7", stdout=io.StringIO())
    for file in FileIngest.objects.filter(kind="dxf").order_by("pk")[:2]:
        process_file(file.pk)
    preset = CutPreset.objects.order_by("pk").first()
    preset_update(preset=preset, changes={"notes": "trimmed kerf"}, reason="tune")
    stock = SheetStock.objects.order_by("pk").first()
    offcut_create(
        material=stock.material, thickness_mm=stock.thickness_mm, width_mm=300, length_mm=600
    )
    rates_update(changes={"margin_pct": Decimal("30")}, reason="steel went up")
    quantity_break_save(quantity_break=QuantityBreak(min_quantity=10, discount_pct=Decimal("5")))
    for project in Project.objects.order_by("pk")[:2]:  # the demo makes no quotes yet
        quote = quote_create(project=project, by=None)
        quote_line_add(quote=quote, by=None, description="Cutting", unit_price="120", quantity=3)
    _invoice_paid_and_credited(Project.objects.order_by("pk").first())
    _webhook_deliveries(settings)
    _pinned_slot()
    _api_records()


def _api_records() -> None:
    """An API token and a backup made: /api/v1/tokens/ and /api/v1/backups/ have rows."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from laseros.models import BackupRun
    from laseros.tokens import token_create

    token_create(user=get_user_model().objects.get(username="admin"), name="accounting export")
    now = timezone.now()
    BackupRun.objects.create(
        started_at=now, finished_at=now + dt.timedelta(seconds=9), status="ok", name="shop.tar"
    )


def _pinned_slot() -> None:
    """A queued job pinned to the next working day: the pins' list has a row."""
    import datetime as dt

    from django.utils import timezone

    from production.models import QueueItem, QueueStatus
    from production.planning import machine_calendar
    from production.services.planning import slot_override_set

    item = QueueItem.objects.filter(status=QueueStatus.QUEUED).order_by("pk").first()
    calendar = machine_calendar(item.machine)
    day = timezone.localdate() + dt.timedelta(days=1)
    while calendar.window(day) is None:
        day += dt.timedelta(days=1)
    slot_override_set(item=item, day=day, reason="the client collects that morning", by=None)


def _webhook_deliveries(settings) -> None:
    """A webhook endpoint that existed before the demo's jobs, with their project.created
    deliveries (made, not sent): the endpoints' and the deliveries' lists have rows."""
    import datetime as dt

    from django.utils import timezone

    from comms.models import WebhookEndpoint
    from comms.services.webhooks import endpoint_create, event_dispatch
    from laseros.models import OutboxEvent

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    endpoint, _secret = endpoint_create(
        url="http://127.0.0.1:9/erp", events=["project.created"], by=None
    )
    a_year_ago = timezone.now() - dt.timedelta(days=365)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(created_at=a_year_ago)
    for event in OutboxEvent.objects.filter(type="project.created").order_by("pk")[:3]:
        event_dispatch(event_id=event.pk)


def _invoice_paid_and_credited(project) -> None:
    """An issued invoice, part paid and part credited: the money lists have rows."""
    from finance.services.invoices import credit_note_create, invoice_create, invoice_issue
    from finance.services.payments import payment_record

    lines = [{"description": "Cutting", "quantity": 2, "unit_price": "150"}]
    invoice = invoice_issue(invoice=invoice_create(project=project, by=None, lines=lines), by=None)
    payment_record(
        client=invoice.client, amount="100", by=None, invoices=[invoice], keep_credit=True
    )
    credit_note_create(invoice=invoice, by=None, reason="One plate short", amount_excl_vat="20")
