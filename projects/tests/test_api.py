"""/api/v1/projects/ (with the transition action), /project-documents/, /products/,
/project-lines/: roles, filters, the 400 that names the failed gate, constant queries."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.tests.factories import ClientFactory
from laseros.testing import assert_constant_queries, unchanged
from projects.models import (
    Product,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectStatus,
    ProjectStatusChange,
)
from projects.services import project_line_add
from projects.tests.factories import (
    PDF_BYTES,
    ProductFactory,
    ProjectFactory,
    design_document,
    material,
)

pytestmark = pytest.mark.django_db
S = ProjectStatus


def _grow(n):
    while Project.objects.count() < n:
        project = ProjectFactory()
        design_document(project)
        project_line_add(project=project, product=ProductFactory(), by=None)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/",
        "/api/v1/projects/?stage=open",
        "/api/v1/project-documents/",
        "/api/v1/products/",
        "/api/v1/project-lines/",
    ],
)
def test_list_queries_do_not_grow(api, url):
    client = api("Manager")
    assert_constant_queries(lambda: client.get(url), _grow)


def test_viewer_can_get_but_not_post(api, job_in):
    project = job_in(S.QUOTING)
    viewer = api("Viewer")
    assert viewer.get("/api/v1/projects/").status_code == 200
    assert viewer.get(f"/api/v1/projects/{project.pk}/history/").status_code == 200
    with unchanged(Project, ProjectStatusChange, Product):
        new = viewer.post("/api/v1/projects/", {"client": project.client_id, "name": "X"})
        assert new.status_code == 403
        url = f"/api/v1/projects/{project.pk}/transition/"
        assert viewer.post(url, {"status": "approved"}).status_code == 403
        assert viewer.post("/api/v1/products/", {"name": "X"}).status_code == 403
    project.refresh_from_db()
    assert project.status == S.QUOTING


def test_operator_cannot_move_a_job(api, job_in):
    project = job_in(S.QUOTING)
    with unchanged(Project, ProjectStatusChange):
        response = api("Operator").post(
            f"/api/v1/projects/{project.pk}/transition/", {"status": "approved"}
        )
    assert response.status_code == 403


def test_create_project_status_is_read_only(api):
    client = ClientFactory()
    response = api("Manager").post(
        "/api/v1/projects/",
        {"client": client.pk, "name": "Gussets", "status": "completed", "quantity": 4},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "request" and body["code"].endswith(f"{client.compact_code}-001")
    assert body["allowed_moves"] == ["quoting", "on_hold", "cancelled"]


def test_patch_cannot_change_the_status_or_the_client(api, job_in):
    project = job_in(S.QUOTING)
    manager = api("Manager")
    response = manager.patch(f"/api/v1/projects/{project.pk}/", {"status": "completed"})
    assert response.status_code == 200 and response.json()["status"] == "quoting"
    other = ClientFactory()
    response = manager.patch(f"/api/v1/projects/{project.pk}/", {"client": other.pk})
    assert response.status_code == 400 and "client" in response.json()


def test_transition_answers_200_with_the_project(api, job_in):
    project = job_in(S.QUOTING)
    response = api("Manager").post(
        f"/api/v1/projects/{project.pk}/transition/", {"status": "approved"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved" and response.json()["approved_at"]
    history = api("Viewer").get(f"/api/v1/projects/{project.pk}/history/").json()
    assert [h["to_status"] for h in history] == ["approved"] or history[-1]["to_status"] == (
        "approved"
    )


def test_transition_400_names_the_failed_gate(api):
    project = ProjectFactory()
    manager = api("Manager")
    response = manager.post(f"/api/v1/projects/{project.pk}/transition/", {"status": "quoting"})
    assert response.status_code == 400
    body = response.json()
    assert body["gate"] == "design_file" and "at least one design file" in body["detail"]
    response = manager.post(f"/api/v1/projects/{project.pk}/transition/", {"status": "completed"})
    assert response.status_code == 400 and response.json()["gate"] == "not_allowed"
    response = manager.post(f"/api/v1/projects/{project.pk}/transition/", {"status": "molten"})
    assert response.status_code == 400 and response.json()["gate"] == "invalid"
    project.refresh_from_db()
    assert project.status == S.REQUEST


def test_manager_override_through_the_api(api):
    project = ProjectFactory()
    response = api("Manager").post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"status": "quoting", "override": True, "reason": "drawing on paper"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert project.status_changes.latest("id").overridden_gates == ["design_file"]


def test_filters(api, job_in):
    quoting, paid = job_in(S.QUOTING), job_in(S.PAID)
    job_in(S.COMPLETED)
    manager = api("Manager")

    def codes(query):
        return sorted(
            p["code"] for p in manager.get(f"/api/v1/projects/?{query}").json()["results"]
        )

    assert codes("status=quoting&status=paid") == sorted([quoting.code, paid.code])
    assert codes("stage=open") == sorted([quoting.code, paid.code])
    assert codes(f"client_code={paid.client.code}") == [paid.code]
    assert codes(f"q={quoting.client.name}") == [quoting.code]
    assert codes("material_code=ms") == sorted(p.code for p in Project.objects.all())


def test_upload_proof_of_payment_moves_to_paid(api, job_in):
    project = job_in(S.APPROVED)
    Project.objects.filter(pk=project.pk).update(pop_received_at=None)
    response = api("Manager").post(
        "/api/v1/project-documents/",
        {"project": project.pk, "kind": "pop", "file": SimpleUploadedFile("eft.pdf", PDF_BYTES)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["original_name"] == "eft.pdf"
    project.refresh_from_db()
    assert project.status == S.PAID


def test_upload_of_a_fake_pdf_is_a_400(api, job_in):
    project = job_in(S.APPROVED)
    response = api("Manager").post(
        "/api/v1/project-documents/",
        {"project": project.pk, "kind": "pop", "file": SimpleUploadedFile("eft.pdf", b"nope")},
        format="multipart",
    )
    assert response.status_code == 400 and "not a PDF" in str(response.json())
    assert not ProjectDocument.objects.filter(kind="pop").exists()


def test_products_from_parts_or_sku(api):
    material()
    manager = api("Manager")
    response = manager.post(
        "/api/v1/products/",
        {
            "name": "Bracket",
            "category": "CON",
            "family": "BRK",
            "size": "A-80x80",
            "material": material().pk,
            "thickness_mm": "6",
            "unit_price": "45.50",
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["sku"] == "SKU-CON-BRK-A-80x80-6-MS-v1"
    response = manager.post(
        "/api/v1/products/", {"name": "Plate", "sku": "SKU-CON-PL-100x100-3-MS-v2", "unit_price": 9}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["revision"] == 2
    response = manager.post(
        "/api/v1/products/", {"name": "Dup", "sku": "SKU-CON-PL-100x100-3-MS-v2", "unit_price": 9}
    )
    assert response.status_code == 400
    assert Product.objects.count() == 2


def test_lines_take_the_products_price(api):
    project, product = ProjectFactory(), ProductFactory(unit_price=Decimal("12.50"))
    response = api("Manager").post(
        "/api/v1/project-lines/", {"project": project.pk, "product": product.pk, "quantity": 4}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["unit_price"] == "12.50" and response.json()["line_total"] == "50.00"
    assert ProjectLine.objects.get().line_total == Decimal("50.00")


def test_a_line_whose_total_overflows_is_a_400_and_the_lines_still_list(api):
    """quantity × unit price past the stored total (14 digits) was accepted; from then on every
    GET of the lines (and the line) failed with decimal.InvalidOperation. Found by schemathesis."""
    project = ProjectFactory()
    product = ProductFactory(unit_price=Decimal("9999999999.99"))
    manager = api("Manager")
    project_line_add(project=project, product=product, quantity=1, by=None)
    line = ProjectLine.objects.get()
    for quantity in (1_000_000, 2_000_000_000):  # a total past 14 digits; past the quantity bound
        big = {"project": project.pk, "product": product.pk, "quantity": quantity}
        response = manager.post("/api/v1/project-lines/", big)
        assert response.status_code == 400, response.content
        assert "quantity" in response.json()
        response = manager.patch(f"/api/v1/project-lines/{line.pk}/", {"quantity": quantity})
        assert response.status_code == 400, response.content
    assert ProjectLine.objects.count() == 1
    line.refresh_from_db()
    assert line.quantity == 1
    # a line stored before the check (here written past the service) still lists and reads
    ProjectLine.objects.filter(pk=line.pk).update(quantity=2_000_000_000)
    response = manager.get("/api/v1/project-lines/")
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["line_total"] == "19999999999980000000.00"
    assert manager.get(f"/api/v1/project-lines/{line.pk}/").status_code == 200


def test_a_job_without_a_material_answers_null_and_the_schema_says_it_may(api):
    """Found by the fuzz test on PostgreSQL: material_code was null while the schema said string."""
    from drf_spectacular.generators import SchemaGenerator

    from clients.tests.factories import ClientFactory

    client = api("Manager")
    response = client.post("/api/v1/projects/", {"client": ClientFactory().pk, "name": "Gate"})
    assert response.status_code == 201 and response.json()["material_code"] is None
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["Project"]["properties"]["material_code"]["nullable"]
