"""The database's part of a backup: a copy, its row counts, and putting it back.

SQLite: the online backup API (a consistent copy while the site runs). PostgreSQL: `pg_dump` in
custom format, taken in a snapshot whose row counts are the ones the manifest records; restored
with `pg_restore` piped to `psql` in one transaction after the old schema is dropped, so a restore
that fails leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"


class DatabaseBackupError(Exception):
    """The database could not be copied or put back; the message says why."""


def vendor() -> str:
    return connection.vendor


def dump_name(vendor_name: str) -> str:
    return {"sqlite": SQLITE_FILE, "postgresql": POSTGRES_FILE}[vendor_name]


def dump(target: Path) -> dict[str, int]:
    """Copy the database to `target`; the row count of every table in that copy."""
    if connection.vendor == "sqlite":
        return _dump_sqlite(target)
    if connection.vendor == "postgresql":
        return _dump_postgres(target)
    raise DatabaseBackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def restore(source: Path) -> None:
    if connection.vendor == "sqlite":
        _restore_sqlite(source)
    else:
        _restore_postgres(source)


def row_counts() -> dict[str, int]:
    """Rows per table in the live database."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return {table: _count(cursor, connection.ops.quote_name(table)) for table in tables}


def _count(cursor, quoted_table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {quoted_table}")
    return int(cursor.fetchone()[0])


# --- SQLite ---------------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        tables = [
            name
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: _count(copy.cursor(), _quote_sqlite(table)) for table in sorted(tables)}
    finally:
        copy.close()


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _restore_sqlite(source: Path) -> None:
    """The backup's pages replace the live database's in one step (other connections wait)."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise DatabaseBackupError("a restore cannot run inside a transaction")
    copy = sqlite3.connect(source)
    try:
        copy.backup(connection.connection)
    finally:
        copy.close()


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    settings = connection.settings_dict
    env = {**os.environ}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings.get(key):
            env[name] = str(settings[key])
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    env["PGDATABASE"] = str(settings["NAME"])
    options = settings.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise DatabaseBackupError(
            f"{name} is not installed: PostgreSQL backups need the PostgreSQL client programs "
            "(apt-get install postgresql-client, of the server's major version or newer)"
        )
    return found


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=_pg_env(), capture_output=True, check=False, **kwargs)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise DatabaseBackupError(f"{Path(args[0]).name} failed: " + " / ".join(said))
    return done


def _dump_postgres(target: Path) -> dict[str, int]:
    """pg_dump reads the snapshot in which the rows were counted: the counts are the dump's."""
    import psycopg

    pg_dump = _program("pg_dump")
    raw = psycopg.connect(**connection.get_connection_params())
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone() or (None,)
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY 1"
            )
            tables = [name for (name,) in cursor.fetchall()]
            counts = {table: _count(cursor, connection.ops.quote_name(table)) for table in tables}
        _run([pg_dump, "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              "-f", str(target)])  # fmt: skip
        return counts
    finally:
        raw.rollback()
        raw.close()


def _restore_postgres(source: Path) -> None:
    pg_restore, psql = _program("pg_restore"), _program("psql")
    script = source.with_suffix(".sql")
    _run([pg_restore, "--no-owner", "--no-privileges", "-f", str(script), str(source)])
    quoted = connection.ops.quote_name(_current_schema())
    connection.close()  # our own idle connection must not hold the tables
    _run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
          "-c", f"DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted};",
          "-f", str(script)])  # fmt: skip


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone() or ("public",)
        return str(schema)
