"""The reads whose cost must not grow with the years a database holds use the indexes made for them: the queue's
candidates one index alone (migration 0009), on both ways of reading them (the desk's quick first read and the
services' read); the position's current states counted in index order, and the annual report's earlier cases
found by the partial index on the events that count (migration 0010)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from triage_tui.store.engine import Store
from triage_tui.store.paths import sqlite_path


def _plan(connection: sqlite3.Connection, sql: str) -> str:
    return " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))


def test_the_quick_read_of_candidates_uses_the_covering_index(sqlite_url: str) -> None:
    Store(sqlite_url).dispose()
    path = sqlite_path(sqlite_url)
    assert path is not None
    with sqlite3.connect(path) as connection:
        sql = (
            "SELECT id, received_at, type, status, triaged_at, acknowledged_at, stage, stage_started_at, "
            "extension_days, panel_at FROM cases WHERE status IN ('new', 'triaged')"
        )
        assert "COVERING INDEX ix_cases_queue" in _plan(connection, sql)


def test_the_services_read_of_candidates_uses_the_covering_index(ctx) -> None:
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from triage_tui.store import queries

    if ctx.store.dialect != "sqlite":
        return
    captured: list[str] = []
    with ctx.store.read() as session:
        real = session.exec

        def spy(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            captured.append(
                str(statement.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))
            )
            return real(statement, *args, **kwargs)

        session.exec = spy  # type: ignore[method-assign]
        queries.queue_candidates(session, ["new", "triaged"])
        plan = " | ".join(row[3] for row in session.connection().execute(text("EXPLAIN QUERY PLAN " + captured[0])))
    assert "COVERING INDEX ix_cases_queue" in plan, plan


def test_the_reports_count_from_their_indexes(sqlite_url: str) -> None:
    from triage_tui.reports.quick_annual import EARLIER
    from triage_tui.reports.stages import COUNTED
    from triage_tui.store.quick import STILL_TEXT
    from triage_tui.store.tables import COUNTED_WHERE

    # The partial index holds exactly the actions the report counts (SQLite uses it only if the query's list
    # implies the index's: the services' read of a year's events, on either database). The direct SQLite read
    # finds the earlier years' cases by their facts' latest change.
    expected = "action IN (" + ", ".join(f"'{action}'" for action in COUNTED) + ")"
    assert expected == COUNTED_WHERE
    Store(sqlite_url).dispose()
    path = sqlite_path(sqlite_url)
    assert path is not None
    with sqlite3.connect(path) as connection:
        earlier = _plan(
            connection, f"SELECT * FROM {EARLIER}".replace(":start", "'2025-04-01'").replace(":end", "'2026-04-01'")
        )
        assert "COVERING INDEX ix_case_facts_changed (last_at>?)" in earlier, earlier
        current = _plan(
            connection,
            f"SELECT type, status, count(*) FROM case_states WHERE valid_to = '{STILL_TEXT}' "
            "AND valid_from <= '2026-01-01' GROUP BY type, status",
        )
        assert "COVERING INDEX ix_case_states_counted (valid_to=?)" in current and "TEMP B-TREE" not in current, current
