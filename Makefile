# goldtrace: the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GT := $(BIN)/goldtrace
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

# The test stack runs on its own ports and folder, so it never touches a running demo stack.
TEST_HOME ?= $(CURDIR)/.goldtrace/test
TEST_KAFKA_PORT ?= 29092
TEST_KAFKA_CONTROLLER_PORT ?= 29093
TEST_POSTGRES_PORT ?= 25432
TEST_ENV := GOLDTRACE_HOME=$(TEST_HOME) GOLDTRACE_KAFKA_PORT=$(TEST_KAFKA_PORT) \
	GOLDTRACE_KAFKA_CONTROLLER_PORT=$(TEST_KAFKA_CONTROLLER_PORT) GOLDTRACE_POSTGRES_PORT=$(TEST_POSTGRES_PORT)

.PHONY: help install browsers up down status demo test unit lint bench clean

help:
	@echo "make demo   - set everything up, start the stack in the background, play the Puno demo"
	@echo "make test   - set everything up and run the whole test suite against real Kafka and PostgreSQL"
	@echo "make up / make down / make status - start, stop, inspect the local stack"
	@echo "make lint   - ruff and mypy --strict;  make bench - the benchmarks under bench/"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "goldtrace needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

# Headless Chromium (Debian's package) for the browser tests; does nothing when it is already there.
browsers:
	@bash infra/browsers/install.sh

up: $(STAMP)
	$(GT) up

down:
	@if [ -x $(GT) ]; then $(GT) down; $(TEST_ENV) $(GT) down >/dev/null; else echo "Nothing to stop."; fi

status: $(STAMP)
	$(GT) status

demo: $(STAMP)
	$(GT) up
	$(GT) demo

test: $(STAMP) browsers
	@export $(TEST_ENV); \
	$(GT) up --infra-only || { $(GT) down; exit 1; }; \
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	$(GT) down; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - that is a failure here."; exit 1; fi; \
	exit $$rc

unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy events services tests bench

bench: $(STAMP)
	$(GT) up --infra-only
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
	@echo "Kafka and PostgreSQL keep running for the next run; stop them with: make down"

clean: down
	rm -rf .goldtrace $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
