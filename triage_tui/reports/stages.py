"""Each case's stages and ombudsman enquiry as its events tell them up to a moment.

The reports by stage read the event log, never the case's current columns: replayed up to the end of a year,
the events give the year's figures as they stood then, whatever happened to the case afterwards (a later
reclassification, a response taken back, the next stage). What each event does here:

- receipt (the case's received_at) starts stage 1; `escalate` ends the running stage and starts the one its
  details name, at the event's time;
- `classify` sets the type, `signpost` makes the contact a service request, `reopen` of a signposted contact
  gives it back the type it names; a stage's type is the case's type when the stage ended (escalated), or at
  the moment read for the stage still running;
- `acknowledge`, `send` (the service), `panel`, `extend` (working days added to the response deadline) and
  `respond` (the outcome) belong to the running stage; `reopen` of a responded case takes its response back;
- `ombudsman_open`, `ombudsman_decide` (decision, remedy, remedy due date) and `ombudsman_complied` describe
  the enquiry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from triage_tui.domain.clock import CaseClocks, CaseTimes, StageDeadlines, case_clocks, stage_deadlines
from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.policy import Policy

# The events the replay reads; the others (notes, allocations, claims, edits...) change nothing it counts.
STAGE_ACTIONS = tuple(
    a.value
    for a in (
        Action.CLASSIFY,
        Action.SIGNPOST,
        Action.REOPEN,
        Action.ESCALATE,
        Action.ACKNOWLEDGE,
        Action.EXTEND,
        Action.PANEL,
        Action.SEND,
        Action.RESPOND,
        Action.OMBUDSMAN_OPEN,
        Action.OMBUDSMAN_DECIDE,
        Action.OMBUDSMAN_COMPLIED,
    )
)
# A stage that starts (after stage 1, begun at receipt), a response, an enquiry: the events by which a case
# received earlier counts in a period.
STARTS = (Action.ESCALATE.value,)
COUNTED = (Action.ESCALATE.value, Action.RESPOND.value, Action.OMBUDSMAN_OPEN.value)


@dataclass
class StageRecord:
    """One stage of a case as its events left it."""

    number: int
    started_at: datetime
    type: CaseType = CaseType.UNCLASSIFIED
    acknowledged_at: datetime | None = None
    responded_at: datetime | None = None
    outcome: str | None = None
    extension_days: int = 0
    panel_at: datetime | None = None
    service: str | None = None

    @property
    def is_complaint(self) -> bool:
        return self.type.is_complaint

    def clocks(self, received_at: datetime, policy: Policy) -> CaseClocks:
        """The stage's clocks, derived as the desk derives them (policy and bank holidays in force)."""
        return case_clocks(self.times(received_at), policy)

    def deadlines(self, received_at: datetime, policy: Policy) -> StageDeadlines:
        """The stage's acknowledgement and response due times, as its clocks have them."""
        return stage_deadlines(self.times(received_at), policy)

    def times(self, received_at: datetime) -> CaseTimes:
        return CaseTimes(
            received_at,
            self.type,
            None,
            self.acknowledged_at,
            self.responded_at,
            None,
            stage=self.number,
            stage_started_at=self.started_at if self.number > 1 else None,
            extension_days=self.extension_days,
            panel_at=self.panel_at,
        )


@dataclass
class Enquiry:
    """The ombudsman's enquiry into a case."""

    opened_at: datetime
    decision: str | None = None
    remedy: str | None = None
    remedy_due: date | None = None
    complied_at: datetime | None = None


@dataclass
class CaseHistory:
    case_id: int
    received_at: datetime
    type: CaseType = CaseType.UNCLASSIFIED  # at the moment read
    stages: list[StageRecord] = field(default_factory=list)
    enquiry: Enquiry | None = None


def _kind(value: Any, fallback: CaseType) -> CaseType:
    try:
        return CaseType(value)
    except ValueError:
        return fallback


# The actions whose details the replay reads (the others' are never parsed).
READS_DETAILS = frozenset(
    a.value
    for a in (
        Action.CLASSIFY,
        Action.REOPEN,
        Action.ESCALATE,
        Action.EXTEND,
        Action.SEND,
        Action.RESPOND,
        Action.OMBUDSMAN_DECIDE,
    )
)


def _details(raw: Any) -> dict[str, Any]:
    """An event's details from JSON text (or as the driver already read them)."""
    value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return value if isinstance(value, dict) else {}


def _apply(case: CaseHistory, at: datetime, action: str, from_status: str | None, details: dict[str, Any]) -> None:
    stage = case.stages[-1]
    if action == Action.CLASSIFY:
        case.type = _kind(details.get("type"), case.type)
    elif action == Action.SIGNPOST:
        case.type = CaseType.SERVICE_REQUEST
    elif action == Action.REOPEN:
        if "type" in details:
            case.type = _kind(details["type"], case.type)
        if from_status == Status.RESPONDED:
            stage.responded_at = None
            stage.outcome = None
    elif action == Action.ESCALATE:
        stage.type = case.type
        number = details.get("stage")
        case.stages.append(StageRecord(number if isinstance(number, int) else stage.number + 1, at))
    elif action == Action.ACKNOWLEDGE:
        if stage.acknowledged_at is None:
            stage.acknowledged_at = at
    elif action == Action.SEND:
        stage.service = details.get("service")
    elif action == Action.EXTEND:
        days = details.get("working_days")
        stage.extension_days += days if isinstance(days, int) else 0
    elif action == Action.PANEL:
        if stage.panel_at is None:
            stage.panel_at = at
    elif action == Action.RESPOND:
        stage.responded_at = at
        stage.outcome = details.get("outcome")
    elif action == Action.OMBUDSMAN_OPEN:
        case.enquiry = Enquiry(at)
    elif case.enquiry is not None and action == Action.OMBUDSMAN_DECIDE:
        case.enquiry.decision = details.get("decision")
        case.enquiry.remedy = details.get("remedy")
        due = details.get("remedy_due")
        case.enquiry.remedy_due = date.fromisoformat(due) if isinstance(due, str) and due else None
    elif case.enquiry is not None and action == Action.OMBUDSMAN_COMPLIED:
        case.enquiry.complied_at = at


def replay(rows: Iterable[tuple[Any, ...]]) -> Iterator[CaseHistory]:
    """Cases from (case id, received_at, at, action, from_status, details) rows, case by case in time order
    (store/reports.py stage_events), each with its stages as the events given tell them."""
    case: CaseHistory | None = None
    for case_id, received_at, at, action, from_status, details in rows:
        if case is None or case.case_id != case_id:
            if case is not None:
                yield _finished(case)
            case = CaseHistory(case_id, received_at, stages=[StageRecord(1, received_at)])
        _apply(case, at, action, from_status, _details(details) if action in READS_DETAILS else {})
    if case is not None:
        yield _finished(case)


def _finished(case: CaseHistory) -> CaseHistory:
    case.stages[-1].type = case.type  # the running stage is of the type the case has now
    return case
