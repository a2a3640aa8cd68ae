# The two commands of the README: `make run` serves on the embedded store, `make test`
# runs every check and test. Each creates the virtual environment it needs.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINT_PATHS := src tests $(wildcard bench)

.PHONY: run test lint unit bench clean

$(BIN)/signet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/signet
	$(BIN)/signet serve $(ARGS)

lint: $(BIN)/signet
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

unit: $(BIN)/signet
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
