"""The demo shop's drawings go through ingest's whole pipeline, once."""

from __future__ import annotations

import random

import pytest

from ingest.models import FileIngest, FileStatus
from ingest.tests.factories import make_project, material
from laseros.site.demo.files import seed_files

pytestmark = pytest.mark.django_db


def test_demo_drawings_are_ingested_once(committed):
    for _ in range(2):
        make_project(material=material("MS"), thickness_mm="3")
    lines = []
    with committed():
        seed_files(1, random.Random(1), lines.append)
    files = list(FileIngest.objects.all())
    assert files and all(f.status == FileStatus.PROCESSED for f in files)
    assert all(f.metadata.material_code == "MS" and f.metadata.part_count == 1 for f in files)
    with committed():
        seed_files(1, random.Random(2), lines.append)
    assert FileIngest.objects.count() == len(files)
    assert lines[-1].startswith("files: 0 drawings ingested") and "already there" in lines[-1]
