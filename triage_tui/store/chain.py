"""The audit chain: every event has a place (`seq`, 1..N in the order written) and a hash over its content and
the hash of the event before it, so an event altered, removed or slipped in afterwards shows when the chain is
walked again (`triage db verify`).

The hash covers a canonical text of what the database gives back, not of what the program handed it, so a
walk on SQLite or PostgreSQL recomputes exactly what was written: times as UTC text with microseconds, details
as JSON with sorted keys and fixed separators, everything else escaped to ASCII. The autoincrement id is not
covered (it is unknown before the insert); ids only ever grow with seq, which the walk checks instead.

Writers never fork the chain: SQLite's write transactions are serialised by `BEGIN IMMEDIATE`; on PostgreSQL
every write transaction takes one advisory lock before anything else, so no two can read the same head. Taking
it first (not when the event is appended) keeps the lock order the same everywhere: a transaction that locked a
case row and then waited for the chain, while the chain's holder waited for that row, would deadlock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import attributes

from triage_tui.store.types import UTCDateTime

GENESIS = "0" * 64
# pg_advisory_xact_lock key of the chain (the schema upgrade uses 72817001).
LOCK_KEY = 72817002

# The columns a walk reads, typed as the model stores them, without importing the model (which imports this).
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("hash", sa.String()),
    sa.column("case_id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("from_status", sa.String()),
    sa.column("to_status", sa.String()),
    sa.column("details", sa.JSON()),
)


# --- the hash ----------------------------------------------------------------------------------------------------


def time_text(value: datetime | str) -> str:
    """`2021-11-25T10:00:00.000000Z`: the same text whichever database the time went through. A string is
    SQLite's stored form (naive UTC, as bulk rows carry it)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":  # exactly what quick.sqlite_time writes: the fast way
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    u = value.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"


def content_text(
    seq: int,
    case_id: int | None,
    at: datetime | str,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    details: Any,
) -> str:
    """The canonical text of one event. `details` as the database gives it back (parsed JSON)."""
    return _CANONICAL.encode([seq, case_id, time_text(at), actor, action, from_status, to_status, details])


# Made once: json.dumps with options builds an encoder per call, a third of the cost on the import's path.
# ASCII only, so no encoding or normalisation question can arise.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
_DECODE = json.JSONDecoder().decode
_quote = encode_basestring_ascii  # a string as the encoder writes it with ensure_ascii


def link(previous: str, content: str) -> str:
    """The hash of an event: the previous event's hash (fixed length, so no separator is needed) and its own
    content."""
    return hashlib.sha256((previous + content).encode("ascii")).hexdigest()


def as_stored(details: Any) -> Any:
    """Details as they will read back: through JSON (tuples become lists, number keys strings)."""
    if isinstance(details, str):
        return _DECODE(details)
    if isinstance(details, bytes):
        return json.loads(details)
    return json.loads(json.dumps(details))


# --- the head and the lock ---------------------------------------------------------------------------------------


def lock(connection: Connection) -> None:
    """On PostgreSQL, hold the chain until the transaction ends (bounded by lock_timeout). SQLite's writers are
    serialised already."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))


def head(connection: Connection) -> tuple[int, str]:
    """(seq, hash) of the last event, or (0, GENESIS) for an empty trail."""
    row = connection.execute(sa.select(EVENTS.c.seq, EVENTS.c.hash).order_by(EVENTS.c.seq.desc()).limit(1)).first()
    if row is None or row[0] is None:
        return 0, GENESIS
    return int(row[0]), str(row[1])


def canonical_details(details: dict[str, Any]) -> str:
    """Details as JSON text in the chain's canonical form. Stored as such (bulk rows), they read back as the
    same dict, and their canonical text is the text itself: chain_rows(canonical=True) hashes it as it is.

    Written out here for the flat details of imported history (text, whole numbers, true/false/null: half the
    encoder's time, which it spends setting itself up on every call); anything else goes to the encoder."""
    parts = []
    for key in sorted(details):
        if key.__class__ is not str:
            return _CANONICAL.encode(details)
        value = details[key]
        kind = value.__class__
        if kind is str:
            text = _quote(value)
        elif value is None:
            text = "null"
        elif value is True:
            text = "true"
        elif value is False:
            text = "false"
        elif kind is int:
            text = int.__repr__(value)
        else:
            return _CANONICAL.encode(details)
        parts.append(f"{_quote(key)}:{text}")
    return "{" + ",".join(parts) + "}"


def chain_rows(
    connection: Connection, rows: Sequence[Sequence[Any]], *, canonical: bool = False
) -> list[tuple[Any, ...]]:
    """Bulk rows (case_id, at, actor, action, from_status, to_status, details as JSON text) with their seq and
    hash appended, following the current head. Call it inside the transaction that inserts them. With
    `canonical`, every row's details are canonical_details() text: each content text is then put together
    directly, the same text content_text() gives, without parsing the details back (most of the cost)."""
    lock(connection)
    seq, previous = head(connection)
    out = []
    if not canonical:
        for row in rows:
            seq += 1
            case_id, at, actor, action, source, target, details = row
            content = content_text(seq, case_id, at, actor, action, source, target, as_stored(details))
            previous = link(previous, content)
            out.append((*row, seq, previous))
        return out
    # The few distinct (actor, action, from, to), each encoded once; a time as SQLite's stored form (naive UTC,
    # as bulk rows carry it) made into the chain's text without a call; hashlib's object made once and copied.
    encoded: dict[tuple[Any, ...], str] = {}
    empty = hashlib.sha256()
    for row in rows:
        seq += 1
        case_id, at, actor, action, source, target, details = row
        middle = encoded.get((actor, action, source, target))
        if middle is None:
            middle = encoded[(actor, action, source, target)] = ",".join(
                _CANONICAL.encode(text) for text in (actor, action, source, target)
            )
        moment = f"{at[:10]}T{at[11:]}Z" if at.__class__ is str and len(at) == 26 and at[10] == " " else time_text(at)
        number = "null" if case_id is None else int(case_id)
        hasher = empty.copy()
        hasher.update(f'{previous}[{seq},{number},"{moment}",{middle},{details}]'.encode("ascii"))
        previous = hasher.hexdigest()
        out.append((*row, seq, previous))
    return out


# --- every event the ORM writes joins the chain ------------------------------------------------------------------


def watch(model: type) -> None:
    """Chain every `model` (the Event table) an ORM session inserts, and lock PostgreSQL write transactions."""

    def chain_new_events(session: OrmSession, _context: Any, _instances: Any) -> None:
        new: list[Any] = [obj for obj in session.new if isinstance(obj, model)]
        if not new:
            return
        # The order the session will insert them in, so ids grow with seq.
        new.sort(key=lambda obj: attributes.instance_state(obj).insert_order or 0)
        connection = session.connection()
        lock(connection)
        seq, previous = head(connection)
        for obj in new:
            seq += 1
            content = content_text(
                seq,
                obj.case_id,
                obj.at,
                obj.actor,
                obj.action,
                obj.from_status,
                obj.to_status,
                as_stored(obj.details),
            )
            previous = link(previous, content)
            obj.seq, obj.hash = seq, previous

    event.listen(OrmSession, "before_flush", chain_new_events)
    event.listen(OrmSession, "after_begin", _lock_write_transactions)


def _lock_write_transactions(_session: OrmSession, _transaction: Any, connection: Connection) -> None:
    # The store's write sessions are marked `triage_write` (see engine.py): lock before their first statement.
    if connection.get_execution_options().get("triage_write"):
        lock(connection)


# --- walking the chain -------------------------------------------------------------------------------------------


class Link(NamedTuple):
    """One stored event as the walk reads it, and the hash its content gives after the one read before it."""

    seq: int | None
    id: int
    case_id: int | None
    at: datetime
    action: str
    stored: str | None
    content: str


def walk(connection: Connection, batch: int = 2000) -> Iterator[Link]:
    """Every event in seq order, streamed (the database hands them over `batch` at a time)."""
    query = sa.select(
        EVENTS.c.seq,
        EVENTS.c.id,
        EVENTS.c.case_id,
        EVENTS.c.at,
        EVENTS.c.actor,
        EVENTS.c.action,
        EVENTS.c.from_status,
        EVENTS.c.to_status,
        EVENTS.c.details,
        EVENTS.c.hash,
    ).order_by(EVENTS.c.seq)  # the unique index answers it in order, with no sort
    result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
    for seq, id_, case_id, at, actor, action, source, target, details, stored in result:
        content = content_text(seq, case_id, at, actor, action, source, target, details)
        yield Link(seq, id_, case_id, at, action, stored, content)


def case_reference(connection: Connection, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    return connection.execute(sa.text("SELECT reference FROM cases WHERE id = :id"), {"id": case_id}).scalar()
