"""Global search: one box over clients, contacts, jobs, products, files, quotes and invoices.

A query that is a code (CL-0001, JB-2026-11-CL0001-001, QT-2026-0001, INV-2026-0001, a SKU) finds
that record first (the HTML page goes straight to it), then what belongs to it (a client's jobs,
a job's files and invoices). Other queries are words, every one of which a row must hold: on
PostgreSQL by full-text search in its text fields (`to_tsvector('simple', …)` against each word as
a prefix, the document a GIN index in the owning app is built on) or by `icontains` in its
identifiers (codes, e-mail addresses, phone numbers, file names); on SQLite by `icontains` in
either. A file is also found by the text read from it (its current reading's raw JSON: a PDF's
text layer, OCR'd words, a drawing's texts), by full-text search on PostgreSQL.

Each kind is searched only for a user who may view its model (and, for quotes and invoices, may
see money); each answers at most `limit` rows, so the cost does not grow with the shop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse

from laseros.money import can_see_money

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_WORDS = 6
DEFAULT_LIMIT = 8
MAX_LIMIT = 50
TOO_SHORT = f"Type at least {MIN_LENGTH} characters to search."
TOO_LONG = f"A search is at most {MAX_LENGTH} characters."
NOTHING = "Nothing found for “{query}”."

# words as PostgreSQL's parser and the fallback see them: letters, digits (any script)
WORD = re.compile(r"\w+", re.UNICODE)
# codes the shop writes on paper, as a user types them
CLIENT_CODE = re.compile(r"^CL-?(\d{1,})$", re.IGNORECASE)
QUOTE_NUMBER = re.compile(r"^QT?-?(\d{4})-?(\d{1,})$", re.IGNORECASE)
INVOICE_NUMBER = re.compile(r"^INV-?(\d{4})-?(\d{1,})$", re.IGNORECASE)
JOB_CODE = re.compile(r"^JB-[\dA-Z-]+$", re.IGNORECASE)
SKU = re.compile(r"^SKU-[\w.-]+$", re.IGNORECASE)


class SearchRefused(ValueError):
    """The query cannot be searched (empty, too short, too long); the message says why."""


@dataclass(frozen=True)
class Result:
    kind: str
    label: str
    detail: str
    url: str
    exact: bool = False


@dataclass
class Answer:
    query: str
    results: list[Result] = field(default_factory=list)
    more: dict[str, str] = field(default_factory=dict)  # kind -> its full list, searched
    kinds_searched: list[str] = field(default_factory=list)

    @property
    def exact(self) -> Result | None:
        """The one record the query names by its code, if it names exactly one."""
        found = [r for r in self.results if r.exact]
        return found[0] if len(found) == 1 else None

    @property
    def message(self) -> str:
        return "" if self.results else NOTHING.format(query=self.query)


@dataclass(frozen=True)
class Kind:
    """One searchable model: who may see it, where to look, how a row reads."""

    key: str
    title: str
    permission: str
    admin_name: str  # "clients_client": the admin's change and list URL names
    queryset: Callable[[], QuerySet]
    # the model's own columns searched for words: `fields` by full-text search on PostgreSQL
    # (the document its GIN index is built on), `identifiers` (codes, e-mail addresses, phone
    # numbers, file names: words a text parser splits oddly) by icontains; on SQLite both by
    # icontains
    fields: tuple[str, ...]
    label: Callable[[Any], str]  # the kind's own model: Client, Project, …
    detail: Callable[[Any], str]
    identifiers: tuple[str, ...] = ()
    # rows a code-like query names, ranked first, and the code that names one exactly
    exact: Callable[[str], tuple[Q, str] | None] = lambda query: None
    code: Callable[[Any], str] = lambda obj: ""
    # the ids of rows found another way (a file by the text read from it)
    extra: Callable[[str, list[str]], QuerySet | None] = lambda query, words: None
    # rows that belong to the record a code names (a client's jobs, a job's files and invoices)
    mentions: Callable[[str], Q | None] = lambda code: None
    money: bool = False

    def allowed(self, user) -> bool:
        if not user.has_perm(self.permission):
            return False
        return can_see_money(user) if self.money else True

    def url(self, obj: Model) -> str:
        return reverse(f"admin:{self.admin_name}_change", args=[obj.pk])

    def list_url(self, query: str) -> str:
        from urllib.parse import urlencode

        return reverse(f"admin:{self.admin_name}_changelist") + "?" + urlencode({"q": query})


# --- the kinds ---------------------------------------------------------------------------------


def _client_exact(query: str) -> tuple[Q, str] | None:
    match = CLIENT_CODE.match(query)
    if not match:
        return None
    code = f"CL-{int(match.group(1)):04d}"
    return Q(code=code), code


def _job_exact(query: str) -> tuple[Q, str] | None:
    """JB-2026-11-CL0001-001 names one job; JB-2026-11 the month's jobs, ranked first."""
    if not JOB_CODE.match(query):
        return None
    return Q(code__startswith=query.upper()), query.upper()


def _quote_exact(query: str) -> tuple[Q, str] | None:
    match = QUOTE_NUMBER.match(query)
    if not match:
        return None
    number = f"QT-{match.group(1)}-{int(match.group(2)):04d}"
    return Q(number=number), number


def _invoice_exact(query: str) -> tuple[Q, str] | None:
    match = INVOICE_NUMBER.match(query)
    if not match:
        return None
    number = f"INV-{match.group(1)}-{int(match.group(2)):04d}"
    return Q(number=number), number


def _product_exact(query: str) -> tuple[Q, str] | None:
    if not SKU.match(query):
        return None
    return Q(sku__istartswith=query), query.upper()


def code_named(query: str) -> str | None:
    """The code as the shop writes it, when the query is one (cl0001 -> CL-0001), else None."""
    for shaped in (_client_exact, _job_exact, _quote_exact, _invoice_exact, _product_exact):
        named = shaped(query)
        if named is not None:
            return named[1]
    return None


def _of_client_or_job(code: str) -> Q | None:
    """A client's rows (CL-0001), or a job's (its full code or the start of one)."""
    if code.startswith("CL-"):
        return Q(client__code=code)
    if code.startswith("JB-"):
        return Q(project__code__startswith=code)
    return None


def _of_client(code: str) -> Q | None:
    return Q(client__code=code) if code.startswith("CL-") else None


def _file_text(query: str, words: list[str]) -> QuerySet:
    """The ids of the files whose current reading's text holds every word."""
    from ingest.models import FileExtraction

    readings = FileExtraction.objects.filter(is_current=True)
    if connection.vendor == "postgresql":
        readings = readings.filter(_pg_match(FILE_TEXT_DOCUMENT, query, words))
    else:
        for word in words:
            readings = readings.filter(raw__icontains=word)
    return readings.values("file_id")


def _client_kind() -> Kind:
    from clients.models import Client

    return Kind(
        key="client",
        title="Clients",
        permission="clients.view_client",
        admin_name="clients_client",
        queryset=lambda: Client.objects.all(),
        fields=("name", "contact_person"),
        identifiers=("code", "email", "phone"),
        label=lambda c: f"{c.code} {c.name}",
        detail=lambda c: " · ".join(filter(None, [c.contact_person, c.email, c.phone])),
        exact=_client_exact,
        code=lambda c: c.code,
    )


def _contact_kind() -> Kind:
    from clients.models import Contact

    return Kind(
        key="contact",
        title="Contacts",
        permission="clients.view_contact",
        admin_name="clients_contact",
        queryset=lambda: Contact.objects.select_related("client"),
        fields=("name", "role"),
        identifiers=("email", "phone"),
        label=lambda c: c.name,
        detail=lambda c: " · ".join(
            filter(None, [c.role, c.email, c.phone, f"{c.client.code} {c.client.name}"])
        ),
        mentions=_of_client,
    )


def _job_kind() -> Kind:
    from projects.models import Project

    return Kind(
        key="job",
        title="Jobs",
        permission="projects.view_project",
        admin_name="projects_project",
        queryset=lambda: Project.objects.select_related("client"),
        fields=("name", "description"),
        identifiers=("code",),
        label=lambda p: f"{p.code} {p.name}",
        detail=lambda p: (
            f"{p.client.name} · {p.get_status_display()}"
            + (f" · due {p.due_date:%-d %b %Y}" if p.due_date else "")
        ),
        exact=_job_exact,
        code=lambda p: p.code,
        mentions=_of_client,
    )


def _product_kind() -> Kind:
    from projects.models import Product

    return Kind(
        key="product",
        title="Products",
        permission="projects.view_product",
        admin_name="projects_product",
        queryset=lambda: Product.objects.all(),
        fields=("name", "description"),
        identifiers=("sku",),
        label=lambda p: f"{p.sku} {p.name}",
        detail=lambda p: "" if p.is_active else "inactive",
        exact=_product_exact,
        code=lambda p: p.sku,
    )


def _file_kind() -> Kind:
    from ingest.models import FileIngest

    return Kind(
        key="file",
        title="Files",
        permission="ingest.view_fileingest",
        admin_name="ingest_fileingest",
        queryset=lambda: FileIngest.objects.live().select_related("project", "client"),
        fields=("original_name",),
        identifiers=("original_name", "stored_name"),
        label=lambda f: f.original_name,
        detail=lambda f: " · ".join(
            filter(
                None,
                [
                    f.project.code if f.project_id else (f.client.code if f.client_id else ""),
                    f.get_kind_display(),
                    f.get_status_display(),
                ],
            )
        ),
        extra=_file_text,
        mentions=_of_client_or_job,
    )


def _quote_kind() -> Kind:
    from finance.models import Quote

    return Kind(
        key="quote",
        title="Quotes",
        permission="finance.view_quote",
        admin_name="finance_quote",
        queryset=lambda: Quote.objects.select_related("client", "project"),
        fields=("notes",),
        identifiers=("number",),
        label=lambda q: f"{q.label} {q.client.name}",
        detail=lambda q: (
            f"{q.project.code} · {q.get_status_display()}"
            + (f" · expires {q.expires_on:%-d %b %Y}" if q.expires_on else "")
        ),
        exact=_quote_exact,
        code=lambda q: q.number,
        mentions=_of_client_or_job,
        money=True,
    )


def _invoice_kind() -> Kind:
    from finance.models import Invoice

    return Kind(
        key="invoice",
        title="Invoices",
        permission="finance.view_invoice",
        admin_name="finance_invoice",
        queryset=lambda: Invoice.objects.select_related("client", "project"),
        fields=("client_name",),
        identifiers=("number", "reference"),
        label=lambda i: f"{i.label} {i.client.name}",
        detail=lambda i: (
            f"{i.project.code} · {i.get_status_display()}"
            + (f" · {i.get_payment_state_display()}" if i.number else "")
        ),
        exact=_invoice_exact,
        code=lambda i: i.number or "",
        mentions=_of_client_or_job,
        money=True,
    )


def _kinds() -> list[Kind]:
    """Every kind a search looks through, in the order the answer lists them."""
    return [
        _client_kind(),
        _contact_kind(),
        _job_kind(),
        _product_kind(),
        _file_kind(),
        _quote_kind(),
        _invoice_kind(),
    ]


# --- PostgreSQL: the documents the GIN indexes are built on ------------------------------------


def tsvector_sql(table: str, fields: tuple[str, ...]) -> str:
    """`to_tsvector('simple', coalesce(a,'') || ' ' || coalesce(b,'') …)` over `table`'s columns:
    the expression a search filters on and its index is built on, written once for both."""
    parts = " || ' ' || ".join(f"coalesce({_column(table, name)}, '')" for name in fields)
    return f"to_tsvector('simple'::regconfig, {parts})"


def _column(table: str, name: str) -> str:
    return f'"{table}"."{name}"' if table else f'"{name}"'


# the text read from a file: every string value of its current reading, keys left out. Its
# column unqualified: it is read in a subquery, where Django renames the table (U0).
FILE_TEXT_DOCUMENT = "jsonb_to_tsvector('simple'::regconfig, \"raw\", '[\"string\"]'::jsonb)"


def prefix_tsquery(words: list[str]) -> str:
    """`bracket:* & left:*`: every word, each as the start of a word (typing is searching)."""
    return " & ".join(f"{word.lower()}:*" for word in words)


def _pg_match(document: str, query: str, words: list[str]) -> RawSQL:
    """The document holds every word as the start of one of its words, or the query as
    PostgreSQL's parser reads it ('PO-104999' is 'po' and '-104999' to it)."""
    return RawSQL(
        f"{document} @@ (to_tsquery('simple'::regconfig, %s) "
        "|| plainto_tsquery('simple'::regconfig, %s))",
        (prefix_tsquery(words), query),
        output_field=BooleanField(),
    )


def _text_filter(
    kind: Kind,
    model: type[Model],
    query: str,
    words: list[str],
    extra: QuerySet | None,
    limit: int | None = None,
) -> Q:
    """Rows holding every word: in their full-text fields (PostgreSQL), or each word in one of
    their identifiers; on SQLite each word in any of the two. Or rows whose ids `extra` gives.
    `limit`: only the first `limit` rows in the kind's order are wanted."""
    if connection.vendor != "postgresql":
        found = _every_word(kind.fields + kind.identifiers, words)
        return found | Q(pk__in=extra) if extra is not None else found
    # One list of ids, the union of subqueries each read through its own index: the full-text
    # document's GIN index, the identifiers' trigram indexes (upper(column) gin_trgm_ops, the
    # expression icontains filters on), the file text's GIN index; PostgreSQL then fetches the
    # rows found by id. (An OR of id lists and icontains on the outer rows made it read every row
    # of the table and test each: the slowest part of a search that finds little.) Each side
    # brings only its first `limit` ids in the kind's order when that order is total: the first
    # `limit` of the union are among them, and a word in a thousand rows fetches a few. (A side
    # that brings its first ids holds the kind's own rows, e.g. no deleted file, so they count.)
    rows = kind.queryset() if limit else model._default_manager.all()
    sides = [rows.filter(_pg_match(tsvector_sql("", kind.fields), query, words))]
    if kind.identifiers:
        sides.append(rows.filter(_every_word(kind.identifiers, words)))
    if extra is not None:
        sides.append(rows.filter(pk__in=extra))
    ordering = _total_ordering(model) if limit else None
    ids = [
        side.values("pk").order_by(*ordering)[:limit] if ordering else side.values("pk").order_by()
        for side in sides
    ]
    return Q(pk__in=ids[0].union(*ids[1:]) if len(ids) > 1 else ids[0])


def _total_ordering(model: type[Model]) -> list[str] | None:
    """The model's ordering when it ends on a unique field (no two rows tie), else None."""
    ordering = [str(name) for name in model._meta.ordering or ()]
    if not ordering:
        return None
    last = model._meta.get_field(ordering[-1].lstrip("-").replace("pk", "id"))
    unique = getattr(last, "primary_key", False) or getattr(last, "unique", False)
    return ordering if unique else None


def _every_word(fields: tuple[str, ...], words: list[str]) -> Q:
    found = Q()
    for word in words:
        found &= _any_field(fields, word)
    return found


def _any_field(fields: tuple[str, ...], word: str) -> Q:
    anywhere = Q()
    for name in fields:
        anywhere |= Q(**{f"{name}__icontains": word})
    return anywhere


# --- the search --------------------------------------------------------------------------------


def clean_query(raw: str | None) -> str:
    """The query as searched, or SearchRefused with a message a person can act on."""
    query = " ".join((raw or "").split())
    if len(query) < MIN_LENGTH:
        raise SearchRefused(TOO_SHORT)
    if len(query) > MAX_LENGTH:
        raise SearchRefused(TOO_LONG)
    return query


def kinds_for(user) -> list[Kind]:
    return [kind for kind in _kinds() if kind.allowed(user)]


def search(*, user, query: str, limit: int = DEFAULT_LIMIT) -> Answer:
    """What `user` may see that `query` names: exact code matches first, then each kind's text
    matches (newest first), at most `limit` of each kind. One or two queries per kind."""
    query = clean_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    words = WORD.findall(query)[:MAX_WORDS]
    code = code_named(query)
    answer = Answer(query=query)
    exact_results: list[Result] = []
    other_results: list[Result] = []
    for kind in kinds_for(user):
        answer.kinds_searched.append(kind.key)
        found, more = _search_kind(kind, query, code, words, limit)
        for obj, exact in found:
            result = Result(kind.key, kind.label(obj), kind.detail(obj), kind.url(obj), exact)
            (exact_results if exact else other_results).append(result)
        if more:
            answer.more[kind.key] = kind.list_url(query)
    answer.results = exact_results + other_results
    return answer


def _search_kind(
    kind: Kind, query: str, code: str | None, words: list[str], limit: int
) -> tuple[list[tuple[Model, bool]], bool]:
    """(rows with whether each was named by its code, whether there were more than `limit`).

    A code finds its record and what belongs to it (a client's jobs, a job's files); other
    queries are words, each found in some field."""
    queryset = kind.queryset()
    named = kind.exact(query)
    code_rows: list[Model] = []
    wanted = ""
    if named is not None:
        condition, wanted = named
        code_rows = list(queryset.filter(condition)[: limit + 1])
        # the one it names exactly first, then the others its start names
        code_rows.sort(key=lambda row: kind.code(row).upper() != wanted)
    rows = code_rows
    more = (
        _more_condition(kind, queryset.model, query, code, words, limit + 1)
        if len(rows) <= limit
        else None
    )
    if more is not None:
        text_rows = queryset.filter(more)
        if code_rows:
            text_rows = text_rows.exclude(pk__in=[row.pk for row in code_rows])
        rows = code_rows + list(text_rows[: limit + 1 - len(code_rows)])
    found = [(row, bool(wanted) and kind.code(row).upper() == wanted) for row in rows[:limit]]
    return found, len(rows) > limit


def _more_condition(
    kind: Kind,
    model: type[Model],
    query: str,
    code: str | None,
    words: list[str],
    limit: int | None = None,
) -> Q | None:
    """What else a query finds of a kind: a code, what belongs to its record; words, the rows
    that hold every one of them (in their fields, or a file in its text)."""
    if code is not None:
        return kind.mentions(code)
    if not words:
        return None
    return _text_filter(kind, model, query, words, kind.extra(query, words), limit)
