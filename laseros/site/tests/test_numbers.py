"""Numbers in the admin are written the South African way (en-ZA, laseros/formats): thousands
grouped by a non-breaking space, "12 500" and "12 345.50", a point before decimals. Ids and codes
are not numbers to read but names: they are never grouped. A form shows what it takes back (its
number boxes the plain number)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.tests.factories import SheetStockFactory
from laseros.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def test_the_stock_list_groups_thousands(admin_user_client):
    SheetStockFactory(quantity_on_hand=12500, reorder_level=1500, unit_cost=Decimal("12345.50"))
    html = admin_user_client.get("/admin/inventory/sheetstock/").content.decode()
    assert f">12{NBSP}500<" in html  # on hand
    assert f">1{NBSP}500<" in html  # reorder level
    assert f"12{NBSP}345.50" in html  # the price
    assert ">12500<" not in html


def test_ids_are_never_grouped(admin_user_client):
    WorkerHeartbeat.objects.create(
        name="w-1", host="bench", pid=123456, started_at=timezone.now(), beat_at=timezone.now()
    )
    html = admin_user_client.get("/admin/laseros/workerheartbeat/").content.decode()
    assert ">123456<" in html and f"123{NBSP}456" not in html


def test_a_job_with_a_long_id_links_its_upload_page_by_that_id(admin_user_client):
    from ingest.tests.factories import make_project
    from projects.models import Project

    job = make_project()
    job.pk, job.code = 123456, job.code[:-3] + "999"
    job.save(force_insert=True)
    assert Project.objects.filter(pk=123456).exists()
    html = admin_user_client.get("/admin/projects/project/123456/change/").content.decode()
    assert "/admin/ingest/fileingest/add/?project=123456" in html


def _form_values(html: str) -> dict[str, str]:
    """Each text or number input's name and value, as a browser would send them back."""
    values = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and kind and kind.group(1) in ("text", "number", "hidden") and value:
            values[name.group(1)] = value.group(1)
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = body.strip()
    return values


def test_a_stock_form_takes_back_the_numbers_it_shows(admin_user_client):
    stock = SheetStockFactory(
        reorder_level=12500, reorder_quantity=1500, unit_cost=Decimal("12345.50")
    )
    url = f"/admin/inventory/sheetstock/{stock.pk}/change/"
    values = _form_values(admin_user_client.get(url).content.decode())
    # a number box shows the plain number: a browser's number input cannot hold "12 500"
    assert (values["reorder_level"], values["unit_cost"]) == ("12500", "12345.50")
    values["is_active"] = "on"
    response = admin_user_client.post(url, values)
    assert response.status_code == 302, re.findall(
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    stock.refresh_from_db()
    assert (stock.reorder_level, stock.reorder_quantity) == (12500, 1500)
    assert stock.unit_cost == Decimal("12345.50") and stock.width_mm == 1225
