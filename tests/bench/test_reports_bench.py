"""`triage report position --all` and `triage report annual` over 100,000 cases and their events, against
`triage --help`, run in turns so that all three see the same machine. `report_times` is also what the scale
benchmark calls on its million-case database."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from tests.bench.figures import record

TRIAGE = Path(sys.executable).parent / "triage"
RUNS = 5
TARGET = 3.0  # each report at most three times `triage --help`
AS_OF = "2026-12-31"


def last_full_year(today: date | None = None) -> int:
    """The last financial year (1 April to 31 March) that has ended: the annual report's usual question."""
    today = today or date.today()
    current = today.year if today.month >= 4 else today.year - 1
    return current - 1


COMMANDS = {
    "help": ("--help",),
    "position": ("report", "position", "--as-of", AS_OF, "--all"),
    "annual": ("report", "annual", "--year", str(last_full_year())),
}


def timed(*args: str, db: Path) -> float:
    env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
    began = time.perf_counter()
    out = subprocess.run([str(TRIAGE), *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    assert out.returncode == 0, out.stderr[-2000:]
    return elapsed


def report_times(db: Path, runs: int) -> dict[str, float]:
    """Median seconds of `triage --help`, `report position --all` and `report annual` (the last full financial
    year) on `db`, each run `runs` times in turns after one unmeasured round (the file into the page cache)."""
    for args in COMMANDS.values():
        timed(*args, db=db)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, args in COMMANDS.items():
            times[name].append(timed(*args, db=db))
    return {name: statistics.median(values) for name, values in times.items()}


def test_reports_over_100k_cases(big_database: Path, tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite"
    shutil.copyfile(big_database, db)  # the cached file stays as built
    medians = report_times(db, RUNS)
    help_s = medians["help"]
    ratios = {}
    for name, label in (("position", "report position --all"), ("annual", "report annual")):
        ratios[name] = medians[name] / help_s
        record(
            f"{label} on 100,000 cases vs triage --help",
            f"{medians[name]:.2f} s vs {help_s:.2f} s (medians of {RUNS})",
            ratios[name],
            TARGET,
        )
    print(
        f"\nreports over 100,000 cases ({RUNS} runs, medians): position --all {medians['position']:.2f}s, "
        f"annual {medians['annual']:.2f}s; triage --help {help_s:.2f}s; "
        f"ratios {ratios['position']:.2f}, {ratios['annual']:.2f}"
    )
    assert ratios["position"] <= TARGET
    assert ratios["annual"] <= TARGET
