"""A small shop for the floor's run tests: machine X3, its operator, presets, sheets and a job on
the queue (used by test_floor_runs.py and test_floor_runs_pages.py)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inventory.tests.factories import MaterialFactory, SheetStockFactory
from production.models import FIVE_H
from production.services import queue_paid_project
from production.tests.factories import (
    CutPresetFactory,
    MachineFactory,
    OperatorFactory,
    make_project,
)
from projects.models import Project

ALL_FIVE = frozenset(name for name, _, _ in FIVE_H)


def photo(width: int = 2000, height: int = 1000, *, orientation: int | None = None, name="s.jpg"):
    """A camera's JPEG, `orientation` in its EXIF (6: the camera was turned a quarter)."""
    picture = Image.new("RGB", (width, height), (200, 40, 40))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    picture.save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def floor(make_user, settings):
    """Machine X3 (the default), Sipho its operator, a 3 mm MS preset (air) and another (N2),
    ten 3 mm MS sheets, and a paid 3 mm MS job of 10 parts on X3's queue."""
    settings.PRODUCTION_DEFAULT_MACHINE = "X3"
    ms = MaterialFactory(code="MS")
    user = make_user("sipho", role="Operator")
    shop = {
        "user": user,
        "machine": MachineFactory(code="X3"),
        "operator": OperatorFactory(user=user, display_name="Sipho"),
        "nitrogen": CutPresetFactory(material=ms, thickness_mm=Decimal("3"), gas="N2"),
        "preset": CutPresetFactory(material=ms, thickness_mm=Decimal("3"), gas="AIR"),
        "stock": SheetStockFactory(material=ms, thickness_mm=Decimal("3"), quantity_on_hand=10),
    }
    shop["job"] = queued_job(quantity=10)
    return shop


def queued_job(**fields) -> Project:
    job = make_project(status="paid", **fields)
    queue_paid_project(project=job)
    job.refresh_from_db()
    assert job.status == "queued"
    return job
