"""Project documents: where they are stored, what is refused, and proof of payment -> Paid."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from projects.models import DocumentKind, Project, ProjectDocument, ProjectStatus
from projects.services import TransitionError, project_document_add, project_document_delete
from projects.signals import project_status_changed
from projects.tests.factories import PDF_BYTES, ProjectFactory, pdf

pytestmark = pytest.mark.django_db
S = ProjectStatus
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def test_stored_under_client_and_project_with_the_original_name(manager):
    project = ProjectFactory()
    doc = project_document_add(
        project=project, file=pdf("Quote 42.pdf"), kind=DocumentKind.QUOTE, by=manager
    )
    assert doc.file.name == f"{project.client.code}/{project.code}/documents/Quote_42.pdf"
    assert doc.original_name == "Quote 42.pdf"
    assert (doc.content_type, doc.size_bytes, doc.uploaded_by) == (
        "application/pdf",
        len(PDF_BYTES),
        manager,
    )
    assert doc.file.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "content", "kind", "message"),
    [
        ("empty.pdf", b"", DocumentKind.OTHER, "is empty"),
        ("fake.pdf", b"hello, not a pdf", DocumentKind.INVOICE, "is not a PDF"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 64, DocumentKind.OTHER, "not accepted"),
        ("photo.pdf", PDF_BYTES, DocumentKind.IMAGE, "is not an image"),
        ("photo.png", b"just some text", DocumentKind.IMAGE, "is not an image"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(name, content, kind, message, manager):
    project = ProjectFactory()
    with pytest.raises(ValidationError, match=message):
        project_document_add(
            project=project, file=ContentFile(content, name=name), kind=kind, by=manager
        )
    assert not ProjectDocument.objects.exists()


def test_too_big_is_refused(manager, settings):
    settings.INGEST_MAX_UPLOAD_MB = 0
    with pytest.raises(ValidationError, match="the limit is"):
        project_document_add(project=ProjectFactory(), file=pdf(), kind="other", by=manager)


def test_an_image_is_accepted(manager):
    doc = project_document_add(
        project=ProjectFactory(),
        file=ContentFile(PNG_BYTES, name="sheet.png"),
        kind=DocumentKind.IMAGE,
        by=manager,
    )
    assert doc.content_type == "image/png"


def test_proof_of_payment_moves_an_approved_job_to_paid_and_signals_once(
    job_in, manager, django_capture_on_commit_callbacks
):
    project = job_in(S.APPROVED)
    Project.objects.filter(pk=project.pk).update(pop_received_at=None)
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    project_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            project_document_add(
                project=project, file=pdf(), kind=DocumentKind.PROOF_OF_PAYMENT, by=manager
            )
    finally:
        project_status_changed.disconnect(listener)
    project.refresh_from_db()
    assert project.status == S.PAID and project.pop_received_at is not None
    assert project.due_date is not None
    assert len(received) == 1
    assert (received[0]["from_status"], received[0]["to_status"]) == ("approved", "paid")
    assert received[0]["project"].pk == project.pk and received[0]["by"] == manager
    assert project.status_changes.latest("id").reason == "proof of payment received"


def test_proof_of_payment_while_quoting_waits_for_approval(job_in, manager):
    project = job_in(S.QUOTING)
    project_document_add(
        project=project, file=pdf(), kind=DocumentKind.PROOF_OF_PAYMENT, by=manager
    )
    project.refresh_from_db()
    assert project.status == S.QUOTING and project.pop_received_at is not None


def test_proof_of_payment_while_quoting_with_a_managers_override(job_in, manager):
    project = job_in(S.QUOTING)
    project_document_add(
        project=project,
        file=pdf(),
        kind=DocumentKind.PROOF_OF_PAYMENT,
        by=manager,
        override=True,
        reason="payment counts as approval",
    )
    project.refresh_from_db()
    assert project.status == S.PAID and project.approved_at is not None
    assert project.status_changes.latest("id").overridden_gates == ["approval"]


def test_operator_cannot_override_with_a_proof_of_payment(job_in, operator):
    project = job_in(S.QUOTING)
    with pytest.raises(TransitionError) as err:
        project_document_add(
            project=project,
            file=pdf(),
            kind=DocumentKind.PROOF_OF_PAYMENT,
            by=operator,
            override=True,
            reason="x",
        )
    assert err.value.gate == "override_not_permitted"
    assert not ProjectDocument.objects.filter(kind=DocumentKind.PROOF_OF_PAYMENT).exists()


def test_quote_upload_starts_the_quote_validity(job_in, manager):
    project = job_in(S.QUOTING)
    project_document_add(project=project, file=pdf("q.pdf"), kind=DocumentKind.QUOTE, by=manager)
    project.refresh_from_db()
    assert project.quote_sent_on is not None and project.quote_expires_on is not None


def test_delete_removes_the_file(manager, django_capture_on_commit_callbacks):
    doc = project_document_add(project=ProjectFactory(), file=pdf(), kind="other", by=manager)
    storage, name = doc.file.storage, doc.file.name
    with django_capture_on_commit_callbacks(execute=True):
        project_document_delete(document=doc, by=manager)
    assert not storage.exists(name) and not ProjectDocument.objects.exists()
