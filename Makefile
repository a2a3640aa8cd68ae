# The two commands of the README: `make run` serves on the embedded store, `make test`
# runs every check and test. Each creates the virtual environment it needs.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINT_PATHS := src tests $(wildcard bench)

.PHONY: run test test-postgres lint unit bench clean openapi

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

# The whole suite on SQLite; with SIGNET_TEST_DATABASE_URL=postgresql://… set, every
# server the tests start runs on that PostgreSQL database instead.
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The HTTP suite on the local PostgreSQL server (see .ci/run).
test-postgres: $(BIN)/signet
	SIGNET_TEST_DATABASE_URL=$${SIGNET_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest tests/http $(PYTEST_ARGS)

unit: $(BIN)/signet
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

# Regenerate the OpenAPI document from the botocore model (tests/unit/test_openapi.py
# fails when the committed file is stale).
openapi: $(BIN)/signet
	$(BIN)/python -m signet.wire.openapi > src/signet/openapi.json.tmp
	mv src/signet/openapi.json.tmp src/signet/openapi.json

# Benchmarks, run by hand (not tests): Signet on SQLite and PostgreSQL against moto and a
# bare ASGI ceiling, cold start and growth to a million certificates; prints a table and
# writes bench/results/. BENCH_ARGS=--quick for a run of a few minutes.
bench: $(BIN)/signet
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
