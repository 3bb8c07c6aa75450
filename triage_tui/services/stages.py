"""The Complaint Handling Code's later steps on a case: escalation to the next stage, extensions of the response
deadline, children's stage-3 panel, and the ombudsman's enquiry. Each runs through cases.act: one write
transaction, the lifecycle table consulted, one event, and `at` checked like every other step."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from triage_tui.domain.clock import calendar_for, case_clocks, end_of_local_day, extension_limit, request_deadline
from triage_tui.domain.codes import CaseType, OmbudsmanDecision
from triage_tui.domain.errors import InvalidInput, TransitionRefused
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.policy import FROM_ACK, FROM_START, Policy, StageRule
from triage_tui.domain.views import CaseView
from triage_tui.services.cases import act, case_times, shown_day, shown_time, text
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Case, CaseStage, Officer

# An extension is a number of working days; more than a working year is a typing mistake, whatever the limit.
MOST_WORKING_DAYS = 260
OMBUDSMAN = "the Local Government and Social Care Ombudsman"


def _rule(policy: Policy, case: Case) -> StageRule | None:
    return policy.stage_rule(CaseType(case.type), case.stage or 1)


def escalate(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    reason: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The customer asks for the next stage: the stage just answered is kept in case_stages, and the case starts
    the next one awaiting allocation, with that stage's own clocks from the request."""
    why = text(reason, "reason", required=True)

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        kind = CaseType(case.type)
        stage = case.stage or 1
        last = ctx.policy.last_stage(kind)
        if not kind.is_complaint:
            raise TransitionRefused(
                f"case {case.reference} is a {kind.label.lower()}, not a complaint: it has no stages"
            )
        if stage >= last:
            what = "has one stage" if last == 1 else f"has {last} stages and this is the last"
            raise TransitionRefused(
                f"case {case.reference}: a {kind.kind_label} complaint {what}; the customer who is still unhappy may "
                f"go to {OMBUDSMAN} (record it with: triage case ombudsman open {case.reference} --reference R)"
            )
        nxt = ctx.policy.stage_rule(kind, stage + 1)
        assert nxt is not None
        # A responded case has its response time (the lifecycle and the import see to it); were it missing,
        # there would be no window to hold the request to.
        answered = case.responded_at
        window = request_deadline(answered, nxt, ctx.policy) if answered is not None else None
        if window is not None and when > window:
            raise InvalidInput(
                f"case {case.reference}: stage {stage + 1} must be asked for within {nxt.request_within_days} working "
                f"days of the stage-{stage} response ({shown_time(answered)}), that is by "
                f"{shown_time(window)}; this request is dated {shown_time(when)}"
            )
        assert case.id is not None
        session.add(
            CaseStage(
                case_id=case.id,
                stage=stage,
                type=case.type,
                started_at=case.stage_started_at if stage > 1 and case.stage_started_at else case.received_at,
                officer_id=case.officer_id,
                allocated_at=case.allocated_at,
                acknowledged_at=case.acknowledged_at,
                sent_to_service_at=case.sent_to_service_at,
                service=case.service,
                responded_at=case.responded_at,
                outcome=case.outcome,
                extension_days=case.extension_days or 0,
                panel_at=case.panel_at,
                ended_at=when,
            )
        )
        previous = {"officer_id": case.officer_id, "outcome": case.outcome, "service": case.service}
        case.stage = stage + 1
        case.stage_started_at = when
        for name in (
            "officer_id",
            "allocated_at",
            "acknowledged_at",
            "sent_to_service_at",
            "service",
            "responded_at",
            "outcome",
            "panel_at",
        ):
            setattr(case, name, None)
        case.extension_days = 0
        return {
            "reason": why,
            "stage": case.stage,
            "previous_stage": stage,
            "previous_outcome": previous["outcome"],
            "previous_service": previous["service"],
        }

    return act(ctx, actor, reference, Action.ESCALATE, change, expected_version=expected_version, at=at)


def extend(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    working_days: int,
    reason: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Move the stage's running response deadline later by `working_days`, never past the stage's limit. The
    reason (what the customer was told) is kept and shown. A deadline already passed may be extended."""
    why = text(reason, "reason", required=True)
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
        raise InvalidInput("--working-days must be a whole number of 1 or more")
    if working_days > MOST_WORKING_DAYS:
        raise InvalidInput(f"--working-days {working_days} is more than a working year ({MOST_WORKING_DAYS})")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        stage = case.stage or 1
        rule = _rule(ctx.policy, case)
        if rule is None:
            raise TransitionRefused(f"case {case.reference} is not a complaint: it has no response deadline to extend")
        if not rule.extendable:
            raise TransitionRefused(
                f"case {case.reference}: stage {stage} of a {CaseType(case.type).kind_label} complaint "
                "cannot be extended"
            )
        before = case_clocks(case_times(case), ctx.policy).response
        if before.due_at is None:
            waits = "the acknowledgement" if rule.respond_from == FROM_ACK else "its start"
            raise TransitionRefused(
                f"case {case.reference}: the response deadline runs from {waits}, which has not happened yet: "
                "acknowledge it first"
            )
        start = case.stage_started_at if stage > 1 and case.stage_started_at else case.received_at
        origin = start if rule.extend_from == FROM_START else case.acknowledged_at
        limit = extension_limit(rule, start, origin, ctx.policy)
        if limit is None:  # a policy whose limit counts from an acknowledgement not yet made
            raise TransitionRefused(
                f"case {case.reference}: the extension limit runs from the acknowledgement, which has not happened "
                "yet: acknowledge it first"
            )
        total = (case.extension_days or 0) + working_days
        after = case_clocks(case_times(case, extension_days=total), ctx.policy).response
        assert after.due_at is not None
        if after.due_at > limit:
            most = _days_left(ctx, case, limit)
            room = f"at most {most} more working day{'s' if most != 1 else ''}" if most else "no more extension"
            raise InvalidInput(
                f"case {case.reference}: extending by {working_days} working days would make the response due "
                f"{shown_day(after.due_at)}, past the stage's limit of {_limit_words(rule)} ({shown_day(limit)}); "
                f"{room} is possible"
            )
        case.extension_days = total
        return {
            "working_days": working_days,
            "reason": why,
            "stage": stage,
            "previous_due_at": before.due_at.isoformat(),
            "response_due_at": after.due_at.isoformat(),
        }

    return act(ctx, actor, reference, Action.EXTEND, change, expected_version=expected_version, at=at)


def _limit_words(rule: StageRule) -> str:
    origin = "the acknowledgement" if rule.extend_from == FROM_ACK else "the stage's start"
    if rule.extend_days is not None:
        return f"{rule.extend_days} working days from {origin}"
    return f"{rule.extend_months} months from {origin}"


def _days_left(ctx: ServiceContext, case: Case, limit: datetime) -> int:
    """How many more working days an extension may add before the limit (0: none)."""
    days = 0
    base = case.extension_days or 0
    while days < MOST_WORKING_DAYS:
        due = case_clocks(case_times(case, extension_days=base + days + 1), ctx.policy).response.due_at
        if due is None or due > limit:
            break
        days += 1
    return days


def record_panel(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Children's stage 3: the review panel sat; the response is due a set number of working days after it."""

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        rule = _rule(ctx.policy, case)
        if rule is None or rule.panel_days is None:
            raise TransitionRefused(
                f"case {case.reference} is at stage {case.stage or 1} of a {CaseType(case.type).kind_label} complaint, "
                "which has no review panel (children's complaints have one at stage 3)"
            )
        if case.panel_at is not None:
            raise TransitionRefused(f"case {case.reference}: the panel already sat on {shown_time(case.panel_at)}")
        case.panel_at = when
        return {"stage": case.stage}

    return act(ctx, actor, reference, Action.PANEL, change, expected_version=expected_version, at=at)


# --- the ombudsman ----------------------------------------------------------------------------------------------


def ombudsman_open(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    ombudsman_reference: str,
    respond_by: date | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The ombudsman opens an enquiry into a complaint the council has finished with. Without a respond-by date
    the council has the policy's usual working days from the enquiry to answer."""
    their_ref = text(ombudsman_reference, "ombudsman_reference", required=True)
    assert their_ref is not None

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        if case.ombudsman_reference is not None:
            raise TransitionRefused(
                f"case {case.reference} already has the ombudsman's enquiry {case.ombudsman_reference} "
                f"(opened {shown_time(case.ombudsman_opened_at)})"
            )
        due = respond_by
        if due is None:
            cal = calendar_for(ctx.policy)
            due = cal.local(cal.add_working_days(when, ctx.policy.ombudsman_respond_days)).date()
        elif end_of_local_day(due, ctx.policy) < when:
            raise InvalidInput(
                f"case {case.reference}: respond-by {due:%d/%m/%Y} is before the enquiry opened ({shown_time(when)})"
            )
        case.ombudsman_reference = their_ref
        case.ombudsman_opened_at = when
        case.ombudsman_respond_by = due
        return {"reference": their_ref, "respond_by": due.isoformat()}

    return act(ctx, actor, reference, Action.OMBUDSMAN_OPEN, change, expected_version=expected_version, at=at)


def _open_enquiry(case: Case, doing: str) -> None:
    if case.ombudsman_reference is None:
        raise TransitionRefused(
            f"case {case.reference} has no ombudsman enquiry to {doing}: record one first with "
            f"triage case ombudsman open {case.reference} --reference R"
        )


def ombudsman_answer(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The council has answered the ombudsman's enquiry: its respond-by clock stops."""

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        _open_enquiry(case, "answer")
        if case.ombudsman_answered_at is not None:
            raise TransitionRefused(
                f"case {case.reference}: the enquiry was already answered on {shown_time(case.ombudsman_answered_at)}"
            )
        case.ombudsman_answered_at = when
        return {"reference": case.ombudsman_reference}

    return act(ctx, actor, reference, Action.OMBUDSMAN_ANSWER, change, expected_version=expected_version, at=at)


def ombudsman_decide(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    decision: OmbudsmanDecision,
    remedy: str | None = None,
    remedy_due: date | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The ombudsman's decision, with any remedy the council must carry out by its due date."""
    what = text(remedy, "remedy")
    if (what is None) != (remedy_due is None):
        raise InvalidInput("a remedy needs both --remedy TEXT and --remedy-due DATE")
    if what is not None and decision is not OmbudsmanDecision.UPHELD:
        raise InvalidInput(f"a remedy comes with an upheld decision, not {decision.value}")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        _open_enquiry(case, "decide")
        if case.ombudsman_decision is not None:
            raise TransitionRefused(
                f"case {case.reference}: the ombudsman already decided {case.ombudsman_decision} on "
                f"{shown_time(case.ombudsman_decided_at)}"
            )
        if remedy_due is not None and end_of_local_day(remedy_due, ctx.policy) < when:
            raise InvalidInput(
                f"case {case.reference}: the remedy's due date {remedy_due:%d/%m/%Y} is before the decision "
                f"({shown_time(when)})"
            )
        case.ombudsman_decision = decision.value
        case.ombudsman_decided_at = when
        case.ombudsman_remedy = what
        case.ombudsman_remedy_due = remedy_due
        return {
            "reference": case.ombudsman_reference,
            "decision": decision.value,
            "remedy": what,
            "remedy_due": remedy_due.isoformat() if remedy_due else None,
        }

    return act(ctx, actor, reference, Action.OMBUDSMAN_DECIDE, change, expected_version=expected_version, at=at)


def ombudsman_complied(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The remedy the ombudsman asked for has been carried out."""

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        _open_enquiry(case, "comply with")
        if case.ombudsman_remedy is None or case.ombudsman_remedy_due is None:
            raise TransitionRefused(f"case {case.reference}: the ombudsman set no remedy to comply with")
        if case.ombudsman_complied_at is not None:
            raise TransitionRefused(
                f"case {case.reference}: the remedy was already carried out on {shown_time(case.ombudsman_complied_at)}"
            )
        case.ombudsman_complied_at = when
        in_time = when <= end_of_local_day(case.ombudsman_remedy_due, ctx.policy)
        return {"reference": case.ombudsman_reference, "in_time": in_time}

    return act(ctx, actor, reference, Action.OMBUDSMAN_COMPLIED, change, expected_version=expected_version, at=at)


__all__ = [
    "escalate",
    "extend",
    "ombudsman_answer",
    "ombudsman_complied",
    "ombudsman_decide",
    "ombudsman_open",
    "record_panel",
]
