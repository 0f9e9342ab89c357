"""Every projects endpoint's generated tests (laseros.api_testing): roles, create, update and
each filter proven on two rows."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clients.tests.factories import ClientFactory
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER
from projects.models import (
    DocumentKind,
    Product,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectPriority,
    ProjectStatus,
)
from projects.services import project_line_add
from projects.tests.factories import (
    DXF_BYTES,
    ProductFactory,
    ProjectFactory,
    design_document,
    material,
)

WRITERS = (ADMIN, MANAGER)  # operators and viewers read jobs; the office writes them
CODES = ("MS", "SS")


def job(n: int) -> Project:
    return ProjectFactory(
        client=ClientFactory(name=f"Client {'AB'[n % 2]}{n}"),
        name=f"Job {'AB'[n % 2]}{n} base plates",
        material=material(CODES[n % 2]),
        thickness_mm=Decimal(3 + 3 * n),
    )


def status(to: str, **more):
    return lambda m, o: set_fields(m, status=to, **more)


class TestProjects(EndpointTests):
    prefix = "projects"
    model = Project
    writers = WRITERS
    filters = (
        Filter("q", lambda p: p.client.name.lower()),
        Filter("status", lambda p: ProjectStatus.QUOTING, status(ProjectStatus.QUOTING)),
        Filter("stage", lambda p: "done", status(ProjectStatus.COMPLETED)),
        Filter(
            "stage",
            lambda p: "expiring",
            status(ProjectStatus.QUOTING, quote_expires_on=timezone.localdate()),
            name="stage=expiring",
        ),
        Filter("client", lambda p: p.client_id),
        Filter("material", lambda p: p.material_id),
        Filter("priority", lambda p: p.priority, lambda m, o: set_fields(m, priority="urgent")),
        Filter("client_code", lambda p: p.client.code.lower()),
        Filter("material_code", lambda p: p.material.code.lower()),
        Filter("thickness_mm", lambda p: p.thickness_mm),
        Filter("code", lambda p: p.code.lower()),
        Filter(
            "status_before_hold",
            lambda p: ProjectStatus.CUTTING,
            status(ProjectStatus.ON_HOLD, status_before_hold=ProjectStatus.CUTTING),
        ),
        Filter(
            "created_by",
            lambda p: p.created_by.username,
            lambda m, o: set_fields(m, created_by=someone("lerato")),
        ),
        *dates("created_at"),
        *dates("due_date", "due"),
        Filter(
            "quote_expires_before",
            lambda p: p.quote_expires_on.isoformat(),
            lambda m, o: (
                set_fields(m, quote_expires_on=timezone.localdate())
                or set_fields(o, quote_expires_on=timezone.localdate().replace(year=2099))
            ),
        ),
        *dates("status_changed_at"),
        *dates("promised_date", "promised"),
        *dates("quote_sent_on", "quote_sent"),
        *dates("quote_reminder_on", "quote_reminder"),
        *dates("approved_at"),
        *dates("pop_received_at"),
        *dates("payment_waived_at"),
        *dates("completed_at"),
        *dates("updated_at"),
    )

    def make(self, n):
        return job(n)

    def create_data(self):
        return {
            "client": ClientFactory().pk,
            "name": "Gate brackets",
            "material": material("MS").pk,
            "thickness_mm": "4",
            "quantity": 12,
            "priority": ProjectPriority.HIGH,
        }

    def update_data(self, obj):
        return {"name": "Gate brackets (second batch)", "quantity": 24}


class TestProjectDocuments(EndpointTests):
    prefix = "project-documents"
    model = ProjectDocument
    writers = deleters = WRITERS
    watched = (Project,)
    create_format = "multipart"
    filters = (
        Filter("project", lambda d: d.project_id),
        Filter("project_code", lambda d: d.project.code.lower()),
        Filter("kind", lambda d: DocumentKind.IMAGE, lambda m, o: set_fields(m, kind="image")),
        Filter(
            "uploaded_after",
            lambda d: d.uploaded_at.date().isoformat(),
            lambda m, o: set_fields(o, uploaded_at=o.uploaded_at.replace(year=2020)),
        ),
        Filter(
            "uploaded_by",
            lambda d: d.uploaded_by_id,
            lambda m, o: set_fields(m, uploaded_by=someone("lerato")),
        ),
    )

    def make(self, n):
        return design_document(job(n), name=f"bracket-{n}.dxf")

    def create_data(self):
        upload = SimpleUploadedFile("gate.dxf", DXF_BYTES, content_type="image/vnd.dxf")
        return {"project": job(7).pk, "file": upload, "kind": DocumentKind.DESIGN}


class TestProducts(EndpointTests):
    prefix = "products"
    model = Product
    writers = WRITERS
    filters = (
        Filter("q", lambda p: p.sku.lower()),
        Filter("category", lambda p: p.category.lower()),
        Filter("family", lambda p: p.family.lower()),
        Filter("material", lambda p: p.material_id),
        Filter("is_active", lambda p: "false", lambda m, o: set_fields(m, is_active=False)),
        Filter("material_code", lambda p: p.material.code.lower()),
        Filter("thickness_mm", lambda p: p.thickness_mm),
        Filter("sku", lambda p: p.sku.lower()),
        *dates("created_at"),
        *dates("updated_at"),
    )

    def make(self, n):
        return ProductFactory(
            category=("CON", "AGR")[n % 2],
            family=("BRK", "GUS")[n % 2],
            material=material(CODES[n % 2]),
            thickness_mm=Decimal(3 + 3 * n),
        )

    def create_data(self):
        return {
            "name": "Gusset plate",
            "category": "CON",
            "family": "GUS",
            "size": "100x100",
            "material": material("MS").pk,
            "thickness_mm": "5",
            "unit_price": "38.50",
        }

    def update_data(self, obj):
        return {"name": "Gusset plate, slotted", "description": "Two 14 mm slots."}


class TestProjectLines(EndpointTests):
    prefix = "project-lines"
    model = ProjectLine
    writers = deleters = WRITERS
    watched = (Project,)
    filters = (
        Filter("project", lambda line: line.project_id),
        Filter("product", lambda line: line.product_id),
        Filter("project_code", lambda line: line.project.code.lower()),
        Filter("sku", lambda line: line.product.sku.lower()),
    )

    def make(self, n):
        return project_line_add(project=job(n), product=ProductFactory(), quantity=n + 1, by=None)

    def create_data(self):
        return {"project": job(7).pk, "product": ProductFactory().pk, "quantity": 3}

    def update_data(self, obj):
        return {"quantity": obj.quantity + 5, "note": "two spare"}
