"""Find any case, in any status and whoever has it: by reference, part of the customer's name, email, phone, or
words of the summary; most relevant first (store/search.py says how each database ranks).

`quick_find` answers from a current SQLite file through the standard library's sqlite3, without loading
SQLAlchemy (most of the time `triage case find` would otherwise take); anything else goes the long way.
This module imports no SQLAlchemy itself: the long way's modules are imported when it is taken.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.views import CaseView
from triage_tui.store import search
from triage_tui.store.paths import resolve_url, sqlite_path
from triage_tui.store.quick import QuickRead
from triage_tui.store.schema import SCHEMA_HEAD

if TYPE_CHECKING:
    from triage_tui.services.context import ServiceContext

DEFAULT_LIMIT = 50
MAX_LIMIT = 1_000


def parse(text: str, limit: int) -> search.Search:
    """What to look for; refused (one line) when there is nothing to look for, or too much."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"the number of cases to show must be from 1 to {MAX_LIMIT:,}")
    if len(text) > search.MAX_QUERY * 50:  # not worth cleaning: megabytes pasted by mistake
        raise _too_long(len(text))
    wanted = search.parse(text)
    if not wanted.text:
        raise InvalidInput("nothing to search for: give a reference, part of a name, an email, a phone or words")
    if len(wanted.text) > search.MAX_QUERY:
        raise _too_long(len(wanted.text))
    return wanted


def _too_long(length: int) -> InvalidInput:
    return InvalidInput(
        f"the search is longer than {search.MAX_QUERY} characters ({length:,}): search by a few words, a reference, "
        "an email or a phone number"
    )


def find_cases(ctx: ServiceContext, text: str, *, limit: int = DEFAULT_LIMIT) -> list[CaseView]:
    """Cases matching `text`, most relevant first (at most `limit`)."""
    from sqlalchemy import text as sql_text
    from sqlmodel import col, select

    from triage_tui.store import queries
    from triage_tui.store.tables import Case

    wanted = parse(text, limit)
    with ctx.store.read() as session:
        connection = session.connection()

        def run(sql: str, params: dict[str, Any]) -> list[Any]:
            return list(connection.execute(sql_text(sql), params).all())

        ids = search.find_ids(run, ctx.store.dialect, wanted, limit)
        if not ids:
            return []
        rows = {row.id: row for row in session.exec(select(Case).where(col(Case.id).in_(ids)))}
        names = queries.usernames(session)
        return [queries.case_view(rows[i], names) for i in ids if i in rows]


def quick_find(db: str | None, text: str, *, limit: int = DEFAULT_LIMIT) -> list[CaseView] | None:
    """As find_cases, read straight from a current SQLite file; None: take the long way (another database, an
    older schema, no file, or any trouble reading it, which the long way then reports properly)."""
    wanted = parse(text, limit)
    path = sqlite_path(resolve_url(db))
    if path is None or not path.is_file():
        return None
    try:
        with QuickRead(path) as read:
            if read.revision() != SCHEMA_HEAD:
                return None
            connection = read.connection

            def run(sql: str, params: dict[str, Any]) -> list[Any]:
                return connection.execute(sql, params).fetchall()

            ids = search.find_ids(run, "sqlite", wanted, limit)
            views = {view.id: view for view in read.cases(ids)}
    except sqlite3.Error:
        return None
    return [views[i] for i in ids if i in views]
