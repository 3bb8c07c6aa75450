"""`triage import` on 100,000 new contacts against a plain csv + sqlite3 script, a history file's speed, memory
at a million rows against 100,000, and kill -9 in the middle of a 200,000-row import (killed in the middle of
its chunks, one transaction each, by tests/importer/test_interrupted.py)."""

from __future__ import annotations

import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.figures import record
from tests.bench.scale_file import PEAK, write_history
from tests.importer.sample_file import write_contacts

HERE = Path(__file__).resolve().parent
TRIAGE = Path(sys.executable).parent / "triage"
RUNS = 5


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
    # What earlier runs and benchmarks left to write back goes to the disk first: written back while a run
    # syncs its own writes, it was timed as part of that run (an import writes and syncs more than the plain
    # scripts do, so it was the more exposed to it).
    os.sync()
    began = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    assert out.returncode == 0, out.stderr[-2000:]
    return elapsed


def peak_rss_mb(source: Path, db: Path) -> float:
    """Peak memory of one import, measured inside its own process (see PEAK: its own and its writer's)."""
    script = (
        "import sys\n"
        "from triage_tui.cli import main\n"
        "try:\n"
        f"    main(['import', {str(source)!r}, '--db', {str(db)!r}, '--as', 'boss'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        f"{PEAK}"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


# The baselines, each the same csv reading and one transaction (plain_import.py): the issue's own (a table of the
# cases table's columns with a unique index on the reference, nothing else), then the desk's own cases table
# (its search triggers and indexes) by executemany and in 500-row INSERTs, then five text columns and no index.
BASELINES = {"columns": "columns", "plain": None, "batched": "batched", "bare": "bare"}


def test_import_speed(tmp_path: Path) -> None:
    """100,000 new contacts: `triage import` (the whole command) against the plain scripts, runs interleaved."""
    source = write_contacts(tmp_path / "100k.csv", 100_000)
    runs: dict[str, list[float]] = {"ours": [], **{name: [] for name in BASELINES}}
    for run in range(RUNS):  # interleaved, so all of them see the same machine
        db = fresh_database(tmp_path / f"ours{run}.sqlite")
        env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
        runs["ours"].append(timed([str(TRIAGE), "import", str(source)], env))
        for name, mode in BASELINES.items():
            base = tmp_path / f"{name}{run}.sqlite"
            if mode != "bare":
                fresh_database(base)
            script = [sys.executable, str(HERE / "plain_import.py"), str(source), str(base)]
            runs[name].append(timed(script + ([mode] if mode else [])))
    median = {name: statistics.median(values) for name, values in runs.items()}
    ours = median["ours"]
    shown = {k: ", ".join(f"{x:.2f}" for x in v) for k, v in runs.items()}
    labels = {
        "columns": "into a table of the same columns + unique reference",
        "plain": "executemany into the desk's cases table",
        "batched": "the same in INSERTs of 500 rows",
        "bare": "into five text columns, no index",
    }
    lines = [f"  {labels[n]:<52} {median[n]:.2f}s  ({shown[n]})  ratio {ours / median[n]:.1f}" for n in BASELINES]
    print(
        f"\n100,000 new contacts from CSV, medians of {RUNS} runs:\n"
        f"  {'triage import (the whole command)':<52} {ours:.2f}s  ({shown['ours']})\n" + "\n".join(lines)
    )
    record(
        "import 100,000 new contacts vs plain csv+sqlite3 (same columns, unique reference)",
        f"{ours:.2f} s vs {median['columns']:.2f} s, medians of {RUNS}",
        ours / median["columns"],
        8,
    )
    record(
        "import 100,000 new contacts vs the plain script into the desk's own cases table (500-row INSERTs)",
        f"{ours:.2f} s vs {median['batched']:.2f} s, medians of {RUNS}",
        ours / median["batched"],
        8,
    )
    assert ours / median["columns"] <= 8


def test_history_speed(tmp_path: Path) -> None:
    """Closed and responded histories (every milestone an event, as a large database is loaded) against new
    contacts: the time per row, printed (the target is the contacts')."""
    contacts = write_contacts(tmp_path / "contacts.csv", 100_000)
    history = write_history(tmp_path / "history.csv", 100_000, 5_000, years=2)
    env = {**os.environ, "TRIAGE_USER": "boss"}
    plain = timed([str(TRIAGE), "import", str(contacts)], {**env, "TRIAGE_DB": str(fresh_database(tmp_path / "c.db"))})
    made = timed(
        [str(TRIAGE), "import", str(history), "--create-officers"],
        {**env, "TRIAGE_DB": str(fresh_database(tmp_path / "h.db"))},
    )
    with sqlite3.connect(tmp_path / "h.db") as c:
        events = c.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0]
    print(
        f"\n100,000 history rows ({events:,} events) imported in {made:.1f}s, {made / plain:.1f}x the time of "
        f"100,000 new contacts ({plain:.1f}s)"
    )


def test_import_memory_at_a_million_rows(tmp_path: Path) -> None:
    """Pass one keeps what it must remember of each row on disk, and pass two holds a chunk at a time: the peak
    at 1,000,000 rows is that at 100,000."""
    small = write_contacts(tmp_path / "100k.csv", 100_000, seed=3)
    rss_small = peak_rss_mb(small, fresh_database(tmp_path / "rss-small.sqlite"))
    small.unlink()
    big = write_contacts(tmp_path / "1m.csv", 1_000_000, seed=5)
    began = time.perf_counter()
    rss_big = peak_rss_mb(big, fresh_database(tmp_path / "rss-big.sqlite"))
    took = time.perf_counter() - began
    print(f"\npeak memory: 100,000 rows {rss_small:.0f} MB, 1,000,000 rows {rss_big:.0f} MB ({took:.0f}s)")
    record(
        "import peak memory at 1,000,000 rows vs 100,000",
        f"{rss_big:.0f} MB vs {rss_small:.0f} MB",
        rss_big / rss_small,
        1.2,
    )
    assert rss_big <= rss_small * 1.2


def write_lock_held(db: Path) -> bool:
    """Whether another connection holds the database's write lock (asked without waiting for it)."""
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()  # a lock it took is let go at once
    return False


def test_kill_9_in_a_200k_import(tmp_path: Path) -> None:
    """Into a new database the import is one transaction (importer/run.py _BulkLoad): killed while it holds the
    write lock, a little into its writing, it leaves nothing; run again, it stores every row once."""
    source = write_contacts(tmp_path / "200k.csv", 200_000, seed=11)
    db = fresh_database(tmp_path / "kill.sqlite")
    env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
    running = subprocess.Popen(
        [str(TRIAGE), "import", str(source)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    held = 0
    while running.poll() is None:
        held = held + 1 if write_lock_held(db) else 0
        if held >= 25:  # about half a second of writing
            os.kill(running.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    running.wait()
    assert running.returncode == -signal.SIGKILL, "the import finished before it could be interrupted"
    with sqlite3.connect(db) as c:
        cases = c.execute("SELECT count(*) FROM cases").fetchone()[0]
        events = c.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0]
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        indexes = c.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('index', 'trigger')").fetchone()[0]
    began = time.perf_counter()
    again = subprocess.run([str(TRIAGE), "import", str(source), "--json"], env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as c:
        final = c.execute("SELECT count(*), count(DISTINCT reference) FROM cases").fetchone()
        final_events = c.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0]
        assert c.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('index', 'trigger')").fetchone()[0] == (
            indexes
        )
    print(
        f"\nkill -9 during the bulk load: {cases:,} cases, {events:,} events stored (nothing of it); "
        f"the re-run took {took:.1f}s and printed {again.stdout.strip().replace(chr(10), ' ')}; "
        f"now {final[0]:,} cases, {final[1]:,} distinct references, {final_events:,} events"
    )
    assert cases == events == 0
    assert final == (200_000, 200_000) and final_events == 200_000
