# The two commands: `make run` sets up and starts AskShot, `make test` sets up
# and runs the whole suite. Both create .venv and install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench package package-test clean system-deps-run system-deps-test

run: $(VENV)/.run-installed system-deps-run
	$(BIN)/askshot

test: $(VENV)/.test-installed system-deps-test
	@packaging/litellm-venv.sh  # a real gateway for the gateway tests, in .venv-litellm
	$(BIN)/python -m pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.test-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.test-installed system-deps-test
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python -m bench

system-deps-run:
	@packaging/system-deps.sh run

system-deps-test:
	@packaging/system-deps.sh test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@ $(VENV)/.run-installed

clean:
	rm -rf build dist .pytest_cache .ruff_cache .mypy_cache

# The installable package for this platform (Linux: dist/askshot_<version>_<arch>.deb).
package: $(VENV)/.run-installed
	PYTHON=$(BIN)/python packaging/build.sh

# Build the .deb, install it, run it, remove it (needs root; CI runs it).
package-test: $(VENV)/.run-installed
	PYTHON=$(BIN)/python packaging/test_deb.sh
