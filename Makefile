# The two commands of the README: `make run` (set up + the nightly job) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
SOURCE ?= arxiv
BIN := $(VENV)/bin

.PHONY: setup run test lint

$(BIN)/ctrends: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(BIN)/ctrends

setup: $(BIN)/ctrends
	@echo "ctrends is installed in $(BIN): type $(BIN)/ctrends, or run 'source $(BIN)/activate' to put ctrends on PATH"

run: setup
	$(BIN)/ctrends db upgrade
	$(BIN)/ctrends run --source $(SOURCE)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest
