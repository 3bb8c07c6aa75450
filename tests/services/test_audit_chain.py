"""The audit chain: every way an event is written (actions, officers, imports, several desks at once on
PostgreSQL) chains it, what is read back hashes as it was written on both databases, the triggers refuse the
ways around append-only, and the migration chains a database's existing events."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from tests.conftest import PG_URL, Clock
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.integrity import verify_chain
from triage_tui.services.officers import add_officer
from triage_tui.store import chain
from triage_tui.store.engine import Store
from triage_tui.store.migrate import SCHEMA_HEAD, current_revision, migrations_dir, upgrade
from triage_tui.store.tables import Event


@pytest.fixture
def pg_url(pg_store: Store) -> str:
    """The suite's emptied PostgreSQL database. The events table refuses TRUNCATE now, so the reset is done
    the way an administrator would do it on purpose: with triggers off for that one transaction."""
    with pg_store.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("TRUNCATE events, cases, officers RESTART IDENTITY CASCADE"))
    return PG_URL  # type: ignore[return-value]


def stored(ctx: ServiceContext) -> list[tuple[int, int, str]]:
    """(seq, id, hash) of every event, in seq order."""
    with ctx.store.read() as s:
        rows = s.connection().execute(text("SELECT seq, id, hash FROM events ORDER BY seq")).all()
    return [(r[0], r[1], r[2]) for r in rows]


def assert_chained(ctx: ServiceContext, count: int) -> None:
    rows = stored(ctx)
    assert [r[0] for r in rows] == list(range(1, count + 1))
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)  # ids grow with seq
    report = verify_chain(ctx)
    assert (report.events, report.head) == (count, rows[-1][2])
    assert len(report.head) == 64 and report.head != chain.GENESIS


def test_ordinary_actions_and_officer_additions_are_chained(ctx: ServiceContext, staff) -> None:
    assert_chained(ctx, 4)  # the four officers' additions
    ref = cases.intake(ctx, "alice", customer_name="Mrs Patel", summary="Bin not collected").reference
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    cases.allocate(ctx, "boss", ref, "carol")
    cases.add_note(ctx, "carol", ref, "Rang the customer")
    assert_chained(ctx, 8)


def test_an_empty_trail_is_intact(ctx: ServiceContext) -> None:
    report = verify_chain(ctx)
    assert (report.events, report.head) == (0, chain.GENESIS)


def test_an_import_is_chained_after_what_was_there(ctx: ServiceContext, staff, tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["reference", "received_at", "customer_name", "summary", "status", "type", "triaged_at"])
        for i in range(30):
            out.writerow([f"IMP-{i}", "2021-11-01T09:00", f"Customer {i}", "Pothole", "triaged", "adults",
                          "2021-11-02T10:15:30"])  # fmt: skip
    before = len(stored(ctx))
    result = run_import(ctx, "boss", source, ImportOptions())
    assert result.imported == 30
    # Two events per row (intake, classify) and one for the import itself.
    assert_chained(ctx, before + 61)
    cases.allocate(ctx, "boss", "IMP-3", "carol")  # and an action after the import carries on the chain
    assert_chained(ctx, before + 62)


HOSTILE = {
    "zeta": "ünïcödé ✓ 𝔘 \u202eevil\u202c \x1b[31mred\x1b[0m [bold]x[/] =cmd|'/c calc'!A0",
    "alpha": {"nested": [1, 2.5, -0.1, 1e300, 10**30, True, None], "b": "\x00nul"},
    "huge": "x" * 2_000_000,
    "tab\tkey": 'line\nbreak "quoted" \\ back',
    "10": "a number-like key",
}


def test_what_is_read_back_hashes_as_it_was_written(ctx: ServiceContext, clock: Clock) -> None:
    """Times in any zone with microseconds, unicode, controls, huge text, numbers, nested JSON."""
    moments = [
        pendulum.datetime(2022, 7, 1, 9, 30, 15, 123456, tz="Europe/London"),  # BST
        datetime(2021, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2022, 3, 27, 1, 0, 0, 1, tzinfo=UTC),  # the moment the clocks go forward
    ]
    with ctx.store.write() as session:
        for i, moment in enumerate(moments):
            session.add(Event(case_id=None, at=moment, actor="ŝomeone", action="note", details={**HOSTILE, "i": i}))
    with ctx.store.write() as session:
        session.add(Event(case_id=None, at=moments[0], actor="x", action="note", details={}))
    assert_chained(ctx, 4)
    with ctx.store.read() as session:
        got = session.connection().execute(sa.select(chain.EVENTS.c.details).order_by(chain.EVENTS.c.seq)).first()
    assert got is not None and got[0] == {**HOSTILE, "i": 0}


def test_the_canonical_text_is_fixed() -> None:
    """The hash's input does not drift between versions: an auditor's noted heads stay checkable."""
    content = chain.content_text(
        7, 3, datetime(2022, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "bob", "classify", "new", "triaged", {"b": 1, "a": "é"}
    )
    assert content == '[7,3,"2022-01-02T03:04:05.000006Z","bob","classify","new","triaged",{"a":"\\u00e9","b":1}]'
    assert chain.time_text("2022-01-02 03:04:05.000006") == "2022-01-02T03:04:05.000006Z"
    assert chain.time_text("2022-01-02 03:04:05") == "2022-01-02T03:04:05.000000Z"
    assert chain.link(chain.GENESIS, content) == chain.link(chain.GENESIS, content)
    assert chain.link(chain.GENESIS, content) != chain.link("1" * 64, content)


# --- the triggers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("collides_on", ["id", "seq"])
def test_replace_into_events_is_refused_on_sqlite(sqlite_url: str, clock: Clock, collides_on: str) -> None:
    ctx = ServiceContext(store=Store(sqlite_url), policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    before = stored(ctx)
    id_ = 1 if collides_on == "id" else 99
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), ctx.store.write() as s:
        s.connection().exec_driver_sql(
            "REPLACE INTO events (id, case_id, at, actor, action, details, seq, hash) "
            f"VALUES ({id_}, NULL, '2021-01-01 00:00:00.000000', 'mallory', 'officer_add', '{{}}', 1, 'x')"
        )
    assert stored(ctx) == before
    verify_chain(ctx)
    ctx.store.dispose()


@pytest.mark.postgres
def test_truncate_of_events_is_refused_on_postgresql(pg_url: str, clock: Clock) -> None:
    ctx = ServiceContext(store=Store(pg_url), policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    for statement in ("TRUNCATE events", "TRUNCATE events, cases, officers RESTART IDENTITY CASCADE"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), ctx.store.write() as s:
            s.connection().execute(text(statement))
    assert len(stored(ctx)) == 1
    ctx.store.dispose()


# --- several desks at once ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_desks_writing_at_once_on_postgresql_never_fork_the_chain(pg_url: str, tmp_path: Path) -> None:
    """Each desk its own engine and connections, all starting together; each writes cases, and one of them
    bulk-imports at the same time. A fork would show as a duplicate seq (refused by the unique index, so an
    action would fail) or a chain that does not verify."""
    setup = ServiceContext(store=Store(pg_url), policy=DEFAULT_POLICY)
    add_officer(setup, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    desks, each = 5, 8
    start = threading.Barrier(desks + 1)
    failures: list[BaseException] = []
    refs: list[str] = []

    def desk(n: int) -> None:
        ctx = ServiceContext(store=Store(pg_url), policy=DEFAULT_POLICY)
        try:
            start.wait(30)
            for i in range(each):
                ref = cases.intake(ctx, "boss", customer_name=f"Customer {n}-{i}", summary="Pothole").reference
                cases.classify(ctx, "boss", ref, CaseType.CORPORATE)
                refs.append(ref)
        except BaseException as exc:  # reported below, with the others
            failures.append(exc)
        finally:
            ctx.store.dispose()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(desks)]
    for thread in threads:
        thread.start()
    source = tmp_path / "bulk.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["reference", "received_at", "customer_name", "summary"])
        out.writerows([f"BULK-{i}", "2021-11-01T09:00", f"Bulk {i}", "Bins"] for i in range(500))
    try:
        start.wait(30)
        imported = run_import(setup, "boss", source, ImportOptions()).imported
    finally:
        for thread in threads:
            thread.join(120)
    assert not failures, failures
    assert len(refs) == desks * each and imported == 500
    assert_chained(setup, 1 + desks * each * 2 + 500 + 1)
    setup.store.dispose()


# --- the migration --------------------------------------------------------------------------------------------------


def _alembic(connection: sa.Connection, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    command.upgrade(config, target)


@pytest.fixture
def at_0002(empty_db: str) -> Iterator[Store]:
    """A database built only to revision 0002, before the chain existed."""
    store = Store(empty_db)
    with store.write_engine.connect() as connection, connection.begin():
        _alembic(connection, "0002_case_states")
    yield store
    store.dispose()


def test_the_migration_chains_the_events_already_stored(at_0002: Store) -> None:
    store = at_0002
    assert current_revision(store) == "0002_case_states"
    with store.write_engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO officers (username, name, role, team, active, created_at) "
                "VALUES ('boss', 'Helen Morgan', 'supervisor', 'complaints', :t, :at)"
            ),
            {"t": True, "at": datetime(2021, 11, 1, tzinfo=UTC)},
        )
        events = sa.table(
            "events",
            *(sa.column(n) for n in ("case_id", "actor", "action", "from_status", "to_status")),
            sa.column("at", chain.EVENTS.c.at.type),
            sa.column("details", sa.JSON()),
        )
        rows = [
            {
                "case_id": None,
                "at": datetime(2021, 11, 1, 9, i % 60, i % 60, i * 7, tzinfo=UTC),
                "actor": "boss",
                "action": "officer_add",
                "from_status": None,
                "to_status": None,
                "details": {"i": i, "text": "é ✓ \u202e", "n": [1.5, None]},
            }
            for i in range(12_345)  # more than two of the migration's batches
        ]
        c.execute(sa.insert(events), rows)
    upgrade(store)
    assert current_revision(store) == SCHEMA_HEAD
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY)
    assert_chained(ctx, 12_345)
    # New writes carry on from the migrated head, and the triggers are all in place again.
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    assert_chained(ctx, 12_346)
    for statement in ("UPDATE events SET actor = 'x' WHERE seq = 5", "DELETE FROM events WHERE seq = 5"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.write() as s:
            s.connection().execute(text(statement))
    if store.is_sqlite:  # AUTOINCREMENT's mark survived the copy: no id is handed out twice
        with store.read() as s:
            assert s.connection().execute(text("SELECT seq FROM sqlite_sequence WHERE name='events'")).scalar() == (
                12_346
            )


def test_the_migration_goes_down_and_up_again(at_0002: Store) -> None:
    store = at_0002
    upgrade(store)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    with store.write_engine.connect() as connection, connection.begin():
        config = Config()
        config.set_main_option("script_location", str(migrations_dir()))
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_case_states")
    with store.engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("events")}
    assert "seq" not in columns and "hash" not in columns
    upgrade(store)
    assert_chained(ctx, 1)
