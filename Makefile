# `make run` and `make test` are all a newcomer types: each creates .venv on first use and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format snapshots-update clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,postgres,xlsx]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/triage demo --if-empty
	$(BIN)/triage

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -p no:randomly -s --override-ini="addopts=-q -p no:cacheprovider" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check triage_tui tests db
	$(BIN)/ruff format --check triage_tui tests db
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format triage_tui tests db
	$(BIN)/ruff check --fix triage_tui tests db

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest tests/tui --snapshot-update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
