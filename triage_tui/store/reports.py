"""The reports' reads: counts of cases by type and status as they stood at a moment, from the event log.

A case's state at a moment is the status its latest event up to then left it in (`new` if it had none yet),
and its type is the one its latest classification up to then gave (a signposted contact is a service
request; a case not yet triaged is unclassified). Counting is done by the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlmodel import Session

from triage_tui.store.tables import Case, Event

CASES = Case.__table__  # type: ignore[attr-defined]
EVENTS = Event.__table__  # type: ignore[attr-defined]


def state_counts(
    session: Session,
    as_of: datetime,
    *,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    cohort: str | None = None,
) -> list[tuple[str, str, int]]:
    """(type, status, number of cases) at `as_of`, for cases received by then (and in the window, if given)."""
    latest = (
        select(EVENTS.c.case_id, func.max(EVENTS.c.id).label("id"))
        .where(EVENTS.c.case_id.is_not(None), EVENTS.c.at <= as_of)
        .group_by(EVENTS.c.case_id)
        .subquery("latest")
    )
    classified = (
        select(EVENTS.c.case_id, func.max(EVENTS.c.id).label("id"))
        .where(EVENTS.c.action.in_(("classify", "signpost")), EVENTS.c.at <= as_of)
        .group_by(EVENTS.c.case_id)
        .subquery("classified")
    )
    last = EVENTS.alias("last")
    kind = EVENTS.alias("kind")
    type_then = case(
        (kind.c.action == "signpost", literal("service_request")),
        (kind.c.action == "classify", kind.c.details["type"].as_string()),
        else_=literal("unclassified"),
    ).label("type")
    status_then = func.coalesce(last.c.to_status, literal("new")).label("status")
    conditions = [CASES.c.received_at <= as_of]
    if received_from is not None:
        conditions.append(CASES.c.received_at >= received_from)
    if received_to is not None:
        conditions.append(CASES.c.received_at <= received_to)
    if cohort is not None:
        conditions.append(CASES.c.cohort == cohort)
    query = (
        select(type_then, status_then, func.count().label("n"))
        .select_from(CASES)
        .outerjoin(latest, latest.c.case_id == CASES.c.id)
        .outerjoin(last, last.c.id == latest.c.id)
        .outerjoin(classified, classified.c.case_id == CASES.c.id)
        .outerjoin(kind, kind.c.id == classified.c.id)
        .where(and_(*conditions))
        .group_by(type_then, status_then)
    )
    return [(kind_, status, n) for kind_, status, n in session.connection().execute(query)]


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
