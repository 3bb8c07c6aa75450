"""The reports' reads: counts of cases by type and status as they stood at a moment, counted by the database.

A case's state at a moment is the status its latest event up to then left it in (`new` if it had none yet),
and its type is the one its latest classification up to then gave (a signposted contact is a service
request; a case not yet triaged is unclassified). case_states holds exactly that, interval by interval,
written with each event; a test checks it against a reading of the events themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from triage_tui.store.tables import Case, CaseState, Event

CASES = Case.__table__  # type: ignore[attr-defined]
EVENTS = Event.__table__  # type: ignore[attr-defined]
STATES = CaseState.__table__  # type: ignore[attr-defined]


def state_counts(
    session: Session,
    as_of: datetime,
    *,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    cohort: str | None = None,
) -> list[tuple[str, str, int]]:
    """(type, status, number of cases) at `as_of`, for cases received by then (and in the window, if given).

    Read from case_states, which the services and the import keep beside the events: the states that held at
    `as_of` are one range of its index (a case's first state starts at its receipt).
    """
    conditions = [STATES.c.valid_to > as_of, STATES.c.valid_from <= as_of]
    query = select(STATES.c.type, STATES.c.status, func.count().label("n")).select_from(STATES)
    if received_from is not None or received_to is not None or cohort is not None:
        query = query.join(CASES, CASES.c.id == STATES.c.case_id)
        if received_from is not None:
            conditions.append(CASES.c.received_at >= received_from)
        if received_to is not None:
            conditions.append(CASES.c.received_at <= received_to)
        if cohort is not None:
            conditions.append(CASES.c.cohort == cohort)
    query = query.where(and_(*conditions)).group_by(STATES.c.type, STATES.c.status)
    return [(kind, status, n) for kind, status, n in session.connection().execute(query)]


def sla_cases(session: Session, received_from: datetime, received_to: datetime) -> Iterator[tuple[Any, ...]]:
    """(type, received_at, triaged_at, acknowledged_at, responded_at, closed_at) of each case received in the window."""
    query = select(
        CASES.c.type,
        CASES.c.received_at,
        CASES.c.triaged_at,
        CASES.c.acknowledged_at,
        CASES.c.responded_at,
        CASES.c.closed_at,
    ).where(CASES.c.received_at >= received_from, CASES.c.received_at <= received_to)
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
    until: datetime | None = None,
) -> Iterator[tuple[Any, ...]]:
    """(case id, received_at, event time, action, status before, details) of the events of the given actions,
    up to `until` (None: all of them), case by case in time order (ties in the order written).

    Only the cases that can count in the window come: received in it, or with one of these events in it (a
    later stage starts, a response goes out or the ombudsman opens an enquiry by an event). Rows are plain
    tuples read in one statement: a year of 100,000 cases is a few hundred thousand of them.
    """
    inside = select(EVENTS.c.case_id).where(
        EVENTS.c.at >= window_from, EVENTS.c.at <= window_to, EVENTS.c.action.in_(actions)
    )
    conditions = [
        EVENTS.c.action.in_(actions),
        or_(and_(CASES.c.received_at >= window_from, CASES.c.received_at <= window_to), CASES.c.id.in_(inside)),
    ]
    if until is not None:
        conditions += [EVENTS.c.at <= until, CASES.c.received_at <= until]
    query = (
        select(
            EVENTS.c.case_id,
            CASES.c.received_at,
            EVENTS.c.at,
            EVENTS.c.action,
            EVENTS.c.from_status,
            EVENTS.c.details,
        )
        .select_from(EVENTS.join(CASES, CASES.c.id == EVENTS.c.case_id))
        .where(and_(*conditions))
        .order_by(EVENTS.c.case_id, EVENTS.c.at, EVENTS.c.id)
    )
    yield from session.connection().execute(query)
