"""Payment: a client's terms at the production gate, and "Payment received" recording the proof of
payment and the amount (service, admin form, API), or a manager's waiver."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clients.models import Client
from clients.tests.factories import ClientFactory
from laseros.models import ActivityLog
from laseros.testing import unchanged
from projects import services, workflow
from projects.models import DocumentKind, Project, ProjectDocument, ProjectStatus
from projects.services import TransitionError, project_document_add, project_transition
from projects.tests.factories import PDF_BYTES, pdf

pytestmark = pytest.mark.django_db
S = ProjectStatus
T = Client.PaymentTerms
URL = "/admin/projects/project/"


def _approved(job_in, terms=T.PREPAID, **fields):
    project = job_in(S.APPROVED, client=ClientFactory(name="Acme Steel", payment_terms=terms))
    Project.objects.filter(pk=project.pk).update(pop_received_at=None, **fields)
    project.refresh_from_db()
    return project


# --- 1. payment terms at the production gate ------------------------------------------------------


@pytest.mark.parametrize("terms", [T.NET30, T.NET7])
def test_a_client_on_account_is_queued_on_approval_and_the_history_says_why(terms, job_in, manager):
    project = _approved(job_in, terms)
    project_transition(project=project, to=S.QUEUED, by=manager)
    assert project.status == S.QUEUED and project.payment_waived_at is None
    label = Client.PaymentTerms(terms).label
    change = project.status_changes.latest("id")
    assert change.overridden_gates == []
    assert "on account" in change.reason and label in change.reason
    assert workflow.gate_notes(project, workflow.move_for(S.QUEUED, S.CUTTING))
    project_transition(project=project, to=S.CUTTING, by=manager)  # released: cutting too
    assert project.status == S.CUTTING


@pytest.mark.parametrize("terms", [T.PREPAID, T.COD])
def test_a_cash_client_keeps_the_rule_and_the_gate_names_the_terms(terms, job_in, manager):
    project = _approved(job_in, terms)
    with unchanged(Project), pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUEUED, by=manager)
    assert err.value.gate == "payment"
    assert "No production until paid in full" in err.value.detail
    assert "Acme Steel" in err.value.detail
    assert Client.PaymentTerms(terms).label.lower() in err.value.detail.lower()
    [failed] = err.value.failures
    assert failed.message == err.value.detail  # the API's "failed" list says the same


def test_the_admin_button_says_the_client_is_on_account(admin_user_client, job_in):
    project = _approved(job_in, T.NET30)
    response = admin_user_client.post(
        f"{URL}{project.pk}/transition/queued/", {"from_status": "approved"}, follow=True
    )
    texts = " ".join(str(m) for m in response.context["messages"])
    assert "is now Queued" in texts and "on account (30 days)" in texts
    project.refresh_from_db()
    assert project.status == S.QUEUED


def test_terms_changed_to_cash_close_the_gate_again(job_in, manager):
    project = _approved(job_in, T.NET30)
    Client.objects.filter(pk=project.client_id).update(payment_terms=T.COD)
    project.refresh_from_db()
    with pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.QUEUED, by=manager)
    assert err.value.gate == "payment"


def test_a_job_on_account_gets_its_due_date_when_it_is_queued(job_in, manager):
    approved = timezone.make_aware(dt.datetime(2025, 12, 12, 9, 0))  # a Friday
    project = _approved(job_in, T.NET30, approved_at=approved)
    project_transition(project=project, to=S.QUEUED, by=manager)
    assert project.due_date == dt.date(2025, 12, 18)  # 15, 17, 18 (16th a public holiday)


def test_a_waived_payment_starts_the_due_date(job_in, manager):
    project = _approved(job_in)
    waived = timezone.make_aware(dt.datetime(2025, 12, 12, 9, 0))
    with mock.patch("django.utils.timezone.now", return_value=waived):
        project_transition(
            project=project, to=S.QUEUED, by=manager, reason="known client", override=True
        )
    assert project.payment_waived_at == waived and project.due_date == dt.date(2025, 12, 18)


# --- 3. "Payment received" records the proof and the amount ---------------------------------------


def test_payment_received_records_the_document_and_the_amount(job_in, manager):
    project = _approved(job_in)
    services.project_payment_received(
        project=project, by=manager, amount=Decimal("14375.00"), file=pdf("EFT 0412.pdf")
    )
    project.refresh_from_db()
    assert project.status == S.PAID and project.pop_received_at is not None
    assert project.payment_amount == Decimal("14375.00")
    document = project.payment_document
    assert (document.kind, document.original_name) == (
        DocumentKind.PROOF_OF_PAYMENT,
        "EFT 0412.pdf",
    )
    assert document.project == project and document.file.read() == PDF_BYTES
    entry = ActivityLog.objects.filter(action=ActivityLog.Action.TRANSITION).latest("id")
    assert entry.actor == manager
    assert entry.changes["payment_amount"][1] == "14375.00"
    assert entry.changes["payment_document"][1] == document.pk
    change = project.status_changes.latest("id")
    assert "R 14 375.00" in change.reason and "EFT 0412.pdf" in change.reason


def test_payment_received_can_point_to_a_proof_already_on_the_job(job_in, manager):
    project = _approved(job_in)
    document = ProjectDocument.objects.create(
        project=project, kind=DocumentKind.PROOF_OF_PAYMENT, file="x.pdf", original_name="x.pdf"
    )
    services.project_payment_received(
        project=project, by=manager, amount="980.5", document=document
    )
    project.refresh_from_db()
    assert (project.status, project.payment_document, project.payment_amount) == (
        S.PAID,
        document,
        Decimal("980.50"),
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({}, ["proof of payment", "amount"]),
        ({"amount": Decimal("100")}, ["proof of payment"]),
        ({"file": "pdf"}, ["amount"]),
        ({"file": "pdf", "amount": Decimal("0")}, ["more than R 0"]),
        ({"file": "pdf", "amount": Decimal("-5")}, ["more than R 0"]),
        ({"file": "pdf", "amount": "NaN"}, ["not an amount"]),
        ({"file": "pdf", "amount": "1e400"}, ["not an amount"]),
        ({"file": "pdf", "amount": "12.345"}, ["cents"]),
        ({"file": "pdf", "amount": "9" * 40}, ["at most"]),
        ({"file": "pdf", "amount": "R 1 000"}, ["not an amount"]),
        ({"file": "fake", "amount": Decimal("10")}, ["not a PDF"]),
    ],
)
def test_payment_received_refuses_clearly_and_changes_nothing(kwargs, words, job_in, manager):
    project = _approved(job_in)
    if kwargs.get("file") == "pdf":
        kwargs["file"] = pdf()
    elif kwargs.get("file") == "fake":
        kwargs["file"] = SimpleUploadedFile("eft.pdf", b"not a pdf at all")
    with unchanged(Project, ProjectDocument), pytest.raises(Exception) as err:
        services.project_payment_received(project=project, by=manager, **kwargs)
    text = " ".join(getattr(err.value, "messages", [str(err.value)]))
    for word in words:
        assert word in text, text
    project.refresh_from_db()
    assert project.status == S.APPROVED and project.pop_received_at is None


def test_a_proof_of_another_job_or_kind_is_refused(job_in, manager):
    project, other = _approved(job_in), _approved(job_in)
    theirs = project_document_add(
        project=other, file=pdf(), kind=DocumentKind.PROOF_OF_PAYMENT, by=manager
    )
    quote = project_document_add(project=project, file=pdf(), kind=DocumentKind.QUOTE, by=manager)
    for document in (theirs, quote):
        with pytest.raises(TransitionError, match="not a proof of payment of"):
            services.project_payment_received(
                project=project, by=manager, amount=10, document=document
            )
    project.refresh_from_db()
    assert project.status == S.APPROVED


def test_the_bare_move_is_refused_without_proof(job_in, manager):
    project = _approved(job_in)
    with unchanged(Project), pytest.raises(TransitionError) as err:
        project_transition(project=project, to=S.PAID, by=manager)
    assert err.value.gate == "proof_of_payment"
    assert "proof of payment" in err.value.detail and "amount" in err.value.detail


def test_a_manager_may_waive_the_payment_with_a_reason(job_in, manager, operator):
    project = _approved(job_in)
    with pytest.raises(TransitionError) as err:
        services.project_payment_received(project=project, by=manager, override=True)
    assert err.value.gate == "reason_required"
    with pytest.raises(TransitionError) as err:
        services.project_payment_received(
            project=project, by=operator, override=True, reason="trust"
        )
    assert err.value.gate == "override_not_permitted"
    services.project_payment_received(
        project=project, by=manager, override=True, reason="cash at desk"
    )
    project.refresh_from_db()
    assert project.status == S.PAID and project.payment_waived_at is not None
    assert project.pop_received_at is None and project.payment_amount is None
    assert project.status_changes.latest("id").overridden_gates == ["proof_of_payment"]


def test_a_proof_uploaded_on_the_job_is_its_payment_document(job_in, manager):
    project = _approved(job_in)
    document = project_document_add(
        project=project,
        file=pdf(),
        kind=DocumentKind.PROOF_OF_PAYMENT,
        by=manager,
        amount=Decimal("500"),
    )
    project.refresh_from_db()
    assert project.status == S.PAID
    assert (project.payment_document, project.payment_amount) == (document, Decimal("500.00"))


def test_the_admin_form_asks_for_the_proof_and_the_amount(admin_user_client, job_in):
    project = _approved(job_in)
    url = f"{URL}{project.pk}/transition/paid/"
    page = admin_user_client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="amount"' in page and 'name="proof_of_payment"' in page
    with unchanged(Project, ProjectDocument):
        response = admin_user_client.post(url, {"from_status": "approved"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Attach the proof of payment" in text and "Enter the amount received" in text
    upload = SimpleUploadedFile("eft.pdf", PDF_BYTES, content_type="application/pdf")
    response = admin_user_client.post(
        url, {"from_status": "approved", "amount": "2 300.00", "proof_of_payment": upload}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == S.PAID and project.payment_amount == Decimal("2300.00")
    assert project.payment_document.original_name == "eft.pdf"


def test_the_admin_form_waives_with_a_managers_override(admin_user_client, job_in):
    project = _approved(job_in)
    url = f"{URL}{project.pk}/transition/paid/"
    response = admin_user_client.post(
        url, {"from_status": "approved", "override": "on", "reason": "account settled by phone"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == S.PAID and project.payment_waived_at is not None


def test_the_api_records_the_proof_and_the_amount(api, job_in):
    project = _approved(job_in)
    manager = api("Manager")
    url = f"/api/v1/projects/{project.pk}/transition/"
    with unchanged(Project, ProjectDocument):
        response = manager.post(url, {"status": "paid"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["gate"] == "proof_of_payment" and "amount" in body["detail"]
    with unchanged(Project, ProjectDocument):
        response = manager.post(
            url,
            {
                "status": "paid",
                "amount": "-1",
                "proof_of_payment": SimpleUploadedFile("e.pdf", PDF_BYTES),
            },
            format="multipart",
        )
    assert response.status_code == 400 and "amount" in response.json()["detail"]
    response = manager.post(
        url,
        {
            "status": "paid",
            "amount": "1250.00",
            "proof_of_payment": SimpleUploadedFile("eft.pdf", PDF_BYTES),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "paid"
    project.refresh_from_db()
    assert project.payment_amount == Decimal("1250.00")
    assert project.payment_document.original_name == "eft.pdf"


def test_the_api_points_to_a_proof_already_uploaded(api, job_in):
    project = _approved(job_in, status=S.QUOTING, approved_at=None)
    manager = api("Manager")
    upload = SimpleUploadedFile("eft.pdf", PDF_BYTES)
    response = manager.post(
        "/api/v1/project-documents/",
        {"project": project.pk, "kind": "pop", "file": upload},
        format="multipart",
    )
    assert response.status_code == 201
    project.refresh_from_db()
    assert project.status == S.QUOTING  # still to approve
    project_transition(project=project, to=S.APPROVED, by=None)
    document_id = response.json()["id"]
    response = manager.post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"status": "paid", "amount": "99.90", "proof_of_payment_document": document_id},
        format="json",
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.payment_document_id == document_id


def test_payment_fields_for_a_move_that_records_no_payment_are_refused(api, job_in):
    project = job_in(S.QUOTING)
    with unchanged(Project):
        response = api("Manager").post(
            f"/api/v1/projects/{project.pk}/transition/",
            {"status": "approved", "amount": "10"},
            format="json",
        )
    assert response.status_code == 400 and "records no payment" in response.json()["detail"]


def test_waived_through_the_api(api, job_in):
    project = _approved(job_in)
    response = api("Manager").post(
        f"/api/v1/projects/{project.pk}/transition/",
        {"status": "paid", "override": True, "reason": "paid cash at the desk"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["payment_waived_at"]
