"""A database that cannot be written (an archived copy of the file, permissions for reading only, a standby
server): every command still reads it; every write is refused with one clear line, and nothing changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import Clock
from tests.faults.conditions import read_only, triage
from triage_tui.domain.codes import CaseType, Role, Status, Team
from triage_tui.domain.errors import StoreUnavailable
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.migrate import upgrade


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def archived(sqlite_url: str, clock: Clock, tmp_path: Path) -> tuple[Path, str]:
    ctx = ServiceContext(store=Store(sqlite_url), policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    ref = cases.intake(ctx, "boss", customer_name="Mrs Patel", summary="Bins not collected").reference
    ctx.store.dispose()  # checkpoints the WAL into the file, so the file alone holds everything
    return Path(sqlite_url.removeprefix("sqlite:///")), ref


def test_a_read_only_database_is_read_and_never_written(archived: tuple[Path, str], tmp_path: Path) -> None:
    db, ref = archived
    feed = tmp_path / "feed.csv"
    feed.write_text("received_at,customer_name,summary\n2022-03-01T09:00,Mr Jones,Pothole\n")
    before = digest(db)
    with read_only(db):
        shown = triage(db, "case", "show", ref, "--json")
        assert shown.returncode == 0 and '"status": "new"' in shown.stdout, shown.stderr
        for args in (
            ("case", "classify", ref, "corporate"),
            ("intake", "add", "--customer-name", "Mr Jones", "--summary", "Pothole"),
            ("import", str(feed)),
        ):
            refused = triage(db, *args)
            assert refused.returncode == 2, (args, refused.stderr)
            lines = refused.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0] == (
                f"error: database {db} is read-only: nothing was written; "
                "ask for write access to the file and its folder"
            ), (args, refused.stderr)
    assert digest(db) == before
    # Writable again, the same command works.
    assert triage(db, "case", "classify", ref, "corporate").returncode == 0


@pytest.mark.postgres
def test_a_read_only_server_is_read_and_refuses_writes_clearly(empty_pg_url: str, clock: Clock) -> None:
    """A standby server, or a login given read access only: what a read-only file is to SQLite."""
    empty_db = empty_pg_url
    store = Store(empty_db)
    upgrade(store)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    ref = cases.intake(ctx, "boss", customer_name="Mrs Patel", summary="Bins not collected").reference
    name = empty_db.rsplit("/", 1)[1]
    with store.engine.connect() as connection:
        connection.execute(text(f"ALTER DATABASE {name} SET default_transaction_read_only = on"))
        connection.commit()
    store.dispose()  # new connections come up read-only

    reader = ServiceContext(store=Store(empty_db), policy=DEFAULT_POLICY, clock=clock)
    assert cases.get_case(reader, ref).status is Status.NEW
    with pytest.raises(StoreUnavailable) as refused:
        cases.classify(reader, "boss", ref, CaseType.CORPORATE)
    assert str(refused.value).endswith("is read-only (a standby server or a read-only login); nothing was written")
    assert cases.get_case(reader, ref).version == 1
    reader.store.dispose()
