#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a private PostgreSQL instance in a temporary
# directory (fast and unsafe: no fsync), stopped and removed afterwards:
#   scripts/with-postgres.sh .venv/bin/python bench/webhooks.py
# Exits 0 with a message, running nothing, when PostgreSQL's server programs are not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

bindir=""
for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && bindir="$dir"; done
if [ -z "$bindir" ]; then
  echo "PostgreSQL is not installed: skipping the PostgreSQL run (apt-get install postgresql)."
  exit 0
fi

tmp=$(mktemp -d /tmp/laseros-pg.XXXXXX)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: the instance belongs to the postgres system user.
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$tmp/data" -U laseros --auth=trust -E UTF8 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log"; exit 1; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$tmp/server.log"; exit 1; }

"${as_pg[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U laseros laseros

echo "== $("$bindir/postgres" --version), port $port"
DATABASE_URL="postgres://laseros@127.0.0.1:$port/laseros" "$@"
