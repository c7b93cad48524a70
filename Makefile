# Shopwright: `make run` to use it, `make test` to check it. Everything else is below.
.DEFAULT_GOAL := help
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)
UV_RUN := uv run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000
HUB_PORT ?= 8001

.PHONY: help setup run migrate seed test coverage test-fast lint format bench clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## Create the Python environment (uv, Python 3.11, locked dependencies)
	@scripts/bootstrap.sh python

run: setup ## Migrate, seed demo data if empty, serve on http://127.0.0.1:8000 (SQLite) and the testing hub on :8001
	@$(UV_RUN) shop migrate
	@$(UV_RUN) shop seed --demo --if-empty
	@echo "Shop: http://$(HOST):$(PORT)   API docs: http://$(HOST):$(PORT)/api/docs   Testing hub: http://$(HOST):$(HUB_PORT)"
	@# The hub runs beside the shop: Ctrl-C, or the shop stopping, stops both.
	@TESTHUB_BASE_URL=http://$(HOST):$(PORT) $(UV_RUN) testhub serve --host $(HOST) --port $(HUB_PORT) & hub=$$!; \
	trap 'kill $$hub 2>/dev/null; wait $$hub 2>/dev/null' EXIT; \
	$(UV_RUN) shop run --host $(HOST) --port $(PORT)

migrate: setup ## Apply database migrations
	@$(UV_RUN) shop migrate

seed: setup ## Load the demo catalog and users
	@$(UV_RUN) shop seed --demo

# Three xdist workers on two cores: much of the suite waits on browsers, live shops and PostgreSQL.
# Tests that share a live shop or a browser suite run are grouped onto one worker (--dist loadgroup).
test: ## Start PostgreSQL/Redis if needed and run the whole test suite
	@scripts/bootstrap.sh services
	@$(UV_RUN) pytest -n 3 --dist loadgroup --durations=15

coverage: ## The whole suite with a coverage report (slower by about a third)
	@scripts/bootstrap.sh services
	@$(UV_RUN) pytest -n 3 --dist loadgroup --cov --cov-report=term --cov-report=xml:var/coverage.xml

test-fast: ## Tests on SQLite only, no coverage
	@$(UV_RUN) pytest -n 2 -k "not postgres" -q

lint: setup ## ruff, ruff format check, mypy --strict, import-linter
	@$(UV_RUN) ruff check src tests migrations bench deploy
	@$(UV_RUN) ruff format --check src tests migrations bench deploy
	@$(UV_RUN) mypy
	@$(UV_RUN) lint-imports

format: setup ## Format and autofix
	@$(UV_RUN) ruff format src tests migrations bench deploy
	@$(UV_RUN) ruff check --fix src tests migrations bench deploy

bench: ## Benchmark on PostgreSQL with wrk; prints a table (see docs/performance.md)
	@scripts/bootstrap.sh bench
	@$(UV_RUN) python bench/run.py

clean: ## Remove local databases, media and caches (var/)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
