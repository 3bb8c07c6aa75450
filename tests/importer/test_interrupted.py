"""kill -9 in the middle of an import, on SQLite and PostgreSQL: the database is consistent, and running it
again completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
