"""Many cases at once, for loading history (imports, the large demo).

ORM objects cost about 25 times more per row here, and SQLAlchemy's per-row parameter processing more than the
inserts themselves, so rows prepared in column order go to the driver's executemany inside the caller's
transaction; the new cases' ids are then read back by reference, so each case's events can point at it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from triage_tui.store import tally
from triage_tui.store.chain import chain_rows
from triage_tui.store.quick import sqlite_time
from triage_tui.store.tables import Case, CaseStage, Event

CASES = Case.__table__  # type: ignore[attr-defined]
EVENTS = Event.__table__  # type: ignore[attr-defined]
STAGES = CaseStage.__table__  # type: ignore[attr-defined]


def ids_by_reference(session: Session, references: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # One statement, its answer one row (a JSON object): sqlite3 lets go of the interpreter for every
        # statement and every row it steps through, and while another thread runs Python (the import's
        # checking) each time waits for it to be handed back.
        sql = "SELECT json_group_object(reference, id) FROM cases WHERE reference IN (SELECT value FROM json_each(?))"
        found.update(json.loads(connection.exec_driver_sql(sql, (json.dumps(list(references)),)).scalar_one()))
        return found
    for start in range(0, len(references), 2000):
        chunk = list(references[start : start + 2000])
        query = select(CASES.c.reference, CASES.c.id).where(CASES.c.reference.in_(chunk))
        found.update({reference: case_id for reference, case_id in connection.execute(query)})
    return found


def existing_contents(session: Session, keys: Sequence[tuple[Any, str, str]]) -> set[tuple[Any, str, str]]:
    """Which (received_at, customer_name, summary) are stored already, whatever their reference."""
    if not keys:
        return set()
    connection = session.connection()
    times = sorted({key[0] for key in keys})
    found: set[tuple[Any, str, str]] = set()
    for start in range(0, len(times), 2000):
        chunk = times[start : start + 2000]
        query = select(CASES.c.received_at, CASES.c.customer_name, CASES.c.summary).where(
            CASES.c.received_at.in_(chunk)
        )
        found.update((received, name, summary) for received, name, summary in connection.execute(query))
    wanted = set(keys)
    return {key for key in found if key in wanted}


# --- the import's hot path: the driver's own executemany, with the column types' conversions done here ----------

CASE_FIELDS = tuple(column.name for column in CASES.columns if column.name != "id")
EVENT_FIELDS = ("case_id", "at", "actor", "action", "from_status", "to_status", "details")
# What insert_event_rows adds to each: its place in the audit chain and its hash.
CHAIN_FIELDS = ("seq", "hash")
OFFICER_SLOT = CASE_FIELDS.index("officer_id")
# An earlier stage of a case, kept as an escalation keeps it (case_stages); the case's id is filled in on insert.
STAGE_ROW_FIELDS = tuple(column.name for column in STAGES.columns if column.name != "id")


def parse_stored_time(value: Any) -> datetime:
    """Back from what time_formatter made (the SQLite text, or a datetime) to an aware datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _server_time(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def time_formatter(dialect: str) -> Callable[[datetime | None], Any]:
    return sqlite_time if dialect == "sqlite" else _server_time


def _placeholders(session: Session, count: int) -> str:
    mark = "?" if session.connection().dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


# Bound values per INSERT statement on SQLite, inside its 32,766 bound parameters. The text search's triggers
# (migration 0006) make FTS5 write out its pending terms at the end of every statement, so one statement per
# row, as executemany runs them, costs several times the insert itself; a few thousand rows per statement do not.
SQLITE_VALUES_PER_INSERT = 30_000


def statement_sizes(rows: int, most: int) -> list[int]:
    """How many rows each of the statements inserting `rows` rows holds: `most` at a time, then what is left
    as powers of two. sqlite3 keeps every statement it prepares (up to 128 a connection), and a statement of
    30,000 values is megabytes of SQLite's memory: were the rest one statement of its own length, each chunk
    would prepare and keep statements of new lengths, and an import's memory would grow with its file until
    the cache was full (1,000,000 history rows 429 MB against 262 MB for 100,000). This way a table is
    written by at most one statement of each of a few lengths, whatever the file."""
    sizes = [most] * (rows // most)
    left = rows % most
    while left:
        size = 1 << (left.bit_length() - 1)
        sizes.append(size)
        left -= size
    return sizes


# Columns that may be left out of a statement when every row in it has None there: those without a default,
# which then take NULL as if it had been given.
_NULL_BY_DEFAULT = frozenset(
    index for index, name in enumerate(CASE_FIELDS) if CASES.c[name].server_default is None and CASES.c[name].nullable
)


def insert_case_rows(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared case rows (case_row): on SQLite in multi-row statements (see above) naming only the
    columns some row of the statement fills (a new contact fills a quarter of them), elsewhere with the
    driver's executemany."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        head = f"INSERT INTO cases ({', '.join(CASE_FIELDS)}) VALUES "
        connection.exec_driver_sql(head + f"({_placeholders(session, len(CASE_FIELDS))})", [tuple(r) for r in rows])
        return
    start = 0
    while start < len(rows):
        # The columns of a first slice decide how many rows fit; any of the rest filling more are added too.
        used = _used_columns(rows[start : start + 500])
        count = statement_sizes(len(rows) - start, max(1, SQLITE_VALUES_PER_INSERT // len(used)))[0]
        chunk = rows[start : start + count]
        used = _used_columns(chunk)
        while len(used) * len(chunk) > SQLITE_VALUES_PER_INSERT:
            chunk = chunk[: 1 << ((len(chunk) - 1).bit_length() - 1)]  # the next power of two below
            used = _used_columns(chunk)
        head = f"INSERT INTO cases ({', '.join(CASE_FIELDS[i] for i in used)}) VALUES "
        marks = "(" + ", ".join(["?"] * len(used)) + ")"
        values = tuple(chain.from_iterable(map(itemgetter(*used), chunk)))
        connection.exec_driver_sql(head + ", ".join([marks] * len(chunk)), values)
        start += len(chunk)


def _insert(session: Session, table: str, fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows of every field: on SQLite in multi-row statements (see SQLITE_VALUES_PER_INSERT; one statement per
    row also hands the interpreter to and fro once a row while a thread runs beside it), elsewhere with the
    driver's executemany."""
    connection = session.connection()
    head = f"INSERT INTO {table} ({', '.join(fields)}) VALUES "
    marks = f"({_placeholders(session, len(fields))})"
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql(head + marks, [tuple(row) for row in rows])
        return
    start = 0
    for size in statement_sizes(len(rows), SQLITE_VALUES_PER_INSERT // len(fields)):
        chunk = rows[start : start + size]
        connection.exec_driver_sql(head + ", ".join([marks] * size), tuple(chain.from_iterable(chunk)))
        start += size


def _used_columns(rows: Sequence[Sequence[Any]]) -> list[int]:
    """The indexes of CASE_FIELDS some row gives a value, or that have a default to override (never fewer than
    two: the reference and the times are always given)."""
    columns = zip(*rows, strict=True)  # column by column, at C speed
    return [
        index
        for index, values in enumerate(columns)
        if index not in _NULL_BY_DEFAULT or values.count(None) != len(values)
    ]


def insert_event_rows(session: Session, rows: Sequence[Sequence[Any]], *, canonical: bool = False) -> None:
    """Insert prepared event rows (EVENT_FIELDS order) with the driver's executemany, chained after the
    current head in this transaction (the head is read under the chain's lock: see chain.py). `canonical`:
    every row's details are chain.canonical_details() text (see chain_rows)."""
    if rows:
        connection = session.connection()
        _insert(session, "events", EVENT_FIELDS + CHAIN_FIELDS, chain_rows(connection, rows, canonical=canonical))


STATE_FIELDS = ("case_id", "type", "status", "valid_from", "valid_to")


def insert_state_rows(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared case state rows (HistoryWriter) with the driver's executemany."""
    if rows:
        _insert(session, "case_states", STATE_FIELDS, rows)
        tally.note_rows(session, rows)


def insert_stage_rows(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared earlier-stage rows (STAGE_ROW_FIELDS order) with the driver's executemany."""
    if rows:
        marks = _placeholders(session, len(STAGE_ROW_FIELDS))
        sql = f"INSERT INTO case_stages ({', '.join(STAGE_ROW_FIELDS)}) VALUES ({marks})"
        session.connection().exec_driver_sql(sql, [tuple(row) for row in rows])


# --- a large load into a small SQLite database: the indexes built once, after the rows ------------------------

# The tables a load writes whose secondary indexes are set aside, and the search's trigger (migration 0006), which
# is replaced by one INSERT ... SELECT of the new rows. Unique indexes stay: they refuse a repeated reference or a
# forked audit chain as the rows go in, and the load's own look-ups (references, the chain's head) use them.
# Triggers that keep facts (events_case_facts) stay, and so does the index on received_at: the load looks rows
# without a reference up by it (existing_contents). The trigger that refuses an event replacing another
# (migration 0003) is set aside too: it stops REPLACE INTO, which the load never runs, and its two look-ups were
# two thirds of the events' insert; the unique index on seq still refuses a forked chain, and no other
# connection can write while the load holds the write lock.
KEPT_INDEXES = ("ix_cases_received_at",)
SET_ASIDE_TABLES = ("cases", "events", "case_states")
SEARCH_TRIGGER = "cases_fts_insert"
SET_ASIDE_TRIGGERS = (SEARCH_TRIGGER, "events_no_replace")
SEARCH_FIELDS = "reference, customer_name, customer_email, customer_phone, summary"


class SetAside:
    """The structures a bulk load dropped inside its transaction, with the SQL that makes them again."""

    def __init__(self, searched_to: int, statements: list[tuple[str, str, str]]) -> None:
        self.searched_to = searched_to  # cases with a greater id are not in the search yet (see add_to_search)
        self.statements = statements  # (kind, name, sql)

    @property
    def search(self) -> bool:
        return any(name == SEARCH_TRIGGER for _, name, _ in self.statements)


def set_aside(session: Session) -> SetAside:
    """Drop the cases, events and case_states tables' non-unique indexes and the triggers above, in the caller's
    write transaction. SQLite's DDL is transactional: a rollback (or a kill) leaves them as they were,
    and other connections go on reading them from the snapshot before this transaction meanwhile."""
    connection = session.connection()
    marks = ", ".join("?" * len(SET_ASIDE_TABLES))
    rows = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        f"(type = 'index' AND tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%') "
        "OR (type = 'trigger' AND name IN (?, ?))) ORDER BY type, name",
        (*SET_ASIDE_TABLES, *SET_ASIDE_TRIGGERS),
    ).fetchall()
    statements = [(kind, name, sql) for kind, name, sql in rows if name not in KEPT_INDEXES]
    first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM cases").scalar_one()
    for kind, name, _ in statements:
        connection.exec_driver_sql(f'DROP {"INDEX" if kind == "index" else "TRIGGER"} "{name}"')
    return SetAside(int(first), statements)


def add_to_search(session: Session, aside: SetAside) -> None:
    """The cases inserted since the last call into the search, in one statement (FTS5 writes its terms out once
    per statement). Called after each chunk, SQLite's work on it goes on beside pass one's (see the importer's
    _BulkLoad) instead of after the last row."""
    if not aside.search:
        return
    connection = session.connection()
    last = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM cases").scalar_one()
    if last > aside.searched_to:
        connection.exec_driver_sql(
            f"INSERT INTO cases_fts (rowid, {SEARCH_FIELDS}) SELECT id, {SEARCH_FIELDS} FROM cases WHERE id > ?",
            (aside.searched_to,),
        )
        aside.searched_to = int(last)


def put_back(session: Session, aside: SetAside) -> None:
    """The search entries of the cases not yet added, then everything set_aside dropped, made again over the
    whole tables (CREATE INDEX sorts once: several times quicker than keeping the index up to date row by
    row)."""
    add_to_search(session, aside)
    connection = session.connection()
    for _, _, sql in aside.statements:
        connection.exec_driver_sql(sql)
