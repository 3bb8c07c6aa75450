"""Conditions a desk meets in the field, made on purpose: another program holding the database's lock for a
while (a colleague's desk, a backup script, a database browser with unsaved edits), and a database file that
cannot be written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Each prints "locked" once it holds the lock and lets go after the given seconds.
SQLITE_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[3]))
connection.execute("ROLLBACK")
"""
POSTGRES_HOLDER = """
import psycopg, sys, time
with psycopg.connect(sys.argv[1]) as connection:
    connection.execute("SELECT id FROM cases WHERE reference = %s FOR UPDATE", (sys.argv[2],))
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
    connection.rollback()
"""


@contextmanager
def held(url: str, reference: str, seconds: float) -> Iterator[None]:
    """The database (SQLite) or the case's row (PostgreSQL) locked by another process for `seconds`."""
    if url.startswith("sqlite"):
        program, target = SQLITE_HOLDER, url.removeprefix("sqlite:///")
    else:
        program, target = POSTGRES_HOLDER, url.replace("postgresql+psycopg://", "postgresql://")
    holder = subprocess.Popen(
        [sys.executable, "-c", program, target, reference, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        yield
    finally:
        assert holder.wait(30) == 0


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` cannot be written while the block runs. Root writes through file modes, so as root the file is
    made immutable (chattr +i), which binds root too; otherwise its mode is taken down to read-only."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("as root a read-only file needs chattr +i, which this filesystem refuses")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    mode = path.stat().st_mode
    path.chmod(0o444)
    try:
        yield
    finally:
        path.chmod(mode)


def triage(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line in its own process, acting as boss, as a script or a colleague's shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "triage_tui.cli", "--db", str(db), "--as", "boss", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
