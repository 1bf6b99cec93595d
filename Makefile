# Two commands do all the set-up on a fresh machine:
#   make run   - the server in embedded mode (SQLite, no Redis), on http://127.0.0.1:8000
#   make test  - lint, type checks and the whole test suite
# With DATABASE_URL and REDIS_URL set, `make run` serves in production mode against them.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PIP := $(BIN)/python -m pip --disable-pip-version-check
# The lock files pin every package with its hashes; `make lock` writes them from
# pyproject.toml (keeping the pins it can; `make lock LOCK_ARGS=--upgrade` takes the newest).
LOCK_ARGS ?=
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	$(LOCK_ARGS)

.PHONY: run test lint typecheck pytest install lock clean

$(STAMP): requirements-dev.txt requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	# The project itself, built with the locked setuptools (no unpinned build download).
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# The browser pages' checkers (ESLint, TypeScript); the server needs no Node.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# requirements.txt: what the server runs on; requirements-dev.txt: that and the dev extra,
# at the same versions.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet 'pip-tools>=7.6,<8'
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.txt --output-file requirements-dev.txt \
		pyproject.toml

run: $(STAMP)
	./scripts/serve

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install eslint --max-warnings=0 .

typecheck: $(STAMP) $(NODE_STAMP)
	$(BIN)/mypy .
	npx --no-install tsc -p tsconfig.json

# Two processes (pytest-xdist), each given whole files so that a module's servers start
# once; each has its own test database, Redis database and DATA_DIR (see the README).
# `make pytest PYTEST_ARGS=` runs the suite in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile
pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Benchmarks, not tests: about 6 minutes; writes docs/benchmarks.md. Needs PostgreSQL
# and Redis on 127.0.0.1. `make bench BENCH_ARGS=--quick` for a short smoke run;
# `make bench BENCH_ARGS="--baseline <rev>"` benches the server at git revision <rev> too,
# before this tree's, for a before-and-after comparison in one run.
.PHONY: bench
bench: $(STAMP)
	ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)"; $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache node_modules
