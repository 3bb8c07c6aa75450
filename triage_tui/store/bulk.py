"""Many cases at once, for loading history (imports, the large demo).

ORM objects cost about 25 times more per row here, and SQLAlchemy's per-row parameter processing more than the
inserts themselves, so rows prepared in column order go to the driver's executemany inside the caller's
transaction; the new cases' ids are then read back by reference, so each case's events can point at it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from triage_tui.store import tally
from triage_tui.store.chain import chain_rows
from triage_tui.store.quick import sqlite_time, stored_time
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
    return stored_time(value)


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
# The index on received_at is made again as soon as a chunk holds a row without a reference (such rows are
# looked up by it: existing_contents), and at the end otherwise. The trigger that refuses an event replacing
# another (migration 0003) is set aside too: it stops REPLACE INTO, which the load never runs, and its two
# look-ups were two thirds of the events' insert; the unique index on seq still refuses a forked chain, and no
# other connection can write while the load holds the write lock. The trigger keeping case_facts (migration
# 0012) is set aside only for a load whose events it keeps nothing of (see set_aside).
SET_ASIDE_TABLES = ("cases", "events", "case_states")
RECEIVED_INDEX = "ix_cases_received_at"
SEARCH_TRIGGER = "cases_fts_insert"
FACTS_TRIGGER = "events_case_facts"
SET_ASIDE_TRIGGERS = (SEARCH_TRIGGER, "events_no_replace")
# The partial index of counted events (migration 0010) holds none of a new contact's: a load of them leaves it up
# to date as it goes (its WHERE turns each intake away), which costs less than reading every event to make it again.
COUNTED_INDEX = "ix_events_counted_at"
SEARCH_FIELDS = "reference, customer_name, customer_email, customer_phone, summary"
# The search's own settings a load changes, each (during the load, FTS5's default when the table has none):
# - automerge: FTS5 writes each statement's terms as a new segment, and by default merges segments once four of
#   a size have gathered: most of a load's search time went in merging what the next statements would merge
#   again. During a load they wait for eight (the search then holds a few more segments, each search reading
#   them all: about a tenth slower on 100,000 cases).
# - hashsize: the terms FTS5 holds in memory before it writes them as a segment. A chunk's terms are several
#   megabytes: at the default each statement wrote several segments, to be merged again; at 16 MB it writes
#   one (a sixth less of the search's time, for at most 16 MB more of the writer's memory).
# Each is put back before the commit, and later writes go on from there.
LOAD_SETTINGS = {"automerge": (8, 4), "hashsize": (16 * 1024 * 1024, 1024 * 1024)}


class SetAside:
    """The structures a bulk load dropped inside its transaction, with the SQL that makes them again."""

    def __init__(self, searched_to: int, events_from: int, statements: list[tuple[str, str, str]]) -> None:
        self.searched_to = searched_to  # cases with a greater id are not in the search yet (see add_to_search)
        self.events_from = events_from  # events with a greater id are the load's
        self.statements = statements  # (kind, name, sql)
        self.settings: dict[str, int] = {}  # the search's own settings, to put back (see LOAD_SETTINGS)

    @property
    def search(self) -> bool:
        return any(name == SEARCH_TRIGGER for _, name, _ in self.statements)


def set_aside(session: Session, *, facts: bool = True) -> SetAside:
    """Drop the cases, events and case_states tables' non-unique indexes and the triggers above, in the caller's
    write transaction. SQLite's DDL is transactional: a rollback (or a kill) leaves them as they were,
    and other connections go on reading them from the snapshot before this transaction meanwhile. `facts`:
    the load may write events case_facts keeps (a file with lifecycle columns), so its trigger stays; a file
    of new contacts writes only intakes, which the trigger's WHEN turns away one by one (a third of the
    events' insert), so it goes too; the index of counted events, which holds none of them, then stays."""
    connection = session.connection()
    triggers = SET_ASIDE_TRIGGERS if facts else (*SET_ASIDE_TRIGGERS, FACTS_TRIGGER)
    tables = ", ".join("?" * len(SET_ASIDE_TABLES))
    names = ", ".join("?" * len(triggers))
    rows = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        f"(type = 'index' AND tbl_name IN ({tables}) AND sql NOT LIKE 'CREATE UNIQUE%') "
        f"OR (type = 'trigger' AND name IN ({names}))) ORDER BY type, name",
        (*SET_ASIDE_TABLES, *triggers),
    ).fetchall()
    # The facts trigger only where the load can show it kept nothing (see put_back).
    statements = [
        (kind, name, sql)
        for kind, name, sql in rows
        if (name != FACTS_TRIGGER or _facts_when(sql)) and (facts or name != COUNTED_INDEX)
    ]
    first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM cases").scalar_one()
    events = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM events").scalar_one()
    for kind, name, _ in statements:
        connection.exec_driver_sql(f'DROP {"INDEX" if kind == "index" else "TRIGGER"} "{name}"')
    aside = SetAside(int(first), int(events), statements)
    if aside.search:
        for name, (during, default) in LOAD_SETTINGS.items():
            kept = connection.exec_driver_sql("SELECT v FROM cases_fts_config WHERE k = ?", (name,)).scalar()
            aside.settings[name] = default if kept is None else int(kept)
            _search_setting(session, name, during)
    return aside


def _search_setting(session: Session, name: str, value: int) -> None:
    session.connection().exec_driver_sql("INSERT INTO cases_fts (cases_fts, rank) VALUES (?, ?)", (name, value))


def put_back_received(session: Session, aside: SetAside) -> None:
    """The index on received_at made again now (if it was set aside and is not back yet)."""
    for kept in [statement for statement in aside.statements if statement[1] == RECEIVED_INDEX]:
        session.connection().exec_driver_sql(kept[2])
        aside.statements.remove(kept)


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
    for name, value in aside.settings.items():
        _search_setting(session, name, value)
    connection = session.connection()
    for _, name, sql in aside.statements:
        if name == FACTS_TRIGGER:
            _refuse_kept_facts(session, aside, sql)
        connection.exec_driver_sql(sql)


def _facts_when(trigger: str) -> str | None:
    """The facts trigger's WHEN as a condition on events' own columns, or None if it has none to be read."""
    found = re.search(r"\bAFTER INSERT ON events\s+WHEN\s+(.+?)\s+BEGIN\b", trigger, re.DOTALL)
    return found.group(1).replace("NEW.", "") if found else None


def _refuse_kept_facts(session: Session, aside: SetAside, trigger: str) -> None:
    """Stop the load (its transaction rolled back) if it wrote an event the facts trigger, set aside, would
    have kept: the trigger's own WHEN, asked of the load's events."""
    query = f"SELECT 1 FROM events WHERE id > ? AND ({_facts_when(trigger)}) LIMIT 1"
    if session.connection().exec_driver_sql(query, (aside.events_from,)).first() is not None:
        raise RuntimeError("a bulk load set case_facts' trigger aside but wrote an event it keeps")
