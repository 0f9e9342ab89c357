"""The job's answer shows the payment "Payment received" recorded: the amount and the proof of
payment (its id and download link, as the documents' API shows them), read-only, to roles that see
money; operators see neither (issue 9: operators see no money)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Project, ProjectStatus
from projects.tests.factories import PDF_BYTES

pytestmark = pytest.mark.django_db
S = ProjectStatus
PAYMENT_KEYS = {"payment_amount", "payment_document"}


def _paid_through_the_api(api, job_in, manager=None, amount="2300.50") -> tuple[Project, object]:
    project = job_in(S.APPROVED)
    Project.objects.filter(pk=project.pk).update(pop_received_at=None)
    manager = manager or api("Manager")
    response = manager.post(
        f"/api/v1/projects/{project.pk}/transition/",
        {
            "status": "paid",
            "amount": amount,
            "proof_of_payment": SimpleUploadedFile("eft.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    return project, manager


def test_the_job_shows_its_payment_amount_and_proof_to_a_manager(api, job_in):
    project, manager = _paid_through_the_api(api, job_in)
    document = project.payment_document
    link = f"/api/v1/project-documents/{document.pk}/download/"
    answers = [
        manager.get(f"/api/v1/projects/{project.pk}/").json(),
        manager.get("/api/v1/projects/").json()["results"][0],
    ]
    for body in answers:
        assert body["payment_amount"] == "2300.50"
        assert body["payment_document"]["id"] == document.pk
        assert body["payment_document"]["file"].endswith(link)
    # the link is the document's own download, which a manager may open
    download = manager.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content)[:4] == b"%PDF"
    # the same id the documents' API lists for the job's proof of payment
    documents = manager.get(f"/api/v1/project-documents/?project={project.pk}&kind=pop").json()
    assert [d["id"] for d in documents["results"]] == [document.pk]
    assert documents["results"][0]["file"] == answers[0]["payment_document"]["file"]


def test_each_paid_job_in_the_list_links_its_own_proof(api, job_in):
    first, manager = _paid_through_the_api(api, job_in)
    second, _manager = _paid_through_the_api(api, job_in, manager=manager, amount="99.00")
    rows = {row["id"]: row for row in manager.get("/api/v1/projects/").json()["results"]}
    for project in (first, second):
        document = project.payment_document
        shown = rows[project.pk]["payment_document"]
        assert shown["id"] == document.pk
        assert shown["file"].endswith(f"/api/v1/project-documents/{document.pk}/download/")
    assert first.payment_document_id != second.payment_document_id


def test_a_job_not_paid_yet_says_so_with_nulls(api, job_in):
    project = job_in(S.QUOTING)
    body = api("Manager").get(f"/api/v1/projects/{project.pk}/").json()
    assert body["payment_amount"] is None and body["payment_document"] is None


def test_operators_see_neither_the_amount_nor_the_proof(api, job_in):
    project, _manager = _paid_through_the_api(api, job_in)
    operator = api("Operator")
    detail = operator.get(f"/api/v1/projects/{project.pk}/").json()
    row = operator.get("/api/v1/projects/").json()["results"][0]
    for body in (detail, row):
        assert not set(body) & PAYMENT_KEYS
        assert "2300" not in str(body) and "download" not in str(body)
    assert "thickness_mm" in detail  # what to cut is still there


def test_the_payment_is_read_only_here(api, job_in):
    """Only "Payment received" records a payment: a PATCH naming it changes nothing (a manager's
    is ignored, as the status is; an operator's is refused: operators set no money)."""
    project, manager = _paid_through_the_api(api, job_in)
    response = manager.patch(
        f"/api/v1/projects/{project.pk}/",
        {"payment_amount": "1.00", "payment_document": None},
        format="json",
    )
    assert response.status_code == 200 and response.json()["payment_amount"] == "2300.50"
    operator = api("Operator")  # given the right to change jobs, still no money
    operator.user.user_permissions.add(Permission.objects.get(codename="change_project"))
    operator.user = type(operator.user).objects.get(pk=operator.user.pk)  # fresh permission cache
    operator.force_authenticate(operator.user)
    response = operator.patch(
        f"/api/v1/projects/{project.pk}/", {"payment_amount": "1.00"}, format="json"
    )
    assert response.status_code == 400 and "payment_amount" in response.json()
    project.refresh_from_db()
    assert project.payment_amount == Decimal("2300.50") and project.payment_document is not None


def test_the_schema_says_read_only_nullable_and_who_sees_them():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    project = schema["components"]["schemas"]["Project"]["properties"]
    amount, document = project["payment_amount"], project["payment_document"]
    assert amount["readOnly"] and amount["nullable"] and amount["type"] == "string"
    assert amount.get("format") == "decimal"
    assert "laseros.view_money" in amount["description"]
    assert "laseros.view_money" in document["description"]
    ref = document.get("allOf", [document])[0].get("$ref", "")
    shape = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else document
    assert set(shape["properties"]) == {"id", "file"}
    assert shape["properties"]["file"]["format"] == "uri"
    assert document["readOnly"] and document["nullable"]
    for request_body in ("ProjectRequest", "PatchedProjectRequest"):  # nothing to send
        assert not set(schema["components"]["schemas"][request_body]["properties"]) & PAYMENT_KEYS
