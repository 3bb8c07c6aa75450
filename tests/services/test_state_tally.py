"""state_tally (store/tally.py) holds, for each (type, status), how many cases are in it now: the current
case_states counted. It must agree with them after every way of writing a change, roll back with the
transaction it was noted in, be filled by its migration, and not deadlock desks on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType, CloseReason, Role, Team
from triage_tui.importer.briefing import briefing_file
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services import cases, stages
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store import tally
from triage_tui.store.engine import Store
from triage_tui.store.migrate import migrations_dir
from triage_tui.store.tables import STILL
from triage_tui.store.types import UTCDateTime

COUNTED = sa.text(
    "SELECT type, status, count(*) FROM case_states WHERE valid_to = :still GROUP BY type, status"
).bindparams(sa.bindparam("still", STILL, type_=UTCDateTime))


def kept(store: Store) -> dict[tuple[str, str], int]:
    with store.read() as session:
        rows = session.connection().execute(sa.text("SELECT type, status, n FROM state_tally"))
        return {(kind, status): n for kind, status, n in rows if n}


def counted(store: Store) -> dict[tuple[str, str], int]:
    with store.read() as session:
        return {(kind, status): n for kind, status, n in session.connection().execute(COUNTED)}


def test_every_action_keeps_it_equal_to_the_current_states(ctx: ServiceContext, staff, clock: Clock) -> None:
    a = cases.intake(ctx, "alice", customer_name="A", summary="S").reference
    b = cases.intake(ctx, "alice", customer_name="B", summary="S").reference
    c = cases.intake(ctx, "alice", customer_name="C", summary="S").reference
    assert kept(ctx.store) == counted(ctx.store) == {("unclassified", "new"): 3}
    steps = (
        lambda: cases.classify(ctx, "alice", a, CaseType.ADULTS),
        lambda: cases.classify(ctx, "alice", a, CaseType.CORPORATE, reason="not care"),  # same status, another type
        lambda: cases.add_note(ctx, "alice", a, "no change of state"),
        lambda: cases.allocate(ctx, "alice", a, "carol"),
        lambda: cases.acknowledge(ctx, "carol", a),
        lambda: cases.signpost(ctx, "alice", b, to="Thames Valley Police"),
        lambda: cases.close(ctx, "alice", c, CloseReason.WITHDRAWN),
        lambda: cases.reopen(ctx, "boss", c, reason="closed in error"),
        lambda: cases.send_to_service(ctx, "carol", a, "Adult Social Care"),
        lambda: cases.respond(ctx, "carol", a),
        lambda: stages.escalate(ctx, "boss", a, reason="not happy"),
    )
    for step in steps:
        clock.advance(hours=2)
        step()
        assert kept(ctx.store) == counted(ctx.store)
    assert sum(kept(ctx.store).values()) == 3


def test_an_import_keeps_it_equal_to_the_current_states(ctx: ServiceContext, clock: Clock) -> None:
    import pendulum

    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    run_import(ctx, "boss", briefing_file(), ImportOptions(create_officers=True))
    assert kept(ctx.store) == counted(ctx.store)
    assert sum(kept(ctx.store).values()) > 100  # the briefing's cases, in many states


def test_a_transaction_rolled_back_leaves_it_as_it_was(ctx: ServiceContext, staff) -> None:
    cases.intake(ctx, "alice", customer_name="A", summary="S")
    before = kept(ctx.store)
    with pytest.raises(RuntimeError), ctx.store.write() as session:
        tally.note(session, "corporate", "triaged", +5)
        raise RuntimeError("the action failed after noting its change")
    assert kept(ctx.store) == before == counted(ctx.store)


def test_position_reads_the_tally(ctx: ServiceContext, staff, clock: Clock) -> None:
    """The count comes from the tally (not a count of the states): a tally out of step shows in the report,
    which is why every writer keeps it, as the tests above hold."""
    from triage_tui.store import reports

    cases.intake(ctx, "alice", customer_name="A", summary="S")
    with ctx.store.write() as session:
        session.connection().execute(sa.text("UPDATE state_tally SET n = n + 2"))
    with ctx.store.read() as session:
        assert reports.state_counts(session, clock.now) == [("unclassified", "new", 3)]
        # Before the case was received, its current state has not begun: taken off the tally.
        assert reports.state_counts(session, clock.now.subtract(days=1)) == [("unclassified", "new", 2)]


def _alembic(connection: sa.Connection, target: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, target)


def test_the_migration_counts_the_states_already_held(ctx: ServiceContext, staff) -> None:
    for name in "ABCD":
        reference = cases.intake(ctx, "alice", customer_name=name, summary="S").reference
        if name in "AB":
            cases.classify(ctx, "alice", reference, CaseType.CORPORATE)
    expected = counted(ctx.store)
    with ctx.store.write_engine.connect() as connection, connection.begin():
        _alembic(connection, "0010_report_indexes", down=True)
        assert "state_tally" not in sa.inspect(connection).get_table_names()
        _alembic(connection, "head")
    assert kept(ctx.store) == expected == {("unclassified", "new"): 2, ("corporate", "triaged"): 2}


def test_a_transaction_changes_its_rows_once_each_in_key_order(ctx: ServiceContext, staff) -> None:
    """What keeps two desks on PostgreSQL from deadlocking on the tally: each transaction locks its rows in the
    same (key) order, whatever order its changes were made in, and each row once."""
    seen: list[list[tuple[str, str, int]]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "state_tally" in statement and statement.lstrip().upper().startswith("INSERT"):
            rows = parameters if executemany else [parameters]
            seen.append([(r["type"], r["status"], r["n"]) if isinstance(r, dict) else tuple(r) for r in rows])

    sa.event.listen(ctx.store.write_engine, "before_cursor_execute", capture)
    try:
        with ctx.store.write() as session:
            for kind, status, change in (("other", "triaged", 1), ("adults", "closed", -1), ("other", "triaged", 1)):
                tally.note(session, kind, status, change)
            tally.note(session, "corporate", "new", 1)
            tally.note(session, "corporate", "new", -1)  # nothing left to change: not written
    finally:
        sa.event.remove(ctx.store.write_engine, "before_cursor_execute", capture)
    assert seen == [[("adults", "closed", -1), ("other", "triaged", 2)]]


@pytest.mark.postgres
def test_desks_moving_cases_at_once_keep_it_exact(pg_url: str, clock: Clock) -> None:
    """Eight desks on PostgreSQL at once, each taking its own cases through states the others' cases also pass
    through, in opposite directions (classify, then close and reopen): every action lands and the counts stay
    exact."""
    from triage_tui.domain.policy import DEFAULT_POLICY

    store = Store(pg_url)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    desks, each = 8, 6
    refs = [
        [cases.intake(ctx, "alice", customer_name=f"{d}-{i}", summary="S").reference for i in range(each)]
        for d in range(desks)
    ]
    failures: list[BaseException] = []

    def desk(mine: list[str]) -> None:
        own = ServiceContext(store=Store(pg_url), policy=DEFAULT_POLICY, clock=clock)
        try:
            for reference in mine:
                cases.classify(own, "alice", reference, CaseType.CORPORATE)
                cases.close(own, "alice", reference, CloseReason.WITHDRAWN)
                cases.reopen(own, "boss", reference, reason="closed in error")
        except BaseException as exc:  # reported below: a deadlock surfaces here as an error
            failures.append(exc)
        finally:
            own.store.dispose()

    threads = [threading.Thread(target=desk, args=(mine,)) for mine in refs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    assert kept(store) == counted(store)
    assert sum(kept(store).values()) == desks * each
    store.dispose()
