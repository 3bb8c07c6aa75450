"""kill -9 in the middle of an import: the database is consistent, and running it again completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.importer.sample_file import write_contacts

ROWS = 60_000
CHUNK = 1_000


def triage(*args: str, db: Path) -> subprocess.Popen[str]:
    script = Path(sys.executable).parent / "triage"
    env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
    return subprocess.Popen([str(script), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored(db: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        cases = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0]
    return cases, events


def test_kill_9_mid_import_then_run_again(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite"
    source = write_contacts(tmp_path / "feed.csv", ROWS)
    first = triage("officer", "add", "boss", "--name", "Boss", "--role", "supervisor", db=db)
    assert first.wait(60) == 0

    running = triage("import", str(source), "--chunk-size", str(CHUNK), db=db)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if running.poll() is not None:
            break
        if db.exists() and stored(db)[0] >= 3 * CHUNK:
            os.kill(running.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    running.wait(30)
    assert running.returncode == -signal.SIGKILL, "the import finished before it could be interrupted"

    cases, events = stored(db)
    assert 0 < cases < ROWS
    assert cases % CHUNK == 0  # whole chunks only: each is one transaction
    assert events == cases  # every stored contact has its intake event, and no event lacks its case
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []

    again = triage("import", str(source), "--json", db=db)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f'"duplicates": {cases}' in out and f'"imported": {ROWS - cases}' in out
    assert stored(db) == (ROWS, ROWS)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(DISTINCT reference) FROM cases").fetchone()[0] == ROWS
