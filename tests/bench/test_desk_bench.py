"""The desk at a county council's scale: 100,000 cases, 5,000 of them open.

Figures (printed): time from starting the process to the queue on screen, against an empty Textual app started
the same way in the same run; the desk's peak memory; the CPU of a countdown tick (every countdown on screen
changing, and the usual tick when none does); an action from key press to committed event and repainted row.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROBE = Path(__file__).with_name("desk_probe.py")
RUNS = 5


def probe(*args: str) -> dict[str, float]:
    started = time.time()
    out = subprocess.run(
        [sys.executable, str(PROBE), args[0], repr(started), *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRIAGE_USER": "boss"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_desk_on_100k_cases(big_database: Path, tmp_path: Path) -> None:
    empties, desks = [], []
    for run in range(RUNS):  # interleaved, so both see the same machine
        empties.append(probe("empty"))
        copy = tmp_path / f"run{run}.sqlite"
        shutil.copyfile(big_database, copy)
        desks.append(probe("desk", str(copy)))
    empty = statistics.median(e["to_screen"] for e in empties)
    desk = statistics.median(d["to_screen"] for d in desks)
    ratio = desk / empty
    rss = max(d["rss_mb"] for d in desks)
    tick = statistics.median(d["tick_cpu_ms_all_changed"] for d in desks)
    quiet = statistics.median(d["tick_cpu_ms_quiet"] for d in desks)
    action = statistics.median(d["action_ms"] for d in desks)
    desk_runs = ", ".join(f"{d['to_screen']:.2f}" for d in desks)
    empty_runs = ", ".join(f"{e['to_screen']:.2f}" for e in empties)
    rss_runs = ", ".join(f"{d['rss_mb']:.0f}" for d in desks)
    print(
        f"\n100,000 cases, {desks[0]['rows_shown']} queue rows read: medians of {RUNS} runs\n"
        f"  start to screen: empty Textual app {empty:.3f}s, desk with its queue {desk:.3f}s: ratio {ratio:.2f}"
        f" (desk {desk_runs}; empty {empty_runs})\n"
        f"  peak RSS {rss:.0f} MB (each: {rss_runs})\n"
        f"  countdown tick CPU: {tick:.1f} ms when every countdown on screen changes, {quiet:.1f} ms otherwise\n"
        f"  action, key press to committed event and repainted row: {action:.0f} ms"
    )
    assert rss < 250
    assert tick < 10
    assert action < 100
    assert ratio < 3, f"the queue took {ratio:.2f}x an empty app's start"
