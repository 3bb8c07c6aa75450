"""kill -9 in the middle of an import, on SQLite and PostgreSQL: the database is consistent, and running it
again completes it."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from tests.importer.sample_file import write_contacts

ROWS = 20_000
CHUNK = 1_000


def triage(*args: str, db: str) -> subprocess.Popen[str]:
    script = Path(sys.executable).parent / "triage"
    env = {**os.environ, "TRIAGE_USER": "boss"}
    return subprocess.Popen(
        [str(script), "--db", db, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def stored(engine: Engine) -> tuple[int, int]:
    return (
        count(engine, "SELECT count(*) FROM cases"),
        count(engine, "SELECT count(*) FROM events WHERE case_id IS NOT NULL"),
    )


def test_kill_9_mid_import_then_run_again(db_url: str, tmp_path: Path) -> None:
    source = write_contacts(tmp_path / "feed.csv", ROWS)
    first = triage("officer", "add", "boss", "--name", "Boss", "--role", "supervisor", db=db_url)
    assert first.wait(60) == 0
    engine = create_engine(db_url, poolclass=NullPool)

    running = triage("import", str(source), "--chunk-size", str(CHUNK), db=db_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if running.poll() is not None:
            break
        if stored(engine)[0] >= 3 * CHUNK:
            os.kill(running.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    running.wait(30)
    assert running.returncode == -signal.SIGKILL, "the import finished before it could be interrupted"

    cases, events = stored(engine)
    assert 0 < cases < ROWS
    assert cases % CHUNK == 0  # whole chunks only: each is one transaction
    assert events == cases  # every stored contact has its intake event, and no event lacks its case
    if db_url.startswith("sqlite"):
        assert count(engine, "PRAGMA integrity_check") == "ok"  # type: ignore[comparison-overlap]
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []

    again = triage("import", str(source), "--json", db=db_url)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f'"duplicates": {cases}' in out and f'"imported": {ROWS - cases}' in out
    assert stored(engine) == (ROWS, ROWS)
    assert count(engine, "SELECT count(DISTINCT reference) FROM cases") == ROWS
    engine.dispose()


def state(pid: int) -> tuple[str, int] | None:
    """(state, parent) of a process from /proc, or None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(errors="replace").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return [child for child in found if (state(child) or ("", 0))[1] == pid]


def test_kill_9_during_a_bulk_load_keeps_nothing_and_its_writer_ends(sqlite_url: str, tmp_path: Path) -> None:
    """Into a small SQLite database a large file is one transaction written by a forked copy of the command
    (importer/run.py _BulkLoad). The command killed while the copy writes: the copy, told by its pipe closing,
    rolls back and ends, leaving the database as it was; the same import run again stores every row."""
    if sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        pytest.skip("the writer is a thread here, and dies with the command")
    rows = 60_000
    source = write_contacts(tmp_path / "feed.csv", rows)
    first = triage("officer", "add", "boss", "--name", "Boss", "--role", "supervisor", db=sqlite_url)
    assert first.wait(60) == 0
    engine = create_engine(sqlite_url, poolclass=NullPool)

    running = triage("import", str(source), db=sqlite_url)
    deadline = time.monotonic() + 120
    writers: list[int] = []
    while time.monotonic() < deadline and running.poll() is None and not writers:
        writers = children(running.pid)
        time.sleep(0.005)
    assert writers, "the import ended before its writer began"
    os.kill(running.pid, signal.SIGKILL)
    running.wait(30)
    assert running.returncode == -signal.SIGKILL
    try:  # the copy ends on its own: its pidfd turns readable when it exits (a zombie until it is reaped)
        ended = os.pidfd_open(writers[0])
    except ProcessLookupError:
        pass  # gone already
    else:
        try:
            assert select.select([ended], [], [], 60)[0], "the writer went on after the command was killed"
        finally:
            os.close(ended)
    assert (state(writers[0]) or ("Z", 0))[0] == "Z"
    assert stored(engine) == (0, 0)
    assert count(engine, "PRAGMA integrity_check") == "ok"  # type: ignore[comparison-overlap]

    again = triage("import", str(source), "--json", db=sqlite_url)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f'"imported": {rows}' in out
    assert stored(engine) == (rows, rows)
    engine.dispose()
