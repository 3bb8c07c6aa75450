"""Benchmarks run with `make bench`, outside the default suite; they print their figures."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path

import pytest

from triage_tui.services.context import open_context
from triage_tui.services.demo import fill_large
from triage_tui.store.migrate import SCHEMA_HEAD

CACHE = Path(os.environ.get("TRIAGE_BENCH_CACHE") or Path(tempfile.gettempdir()) / "triage-bench")


@pytest.fixture(scope="session")
def big_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per machine and schema (about half a minute), copied for each run. Benchmarks started side by
    side wait for the one building it (a lock file) rather than build it twice over each other."""
    source = CACHE / f"desk-100k-{SCHEMA_HEAD}-v1.sqlite"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not source.exists():
            building = source.with_suffix(".building")
            building.unlink(missing_ok=True)
            ctx = open_context(str(building))
            fill_large(ctx, "boss")
            ctx.store.dispose()
            building.replace(source)
    return source


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One table of every figure the benchmarks recorded, with its ratio and target (see figures.py)."""
    from tests.bench.figures import FIGURES, table

    if not FIGURES:
        return
    terminalreporter.section("figures")
    for line in table(FIGURES):
        terminalreporter.write_line(line)
    target = Path(os.environ.get("TRIAGE_BENCH_TABLE") or CACHE / "triage-bench-figures.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps([f.to_json() for f in FIGURES], indent=2) + "\n")
    terminalreporter.write_line(f"(also written to {target})")
