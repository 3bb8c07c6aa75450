"""The desk at a county council's scale: 100,000 cases, 5,000 of them open.

Figures (printed, and recorded for the table `make bench` prints): time from starting the process to the queue
on screen, against an empty Textual app started the same way in the same run; the desk's peak memory; the first
visit of My cases (2), the split view (3) and reports (4), from the key to the screen drawn, against the desk's
own start; the CPU of a countdown tick (every countdown on screen changing, and the usual tick when none does);
an action from key press to committed event and repainted row.

The first visits are measured once the desk has built its screens in the quiet after its first frame, as an
officer who looks at the queue first meets them. The same visits on a desk that has not built them yet (a key
pressed in the first seconds) are printed beside them: each then builds its screen, says it is reading, and
shows its data after.

`desk_times` gives the same figures for any database (the 1,000,000-case benchmark uses it).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.figures import record

PROBE = Path(__file__).with_name("desk_probe.py")
RUNS = 5
# Copied per run below this size (the probe's action writes to it); a larger database is opened in place and
# the action left out, so the probe changes nothing in it.
COPY_BELOW_BYTES = 1 << 30
SCREENS = (("mine", "My cases (2)"), ("split", "the split view (3)"), ("reports", "reports (4)"))


def probe(*args: str, timeout: float = 120) -> dict[str, float]:
    started = time.time()
    out = subprocess.run(
        [sys.executable, str(PROBE), args[0], repr(started), *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TRIAGE_USER": "boss"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def desk_times(db: Path, runs: int) -> dict[str, float]:
    """Medians over `runs` desks started on `db`: "to_screen" (start to the queue on screen, seconds) and each
    first visit, "visit_mine", "visit_split", "visit_reports" (key to screen drawn) with "visit_*_data" (key to its
    data drawn), in seconds. A database under COPY_BELOW_BYTES is copied for each run; a larger one is opened in
    place and the probe's action (a write) left out."""
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            if db.stat().st_size < COPY_BELOW_BYTES:
                copy = Path(scratch) / f"run{run}.sqlite"
                shutil.copyfile(db, copy)
                results.append(probe("desk", str(copy)))
                for left in Path(scratch).iterdir():  # the copy and its journal files: one run's disk at a time
                    left.unlink()
            else:
                results.append(probe("desk", str(db), "--no-action", timeout=900))
    keys = ["to_screen", *(f"visit_{m}{d}" for m, _ in SCREENS for d in ("", "_data"))]
    return {key: statistics.median(r[key] for r in results) for key in keys}


def test_desk_on_100k_cases(big_database: Path, tmp_path: Path) -> None:
    empties, desks, colds = [], [], []
    for run in range(RUNS):  # interleaved, so all see the same machine
        empties.append(probe("empty"))
        copy = tmp_path / f"run{run}.sqlite"
        shutil.copyfile(big_database, copy)
        desks.append(probe("desk", str(copy)))
        shutil.copyfile(big_database, copy)
        colds.append(probe("desk", str(copy), "--no-prebuild"))
    empty = statistics.median(e["to_screen"] for e in empties)
    desk = statistics.median(d["to_screen"] for d in desks)
    ratio = desk / empty
    rss = max(d["rss_mb"] for d in desks)
    tick = statistics.median(d["tick_cpu_ms_all_changed"] for d in desks)
    quiet = statistics.median(d["tick_cpu_ms_quiet"] for d in desks)
    action = statistics.median(d["action_ms"] for d in desks)
    built = statistics.median(d["screens_built"] for d in desks)
    desk_runs = ", ".join(f"{d['to_screen']:.2f}" for d in desks)
    empty_runs = ", ".join(f"{e['to_screen']:.2f}" for e in empties)
    rss_runs = ", ".join(f"{d['rss_mb']:.0f}" for d in desks)
    print(
        f"\n100,000 cases, {desks[0]['rows_shown']} queue rows read: medians of {RUNS} runs\n"
        f"  start to screen: empty Textual app {empty:.3f}s, desk with its queue {desk:.3f}s: ratio {ratio:.2f}"
        f" (desk {desk_runs}; empty {empty_runs})\n"
        f"  peak RSS {rss:.0f} MB (each: {rss_runs})\n"
        f"  countdown tick CPU: {tick:.1f} ms when every countdown on screen changes, {quiet:.1f} ms otherwise\n"
        f"  action, key press to committed event and repainted row: {action:.0f} ms\n"
        f"  other screens built {built:.2f}s after the start; first visits (key to screen drawn / to its data):"
    )
    record(
        "desk first paint on 100,000 cases vs an empty Textual app",
        f"{desk:.2f} s vs {empty:.2f} s, medians of {RUNS}",
        ratio,
        2,
    )
    record("desk peak memory on 100,000 cases", f"{rss:.0f} MB, the most of {RUNS} runs", rss, 150, unit="MB")
    visits = {}
    for mode, label in SCREENS:
        shown = statistics.median(d[f"visit_{mode}"] for d in desks)
        data = statistics.median(d[f"visit_{mode}_data"] for d in desks)
        cold = statistics.median(c[f"visit_{mode}"] for c in colds)
        cold_data = statistics.median(c[f"visit_{mode}_data"] for c in colds)
        visits[label] = shown / desk
        print(
            f"    {label}: {1000 * shown:.0f} / {1000 * data:.0f} ms ({shown / desk:.2f}x the start); before the "
            f"screens are built {1000 * cold:.0f} / {1000 * cold_data:.0f} ms"
        )
        record(
            f"first visit of {label} vs the desk's start",
            f"{1000 * shown:.0f} ms (data {1000 * data:.0f} ms) vs {desk:.2f} s, medians of {RUNS}",
            shown / desk,
            0.5,
        )
    assert rss < 150
    assert tick < 10
    assert action < 100
    # The target is 2 (recorded above, and shown missed when it is); the assert stays at the looser bound it
    # had, since on a shared, noisy machine medians have ranged from 1.6x to 2.8x with the same code.
    assert ratio < 3, f"the queue took {ratio:.2f}x an empty app's start"
    for label, visit in visits.items():
        assert visit <= 0.5, f"the first visit of {label} took {visit:.2f}x the desk's start"
