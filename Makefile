# Staffroom developer commands. `make run` serves the app, `make test` runs every test.
# Everything is project-local: the virtualenv in .venv/, PostgreSQL and Redis in var/.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The slowest tests are listed at the end of every run: a slow one shows before it hangs CI.
PYTEST_ARGS ?= --durations=15

# Steps share state (the venv, the database): never run them concurrently.
.NOTPARALLEL:
.DEFAULT_GOAL := help
.PHONY: help run test test-fast services stop bench lint fmt clean venv migrate demo lock system-packages frontend

help:
	@echo "make run       set everything up and serve on http://127.0.0.1:\$$PORT (default 8000)"
	@echo "make test      set everything up and run the whole test suite (PYTEST_ARGS=... to narrow)"
	@echo "make test-fast the same without the slow tests (browser, servers, workers, Redis, faults)"
	@echo "make services  start the project-local PostgreSQL (and Redis) if not running"
	@echo "make stop      stop them"
	@echo "make bench     run the benchmarks"
	@echo "make lint      ruff check, ruff format --check and lint-imports (the layers)"
	@echo "make fmt       ruff format and ruff check --fix"
	@echo "make lock      re-resolve dependencies into constraints.txt"
	@echo "make clean     stop the services, delete var/ and .venv/"

# --- set-up -----------------------------------------------------------------------------------

venv: $(VENV)/.installed

# Re-installs only when pyproject.toml or constraints.txt changed since the last install.
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

# The browser side of the shared solution (frontend/): npm ci from the committed lock, then
# esbuild into scenarios/static/scenarios/build/ (not committed). Each step reruns only when its
# inputs changed.
BUNDLE := scenarios/static/scenarios/build/solution-editor.js
frontend: $(BUNDLE)

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(BUNDLE): frontend/node_modules/.installed frontend/build.mjs $(wildcard frontend/src/*.js) mentoring/static/mentoring/previewer.js
	cd frontend && node build.mjs

# With the venv too: after `make services`, `.venv/bin/python manage.py …` works (the public surface, docs/api.md).
services: venv
	@platform/services.sh start

stop:
	@platform/services.sh stop

migrate: venv services
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

system-packages:
	@platform/system-packages.sh

# What `make run` alone needs from the system (PostgreSQL, node and npm), without the test tools.
system-packages-run:
	@platform/system-packages.sh run

# --- commands ---------------------------------------------------------------------------------

run: system-packages-run venv frontend services migrate demo
	@PORT=$(PORT) platform/serve.sh

test: system-packages venv frontend lint services migrate demo
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "make test: pytest collected no tests; that counts as a failure." >&2; exit 1; \
	fi; \
	exit $$status

# The tests marked slow (tests/conftest.py) left out: for the edit-test loop; `make test` before
# committing still runs everything.
test-fast: system-packages venv frontend lint services migrate demo
	@$(PY) -m pytest -m "not slow" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "make test-fast: pytest collected no tests; that counts as a failure." >&2; exit 1; \
	fi; \
	exit $$status

# The benches set up their own database (tests/bench/common.py), not the demo one.
bench: venv services
	$(PY) tests/bench/run.py

# lint-imports checks the layers and that no module is part of an import cycle (pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Resolves pyproject.toml afresh in a throw-away venv, so nothing stale in .venv gets pinned.
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	{ echo "# The pinned lock for pyproject.toml: \`make\` installs with \`pip install -c constraints.txt\`."; \
	  echo "# Regenerate with \`make lock\` after changing dependencies (it resolves in a fresh venv)."; \
	  var/lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf var/lock-venv

clean:
	-platform/services.sh destroy
	rm -rf var $(VENV) staticfiles test-results frontend/node_modules scenarios/static/scenarios/build
