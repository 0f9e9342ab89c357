"""Production's event in the outbox (laseros.outbox): run.finished, written with the run; a
refused run leaves none."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from laseros.models import OutboxEvent
from production import services
from production.tests.factories import make_project

pytestmark = pytest.mark.django_db


def _run(shop, *, sheets):
    end = timezone.now()
    return services.run_record(
        machine=shop["machine"],
        operator=shop["operator"],
        preset=shop["preset"],
        started_at=end - dt.timedelta(minutes=40),
        ended_at=end,
        projects=[(make_project(), 10, 3000, 50000)],
        sheets=sheets,
    )


def test_a_recorded_run_records_run_finished(make_run_shop):
    shop = make_run_shop(on_hand=5)
    run = _run(shop, sheets=[(shop["stock"], 2)])
    (event,) = OutboxEvent.objects.filter(type="run.finished")
    assert event.payload["run_id"] == run.pk and event.payload["parts_cut"] == 10
    assert event.payload["project_codes"] == [run.project_shares.get().project.code]
    ended = dt.datetime.fromisoformat(event.payload["ended_at"])
    assert abs(ended - run.ended_at) < dt.timedelta(milliseconds=1)  # JSON keeps milliseconds


def test_a_refused_run_records_nothing(make_run_shop):
    shop = make_run_shop(on_hand=5)
    with pytest.raises(ValidationError, match="Not enough stock"):
        _run(shop, sheets=[(shop["stock"], 9)])
    assert not OutboxEvent.objects.filter(type="run.finished").exists()
