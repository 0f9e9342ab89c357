"""Test data for ingest: clients, projects, small real DXF files, and a fixture that runs what
waits for the commit (events, the inline worker) the way production does."""

from __future__ import annotations

import functools
import io
import itertools
from decimal import Decimal

import ezdxf
import factory
from django.core.files.base import ContentFile

from clients.models import Client
from inventory.models import Material
from projects.models import Project

_project_numbers = itertools.count(1)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CL-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"Client {n + 1}")


def make_project(client: Client | None = None, **fields) -> Project:
    """A job made the way the shop makes one (projects.services.project_create)."""
    from projects.services import project_create

    client = client or ClientFactory()
    if fields.get("thickness_mm") is not None:
        fields["thickness_mm"] = Decimal(str(fields["thickness_mm"]))
    return project_create(
        client=client, name=fields.pop("name", f"Job {next(_project_numbers)}"), by=None, **fields
    )


def material(code: str = "MS") -> Material:
    found, _ = Material.objects.get_or_create(code=code, defaults={"name": code})
    return found


@functools.lru_cache(maxsize=256)
def dxf_bytes(
    width: float = 100.0, height: float = 50.0, holes: tuple[float, ...] = (10.0,), *, units=4
) -> bytes:
    """A rectangle with round holes along its middle, in mm (INSUNITS 4) unless told.

    The same shape gives the same bytes (ezdxf stamps every new drawing with a time and GUID)."""
    doc = ezdxf.new("R2010", units=units)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (width, 0), (width, height), (0, height)], close=True)
    for index, diameter in enumerate(holes):
        msp.add_circle(((index + 1) * width / (len(holes) + 1), height / 2), diameter / 2)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode("utf-8")


def dxf_file(name: str = "0001-Bracket-MS-3mm-x4.dxf", **shape) -> ContentFile:
    return ContentFile(dxf_bytes(**shape), name=name)


def media_files(settings) -> list[str]:
    """Every file under MEDIA_ROOT, relative, sorted."""
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


__all__ = [
    "ClientFactory",
    "Decimal",
    "dxf_bytes",
    "dxf_file",
    "make_project",
    "material",
    "media_files",
]


_rows = itertools.count(1)


def file_row(*, project=None, client=None, status="processed", metadata=True, **fields):
    """A FileIngest row (and its FileMetadata) written directly, without bytes in storage: for
    lists and filters, where only the rows matter."""
    from django.utils import timezone

    from ingest.models import FileIngest, FileMetadata

    n = next(_rows)
    if project is not None:
        client = project.client
    file = FileIngest.objects.create(
        client=client,
        project=project,
        original_name=fields.pop("original_name", f"part-{n}.dxf"),
        file=fields.pop("file", f"rows/part-{n}.dxf"),
        stored_name=f"Part{n}-v001.dxf",
        part=f"Part{n}",
        version=1,
        sha256=fields.pop("sha256", f"{n:064x}"),
        size_bytes=1000 + n,
        kind=fields.pop("kind", "dxf"),
        mime="image/vnd.dxf",
        extension="dxf",
        status=status,
        received_at=timezone.now(),
        source="api",
        **fields,
    )
    if metadata:
        values = {
            "material_code": "MS",
            "thickness_mm": Decimal("3"),
            "quantity": 2,
            "cut_length_mm": 1234.5,
            "pierce_count": 3,
            "part_count": 1,
            "warnings": [],
            "warning_count": 0,
            "has_warnings": False,
        }
        if isinstance(metadata, dict):
            values.update(metadata)
        FileMetadata.objects.create(file=file, updated_at=timezone.now(), **values)
    return file
