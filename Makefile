# Two commands do all the set-up on a fresh machine:
#   make run   - the server in embedded mode (SQLite, no Redis), on http://127.0.0.1:8000
#   make test  - lint, type checks and the whole test suite
# With DATABASE_URL and REDIS_URL set, `make run` serves in production mode against them.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	./scripts/serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

# Benchmarks, not tests: about 6 minutes; writes docs/benchmarks.md. Needs PostgreSQL
# and Redis on 127.0.0.1. `make bench BENCH_ARGS=--quick` for a short smoke run;
# `make bench BENCH_ARGS="--baseline <rev>"` benches the server at git revision <rev> too,
# before this tree's, for a before-and-after comparison in one run.
.PHONY: bench
bench: $(STAMP)
	ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)"; $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
