# jingfang: `make run` serves the app with the demo county; `make test` runs every test on SQLite and PostgreSQL.
PYTHON ?= python3.11
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint install browser clean audit-deps bench bench-load

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# `make run` serves as production does (debug off: the real 404/403/500 pages, static files from
# WhiteNoise), on plain HTTP on this machine only: development keys generated into var/keys.toml,
# cookies without the Secure flag, the second factor not enforced for the demo logins.
PORT ?= 8000
RUN_ENV := JINGFANG_DEV_KEYS=1 JINGFANG_SECURE_COOKIES=0 JINGFANG_TOTP_ENFORCE=0
run: $(STAMP)
	$(RUN_ENV) $(BIN)/jingfang migrate --noinput
	$(RUN_ENV) $(BIN)/jingfang demo --if-empty
	@# one background worker (imports, exports, the nightly recomputation) for as long as the server runs
	$(RUN_ENV) $(BIN)/jingfang worker --verbosity 0 & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/jingfang serve --host 127.0.0.1 --port $(PORT)

browser:
	@bash scripts/ensure-browser.sh

# The two halves run side by side (one per core), each with its own state folder; every line of their
# output is prefixed with the database it comes from. A failure of either fails `make test`.
test: $(STAMP) browser lint audit-deps
	@$(MAKE) --no-print-directory -j2 test-sqlite test-postgres

# Known vulnerabilities in the installed dependencies (pip-audit). Says loudly when the vulnerability
# service cannot be reached; JINGFANG_REQUIRE_AUDIT=1 makes that an error.
audit-deps: $(STAMP)
	$(BIN)/python scripts/audit_deps.py

# ruff, then the import contracts of pyproject.toml (layers one way; rule modules without Django) and
# no import cycle between modules.
lint: $(STAMP)
	$(BIN)/ruff check .
	PYTHONPATH=src $(BIN)/lint-imports
	PYTHONPATH=src $(BIN)/python scripts/import_graph.py --check

test-sqlite: $(STAMP)
	@echo "== tests on SQLite =="
	env -u DATABASE_URL JINGFANG_VAR_DIR=$(CURDIR)/var/test-sqlite $(BIN)/pytest 2>&1 | sed -u 's/^/[SQLite] /'

test-postgres: $(STAMP)
	@if bash scripts/ensure-postgres.sh; then \
	  echo "== tests on PostgreSQL =="; \
	  DATABASE_URL=$(PG_URL) JINGFANG_VAR_DIR=$(CURDIR)/var/test-postgres $(BIN)/pytest 2>&1 | sed -u 's/^/[PostgreSQL] /'; \
	else \
	  echo ""; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!  PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started:  !!"; \
	  echo "!!  the PostgreSQL half of the suite was SKIPPED.                            !!"; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

# Benchmark (not part of `make test`; bench/README.md): recreates the PostgreSQL database jingfang_bench
# with BENCH_PATIENTS synthetic patients and times the pages against raw SQL; bench-load: the load test.
BENCH_PATIENTS ?= 1000000
bench: $(STAMP)
	@bash scripts/ensure-postgres.sh
	$(BIN)/python -m bench all --patients $(BENCH_PATIENTS)

bench-load: $(STAMP)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.loadtest --run-time 5m

clean:
	rm -rf $(VENV) var .pytest_cache
