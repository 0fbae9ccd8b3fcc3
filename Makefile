# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8501
PYTEST_ARGS ?=
TEST_WORKERS ?= 2

.PHONY: run api test lint bench e2e screenshots migration clean-db help

help:
	@echo "make run    - install, create the database with demo data on first start, serve on :$(PORT)"
	@echo "make api    - install, create the database if needed, serve the system interface on :\$$GOVDATA_API_PORT (8000)"
	@echo "make test   - install dev requirements, ruff, architecture contracts, then the whole pytest suite"
	@echo "make bench  - benchmarks (never part of make test)"
	@echo "make lint   - ruff and the architecture contracts (lint-imports)"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# The demo database runs in demo mode (demo accounts listed, banner on every page); the application's default is off.
run: export GOVDATA_DEMO_MODE ?= true
run: $(VENV)/.runtime
	$(PY) manage.py init-db
	$(PY) manage.py seed-demo --scale demo --if-empty
	$(VENV)/bin/streamlit run serve.py --server.port $(PORT)

# The system interface (FastAPI under uvicorn); the port comes from GOVDATA_API_PORT (default 8000).
api: $(VENV)/.runtime
	$(PY) manage.py init-db
	$(PY) manage.py api

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15 $(PYTEST_ARGS)

e2e: $(VENV)/.dev
	$(VENV)/bin/pytest tests/e2e -m e2e $(PYTEST_ARGS)

# Refreshes docs/screenshots/ from the real-browser tests.
screenshots: $(VENV)/.dev
	GOVDATA_DOC_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e -m e2e -p no:xdist

bench: $(VENV)/.runtime
	$(PY) manage.py bench $(BENCH_ARGS)

# Regenerates the initial Alembic revision from the models (only while no deployment exists).
migration: $(VENV)/.dev
	$(PY) -m migrations.regenerate

clean-db:
	rm -f data/govdata.db data/govdata.db-wal data/govdata.db-shm
