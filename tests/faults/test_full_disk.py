"""A full disk: a clear one-line refusal, nothing half-written, and everything works again once space is freed.

The real thing needs a small filesystem to fill: a tmpfs, mounted when the tests run as root (as in CI here);
without one those tests are skipped with that reason. SQLite's own page limit gives the same SQLITE_FULL error
on any machine, so the refusal and the rollback are tested everywhere.
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.faults.conditions import triage
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.errors import StoreUnavailable
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 32 MB filesystem of its own, unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("filling a real disk needs a tmpfs, which only root can mount")
    where = Path("/tmp") / f"triage-small-disk-{uuid.uuid4().hex[:8]}"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        where.rmdir()


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk up to `leave` bytes free."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        block = b"\0" * 65536
        try:
            while shutil.disk_usage(disk).free > leave + len(block):
                out.write(block)
                out.flush()
            out.write(b"\0" * max(0, shutil.disk_usage(disk).free - leave))
        except OSError:
            pass  # full already
    return filler


def counts(db: Path) -> tuple[str, int, int]:
    with closing(sqlite3.connect(db)) as connection:  # sqlite3's own `with` commits but does not close
        return (
            connection.execute("PRAGMA integrity_check").fetchone()[0],
            connection.execute("SELECT count(*) FROM cases").fetchone()[0],
            connection.execute("SELECT count(*) FROM events WHERE case_id IS NOT NULL").fetchone()[0],
        )


def refused_as_full(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "the disk is full" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def staffed(small_disk: Path, sqlite_template: Path) -> Path:
    db = small_disk / "triage.sqlite"
    shutil.copyfile(sqlite_template, db)
    ctx = ServiceContext(store=Store(f"sqlite:///{db}"), policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    ctx.store.dispose()
    return db


def test_an_import_onto_a_full_disk_writes_nothing_and_finishes_after(staffed: Path, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    with feed.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["reference", "received_at", "customer_name", "summary", "channel"])
        for i in range(5000):
            writer.writerow([f"OLD-{i:05d}", "2022-03-01T09:00", f"Customer {i}", f"Complaint number {i}", "email"])
    filler = fill(staffed.parent, leave=400_000)  # room to open the database, not for 5,000 contacts

    refused_as_full(triage(staffed, "import", str(feed)))
    assert counts(staffed) == ("ok", 0, 0)

    filler.unlink()
    again = triage(staffed, "import", str(feed), "--json")
    assert again.returncode == 0, again.stderr
    assert '"imported": 5000' in again.stdout
    assert counts(staffed) == ("ok", 5000, 5000)


def test_a_desk_action_on_a_full_disk_is_refused_and_works_once_space_is_freed(staffed: Path) -> None:
    added = triage(staffed, "intake", "add", "--customer-name", "Mrs Patel", "--summary", "Bins")
    assert added.returncode == 0, added.stderr
    filler = fill(staffed.parent, leave=0)  # not a byte left

    refused_as_full(triage(staffed, "intake", "add", "--customer-name", "Mr Jones", "--summary", "Pothole"))
    refused_as_full(triage(staffed, "case", "classify", added.stdout.strip(), "corporate"))

    filler.unlink()
    assert counts(staffed) == ("ok", 1, 1)  # read once there is room to: nothing of either refusal is there
    assert triage(staffed, "case", "classify", added.stdout.strip(), "corporate").returncode == 0
    assert counts(staffed) == ("ok", 1, 2)


def test_sqlite_full_is_refused_whole_on_any_machine(sqlite_url: str) -> None:
    """SQLITE_FULL from SQLite's page limit: the same error a full disk gives, without needing one."""
    store = Store(sqlite_url)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    first = cases.intake(ctx, "boss", customer_name="Mrs Patel", summary="Bins").reference
    store.engine.dispose()
    limit = {"pages": 0}

    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if limit["pages"]:
            dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

    with closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as raw:
        limit["pages"] = raw.execute("PRAGMA page_count").fetchone()[0]
    with pytest.raises(StoreUnavailable, match="the disk is full; nothing was written"):
        cases.intake(ctx, "boss", customer_name="Mr Jones", summary="Pothole", details="D" * 20_000)
    assert [c.reference for c in cases.list_cases(ctx)] == [first]

    limit["pages"] = 0
    store.engine.dispose()
    assert cases.intake(ctx, "boss", customer_name="Mr Jones", summary="Pothole").reference != first
    store.dispose()
