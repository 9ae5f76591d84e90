# The README's two commands: `make demo` (one cycle on the embedded default) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# One home for the demo and the README's follow-up commands (the CLI's own default is
# ~/.hedgegraph): export HEDGEGRAPH_HOME=$(CURDIR)/.hedgegraph, as the README says, and both agree.
HEDGEGRAPH_HOME ?= $(CURDIR)/.hedgegraph
# The demo replays a regular-hours moment so it shows a whole trade at any hour; without --as-of a
# cycle runs on the wall clock, and outside market hours the gate vetoes entries (market_closed).
# A replay trades its own paper account (HEDGEGRAPH_HOME/replays/<as-of>/), never the real one.
DEMO_AS_OF ?= 2025-09-15T15:00:00

.PHONY: demo test lint typecheck unit bench clean mutation

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[dev]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	HEDGEGRAPH_HOME=$(HEDGEGRAPH_HOME) $(VENV)/bin/hedgegraph run --tickers AAPL,MSFT,NVDA --as-of $(DEMO_AS_OF)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy

# Per-file progress (one line per test file) and the 15 slowest tests.
test: lint typecheck
	$(VENV)/bin/pytest -ra --durations=15 -o console_output_style=count

bench: $(VENV)/.dev-installed
	@for b in tests/bench/*.py; do \
	  case "$$b" in */__init__.py) continue;; esac; \
	  echo "== $$b"; $(PY) -m tests.bench.$$(basename $$b .py) || exit 1; \
	done

clean:
	rm -rf $(VENV) .hedgegraph .mypy_cache .ruff_cache

# Mutation testing of the risk gate, execution road, exit path and PM clamp; never part of `test`.
# Per-module kill rates, survivors by id; fails if a must-kill break survives (tests/mutation/README.md).
$(VENV)/.mutation-installed: pyproject.toml | $(VENV)/.dev-installed
	$(PIP) install -q -e '.[dev,mutation]'
	touch $@

mutation: $(VENV)/.mutation-installed
	$(PY) -m tests.mutation.run
