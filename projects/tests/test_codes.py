"""Project codes: JB-YYYY-MM-CL0001-###, per client per month, never reused, race-safe."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.tests.factories import ClientFactory
from laseros.testing import needs_postgresql, run_at_once
from projects.models import Project, ProjectStatusChange
from projects.services import project_create


@pytest.mark.django_db
def test_codes_count_per_client_per_month():
    acme, bolt = ClientFactory(), ClientFactory()
    month = timezone.localdate()
    first = project_create(client=acme, name="Brackets", by=None)
    second = project_create(client=acme, name="Gussets", by=None)
    other = project_create(client=bolt, name="Covers", by=None)
    prefix = f"JB-{month:%Y-%m}-"
    assert first.code == f"{prefix}{acme.compact_code}-001"
    assert second.code == f"{prefix}{acme.compact_code}-002"
    assert other.code == f"{prefix}{bolt.compact_code}-001"
    older = project_create(client=acme, name="Old job", month=dt.date(2024, 3, 9), by=None)
    assert older.code == f"JB-2024-03-{acme.compact_code}-001"
    # the job starts in Request with its first history row
    assert first.status == "request"
    assert ProjectStatusChange.objects.get(project=first).to_status == "request"


@pytest.mark.django_db
def test_codes_are_never_reused_after_deletion():
    client = ClientFactory()
    jobs = [project_create(client=client, name=f"Job {i}", by=None) for i in range(3)]
    last_code = jobs[-1].code
    Project.objects.filter(pk__in=[j.pk for j in jobs[1:]]).delete()
    again = project_create(client=client, name="After deleting", by=None)
    assert again.code.endswith("-004") and again.code != last_code


@pytest.mark.django_db
def test_an_imported_code_is_kept_and_the_sequence_moves_past_it():
    client = ClientFactory()
    code = f"JB-2025-10-{client.compact_code}-007"
    kept = project_create(client=client, name="Legacy", code=code, by=None)
    assert kept.code == code
    nxt = project_create(client=client, name="Next", month=dt.date(2025, 10, 20), by=None)
    assert nxt.code.endswith("-008")
    with pytest.raises(ValidationError, match="already exists"):
        project_create(client=client, name="Dup", code=code, by=None)
    with pytest.raises(ValidationError, match="belongs to"):
        project_create(client=client, name="Wrong", code="JB-2025-10-CL9999-001", by=None)


@pytest.mark.django_db
def test_bad_input_changes_nothing():
    client = ClientFactory()
    with pytest.raises(ValidationError):
        project_create(client=client, name="", by=None)
    with pytest.raises(ValidationError):
        project_create(client=client, name="Zero", quantity=0, by=None)
    assert not Project.objects.exists()


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_consecutive_codes():
    client = ClientFactory()
    codes = []

    def worker(n):
        for i in range(5):
            codes.append(project_create(client=client, name=f"T{n}-{i}", by=None).code)

    errors = run_at_once(worker, 8)
    assert not errors, errors
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, 41))
    assert Project.objects.filter(client=client).count() == 40
