# Tocsin: `make demo` runs it with a demo world, `make test` runs the whole suite.
# Everything installs into .venv from requirements.lock (exact versions) on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8080
PYTEST_ARGS ?=

.PHONY: demo test lint bench install clean format system-deps

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Start Tocsin on SQLite (./tocsin.db) with examples/demo.yaml applied, on http://127.0.0.1:$(PORT)
demo: $(STAMP)
	$(VENV)/bin/tocsin demo --world examples/demo.yaml --port $(PORT)

## Run every test on SQLite and PostgreSQL (PostgreSQL at 127.0.0.1:5432, user postgres)
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Benchmarks: ingest (wrk), schedules, timer and escalation lateness, alert to page; results go to docs/benchmarks.md
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
	$(PY) -m bench.ingest --runs 3 --duration 10
	$(PY) -m bench.schedule_bench
	$(PY) -m bench.timer_lateness --runs 3 --window 15
	$(PY) -m bench.timer_firing --runs 5
	$(PY) -m bench.escalation_lateness --runs 3 --window 15
	$(PY) -m bench.alert_to_page --runs 3 --alerts 200

## Debian packages the tests and benchmarks use (run as root; .ci/run calls it)
system-deps:
	bash .ci/install-system-deps

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
