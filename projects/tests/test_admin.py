"""The projects admin: buttons and bulk actions move jobs through the service; the status is
never a form field; lists run the same number of queries at 5 and 50 rows."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from laseros.testing import assert_constant_queries, change_form_data, unchanged
from projects.models import Product, Project, ProjectDocument, ProjectStatus, ProjectStatusChange
from projects.services import project_line_add, project_transition
from projects.tests.factories import PDF_BYTES, ProductFactory, ProjectFactory, design_document

pytestmark = pytest.mark.django_db
S = ProjectStatus
URL = "/admin/projects/project/"


def _grow_projects(n):
    while Project.objects.count() < n:
        project = ProjectFactory()
        project_line_add(project=project, product=ProductFactory(), by=None)


@pytest.mark.parametrize(
    "url",
    [
        URL,
        URL + "?stage=open",
        "/admin/projects/projectstatuschange/",
        "/admin/projects/projectline/",
    ],
)
def test_project_lists_queries_do_not_grow(admin_user_client, url):
    assert_constant_queries(lambda: admin_user_client.get(url), _grow_projects)


def test_documents_list_queries_do_not_grow(admin_user_client):
    def grow(n):
        while ProjectDocument.objects.count() < n:
            design_document(ProjectFactory())

    assert_constant_queries(lambda: admin_user_client.get("/admin/projects/projectdocument/"), grow)


def test_products_list_queries_do_not_grow(admin_user_client):
    def grow(n):
        while Product.objects.count() < n:
            ProductFactory()

    assert_constant_queries(lambda: admin_user_client.get("/admin/projects/product/"), grow)


def _change_data(client, project, **extra):
    return change_form_data(client, f"{URL}{project.pk}/change/", **extra)


def test_status_is_not_an_editable_field(admin_user_client):
    project = ProjectFactory()
    response = admin_user_client.get(f"{URL}{project.pk}/change/")
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()
    assert "status" not in response.context["adminform"].form.fields
    response = admin_user_client.post(
        f"{URL}{project.pk}/change/",
        _change_data(admin_user_client, project, status="completed", name="Renamed"),
    )
    assert response.status_code == 302, response.content.decode()[:4000]
    project.refresh_from_db()
    assert project.name == "Renamed" and project.status == S.REQUEST


def test_add_project_generates_the_code(admin_user_client):
    from clients.tests.factories import ClientFactory

    client = ClientFactory()
    data = change_form_data(
        admin_user_client,
        URL + "add/",
        client=client.pk,
        name="Stair treads",
        priority="normal",
        quantity="12",
    )
    response = admin_user_client.post(URL + "add/", data)
    assert response.status_code == 302, response.content.decode()[:4000]
    project = Project.objects.get(name="Stair treads")
    assert project.code.endswith(f"{client.compact_code}-001") and project.status == S.REQUEST


def test_change_page_offers_the_allowed_moves_as_buttons(admin_user_client, job_in):
    project = job_in(S.QUOTING)
    content = admin_user_client.get(f"{URL}{project.pk}/change/").content.decode()
    for target in ("approved", "paid", "request", "on_hold", "cancelled"):
        assert f'data-target="{target}"' in content
    assert 'data-target="cutting"' not in content
    assert "Quote sent today" in content


def test_transition_button_moves_the_job(admin_user_client, job_in):
    project = job_in(S.QUOTING)
    url = f"{URL}{project.pk}/transition/approved/"
    assert admin_user_client.get(url).status_code == 200
    response = admin_user_client.post(url, {"from_status": "quoting", "reason": ""})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == S.APPROVED
    change = project.status_changes.latest("id")
    assert change.changed_by == admin_user_client.user


def test_a_failed_gate_is_shown_and_a_manager_can_override(admin_user_client):
    project = ProjectFactory()  # no design file
    url = f"{URL}{project.pk}/transition/quoting/"
    response = admin_user_client.get(url)
    assert (
        b"at least one design file" in response.content and b'name="override"' in response.content
    )
    response = admin_user_client.post(url, {"from_status": "request"}, follow=True)
    assert "at least one design file" in " ".join(str(m) for m in response.context["messages"])
    project.refresh_from_db()
    assert project.status == S.REQUEST
    response = admin_user_client.post(
        url, {"from_status": "request", "override": "on", "reason": "paper drawing"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == S.QUOTING
    assert project.status_changes.latest("id").overridden_gates == ["design_file"]


def test_operator_sees_no_buttons_and_cannot_move(client, operator, job_in):
    project = job_in(S.QUOTING)
    client.force_login(operator)
    content = client.get(f"{URL}{project.pk}/change/").content.decode()
    assert "data-target=" not in content
    with unchanged(Project, ProjectStatusChange):
        response = client.post(
            f"{URL}{project.pk}/transition/approved/", {"from_status": "quoting"}
        )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == S.QUOTING


def test_bulk_action_moves_each_and_reports_failures(admin_user_client, job_in):
    ready = [job_in(S.QUOTING) for _ in range(2)]
    wrong = job_in(S.REQUEST)
    data = {"action": "move_to_approved", "_selected_action": [p.pk for p in [*ready, wrong]]}
    response = admin_user_client.post(URL, data, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("2 moved" in t for t in texts)
    assert any(wrong.code in t and "cannot go from Request" in t for t in texts)
    assert [p.status for p in Project.objects.filter(pk__in=[p.pk for p in ready])] == [
        S.APPROVED,
        S.APPROVED,
    ]


def test_bulk_hold_asks_for_a_reason_then_resume(admin_user_client, job_in):
    jobs = [job_in(S.CUTTING), job_in(S.PAID)]
    pks = [p.pk for p in jobs]
    data = {"action": "move_to_on_hold", "_selected_action": pks}
    response = admin_user_client.post(URL, data)
    assert response.status_code == 200 and b"give a reason" in response.content
    assert not Project.objects.filter(status=S.ON_HOLD).exists()
    response = admin_user_client.post(URL, {**data, "apply": "1", "reason": "laser service"})
    assert response.status_code == 302
    assert Project.objects.filter(status=S.ON_HOLD).count() == 2
    admin_user_client.post(URL, {"action": "resume_from_hold", "_selected_action": pks})
    assert sorted(Project.objects.filter(pk__in=pks).values_list("status", flat=True)) == [
        "cutting",
        "paid",
    ]


def test_proof_of_payment_uploaded_on_the_job_page_moves_it_to_paid(admin_user_client, job_in):
    project = job_in(S.APPROVED)
    Project.objects.filter(pk=project.pk).update(pop_received_at=None)
    data = _change_data(
        admin_user_client,
        project,
        **{
            "documents-2-TOTAL_FORMS": "1",
            "documents-2-0-kind": "pop",
            "documents-2-0-file": SimpleUploadedFile("eft.pdf", PDF_BYTES),
        },
    )
    response = admin_user_client.post(f"{URL}{project.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:4000]
    project.refresh_from_db()
    assert project.status == S.PAID
    assert project.documents.filter(kind="pop", original_name="eft.pdf").exists()


def test_a_fake_pdf_is_refused_on_the_form(admin_user_client, job_in):
    project = job_in(S.APPROVED)
    data = _change_data(
        admin_user_client,
        project,
        **{
            "documents-2-TOTAL_FORMS": "1",
            "documents-2-0-kind": "pop",
            "documents-2-0-file": SimpleUploadedFile("eft.pdf", b"not a pdf"),
        },
    )
    response = admin_user_client.post(f"{URL}{project.pk}/change/", data)
    assert response.status_code == 200 and b"is not a PDF" in response.content
    project.refresh_from_db()
    assert project.status == S.APPROVED


def test_history_inline_is_read_only(admin_user_client, job_in):
    project = job_in(S.QUOTING)
    project_transition(project=project, to=S.APPROVED, by=None)
    response = admin_user_client.get(f"{URL}{project.pk}/change/")
    content = response.content.decode()
    assert "status history" in content.lower()
    assert 'name="status_changes-0-reason"' not in content
    assert ProjectStatusChange.objects.filter(project=project).count() == 2


def test_product_admin_builds_the_sku(admin_user_client):
    from projects.tests.factories import material

    data = change_form_data(
        admin_user_client,
        "/admin/projects/product/add/",
        name="Angle bracket",
        unit_price="45.50",
        category="con",
        family="brk",
        size="A-80x80",
        material=material().pk,
        thickness_mm="6",
        revision="1",
    )
    response = admin_user_client.post("/admin/projects/product/add/", data)
    assert response.status_code == 302, response.content.decode()[:4000]
    product = Product.objects.get()
    assert product.sku == "SKU-CON-BRK-A-80x80-6-MS-v1"
    assert product.unit_price == Decimal("45.50")


def test_client_page_lists_its_projects(admin_user_client):
    from clients.tests.factories import ClientFactory

    client = ClientFactory()
    jobs = [ProjectFactory(client=client, name=f"Gate job {i}") for i in range(3)]
    response = admin_user_client.get(f"/admin/clients/client/{client.pk}/change/")
    assert response.status_code == 200
    for job in jobs:
        assert job.code.encode() in response.content


def test_the_payment_received_page_asks_for_the_payment_and_records_it(admin_user_client, job_in):
    from projects.tests.factories import pdf

    project = job_in(S.APPROVED)
    url = f"{URL}{project.pk}/transition/paid/"
    page = admin_user_client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and "The payment" in page
    assert 'name="amount"' in page and 'name="proof_of_payment"' in page
    # without the payment it is refused on the page, and the job stays where it was
    refused = admin_user_client.post(url, {"from_status": "approved"})
    shown = refused.content.decode()
    assert refused.status_code == 200 and 'class="errorlist' in shown
    assert "proof of payment" in shown.lower() and "amount" in shown.lower()
    project.refresh_from_db()
    assert project.status == S.APPROVED
    paid = admin_user_client.post(
        url,
        {"from_status": "approved", "amount": "R 2 300.00", "proof_of_payment": pdf("eft.pdf")},
    )
    assert paid.status_code == 302
    project.refresh_from_db()
    assert project.status == S.PAID and str(project.payment_amount) == "2300.00"
