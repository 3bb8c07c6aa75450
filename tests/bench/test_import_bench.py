"""`triage import` on 100,000 new contacts against a plain csv + sqlite3 script, memory against file size,
and kill -9 in the middle of a 200,000-row import."""

from __future__ import annotations

import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.importer.sample_file import write_contacts

HERE = Path(__file__).resolve().parent
TRIAGE = Path(sys.executable).parent / "triage"
RUNS = 3


def fresh_database(path: Path) -> Path:
    env = {**os.environ, "TRIAGE_DB": str(path), "TRIAGE_USER": "boss"}
    subprocess.run(
        [str(TRIAGE), "officer", "add", "boss", "--name", "Boss", "--role", "supervisor"],
        env=env,
        check=True,
        capture_output=True,
    )
    return path


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    assert out.returncode == 0, out.stderr[-2000:]
    return elapsed


def peak_rss_mb(source: Path, db: Path) -> float:
    """Peak memory of one import, measured inside its own process (VmHWM: ru_maxrss would include the
    parent's peak, inherited at fork)."""
    script = (
        "import sys\n"
        "from triage_tui.cli import main\n"
        "try:\n"
        f"    main(['import', {str(source)!r}, '--db', {str(db)!r}, '--as', 'boss'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "print(next(int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def test_import_speed_and_memory(tmp_path: Path) -> None:
    source = write_contacts(tmp_path / "100k.csv", 100_000)
    ours, plain, bare = [], [], []
    for run in range(RUNS):  # interleaved, so all three see the same machine
        db = fresh_database(tmp_path / f"ours{run}.sqlite")
        env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
        ours.append(timed([str(TRIAGE), "import", str(source)], env))
        base = fresh_database(tmp_path / f"plain{run}.sqlite")
        plain.append(timed([sys.executable, str(HERE / "plain_import.py"), str(source), str(base)]))
        bare.append(
            timed([sys.executable, str(HERE / "plain_import.py"), str(source), str(tmp_path / f"b{run}.db"), "bare"])
        )
    ours_s, plain_s, bare_s = (statistics.median(x) for x in (ours, plain, bare))

    small = write_contacts(tmp_path / "20k.csv", 20_000, seed=3)
    big = write_contacts(tmp_path / "200k.csv", 200_000, seed=5)
    rss_small = peak_rss_mb(small, fresh_database(tmp_path / "rss-small.sqlite"))
    rss_big = peak_rss_mb(big, fresh_database(tmp_path / "rss-big.sqlite"))
    print(
        f"\n100,000 new contacts from CSV, medians of {RUNS} runs:\n"
        f"  triage import (the whole command)           {ours_s:.2f}s  ({', '.join(f'{x:.2f}' for x in ours)})\n"
        f"  plain csv + sqlite3 into the cases table    {plain_s:.2f}s  ratio {ours_s / plain_s:.1f}\n"
        f"  plain csv + sqlite3 into a bare table       {bare_s:.2f}s  ratio {ours_s / bare_s:.1f}\n"
        f"  peak memory: 20,000 rows {rss_small:.0f} MB, 200,000 rows {rss_big:.0f} MB"
    )
    assert ours_s / plain_s < 10
    assert rss_big < rss_small * 1.5  # streams: ten times the rows, not ten times the memory


def test_kill_9_in_a_200k_import(tmp_path: Path) -> None:
    source = write_contacts(tmp_path / "200k.csv", 200_000, seed=11)
    db = fresh_database(tmp_path / "kill.sqlite")
    env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
    running = subprocess.Popen(
        [str(TRIAGE), "import", str(source)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    while running.poll() is None:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            stored = c.execute("SELECT count(*) FROM cases").fetchone()[0]
        if stored >= 50_000:
            os.kill(running.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    running.wait()
    assert running.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as c:
        cases = c.execute("SELECT count(*) FROM cases").fetchone()[0]
        events = c.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0]
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    began = time.perf_counter()
    again = subprocess.run([str(TRIAGE), "import", str(source), "--json"], env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as c:
        final = c.execute("SELECT count(*), count(DISTINCT reference) FROM cases").fetchone()
        final_events = c.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0]
    print(
        f"\nkill -9 at {cases:,} of 200,000 rows stored ({events:,} events: whole chunks only); "
        f"the re-run took {took:.1f}s and printed {again.stdout.strip().replace(chr(10), ' ')}; "
        f"now {final[0]:,} cases, {final[1]:,} distinct references, {final_events:,} events"
    )
    assert cases == events and cases % 10_000 == 0
    assert final == (200_000, 200_000) and final_events == 200_000
