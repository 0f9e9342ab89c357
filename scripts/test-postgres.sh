#!/usr/bin/env bash
# Run the test suite against a private PostgreSQL instance in a temporary directory
# (scripts/with-postgres.sh). Skipped (with a message) when PostgreSQL is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with-postgres.sh scripts/run-pytest.sh "$@"
