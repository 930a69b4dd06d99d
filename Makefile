# The two commands: `make test` and `make demo`. Both create .venv when it is missing.
# `make docs` builds the documentation site and serves it on http://127.0.0.1:8000.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test lint docs docs-build demo clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "deploybot needs Python >= 3.11 (python3 on PATH)"; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict bot integrations emulators tests benchmarks docs/hooks.py
	$(MAKE) docs-build

# A broken link, a missing page or a generated reference that fails stops the build.
docs-build: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict

test: lint
	@sh scripts/ensure-browser
	@sh scripts/ensure-postgres
	@sh scripts/ensure-alertmanager
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/deploybot demo

clean:
	rm -rf $(VENV) demo-output site test-artifacts .pytest_cache .mypy_cache .ruff_cache .hypothesis
