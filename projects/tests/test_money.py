"""Operators see what to cut, not what it costs: no quoted or final price, no line or product
price, no quote, invoice or proof of payment, in the admin (pages, exports, lookups) or the API.
A manager still sees all of it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from projects.models import DocumentKind, ProjectDocument
from projects.selectors import can_see_document, documents_visible_to
from projects.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

# the priced_job fixture (conftest.py): quoted 98765.43, final 87654.32, a line of 3 × 4321.09
# (12963.27), a design file and the money documents
AMOUNTS = re.compile(
    r"98[ ,.\xa0\u202f]?765[.,]43|87[ ,.\xa0\u202f]?654[.,]32|4[ ,.\xa0\u202f]?321[.,]09"
    r"|12[ ,.\xa0\u202f]?963[.,]27"
)
MONEY_LABELS = ("quoted price", "final price", "unit price", "line total", "lines total")
MONEY_DOCUMENTS = ("pop-march.pdf", "quote-42.pdf", "invoice-7.pdf")  # as in priced_job


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _money_in(text: str) -> list[str]:
    lowered = text.lower()
    return AMOUNTS.findall(text) + [label for label in MONEY_LABELS if label in lowered]


# --- the admin --------------------------------------------------------------------------------


def test_the_operators_job_page_shows_what_to_cut_and_no_money(client, operator, priced_job):
    html = _page(client, operator, f"/admin/projects/project/{priced_job.pk}/change/")
    assert _money_in(html) == []
    for name in MONEY_DOCUMENTS:
        assert name not in html
    # what the operator needs is all there
    assert priced_job.code in html and "bracket.dxf" in html and "What to cut" in html


def test_the_managers_job_page_shows_the_money(client, manager, priced_job):
    html = _page(client, manager, f"/admin/projects/project/{priced_job.pk}/change/")
    assert {m.replace("\xa0", " ") for m in AMOUNTS.findall(html)} >= {"98765.43", "87654.32"}
    assert "quoted price" in html.lower() and "line total" in html.lower()
    for name in MONEY_DOCUMENTS:
        assert name in html


@pytest.mark.parametrize(
    ("url", "manager_sees"),
    [
        ("/admin/projects/product/", True),
        ("/admin/projects/projectline/", True),
        ("/admin/projects/project/", True),  # the job's value, to roles that see money
    ],
)
def test_changelists_have_no_price_column_for_operators(
    client, operator, manager, priced_job, url, manager_sees
):
    assert _money_in(_page(client, operator, url)) == []
    assert bool(_money_in(_page(client, manager, url))) is manager_sees


def _export(client, user, url, model):
    client.force_login(user)
    response = client.post(
        url, {"action": "export_csv", "_selected_action": [o.pk for o in model.objects.all()]}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", ["/admin/projects/product/", "/admin/projects/projectline/"])
def test_the_export_has_no_money_column_for_operators(client, operator, manager, priced_job, url):
    from projects.models import Product, ProjectLine

    model = Product if "product/" in url else ProjectLine
    rows = _export(client, operator, url, model)
    assert len(rows) == 2  # the header and the one row
    assert _money_in("\n".join(",".join(r) for r in rows)) == []
    rows = _export(client, manager, url, model)
    assert "unit price" in [h.lower() for h in rows[0]]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/projects/project/?quoted_price__gte=90000",
        "/admin/projects/project/?final_price__lt=1",
        "/admin/projects/product/?unit_price__gt=4000",
        "/admin/projects/projectline/?unit_price__gt=4000",
    ],
)
def test_a_changelist_lookup_on_a_price_is_refused_for_operators(
    client, operator, manager, priced_job, url
):
    client.force_login(operator)
    assert client.get(url).status_code == 400
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_the_client_page_lists_the_jobs_without_prices(client, operator, manager, priced_job):
    url = f"/admin/clients/client/{priced_job.client.pk}/change/"
    html = _page(client, operator, url)
    assert priced_job.code in html and _money_in(html) == []
    assert AMOUNTS.findall(_page(client, manager, url))


def test_money_documents_are_not_listed_or_opened_by_operators(
    client, operator, manager, priced_job
):
    html = _page(client, operator, "/admin/projects/projectdocument/")
    assert "bracket.dxf" in html
    assert not [name for name in MONEY_DOCUMENTS if name in html]
    pop = ProjectDocument.objects.get(kind=DocumentKind.PROOF_OF_PAYMENT)
    url = f"/admin/projects/projectdocument/{pop.pk}/change/"
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/admin/"  # "does not exist"
    html = _page(client, manager, "/admin/projects/projectdocument/")
    assert all(name in html for name in MONEY_DOCUMENTS)
    assert "pop-march.pdf" in _page(client, manager, url)


# --- the rule the file downloads share ------------------------------------------------------------


def test_documents_visible_to_is_the_one_rule(operator, manager, viewer, priced_job):
    everything = set(ProjectDocument.objects.values_list("original_name", flat=True))
    assert {d.original_name for d in documents_visible_to(manager)} == everything
    assert {d.original_name for d in documents_visible_to(viewer)} == everything
    assert {d.original_name for d in documents_visible_to(operator)} == {"bracket.dxf"}
    for document in ProjectDocument.objects.all():
        assert can_see_document(manager, document)
        assert can_see_document(operator, document) is (document.kind == DocumentKind.DESIGN)


# --- the API --------------------------------------------------------------------------------------

MONEY_KEYS = {"quoted_price", "final_price", "unit_price", "line_total"}


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/api/v1/projects/", "thickness_mm"),
        ("/api/v1/products/", "thickness_mm"),
        ("/api/v1/project-lines/", "quantity"),
    ],
)
def test_api_lists_and_details_have_no_money_keys_for_operators(api, priced_job, path, kept):
    operator = api("Operator")
    listed = operator.get(path)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    row = listed.json()["results"][0]
    assert not set(row) & MONEY_KEYS and not _money_in(str(row))
    detail = operator.get(f"{path}{row['id']}/")
    assert detail.status_code == 200 and not set(detail.json()) & MONEY_KEYS
    assert kept in row and kept in detail.json()  # what to cut is still there
    manager_row = api("Manager").get(path).json()["results"][0]
    assert set(manager_row) & MONEY_KEYS and AMOUNTS.findall(str(manager_row))


@pytest.mark.parametrize(
    ("path", "ordering"),
    [("/api/v1/products/", "unit_price"), ("/api/v1/project-lines/", "-unit_price")],
)
def test_api_ordering_by_a_price_is_refused_for_operators(api, priced_job, path, ordering):
    operator = api("Operator")
    refused = operator.get(path, {"ordering": ordering})
    assert refused.status_code == 400 and "money" in str(refused.json())
    assert operator.get(path, {"ordering": "id"}).status_code == 200
    assert api("Manager").get(path, {"ordering": ordering}).status_code == 200


def test_api_money_documents_are_not_listed_or_fetched_by_operators(api, priced_job):
    operator = api("Operator")
    names = [
        d["original_name"] for d in operator.get("/api/v1/project-documents/").json()["results"]
    ]
    assert names == ["bracket.dxf"]
    assert operator.get("/api/v1/project-documents/?kind=pop").json()["count"] == 0
    pop = ProjectDocument.objects.get(kind=DocumentKind.PROOF_OF_PAYMENT)
    assert operator.get(f"/api/v1/project-documents/{pop.pk}/").status_code == 404
    manager = api("Manager")
    assert manager.get("/api/v1/project-documents/").json()["count"] == 4
    assert manager.get(f"/api/v1/project-documents/{pop.pk}/").status_code == 200


def test_money_documents_are_not_downloaded_by_operators(
    client, api, operator, manager, priced_job
):
    pop = ProjectDocument.objects.get(kind=DocumentKind.PROOF_OF_PAYMENT)
    download = f"/api/v1/project-documents/{pop.pk}/download/"
    assert api("Operator").get(download).status_code == 404
    assert api("Manager").get(download).status_code == 200
    client.force_login(operator)
    assert client.get(pop.file.url).status_code == 404  # the stored file's own address
    client.force_login(manager)
    response = client.get(pop.file.url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_api_schema_keeps_the_money_fields_and_says_who_gets_them():
    from projects.api import ProjectLineSerializer, ProjectSerializer

    for serializer, name in (
        (ProjectSerializer, "quoted_price"),
        (ProjectLineSerializer, "unit_price"),
    ):
        assert "laseros.view_money" in str(serializer().fields[name].help_text)


def test_a_role_that_may_change_products_but_not_see_money_cannot_set_a_price(api):
    """The same rule for any serializer with money_fields (projects' products here), whatever a
    future role may change."""
    product = ProductFactory(unit_price=Decimal("45.50"))
    operator = api("Operator")
    operator.user.user_permissions.add(Permission.objects.get(codename="change_product"))
    operator.user = type(operator.user).objects.get(pk=operator.user.pk)  # fresh permission cache
    operator.force_authenticate(operator.user)
    response = operator.patch(f"/api/v1/products/{product.pk}/", {"unit_price": "1"}, format="json")
    assert response.status_code == 400 and "unit_price" in response.json()
    product.refresh_from_db()
    assert product.unit_price == Decimal("45.50")
    renamed = operator.patch(f"/api/v1/products/{product.pk}/", {"name": "Gusset"}, format="json")
    assert renamed.status_code == 200 and "unit_price" not in renamed.json()
