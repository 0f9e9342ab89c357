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
    assert project.status_changes.latest("id").reason == (
        "payment received: amount not entered, proof of payment pop.pdf"
    )
    assert project.payment_document.kind == DocumentKind.PROOF_OF_PAYMENT


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


# --- active content: nothing a browser would run is kept ---------------------------------------

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
ACTIVE_SVGS = {
    "script": "<script>alert(document.cookie)</script>",
    "namespaced script": '<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>',
    "event handler": '<rect width="10" height="10" onload="alert(1)"/>',
    "upper-case handler": '<rect width="10" height="10" ONMOUSEOVER="alert(1)"/>',
    "javascript link": '<a href="javascript:alert(1)"><text>x</text></a>',
    "split javascript link": '<a xlink:href=" java&#x09;script:alert(1)"><text>x</text></a>',
    "entity javascript link": '<a href="&#106;avascript:alert(1)"><text>x</text></a>',
    "animated link": '<a><animate attributeName="href" values="javascript:alert(1)"/></a>',
    "animated handler": '<set attributeName="onclick" to="alert(1)"/>',
    "embedded page": '<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>',
    "data page": '<image href="data:text/html;base64,PHNjcmlwdD4="/>',
}


def _svg(body: str, *, padding: int = 0) -> bytes:
    # padding puts the script past the 8 KB that content detection reads
    return f"{SVG_OPEN}<!-- {'x' * padding} -->{body}</svg>".encode()


@pytest.mark.parametrize("padding", [0, 20_000])
@pytest.mark.parametrize("case", sorted(ACTIVE_SVGS))
def test_an_svg_that_could_run_script_is_refused_and_nothing_is_stored(manager, case, padding):
    project = ProjectFactory()
    upload = ContentFile(_svg(ACTIVE_SVGS[case], padding=padding), name="drawing.svg")
    with pytest.raises(ValidationError, match=r"drawing\.svg .*(script|could run)"):
        project_document_add(project=project, file=upload, kind=DocumentKind.DESIGN, by=manager)
    assert not ProjectDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.txt", b"<!DOCTYPE html><html><body><script>alert(1)</script>", "is a web page"),
        ("notes.csv", b"<html><head><title>x</title></head><script>x</script>", "is a web page"),
        ("page.html", b"<html><script>alert(1)</script></html>", "not accepted"),
        ("page.xhtml", b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "not accepted"),
        ("photo.png", _svg("<rect/>"), "is an SVG"),
        ("broken.svg", SVG_OPEN.encode() + b"<rect", "not a well-formed SVG"),
        (
            "bomb.svg",
            b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            + _svg("<text>&b;</text>"),
            "not a well-formed SVG",
        ),
    ],
)
def test_pages_and_disguised_or_broken_svgs_are_refused(manager, name, content, message):
    with pytest.raises(ValidationError, match=message):
        project_document_add(
            project=ProjectFactory(), file=ContentFile(content, name=name), kind="other", by=manager
        )
    assert not ProjectDocument.objects.exists()


def test_a_plain_svg_drawing_is_kept_and_downloads_in_a_sandbox(manager, client):
    plain = _svg('<rect width="80" height="80" style="fill:none;stroke:red"/><a href="#r"/>')
    document = project_document_add(
        project=ProjectFactory(),
        file=ContentFile(plain, name="bracket.svg"),
        kind=DocumentKind.DESIGN,
        by=manager,
    )
    client.force_login(manager)
    response = client.get(document.file.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == plain
    assert response["Content-Disposition"] == 'attachment; filename="bracket.svg"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
