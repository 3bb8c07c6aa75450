# `make run` and `make test` are all a newcomer types: each creates .venv on first use and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What the desk needs to start, and no more: `make run` on a fresh clone installs just this. The test, PostgreSQL
# and XLSX extras come with `make test` (or `pip install -e '.[postgres,xlsx]'` for a desk that uses them).
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test bench fuzz stress lint format snapshots-update clean

# pip compiles the modules it installs, but an editable install leaves the project's own to be compiled on every
# start wherever bytecode is not written (PYTHONDONTWRITEBYTECODE, a read-only checkout): about 30 ms of the
# desk's first frame. Compiled here, once; a module edited since no longer matches its .pyc and is compiled
# afresh when imported, as before.
COMPILE := $(BIN)/python -m compileall -q triage_tui

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	$(COMPILE)
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,postgres,xlsx]'
	$(COMPILE)
	@touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/triage demo --if-empty
	$(BIN)/triage

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark, ending with one table of every figure (its ratio and target), then where an import's time goes
# (printed whether or not every target was met; the exit status says whether they were).
# The first run builds the 100,000- and 1,000,000-case databases (some minutes; cached until the schema or the
# import's code changes). The PostgreSQL figures use TRIAGE_TEST_PG_URL's server, or one of its own when that is
# unset or cannot spare the connections (the server's binaries must be installed).
bench: $(STAMP)
	@status=0; $(BIN)/python -m pytest tests/bench -p no:randomly -s --override-ini="addopts=-q -p no:cacheprovider" \
		$(PYTEST_ARGS) || status=$$?; \
	$(BIN)/python -m tests.bench.profile_import --rows $${PROFILE_ROWS:-100000} --top 20; exit $$status

# The import fuzzer at length: random bytes and mutated good files (CSV and XLSX), many more than the default
# suite's bounded run. FUZZ_RUNS="20000" for longer still.
fuzz: $(STAMP)
	TRIAGE_FUZZ_RUNS=$${FUZZ_RUNS:-3000} $(BIN)/python -m pytest tests/fuzz -p no:randomly -s $(PYTEST_ARGS)

# Desks racing every action on the same cases, then a check of every case's history: a new SQLite file, and
# the PostgreSQL database named by TRIAGE_TEST_PG_URL when it is set. STRESS_ARGS="--desks 6 --seconds 30".
stress: $(STAMP)
	$(BIN)/python -m tests.bench.stress --db "$$(mktemp -d)/stress.sqlite" $(STRESS_ARGS)
	@if [ -n "$$TRIAGE_TEST_PG_URL" ]; then $(BIN)/python -m tests.bench.stress --db "$$TRIAGE_TEST_PG_URL" $(STRESS_ARGS); fi

lint: $(STAMP)
	$(BIN)/ruff check triage_tui tests db
	$(BIN)/ruff format --check triage_tui tests db
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format triage_tui tests db
	$(BIN)/ruff check --fix triage_tui tests db

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest tests/tui --snapshot-update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
