# Laser OS. `make run` sets everything up and starts the shop; `make test` checks it.
# Both are idempotent: the second time they only do what changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make

.PHONY: help run dev test test-fast lint check pytest pytest-postgres setup setup-test system system-test migrate demo static clean

help:
	@echo "make run    set up (first time) and start web + worker on http://127.0.0.1:8000, DEBUG off"
	@echo "make dev    the same with DEBUG on and Django's runserver (auto-reload)"
	@echo "make test   set up, then ruff, checks, and the test suite on SQLite and PostgreSQL"
	@echo "make test-fast   the tests not marked slow, on SQLite only, in parallel (no set-up)"

run: setup
	@scripts/serve.sh gunicorn

dev: setup
	@scripts/serve.sh runserver

test: setup-test lint check pytest pytest-postgres

# The quick loop while working: no system packages, no PostgreSQL leg, no slow tests.
test-fast: $(STAMPS)/venv-test
	@scripts/run-pytest.sh -n $(PYTEST_WORKERS) --dist load -m "not slow"

# --- set-up -----------------------------------------------------------------------------------

setup: system $(STAMPS)/venv-run migrate demo static

setup-test: system-test $(STAMPS)/venv-test migrate

system:
	@scripts/system-packages.sh run

system-test:
	@scripts/system-packages.sh test

$(STAMPS)/python-ok:
	@mkdir -p $(STAMPS)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null || \
	  { echo "Laser OS needs Python 3.11 (found: $$($(PYTHON) --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2; exit 1; }
	@touch $@

$(VENV)/pyvenv.cfg: $(STAMPS)/python-ok
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMPS)/venv-run: requirements.txt $(VENV)/pyvenv.cfg
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(STAMPS)/venv-test: requirements.txt requirements-dev.txt $(VENV)/pyvenv.cfg
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(STAMPS)/venv-run

migrate:
	@mkdir -p data
	@$(PY) manage.py migrate --noinput -v 0

demo:
	@$(PY) manage.py seed_demo --if-empty

static:
	@$(PY) manage.py collectstatic --noinput -v 0

# --- checks -----------------------------------------------------------------------------------

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check:
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Test processes per leg (pytest-xdist; each has its own test database). auto: one per CPU.
# --dist load hands tests out in collection order, where pytest-django puts the tests that commit
# (transactional, live server) last: their teardown empties the database, rows of the data
# migrations (rates, VAT, materials, templates) too, so no test may run after one of them on the
# same worker. worksteal broke that: a worker done with its half stole the other's early tests.
PYTEST_WORKERS ?= auto
# More pytest options for both legs, e.g. make test PYTEST_ARGS="--durations=30"
PYTEST_ARGS ?=

pytest:
	@echo "== pytest on SQLite"
	@scripts/run-pytest.sh -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

# The PostgreSQL leg runs the tests whose answer can depend on the database; the others
# (parsers, file checks, start-up, pages in a browser, a list's queries as its rows grow) read
# the same on either database and ran in the SQLite leg (conftest.py). The API fuzzer runs here
# only: PostgreSQL refuses all that SQLite does and more.
pytest-postgres:
	@LASEROS_TESTS_DATABASE_ONLY=1 scripts/test-postgres.sh -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(STAMPS) staticfiles
