"""Global search (/search/ and /api/v1/search/): every kind found, codes first (the page opens
the one a code names), only what the reader may view, clear words for a query that cannot be
searched, and as many queries for 50 matching jobs as for 5."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.tests.factories import ClientFactory, ContactFactory
from finance.services import quote_create
from finance.services.invoices import invoice_create, invoice_issue
from ingest.models import FileExtraction
from ingest.tests.factories import file_row
from laseros.site import search as global_search
from laseros.testing import count_queries, needs_postgresql
from projects.tests.factories import ProductFactory, ProjectFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/search/"


@pytest.fixture
def shop(db):
    """One of each kind, named so a word finds it: Acme's gate job and its papers."""
    client = ClientFactory(name="Acme Steelworks", contact_person="Sipho Dube")
    contact = ContactFactory(client=client, name="Thandi Nkosi", email="thandi@acme.example")
    job = ProjectFactory(client=client, name="Gate hinges", description="Galvanised after cut")
    product = ProductFactory(name="Corner gusset")
    file = file_row(project=job, original_name="hinge-drawing.pdf", kind="pdf")
    FileExtraction.objects.create(
        file=file,
        parser="pdf",
        raw={"pages": [{"number": 1, "text": "Tolerance note: deburr every edge"}]},
        created_at=file.received_at,
        is_current=True,
    )
    quote = quote_create(project=job, by=None, notes="Price holds for the zincor order")
    lines = [{"description": "Cutting", "quantity": 2, "unit_price": "150"}]
    invoice = invoice_issue(
        invoice=invoice_create(project=job, by=None, lines=lines, reference="PO-77812"), by=None
    )
    return {
        "client": client,
        "contact": contact,
        "job": job,
        "product": product,
        "file": file,
        "quote": quote,
        "invoice": invoice,
    }


def _kinds(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for result in response.json()["results"]:
        found.setdefault(result["kind"], []).append(result["url"])
    return found


def _url(kind: str, obj) -> str:
    names = {
        "client": "clients_client",
        "contact": "clients_contact",
        "job": "projects_project",
        "product": "projects_product",
        "file": "ingest_fileingest",
        "quote": "finance_quote",
        "invoice": "finance_invoice",
    }
    return reverse(f"admin:{names[kind]}_change", args=[obj.pk])


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        ("client", "acme"),
        ("client", "Sipho"),
        ("contact", "thandi"),
        ("contact", "acme.example"),
        ("job", "hinges"),
        ("job", "galvanised"),
        ("product", "gusset"),
        ("file", "hinge-drawing"),
        ("file", "deburr"),  # the text read from the PDF
        ("quote", "zincor"),
        ("invoice", "PO-77812"),
    ],
)
def test_each_kind_is_found_by_a_word(shop, api, kind, query):
    response = api("Manager").get(API, {"q": query})
    assert response.status_code == 200, response.content
    assert _url(kind, shop[kind]) in _kinds(response).get(kind, []), response.json()
    result = next(r for r in response.json()["results"] if r["kind"] == kind)
    assert set(result) == {"kind", "label", "detail", "url", "exact"}


def test_every_word_must_match(shop, api):
    found = _kinds(api("Manager").get(API, {"q": "gate hinges"}))
    assert _url("job", shop["job"]) in found["job"]
    assert "job" not in _kinds(api("Admin").get(API, {"q": "gate sprockets"}))


CODES = {
    "client code": ("client", lambda s: s["client"].code),
    "client code typed cl0001": ("client", lambda s: "cl" + s["client"].code.split("-")[1]),
    "job code": ("job", lambda s: s["job"].code),
    "quote number": ("quote", lambda s: s["quote"].number),
    "quote number typed q-": ("quote", lambda s: s["quote"].number.replace("QT-", "q-")),
    "invoice number": ("invoice", lambda s: s["invoice"].number),
    "invoice number in lower case": ("invoice", lambda s: s["invoice"].number.lower()),
    "SKU": ("product", lambda s: s["product"].sku),
}


@pytest.mark.parametrize("case", CODES)
def test_a_code_comes_first_and_the_page_opens_it(shop, api, admin_user_client, case):
    kind, code_of = CODES[case]
    text, obj = code_of(shop), shop[kind]
    answer = api("Manager").get(API, {"q": text}).json()
    first = answer["results"][0]
    assert (first["kind"], first["url"], first["exact"]) == (kind, _url(kind, obj), True), answer
    page = admin_user_client.get("/search/", {"q": text})
    assert page.status_code == 302 and page.url == _url(kind, obj)


def test_a_month_of_job_codes_lists_them_first_without_opening_one(shop, admin_user_client):
    second = ProjectFactory(client=shop["client"], name="Second job")
    month = shop["job"].code[: len("JB-2026-11")]
    page = admin_user_client.get("/search/", {"q": month})
    assert page.status_code == 200
    urls = [r.url for r in page.context["answer"].results]
    assert {_url("job", shop["job"]), _url("job", second)} <= set(urls)


def test_each_result_only_for_who_may_view_it(shop, api):
    operator = api("Operator")
    found = _kinds(operator.get(API, {"q": "acme"}))
    assert "client" in found and "contact" in found
    # operators see no money: no quotes, no invoices, even named by their number
    assert "invoice" not in _kinds(operator.get(API, {"q": shop["invoice"].number}))
    assert "quote" not in _kinds(operator.get(API, {"q": "zincor"}))
    viewer = _kinds(api("Viewer").get(API, {"q": shop["invoice"].number}))
    assert viewer["invoice"] == [_url("invoice", shop["invoice"])]


def test_a_user_without_any_view_permission_finds_nothing(shop, make_user, client):
    from rest_framework.test import APIClient

    nobody = APIClient()
    nobody.force_authenticate(make_user("nobody"))
    answer = nobody.get(API, {"q": "acme"}).json()
    assert answer["results"] == [] and answer["message"] == "Nothing found for “acme”."
    assert APIClient().get(API, {"q": "acme"}).status_code in (401, 403)
    assert client.get("/search/", {"q": "acme"}).status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", global_search.TOO_SHORT),
        ("   ", global_search.TOO_SHORT),
        ("a", global_search.TOO_SHORT),
        ("x" * 101, global_search.TOO_LONG),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(shop, api, admin_user_client, query, message):
    response = api("Manager").get(API, {"q": query})
    assert response.status_code == 400 and response.json() == {"detail": message}
    page = admin_user_client.get("/search/", {"q": query})
    assert page.status_code == 200 and message in page.content.decode()


@pytest.mark.parametrize("limit", ["0", "51", "ten"])
def test_a_bad_limit_says_why(shop, api, limit):
    response = api("Manager").get(API, {"q": "acme", "limit": limit})
    assert response.status_code == 400 and "limit" in response.json()["detail"]


@pytest.mark.parametrize(
    "query", ["%%", "__", "'; DROP TABLE x--", "qj:* | !zz", "!!", "\\\\", "é&|"]
)
def test_hostile_queries_are_words_not_syntax(shop, api, query):
    """Wildcards and query syntax are looked for as written: nothing here names a record."""
    response = api("Admin").get(API, {"q": query})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_a_kind_with_more_than_the_limit_links_its_list(shop, api):
    for n in range(4):
        ProjectFactory(client=shop["client"], name=f"Gate frame {n}")
    answer = api("Manager").get(API, {"q": "gate", "limit": 3}).json()
    assert [r["kind"] for r in answer["results"]].count("job") == 3
    assert answer["more"]["job"].startswith(reverse("admin:projects_project_changelist"))


def test_the_page_groups_results_by_kind(shop, admin_user_client):
    page = admin_user_client.get("/search/", {"q": "acme"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Clients" in body and "Contacts" in body and shop["client"].name in body
    empty = admin_user_client.get("/search/", {"q": "no such thing"})
    assert "Nothing found for “no such thing”." in empty.content.decode()


def test_the_schema_documents_the_search(admin_user_client):
    schema = admin_user_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "limit"}
    assert "400" in operation["responses"] and "200" in operation["responses"]


def test_query_counts_do_not_grow_with_matches(shop, api):
    client = api("Manager")

    def grow(n: int) -> None:
        from projects.models import Project

        for i in range(Project.objects.filter(name__startswith="Gate").count(), n):
            job = ProjectFactory(client=shop["client"], name=f"Gate panel {i}")
            file_row(project=job, original_name=f"gate-{i}.dxf")

    grow(5)
    small, response = count_queries(lambda: client.get(API, {"q": "gate", "limit": 50}))
    assert len(response.json()["results"]) >= 5
    grow(50)
    large, response = count_queries(lambda: client.get(API, {"q": "gate", "limit": 50}))
    assert len(response.json()["results"]) >= 50
    assert small == large


def test_a_code_also_finds_what_belongs_to_its_record(shop, api):
    manager = api("Manager")
    by_client = _kinds(manager.get(API, {"q": shop["client"].code}))
    assert by_client["client"] == [_url("client", shop["client"])]
    assert _url("job", shop["job"]) in by_client["job"]
    assert _url("contact", shop["contact"]) in by_client["contact"]
    assert _url("invoice", shop["invoice"]) in by_client["invoice"]
    by_job = _kinds(manager.get(API, {"q": shop["job"].code}))
    assert by_job["job"] == [_url("job", shop["job"])]
    assert by_job["file"] == [_url("file", shop["file"])]
    assert by_job["quote"] == [_url("quote", shop["quote"])]
    other = ProjectFactory(client=ClientFactory(name="Other Ltd"), name="Other gate")
    assert _url("job", other) not in by_job.get("job", [])


# --- PostgreSQL: full-text search and its indexes ------------------------------------------------


@pytest.mark.postgres
@needs_postgresql("full-text search is PostgreSQL's")
def test_postgresql_finds_the_start_of_a_word_and_what_its_parser_splits(shop, api):
    manager = api("Manager")
    assert _url("job", shop["job"]) in _kinds(manager.get(API, {"q": "hing"}))["job"]
    assert _url("job", shop["job"]) in _kinds(manager.get(API, {"q": "GALVAN"}))["job"]
    FileExtraction.objects.filter(file=shop["file"]).update(
        raw={"pages": [{"text": "Customer order PO-104999, deburr"}]}
    )
    assert _kinds(manager.get(API, {"q": "PO-104999"}))["file"] == [_url("file", shop["file"])]
    assert "file" not in _kinds(manager.get(API, {"q": "pages"}))  # a key, not its text


@pytest.mark.postgres
@needs_postgresql("the GIN indexes are PostgreSQL's")
def test_postgresql_reads_the_search_indexes(shop):
    """The documents the search filters on are the ones the migrations indexed (were they to
    differ by a bracket, every search would build every row's document)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from finance.models import Invoice, Quote
    from ingest.models import FileIngest
    from projects.models import Project

    user = get_user_model().objects.create_superuser("searcher", password="x-Pass-123")
    kinds = {kind.key: kind for kind in global_search.kinds_for(user)}
    # A GIN index is read by a bitmap scan only. With sequential and plain index scans off, the
    # planner cannot walk another index and filter each row instead (on a near-empty table it
    # chose the one-current-extraction index that way), so the text index is found if it fits.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    for model, key, index in (
        (Project, "job", "projects_project_search"),
        (Project, "job", "projects_project_code_trgm"),  # icontains on the code
        (FileIngest, "file", "ingest_fileingest_search"),
        (FileIngest, "file", "ingest_fileingest_names_trgm"),
        (FileIngest, "file", "ingest_fileextraction_search"),
        (Quote, "quote", "finance_quote_search"),
        (Invoice, "invoice", "finance_invoice_search"),
    ):
        condition = global_search._more_condition(kinds[key], model, "deburr", None, ["deburr"])
        plan = model.objects.filter(condition).explain()
        assert index in plan, plan
