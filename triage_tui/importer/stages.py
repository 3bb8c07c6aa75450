"""A history row's second stage: the customer asked for stage 2 after the stage-1 response.

With `stage2_requested_at` the row's base columns (`triaged_at` ... `responded_at`, `outcome`, `officer`,
`service`) describe stage 1, which must have been responded, and `status` (with `closed_at` and `close_reason`)
describes stage 2, whose milestones are the `stage2_*` columns. The case is written as an escalation leaves it
(services/stages.py): the case row holds stage 2, a case_stages row keeps stage 1, and the events run stage 1's
milestones, the escalation, then stage 2's, so the history reads as if each had been done at the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triage_tui.domain.clock import request_deadline
from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, CloseReason, Outcome, Status
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.policy import Policy
from triage_tui.importer.source import shown
from triage_tui.services.history import HistoryRow, HistoryWriter, Prepared
from triage_tui.store import bulk

REQUESTED = "stage2_requested_at"
OFFICER = "stage2_officer"
SERVICE = "stage2_service"
OUTCOME = "stage2_outcome"
# Stage 2's milestones in lifecycle order, as the base columns' are for stage 1.
MILESTONES = ("stage2_allocated_at", "stage2_sent_to_service_at", "stage2_responded_at")
ACKNOWLEDGED = "stage2_acknowledged_at"
TIME_COLUMNS = (*MILESTONES, ACKNOWLEDGED)
COLUMNS = (
    REQUESTED,
    OFFICER,
    "stage2_allocated_at",
    ACKNOWLEDGED,
    "stage2_sent_to_service_at",
    SERVICE,
    "stage2_responded_at",
    OUTCOME,
)
# Where stage 2 can stand, in lifecycle order (a closed case stops somewhere along it).
STATUSES = (Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE, Status.RESPONDED)
STAGE_ONE = "stage 1 (stage 2 was requested, so stage 1 was responded)"
# The reason the escalation event gives: the file says when, not why.
REASON = "imported"
Errors = list[tuple[str, str]]


@dataclass(slots=True)
class StageTwo:
    """Stage 2 as the row gives it; `status` is the row's status, which describes this stage."""

    requested_at: datetime
    status: Status
    officer: str | None = None
    officer_id: int | None = None
    allocated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    sent_to_service_at: datetime | None = None
    service: str | None = None
    responded_at: datetime | None = None
    outcome: str | None = None


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def check(
    *,
    policy: Policy,
    status: Status,
    kind: CaseType | None,
    officer: str | None,
    responded_at: datetime | None,
    requested: datetime,
    officer2: str | None,
    times2: dict[str, datetime | None],
    outcome2: Outcome | None,
    closed_at: datetime | None,
    reason: CloseReason | None,
    duplicate_of: str | None,
    errors: Errors,
) -> None:
    """Stage 2's own rules (stage 1 is checked as a responded case by the caller): a kind with a stage 2, the
    milestones the status needs and no more, a different officer, and times that never go backwards."""
    if kind is not None and kind in COMPLAINT_TYPES:
        last = policy.last_stage(kind)
        if last < 2:
            errors.append(
                (
                    "type",
                    f"{kind.label} complaints have {'one stage' if last == 1 else 'no stages'}: there is no stage 2 "
                    f"(the customer goes to the ombudsman), so {REQUESTED} cannot be given",
                )
            )
    if status is Status.NEW and not any(column == "status" for column, _ in errors):  # not an unknown status
        where = "triaged, allocated, with_service, responded or closed"
        errors.append(("status", f"new, but {REQUESTED} is given: a case at stage 2 is {where}"))
    if status is Status.NEW:
        return
    if status is Status.CLOSED:
        if closed_at is None:
            errors.append(("closed_at", "required for a closed case"))
        if reason is None:
            errors.append(("close_reason", "required for a closed case"))
        elif reason in (CloseReason.SIGNPOSTED, CloseReason.SERVICE_REQUEST):
            why = f"a complaint at stage 2 is closed as withdrawn, duplicate or out_of_time, not {reason.value}"
            errors.append(("close_reason", why))
        if times2["stage2_responded_at"] is not None:
            errors.append(("stage2_responded_at", "a responded case is complete, not closed"))
        reached = [column for column in MILESTONES if times2[column] is not None]
        expected = list(MILESTONES[: len(reached)])
        if reached != expected:
            missing = next(column for column in expected if times2[column] is None)
            errors.append((missing, "required: a later stage-2 milestone is given"))
        if times2["stage2_allocated_at"] is not None and not officer2:
            errors.append((OFFICER, "required once stage 2 has been allocated"))
        if reason is CloseReason.DUPLICATE and not duplicate_of:
            errors.append(("duplicate_of", "required when the close reason is duplicate"))
        if reason is not CloseReason.DUPLICATE and duplicate_of:
            errors.append(("duplicate_of", "given, but the close reason is not duplicate"))
    else:
        stage = STATUSES.index(status)
        for index, column in enumerate(MILESTONES, start=1):
            if index <= stage and times2[column] is None:
                errors.append((column, f"required for status {status.value} at stage 2"))
            elif index > stage and times2[column] is not None:
                errors.append((column, f"given, but the status is {status.value}"))
        if stage >= 1 and not officer2:
            errors.append((OFFICER, f"required for status {status.value} at stage 2"))
        if closed_at is not None:
            errors.append(("closed_at", f"given, but the status is {status.value}"))
        if reason is not None:
            errors.append(("close_reason", f"given, but the status is {status.value}"))
        if duplicate_of:
            errors.append(("duplicate_of", f"given, but the status is {status.value}"))
    if times2[ACKNOWLEDGED] is not None and times2["stage2_allocated_at"] is None:
        errors.append((ACKNOWLEDGED, "a case is acknowledged after it is allocated"))
    if outcome2 is not None and status is not Status.RESPONDED:
        errors.append((OUTCOME, f"given, but the status is {status.value} (outcomes come with the response)"))
    if officer and officer2 and officer.lower() == officer2.lower():
        why = (
            f"{shown(officer2)} handled stage 1: stage 2 must be handled by someone else (the Complaint Handling Code)"
        )
        errors.append((OFFICER, why))
    _check_order(policy, kind, responded_at, requested, times2, closed_at if status is Status.CLOSED else None, errors)


def _check_order(
    policy: Policy,
    kind: CaseType | None,
    responded_at: datetime | None,
    requested: datetime,
    times2: dict[str, datetime | None],
    closed_at: datetime | None,
    errors: Errors,
) -> None:
    if responded_at is not None:
        if requested < responded_at:
            errors.append((REQUESTED, f"{_at(requested)} is before responded_at {_at(responded_at)}"))
        rule = policy.stage_rule(kind, 2) if kind is not None else None
        window = request_deadline(responded_at, rule, policy) if rule is not None else None
        if rule is not None and window is not None and requested > window:
            days = rule.request_within_days
            why = f"{_at(requested)} is more than {days} working days after the stage-1 response {_at(responded_at)}"
            errors.append((REQUESTED, why))
    previous_column, previous = REQUESTED, requested
    for column in (*MILESTONES, "closed_at"):
        moment = times2[column] if column != "closed_at" else closed_at
        if moment is None:
            continue
        if moment < previous:
            errors.append((column, f"{_at(moment)} is before {previous_column} {_at(previous)}"))
        previous_column, previous = column, moment
    acknowledged, allocated = times2[ACKNOWLEDGED], times2["stage2_allocated_at"]
    if acknowledged is not None and allocated is not None and acknowledged < allocated:
        errors.append((ACKNOWLEDGED, f"{_at(acknowledged)} is before stage2_allocated_at {_at(allocated)}"))
    end = times2["stage2_responded_at"] or closed_at
    if acknowledged is not None and end is not None and acknowledged > end:
        errors.append((ACKNOWLEDGED, f"{_at(acknowledged)} is after the stage ended {_at(end)}"))


# --- writing: what an escalation at the desk would have left --------------------------------------------------

CASE_SLOTS = {name: bulk.CASE_FIELDS.index(name) for name in bulk.CASE_FIELDS}
STAGE_OFFICER_SLOT = bulk.STAGE_ROW_FIELDS.index("officer_id")


def prepare(writer: HistoryWriter, row: HistoryRow, two: StageTwo, line: int | None) -> tuple[Prepared, list[Any]]:
    """The case as the writer prepares stage 1 (a responded case), carried on through the escalation and
    stage 2's milestones. Returns it with the case_stages row that keeps stage 1."""
    fmt = writer.fmt
    prepared = writer.prepare(row, line)
    events, states = prepared.events, prepared.states

    def details(values: dict[str, Any]) -> str:
        return writer.details(values, line)

    for event in events:  # the stage-1 response names its stage, as a response at the desk does
        if event[3] == Action.RESPOND.value:
            event[6] = details({"outcome": row.outcome, "stage": 1})
    status = events[-1][5]
    stamps: dict[str, Any] = dict.fromkeys(("allocated_at", "acknowledged_at", "sent_to_service_at", "responded_at"))

    def step(action: Action, at: datetime, to: str, values: dict[str, Any], milestone: str | None = None) -> None:
        """One event (and its case_states change); the time as stored is kept for the case row too."""
        nonlocal status
        when = fmt(at)
        if milestone is not None:
            stamps[milestone] = when
        events.append([None, when, writer.actor, action.value, status, to, details(values)])
        status = to
        last = states[-1]
        if to != last[2]:
            moment = max(when, last[3])  # text on SQLite, datetimes elsewhere: both order as time
            last[4] = moment
            states.append([None, last[1], to, moment, writer.still])

    step(
        Action.ESCALATE,
        two.requested_at,
        Status.TRIAGED.value,
        {
            "reason": REASON,
            "stage": 2,
            "previous_stage": 1,
            "previous_outcome": row.outcome,
            "previous_service": row.service,
        },
        "requested_at",
    )
    if two.allocated_at is not None:
        step(Action.ALLOCATE, two.allocated_at, Status.ALLOCATED.value, {"officer": two.officer}, "allocated_at")
    later = sorted(
        (at, which) for at, which in ((two.acknowledged_at, 0), (two.sent_to_service_at, 1)) if at is not None
    )
    for at, which in later:
        if which == 0:
            step(Action.ACKNOWLEDGE, at, status, {}, "acknowledged_at")
        else:
            step(Action.SEND, at, Status.WITH_SERVICE.value, {"service": two.service}, "sent_to_service_at")
    if two.responded_at is not None:
        values = {"outcome": two.outcome, "stage": 2}
        step(Action.RESPOND, two.responded_at, Status.RESPONDED.value, values, "responded_at")
    if two.status is Status.CLOSED and row.closed_at is not None:
        reason = row.close_reason.value if row.close_reason else None
        step(Action.CLOSE, row.closed_at, Status.CLOSED.value, {"reason": reason, "duplicate_of": row.duplicate_of})

    case = prepared.case
    kept = {
        "case_id": None,  # once the case is stored
        "stage": 1,
        "type": case[CASE_SLOTS["type"]],
        "started_at": case[CASE_SLOTS["received_at"]],
        "officer_id": row.officer_id,
        "allocated_at": case[CASE_SLOTS["allocated_at"]],
        "acknowledged_at": case[CASE_SLOTS["acknowledged_at"]],
        "sent_to_service_at": case[CASE_SLOTS["sent_to_service_at"]],
        "service": row.service,
        "responded_at": case[CASE_SLOTS["responded_at"]],
        "outcome": row.outcome,
        "extension_days": 0,  # an import carries no extensions
        "panel_at": None,  # children's stage 3 only
        "ended_at": stamps["requested_at"],
    }
    stage_one = [kept[name] for name in bulk.STAGE_ROW_FIELDS]
    current = {
        "status": two.status.value,
        "officer_id": two.officer_id,
        "allocated_at": stamps["allocated_at"],
        "acknowledged_at": stamps["acknowledged_at"],
        "sent_to_service_at": stamps["sent_to_service_at"],
        "service": two.service,
        "responded_at": stamps["responded_at"],
        "outcome": two.outcome,
        "stage": 2,
        "stage_started_at": stamps["requested_at"],
        "extension_days": 0,
        "version": len(events),
    }
    for name, value in current.items():
        case[CASE_SLOTS[name]] = value
    return prepared, stage_one
