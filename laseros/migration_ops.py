"""Migration operations the apps share: a trigram index for global search on PostgreSQL.

The search (laseros.site.search) finds a word inside a code or a name with icontains,
`upper(column) LIKE '%WORD%'`, which only a trigram index (pg_trgm, gin_trgm_ops) on those same
expressions can answer without reading every row. pg_trgm ships with PostgreSQL and is a trusted
extension (the database's owner may create it); where it cannot be created, the index is left
out with a warning and the search reads the table, as before. Nothing on SQLite.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def trigram_index(*, table: str, name: str, columns: tuple[str, ...]) -> migrations.RunPython:
    """A RunPython making (and, backwards, dropping) the GIN trigram index `name` on
    upper(column) of each of `columns` of `table`, on PostgreSQL only."""
    expressions = ", ".join(f'upper(("{column}")::text) gin_trgm_ops' for column in columns)

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            logger.warning("no pg_trgm, so no %s: %s", name, exc)
            return
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin ({expressions})'
        )

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
