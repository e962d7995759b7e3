# ServiceKonto — developer entry points (DESIGN §3: `make run` and `make test` work on a fresh
# machine with nothing but Python ≥ 3.11).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
PY = $(VENV)/bin/python
STAMP = $(VENV)/.installed

PYTEST_ARGS ?=
# Test processes for `make test` (pytest-xdist): `auto` is one per core. PYTEST_ARGS=-n0 runs
# the suite in this one process (the later -n wins), e.g. to debug with pdb.
TEST_WORKERS ?= auto
SERVE_ARGS ?=

.PHONY: all install run test lint typecheck openapi bench bench-postfach clean distclean catalogs messages

all: test

# The venv is (re)installed whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
	  $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	    || { echo "error: $(PYTHON) is older than 3.11; run 'make PYTHON=python3.11 …'" >&2; exit 1; }; \
	  echo "creating virtualenv in $(VENV)"; \
	  $(PYTHON) -m venv "$(VENV)"; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch "$@"

install: $(STAMP)

# --- gettext catalogs (README "Languages") ---------------------------------------------------
LOCALE_DIR = src/servicekonto/locale
PO_FILES = $(wildcard $(LOCALE_DIR)/*/LC_MESSAGES/messages.po)
MO_FILES = $(PO_FILES:.po=.mo)
POT = build/messages.pot

# The compiled catalogs the pages read (the wheel build compiles its own, see setup.py).
catalogs: $(MO_FILES)

$(LOCALE_DIR)/%/LC_MESSAGES/messages.mo: $(LOCALE_DIR)/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel -q compile -l $* -i $< -o $@

# After changing page texts: extract them, merge them into every catalog (a changed msgid comes
# back fuzzy, a new one empty: translate them, tests/test_catalogs.py fails until then) and copy
# the German source texts into the German catalog.
messages: $(STAMP)
	@mkdir -p build
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k NC_:1c,2 --add-comments=TRANSLATORS: \
	  -w 100 --project=ServiceKonto -o $(POT) .
	$(VENV)/bin/pybabel -q update -i $(POT) -d $(LOCALE_DIR) -w 100 --ignore-obsolete
	$(PY) -c 'from babel.messages.pofile import read_po, write_po; \
	  path = "$(LOCALE_DIR)/de/LC_MESSAGES/messages.po"; catalog = read_po(open(path, "rb")); \
	  [(setattr(m, "string", m.id), m.flags.discard("fuzzy")) for m in catalog \
	   if m.id and (not m.string or m.fuzzy)]; write_po(open(path, "wb"), catalog, width=100)'
	$(MAKE) catalogs

# Embedded mode: SQLite in var/, demo tenant seeded (idempotent), http://127.0.0.1:8000.
run: export SERVICEKONTO_DEV_MODE ?= 1
# The embedded mode has no clamd: uploads are accepted with the scan recorded as `skipped`
# (production refuses them without a scanner; README "Uploads").
run: export SERVICEKONTO_UPLOAD_SCAN_REQUIRED ?= false
run: $(STAMP) catalogs
	$(VENV)/bin/servicekonto db upgrade
	$(VENV)/bin/servicekonto demo
	$(VENV)/bin/servicekonto serve $(SERVE_ARGS)

test: $(STAMP) catalogs
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy --strict src
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src

# Regenerates the committed spec; a test fails when it drifts from the code.
openapi: $(STAMP)
	@mkdir -p openapi
	$(PY) -m servicekonto.cli openapi > openapi/openapi.json.tmp
	@mv openapi/openapi.json.tmp openapi/openapi.json
	@echo "wrote openapi/openapi.json"

bench: $(STAMP)
	@if [ -f bench/run.py ]; then \
	  $(PY) bench/run.py; \
	else \
	  echo "bench/run.py does not exist yet: the benchmark arrives with issue 5" >&2; \
	  exit 1; \
	fi
	$(PY) bench/postfach.py

# The Postfach alone (issue 13): deposits per second over HTTP, the list with 100,000 messages.
bench-postfach: $(STAMP)
	$(PY) bench/postfach.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis \
	  build dist src/*.egg-info openapi/openapi.json.tmp
	find . -path './$(VENV)' -prune -o -name node_modules -prune \
	  -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf "$(VENV)"
