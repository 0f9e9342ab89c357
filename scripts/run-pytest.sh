#!/usr/bin/env bash
# pytest, where "no tests collected" (exit 5) is a failure, not a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
# Each test process (and each manage.py a test starts) compiles the project's modules and
# rewrites the tests' asserts again unless their bytecode is kept: 6 s per process to collect.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then echo "pytest collected no tests: that is a failure." >&2; exit 1; fi
exit $rc
