"""Fixtures for finance's tests: a shop that can price 10 mm mild steel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "ingest" / "tests" / "samples"
# A 200 × 200 mm base plate with four Ø18 holes, 10 mm thick (ingest's sample, see its SOURCES.md):
# cut length 1 026.195 mm, 5 pierces, net area 38 982.124 mm².
BASE_PLATE = SAMPLES / "dxf" / "fdlb__base_plate_200x200_t10_4x18_on160.dxf"
LIGHTBURN_PLATE = SAMPLES / "lightburn" / "0002-Blue Plate-MS-0.53mm-x1.lbrn2"


@pytest.fixture
def pricing_shop(db):
    """Machine X3 at R 600/h, a 10 mm MS O2 preset (1 000 mm/min, 2 s a pierce), 10 mm MS sheets
    at R 6 000, and rates with no travel, set-up, handling, margin or minimums (each test adds
    what it checks)."""
    from finance.models import RATES_PK, ShopRates
    from inventory.tests.factories import MaterialFactory, SheetStockFactory
    from production.tests.factories import CutPresetFactory, MachineFactory

    ms = MaterialFactory(code="MS")
    machine = MachineFactory(code="X3", hourly_rate=Decimal("600"))
    preset = CutPresetFactory(
        material=ms,
        thickness_mm=Decimal("10"),
        gas="O2",
        nozzle="1.2D",
        note="",
        name="10mm O2 MS 1.2D",
        cut_speed_mm_min=Decimal("1000"),
        pierce_time_s=Decimal("2"),
    )
    stock = SheetStockFactory(material=ms, thickness_mm=Decimal("10"), unit_cost=Decimal("6000"))
    ShopRates.objects.filter(pk=RATES_PK).update(
        machine=machine,
        travel_allowance_pct=0,
        setup_minutes_per_job=0,
        setup_minutes_per_part=0,
        handling_per_part=0,
        bending_per_bend=0,
        margin_pct=0,
        minimum_per_part=0,
        minimum_per_order=0,
    )
    return {"material": ms, "machine": machine, "preset": preset, "stock": stock}


@pytest.fixture
def drawing():
    """drawing(path) -> an open upload of a sample file (closed after the test)."""
    opened = []

    def _open(path: Path = BASE_PLATE):
        handle = path.open("rb")
        opened.append(handle)
        return handle

    yield _open
    for handle in opened:
        handle.close()


@pytest.fixture
def job(pricing_shop):
    """A job for 10 mm mild steel, in Request, made by the job service."""
    from projects.tests.factories import ProjectFactory

    return ProjectFactory(material=pricing_shop["material"], thickness_mm=Decimal("10"))


@pytest.fixture
def measured(committed, job):
    """measured(path, name) -> a drawing uploaded to the job and read by the worker, as the
    shop's own uploads are (the name says material, thickness and quantity)."""
    from ingest.services import ingest

    def _measured(path: Path = BASE_PLATE, name: str = "0002-Base plate-MS-10mm-x2.dxf"):
        with committed():
            outcome = ingest(source_file=path, original_name=name, project=job)
        outcome.file.refresh_from_db()
        assert outcome.file.status == "processed", outcome.file.error
        return outcome.file

    return _measured
