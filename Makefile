# OfficeShop: `make demo` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2
# The HTTP API's own server in `make run` (see README, Performance).
API_PORT ?= $(shell echo $$(( $(PORT) + 1 )))
DEMO_DATA := catalog/demo/demo_orders.csv
DATA ?= $(DEMO_DATA)
LOCAL_DATABASE_URL := postgres://postgres@127.0.0.1:5432/officeshop
LOCAL_REDIS_URL := redis://127.0.0.1:6379/0

.PHONY: demo run test bench lint format install install-dev browser services-check clean graphql-schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium; Playwright never downloads one.
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The demo: SQLite, in-process channel layer and cache, a file-based Celery
# broker; no server of any kind needs to be running.
demo: install
	@test -f "$(DATA)" || { echo "DATA=$(DATA): no such file"; exit 2; }
	rm -rf var/demo
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL \
	  OFFICESHOP_VAR_DIR=var/demo AUTO_RESTOCK=1 DEBUG=1 PORT=$(PORT) DATA="$(DATA)" \
	  bash scripts/demo.sh

run: install
	env DATABASE_URL="$${DATABASE_URL:-$(LOCAL_DATABASE_URL)}" \
	  REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" PORT=$(PORT) \
	  WEB_WORKERS=$(WORKERS) CELERY_WORKERS=$(WORKERS) \
	  API_PORT=$(API_PORT) API_WORKERS=$$(( 2 * $(WORKERS) )) \
	  bash scripts/run.sh

services-check: install-dev
	@env DATABASE_URL="$${DATABASE_URL:-$(LOCAL_DATABASE_URL)}" \
	  REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" \
	  $(BIN)/python scripts/check_services.py

lint: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: export SECRET_KEY ?= officeshop-test-key
test: install-dev browser services-check lint
	env DATABASE_URL="$${DATABASE_URL:-$(LOCAL_DATABASE_URL)}" \
	  REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" \
	  $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	env DATABASE_URL="$${DATABASE_URL:-$(LOCAL_DATABASE_URL)}" \
	  REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" \
	  $(BIN)/pytest $(PYTEST_ARGS)

bench: export SECRET_KEY ?= officeshop-bench-key
bench: install-dev services-check
	env DATABASE_URL="$${DATABASE_URL:-$(LOCAL_DATABASE_URL)}" \
	  REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" \
	  BENCH_CATALOG="$(BENCH_CATALOG)" $(BIN)/python -m bench

# Rewrite graphapi/schema.graphql from the code (a test fails when the two
# differ).
graphql-schema: export SECRET_KEY ?= officeshop-schema-key
graphql-schema: install
	$(BIN)/python manage.py graphql_schema

clean:
	rm -rf var .pytest_cache .ruff_cache
