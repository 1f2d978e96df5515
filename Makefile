# live-commerce-quality: `make run` and `make test` are all a new machine needs.
.DEFAULT_GOAL := help
SHELL := /bin/bash
UV := python3 -m uv
UV_VERSION := 0.13.8

.PHONY: help setup run airflow test lint format bench docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## create .venv from uv.lock (installs uv if missing)
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet

run: setup ## generate demo data if there is none, evaluate it through Airflow, print where and what
	@$(UV) run --frozen lcq run-demo

airflow: setup ## Airflow's UI, scheduler, dag-processor, triggerer with the DAGs (LCQ_AIRFLOW_DB_URL: PostgreSQL)
	@$(UV) run --frozen lcq airflow

test: setup ## the test suite (unit, DAG import, integration on small fixtures)
	@$(UV) run --frozen pytest

lint: setup ## ruff for Python, sqlfluff for the dbt SQL
	@$(UV) run --frozen ruff check src tests dags
	@$(UV) run --frozen ruff format --check src tests dags
	@$(UV) run --frozen sqlfluff lint dbt_project/models dbt_project/macros

format: setup ## apply ruff formatting
	@$(UV) run --frozen ruff format src tests dags

SCALES ?= 1 10
ARGS ?=
bench: setup ## time and memory per step at SF1 and SF10, floor, pandas, nightly, history (SCALES="1", ARGS="--only floor")
	@$(UV) run --frozen python -m live_commerce_quality.bench $(foreach s,$(SCALES),--scale $(s)) $(ARGS)

docs: setup ## dbt's documentation of the models, tests and indicator definitions: data/docs/index.html
	@$(UV) run --frozen lcq docs

clean: ## remove everything the product wrote under LCQ_HOME (default data/; keeps .venv): see core/layout.py
	@PYTHONPATH=src python3 -m live_commerce_quality.core.layout
