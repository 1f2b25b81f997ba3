# Two commands do it all on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install assets bench soak schema lint format clean

run: install assets  ## serve GraphiQL on http://127.0.0.1:8000/graphql with demo data
	$(BIN)/python app.py serve --demo

test: install assets  ## the whole suite (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

assets: install  ## GraphiQL's scripts and styles, served by the app itself
	$(BIN)/python -m static.fetch_assets

bench: install  ## privacy, search, refusal-timing and abuse-limit benchmarks (prints tables of ratios)
	$(BIN)/python -m bench.privacy
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.refusals
	$(BIN)/python -m bench.login_flood
	$(BIN)/python -m bench.attacks

soak: install  ## ten minutes at a fixed rate on loopback: memory, errors, p99 per minute
	$(BIN)/python -m bench.soak

schema: install  ## regenerate schema.graphql from the code
	$(BIN)/strawberry export-schema schema.schema:schema --output schema.graphql

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) static/vendor
