"""GIN indexes for global search on PostgreSQL (laseros.site.search): a quote's notes and an
invoice's client name as 'simple' text-search documents, the expressions the search filters on
(without them every search built the document of every quote and invoice). Nothing on SQLite
(its search reads the columns with icontains)."""

from django.db import migrations

INDEXES = {
    "finance_quote_search": (
        "finance_quote",
        "to_tsvector('simple'::regconfig, coalesce(\"notes\", ''))",
    ),
    "finance_invoice_search": (
        "finance_invoice",
        "to_tsvector('simple'::regconfig, coalesce(\"client_name\", ''))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, document) in INDEXES.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin (({document}))'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("finance", "0003_invoices_payments")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
