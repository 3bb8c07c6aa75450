"""`triage report position --all` over 100,000 cases and their events, against `triage --help` (one run)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TRIAGE = Path(sys.executable).parent / "triage"
RUNS = 5


def timed(*args: str, db: Path) -> float:
    env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
    began = time.perf_counter()
    out = subprocess.run([str(TRIAGE), *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    assert out.returncode == 0, out.stderr[-2000:]
    return elapsed


def test_position_over_100k_cases(big_database: Path) -> None:
    helps, reports = [], []
    for _ in range(RUNS):  # interleaved, so both see the same machine
        helps.append(timed("--help", db=big_database))
        reports.append(timed("report", "position", "--as-of", "2026-12-31", "--all", db=big_database))
    help_s, report_s = statistics.median(helps), statistics.median(reports)
    print(
        f"\nreport position --all over 100,000 cases ({RUNS} runs, medians): {report_s:.2f}s; "
        f"triage --help {help_s:.2f}s; ratio {report_s / help_s:.2f} "
        f"(report {', '.join(f'{x:.2f}' for x in reports)}; help {', '.join(f'{x:.2f}' for x in helps)})"
    )
    assert report_s / help_s < 4
