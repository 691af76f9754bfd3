# One task runner. `make run` and `make test` work on a fresh clone: they install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint format typecheck eval eval-retrieval train bench browser-deps local-llm clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip
	# CPU build from local disk; must come first, or a dependency pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,eval]'
	touch $(STAMP)

install: $(STAMP)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

local-llm: $(STAMP)
	$(BIN)/pip install --quiet -e '.[local-llm]'

run: $(STAMP)
	$(BIN)/python app.py

test: $(STAMP) browser-deps
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -n 2 -m "not integration and not browser and not llm"

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check assistant tests app.py
	$(BIN)/ruff format --check assistant tests app.py
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format assistant tests app.py
	$(BIN)/ruff check --fix assistant tests app.py

eval: $(STAMP)
	$(BIN)/assistant eval --baselines

train: $(STAMP)
	$(BIN)/assistant train

eval-retrieval: $(STAMP)
	$(BIN)/assistant eval-retrieval

bench: $(STAMP)
	$(BIN)/python evals/bench/run.py

clean:
	rm -rf .data evals/out
