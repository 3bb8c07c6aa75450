"""The queue's candidates are read from one index alone (migration 0009), on both ways of reading them: the
desk's quick first read and the services' read. A plan that goes back to the table per case would grow the
desk's start with every case waiting."""

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
