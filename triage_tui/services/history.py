"""A case's past written in one go: its row and one event per milestone, each at its own time.

Used where history arrives whole (a spreadsheet import, the large demo) rather than action by action, so
that reports at past dates see each case in the state it had then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triage_tui.domain.codes import CaseType, CloseReason, Status
from triage_tui.domain.lifecycle import Action


@dataclass(frozen=True)
class HistoryRow:
    reference: str
    received_at: datetime
    channel: str
    customer_name: str
    summary: str
    type: CaseType
    status: Status
    customer_email: str | None = None
    customer_phone: str | None = None
    details: str | None = None
    officer_id: int | None = None
    officer: str | None = None
    triaged_at: datetime | None = None
    allocated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    sent_to_service_at: datetime | None = None
    service: str | None = None
    responded_at: datetime | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    signposted_to: str | None = None
    duplicate_of: str | None = None
    cohort: str | None = None


SIGNPOSTING = (CloseReason.SIGNPOSTED, CloseReason.SERVICE_REQUEST)


def history_records(row: HistoryRow, actor: str, now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case's column values and its events (without case_id), oldest first."""
    signposted = row.status is Status.CLOSED and row.close_reason in SIGNPOSTING
    triaged_at = row.triaged_at or (row.closed_at if row.status is Status.CLOSED else None)
    case = {
        "reference": row.reference,
        "received_at": row.received_at,
        "channel": row.channel,
        "customer_name": row.customer_name,
        "customer_email": row.customer_email,
        "customer_phone": row.customer_phone,
        "summary": row.summary,
        "details": row.details,
        "type": (CaseType.SERVICE_REQUEST if signposted else row.type).value,
        "status": row.status.value,
        "officer_id": row.officer_id,
        "triaged_at": triaged_at,
        "allocated_at": row.allocated_at,
        "acknowledged_at": row.acknowledged_at,
        "sent_to_service_at": row.sent_to_service_at,
        "service": row.service,
        "responded_at": row.responded_at,
        "outcome": row.outcome,
        "closed_at": row.closed_at,
        "close_reason": row.close_reason.value if row.close_reason else None,
        "signposted_to": row.signposted_to,
        "duplicate_of": row.duplicate_of,
        "cohort": row.cohort,
        "claimed_by_id": None,
        "claimed_until": None,
        "created_at": now,
        "updated_at": now,
    }
    events: list[dict[str, Any]] = []
    status: Status | None = None

    def step(action: Action, at: datetime, to: Status, details: dict[str, Any]) -> None:
        nonlocal status
        events.append(
            {
                "at": at,
                "actor": actor,
                "action": action.value,
                "from_status": status.value if status else None,
                "to_status": to.value,
                "details": {**details, "history": True},
            }
        )
        status = to

    step(Action.INTAKE, row.received_at, Status.NEW, {"channel": row.channel})
    if signposted:
        assert row.closed_at is not None
        step(
            Action.SIGNPOST,
            row.closed_at,
            Status.CLOSED,
            {"close_reason": case["close_reason"], "signposted_to": row.signposted_to, "service": row.service},
        )
        case["version"] = len(events)
        return case, events
    if row.triaged_at is not None and row.type.is_complaint:
        step(Action.CLASSIFY, row.triaged_at, Status.TRIAGED, {"type": row.type.value})
    if row.allocated_at is not None:
        step(Action.ALLOCATE, row.allocated_at, Status.ALLOCATED, {"officer": row.officer})
    # The acknowledgement may come before or after the hand-off to the service: keep the events in time order.
    later: list[tuple[datetime, int, Action, Status, dict[str, Any]]] = []
    if row.acknowledged_at is not None:
        later.append((row.acknowledged_at, 0, Action.ACKNOWLEDGE, Status.ALLOCATED, {}))
    if row.sent_to_service_at is not None:
        later.append((row.sent_to_service_at, 1, Action.SEND, Status.WITH_SERVICE, {"service": row.service}))
    for at, _, action, to, details in sorted(later, key=lambda item: (item[0], item[1])):
        step(action, at, status if action is Action.ACKNOWLEDGE and status else to, details)  # type: ignore[arg-type]
    if row.responded_at is not None:
        step(Action.RESPOND, row.responded_at, Status.RESPONDED, {"outcome": row.outcome})
    if row.status is Status.CLOSED and row.closed_at is not None:
        details = {"reason": case["close_reason"], "duplicate_of": row.duplicate_of}
        step(Action.CLOSE, row.closed_at, Status.CLOSED, details)
    case["version"] = len(events)
    return case, events
