# Quick start: `make demo` runs the pipeline on the demo city; `make test` runs the tests.
# Both need only python3 (>= 3.11) and pip: uv is bootstrapped into .tools/.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(CURDIR)/.tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
export GX_ANALYTICS_ENABLED := False
export DAGSTER_DISABLE_TELEMETRY := 1
# Installed packages are byte-compiled once by uv (and the package by compileall): with
# PYTHONDONTWRITEBYTECODE set, as on some machines, every process would otherwise compile
# dagster and Great Expectations from source at import (about twice the import time).
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test test-fast lint sync dev clean

$(UV):
	./scripts/bootstrap_uv.sh $(UV_VERSION)

sync: $(UV)
	$(UV) sync --frozen --quiet
	$(UV) run --frozen --no-sync python -m compileall -q pipelines

demo: sync
	$(UV) run --frozen --no-sync bizenv demo $(ARGS)

test: sync
	./scripts/ensure_browser.sh
	./scripts/ensure_postgres.sh
	$(UV) run --frozen --no-sync ruff check --quiet .
	$(UV) run --frozen --no-sync ruff format --check --quiet .
	$(UV) run --frozen --no-sync sqlfluff lint --quiet --processes 2 sql/
	$(UV) run --frozen --no-sync pytest -q -n 2 $(ARGS)

# The developer's tier: everything but the end-to-end, browser and PostgreSQL tests
# (pytest markers slow, browser, postgres), in under a minute. `make test` runs everything.
test-fast: sync
	$(UV) run --frozen --no-sync pytest -q -n 2 -m "not slow and not browser and not postgres" $(ARGS)

lint: sync
	$(UV) run --frozen --no-sync ruff check .
	$(UV) run --frozen --no-sync ruff format --check .
	$(UV) run --frozen --no-sync sqlfluff lint --processes 2 sql/

dev: sync
	$(UV) run --frozen --no-sync bizenv dev

clean:
	rm -rf .bizenv .pytest_cache
