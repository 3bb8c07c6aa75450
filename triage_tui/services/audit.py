"""The one way a change to a case is recorded: its version bumped, an event appended, and its (type, status)
over time kept up to date for the reports, all in the caller's transaction. Events are never updated or
deleted (the migrations' triggers refuse it too), and each joins the audit chain as the session flushes it
(store/chain.py), so every event written through the ORM is chained, here or elsewhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from triage_tui.domain.lifecycle import Action
from triage_tui.store import tally
from triage_tui.store.tables import STILL, Case, CaseState, Event


def record(
    session: Session,
    case: Case,
    actor: str,
    action: Action,
    source: str | None,
    target: str,
    details: dict[str, Any],
    now: datetime,
    *,
    new: bool = False,
    at: datetime | None = None,
) -> None:
    """Record `action` on `case`. `now` is when it is recorded (the case's updated_at); `at`, when given, is when
    it happened (a step recorded after the fact): the event's time, and the time the case's state changed for
    the reports. The details then say when it was recorded."""
    when = now if at is None else at
    if when != now:
        details = {**details, "recorded_at": now.isoformat()}
    if not new:
        case.version += 1
        case.updated_at = now
        session.add(case)
        session.flush()
    session.add(
        Event(
            case_id=case.id,
            at=when,
            actor=actor,
            action=action.value,
            from_status=source,
            to_status=target,
            details=details,
        )
    )
    _track_state(session, case, target, when, new)
    session.flush()


def _track_state(session: Session, case: Case, status: str, moment: datetime, new: bool) -> None:
    """Close the case's current (type, status) at `moment` and open the next when the change moved either."""
    case_id = case.id
    assert case_id is not None, "a case is flushed before its changes are recorded"
    if new:
        session.add(
            CaseState(case_id=case_id, type=case.type, status=status, valid_from=case.received_at, valid_to=STILL)
        )
        tally.note(session, case.type, status, +1)
        return
    current = session.exec(select(CaseState).where(CaseState.case_id == case_id, CaseState.valid_to == STILL)).first()
    if current is not None and (current.type, current.status) == (case.type, status):
        return
    if current is not None:
        # Never before the state it ends: the services refuse a step dated before the case's last one, and a
        # few seconds of difference between two machines' clocks must not make an interval end before it began.
        moment = max(moment, current.valid_from)
        current.valid_to = moment
        session.add(current)
        tally.note(session, current.type, current.status, -1)
    session.add(CaseState(case_id=case_id, type=case.type, status=status, valid_from=moment, valid_to=STILL))
    tally.note(session, case.type, status, +1)
