"""The reports' reads: counts of cases by type and status as they stood at a moment, counted by the database.

A case's state at a moment is the status its latest event up to then left it in (`new` if it had none yet),
and its type is the one its latest classification up to then gave (a signposted contact is a service
request; a case not yet triaged is unclassified). case_states holds exactly that, interval by interval,
written with each event; a test checks it against a reading of the events themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, bindparam, case, func, select, text, type_coerce, union
from sqlmodel import Session

from triage_tui.store.quick import stored_time
from triage_tui.store.tables import STILL, Case, CaseStage, CaseState, Event
from triage_tui.store.types import UTCDateTime

CASES = Case.__table__  # type: ignore[attr-defined]
EVENTS = Event.__table__  # type: ignore[attr-defined]
STAGES = CaseStage.__table__  # type: ignore[attr-defined]
STATES = CaseState.__table__  # type: ignore[attr-defined]

# Each (type, status)'s current states at a moment: its tally less the current states begun after the moment,
# each found by one short range of the states' index (valid_to, type, status, valid_from).
CURRENT_AT = text(
    "SELECT t.type, t.status, t.n - (SELECT count(*) FROM case_states s WHERE s.valid_to = :still "
    "AND s.type = t.type AND s.status = t.status AND s.valid_from > :moment) FROM state_tally t"
).bindparams(bindparam("still", type_=UTCDateTime), bindparam("moment", type_=UTCDateTime))


def state_counts(
    session: Session,
    as_of: datetime,
    *,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    cohort: str | None = None,
) -> list[tuple[str, str, int]]:
    """(type, status, number of cases) at `as_of`, for cases received by then (and in the window, if given).

    Read from case_states, which the services and the import keep beside the events, and from the tally of its
    current states (store/tally.py); a case's first state starts at its receipt.
    """
    # Every case's states, by the moment only: in two parts, the states still current (valid_to = STILL), from
    # their tally, and those that ended after `as_of`, one range of the index on (valid_to, ...) bounded above
    # by STILL (so the current ones, a million at a million cases, are not read to be skipped). Cases chosen by
    # receipt or cohort are found by their own index first, in one part.
    chosen = received_from is not None or received_to is not None or cohort is not None
    parts = [None] if chosen else [STATES.c.valid_to < STILL]
    counted: Counter[tuple[str, str]] = Counter()
    if not chosen:
        # The current states from their tally, less those begun after the moment (store/tally.py).
        for kind, status, n in session.connection().execute(CURRENT_AT, {"still": STILL, "moment": as_of}):
            counted[(kind, status)] += n
    for held in parts:
        conditions = [STATES.c.valid_to > as_of, STATES.c.valid_from <= as_of]
        if held is not None:
            conditions.append(held)
        query = select(STATES.c.type, STATES.c.status, func.count().label("n")).select_from(STATES)
        if chosen:
            query = query.join(CASES, CASES.c.id == STATES.c.case_id)
            if received_from is not None:
                conditions.append(CASES.c.received_at >= received_from)
            if received_to is not None:
                conditions.append(CASES.c.received_at <= received_to)
            if cohort is not None:
                conditions.append(CASES.c.cohort == cohort)
        query = query.where(and_(*conditions)).group_by(STATES.c.type, STATES.c.status)
        for kind, status, n in session.connection().execute(query):
            counted[(kind, status)] += n
    return [(kind, status, n) for (kind, status), n in counted.items() if n]


def sla_cases(session: Session, received_from: datetime, received_to: datetime) -> Iterator[tuple[Any, ...]]:
    """(type, received_at, triaged_at, acknowledged_at, responded_at, closed_at) of each case received in the
    window, as its first stage went: a case escalated since has those milestones in case_stages (its own
    columns are the later stage's), and its first stage did not end in a closure."""
    first = STAGES.alias("first_stage")
    escalated = first.c.id.is_not(None)
    query = (
        select(
            func.coalesce(first.c.type, CASES.c.type),
            CASES.c.received_at,
            CASES.c.triaged_at,
            case((escalated, first.c.acknowledged_at), else_=CASES.c.acknowledged_at),
            case((escalated, first.c.responded_at), else_=CASES.c.responded_at),
            case((escalated, None), else_=CASES.c.closed_at),
        )
        .select_from(CASES.outerjoin(first, and_(first.c.case_id == CASES.c.id, first.c.stage == 1)))
        .where(CASES.c.received_at >= received_from, CASES.c.received_at <= received_to)
    )
    yield from session.connection().execute(query)


def status_changes(session: Session, until: datetime, cohort: str | None = None) -> Iterator[tuple[Any, ...]]:
    """(case id, received_at, event time, status after) of every event up to `until`, case by case in order;
    cases received by `until` without events come with an event time of None."""
    conditions = [CASES.c.received_at <= until]
    if cohort is not None:
        conditions.append(CASES.c.cohort == cohort)
    query = (
        select(CASES.c.id, CASES.c.received_at, EVENTS.c.at, EVENTS.c.to_status)
        .select_from(CASES)
        .outerjoin(EVENTS, and_(EVENTS.c.case_id == CASES.c.id, EVENTS.c.at <= until))
        .where(and_(*conditions))
        .order_by(CASES.c.id, EVENTS.c.id)
    )
    yield from session.connection().execute(query)


def received_count(session: Session, received_from: datetime, received_to: datetime) -> int:
    """How many contacts were received in the window (each case is one contact, whatever became of it)."""
    query = (
        select(func.count())
        .select_from(CASES)
        .where(CASES.c.received_at >= received_from, CASES.c.received_at <= received_to)
    )
    return int(session.connection().execute(query).scalar_one())


def stage_events(
    session: Session,
    window_from: datetime,
    window_to: datetime,
    actions: Sequence[str],
    *,
    window_actions: Sequence[str],
    until: datetime | None = None,
) -> Iterator[tuple[Any, ...]]:
    """(case id, received_at, event time, action, status before, details as JSON text, or as read where the
    driver reads JSON itself) of the events of `actions`, up to
    `until` (None: all of them), case by case in time order (ties in the order written).

    Only the cases that can count in the window come: received in it, or with an event of `window_actions` in
    it (a later stage starting, a response going out...). They are found first, by the indexes on the receipt
    and on the events' times, then their events are read by the index on the case: a year of 100,000 cases is
    a few hundred thousand rows, read as plain tuples in one statement.
    """
    ids = union(
        select(CASES.c.id.label("id")).where(CASES.c.received_at >= window_from, CASES.c.received_at <= window_to),
        select(EVENTS.c.case_id.label("id")).where(
            EVENTS.c.at >= window_from, EVENTS.c.at <= window_to, EVENTS.c.action.in_(window_actions)
        ),
    ).cte("counted")
    conditions = [EVENTS.c.action.in_(actions)]
    if until is not None:
        conditions += [EVENTS.c.at <= until, CASES.c.received_at <= until]
    # Read as they are stored and converted here, for speed: most rows' details are never looked at (the
    # caller parses the JSON text it needs), and on SQLite a time is text parsed faster than the column
    # type's general way. Every time comes back aware, in UTC, as the column type gives it.
    raw = session.get_bind().dialect.name == "sqlite"
    received = type_coerce(CASES.c.received_at, String) if raw else CASES.c.received_at
    at = type_coerce(EVENTS.c.at, String) if raw else EVENTS.c.at
    query = (
        select(
            EVENTS.c.case_id,
            received,
            at,
            EVENTS.c.action,
            EVENTS.c.from_status,
            type_coerce(EVENTS.c.details, String),
        )
        .select_from(ids.join(CASES, CASES.c.id == ids.c.id).join(EVENTS, EVENTS.c.case_id == ids.c.id))
        .where(and_(*conditions))
        .order_by(EVENTS.c.case_id, EVENTS.c.at, EVENTS.c.id)
    )
    rows = session.connection().execute(query)
    if not raw:
        yield from rows
        return
    parse = stored_time
    last: tuple[str, datetime] = ("", datetime.min)
    for case_id, received_text, at_text, action, from_status, details in rows:
        if received_text != last[0]:  # one receipt per case, on each of its rows
            last = (received_text, parse(received_text))
        yield case_id, last[1], parse(at_text), action, from_status, details
