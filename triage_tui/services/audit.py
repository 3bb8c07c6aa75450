"""The one way a change to a case is recorded: its version bumped and an event appended, in the caller's
transaction. Events are never updated or deleted (the migrations' triggers refuse it too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from triage_tui.domain.lifecycle import Action
from triage_tui.store.tables import Case, Event


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
) -> None:
    if not new:
        case.version += 1
        case.updated_at = now
        session.add(case)
        session.flush()
    session.add(
        Event(
            case_id=case.id,
            at=now,
            actor=actor,
            action=action.value,
            from_status=source,
            to_status=target,
            details=details,
        )
    )
    session.flush()
