"""The case actions of CONTRACT.md. Each runs in one write transaction: load and lock the case, check the
actor's role and the lifecycle, change the case, bump its version and append one event."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from triage_tui.domain.clock import CaseTimes
from triage_tui.domain.codes import (
    MANUAL_CLOSE_REASONS,
    CaseType,
    Channel,
    CloseReason,
    Outcome,
    Role,
    Status,
)
from triage_tui.domain.errors import Conflict, InvalidInput, NotFound, TransitionRefused
from triage_tui.domain.lifecycle import STEPS, Action, transition
from triage_tui.domain.text import limit_of
from triage_tui.domain.timeparse import require_plausible
from triage_tui.domain.views import CaseView
from triage_tui.services.audit import record
from triage_tui.services.context import ServiceContext
from triage_tui.services.fields import required_text, text_field
from triage_tui.services.identity import unknown_officer
from triage_tui.services.officers import require_officer, require_supervisor
from triage_tui.services.related import related_in_session
from triage_tui.store import queries
from triage_tui.store.queries import CaseFilter
from triage_tui.store.tables import Case, Event, Officer

LONDON = ZoneInfo("Europe/London")
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$")
# A received time a little ahead of ours is a clock skew between machines; more is a typing mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)
# When a step happened (`at`) is a time someone typed or a dialog took from its own clock a moment before the
# service reads ours: a desk on another machine may run a few seconds ahead, and its "now" must not be refused.
# Beyond that, a time ahead of ours is in the future, which a record of what happened can never be. A time
# inside the skew is taken as now.
AT_SKEW = timedelta(seconds=10)
SHOWN = "%d/%m/%Y %H:%M"

# Supervisors may do everything; these actions are theirs alone.
SUPERVISOR_ONLY = frozenset({Action.REASSIGN, Action.COHORT, Action.REOPEN})
# The fields `edit` corrects, and whether they may be cleared ("" clears an optional one).
EDITABLE: dict[str, bool] = {
    "customer_name": False,
    "customer_email": True,
    "customer_phone": True,
    "customer_address": True,
    "summary": False,
    "details": True,
}


def text(value: str | None, field: str, *, required: bool = False, label: str | None = None) -> str | None:
    # The limits are domain/text.py's LIMITS, the one table the desk, the commands and the import share.
    return text_field(value, field, required=required, label=label)


_text = text


def case_times(case: Case, *, extension_days: int | None = None) -> CaseTimes:
    """The stored times a case's clocks derive from (its current stage's), optionally with another extension."""
    return CaseTimes(
        received_at=case.received_at,
        type=CaseType(case.type),
        triaged_at=case.triaged_at,
        acknowledged_at=case.acknowledged_at,
        responded_at=case.responded_at,
        closed_at=case.closed_at,
        stage=case.stage or 1,
        stage_started_at=case.stage_started_at,
        extension_days=case.extension_days or 0 if extension_days is None else extension_days,
        panel_at=case.panel_at,
    )


def unknown_case(reference: str) -> NotFound:
    """The refusal for a reference no case has (any letter case); a pasted essay is not echoed whole."""
    limit = limit_of("reference")
    shown = reference if len(reference) <= limit else reference[:limit] + "…"
    return NotFound(f"unknown case {shown!r}")


def _shown(moment: datetime) -> str:
    """A time as the desk shows every time: UK local."""
    return f"{moment.astimezone(LONDON):{SHOWN}}"


def shown_time(moment: datetime | None) -> str:
    return _shown(moment) if moment is not None else "(unknown)"


def shown_day(moment: datetime) -> str:
    """A deadline (the end of a day) as its date: 'Fri 15/01/2027'."""
    return f"{moment.astimezone(LONDON):%a %d/%m/%Y}"


def _describe_last_change(session: Session, case: Case) -> str:
    assert case.id is not None
    event = queries.last_event(session, case.id)
    if event is None:
        return ""
    what = event.action.replace("_", " ")
    return f"; last change: {what} by {event.actor} at {_shown(event.at)}"


def _plain_time(at: datetime) -> datetime:
    """`at` as given by a caller: aware and within the years a complaint's time can fall in."""
    if at.utcoffset() is None:
        raise InvalidInput("a time without a zone cannot be placed: give it with an offset (or as local time)")
    return require_plausible(at, "time")


def _step_time(session: Session, case: Case, action: Action, at: datetime, now: datetime) -> datetime:
    """When a step given `at` happened, checked against now and the case's steps so far (inside the write
    transaction, so against the case as it is): never in the future, never before its receipt or its latest step.
    Steps therefore stay in time order, and a report at a past date reads them as they were."""
    step = action.value.replace("_", " ")  # as the commands name it: "ombudsman complied"
    if at > now + AT_SKEW:
        raise InvalidInput(f"case {case.reference}: {step} at {_shown(at)} is in the future (it is now {_shown(now)})")
    when = min(at, now)
    assert case.id is not None
    last = queries.latest_step(session, case.id, [a.value for a in STEPS])
    if last is not None and last.at > case.received_at:
        floor, what = last.at, f"its last step ({last.action.replace('_', ' ')} at {_shown(last.at)})"
    else:
        floor, what = case.received_at, f"it was received ({_shown(case.received_at)})"
    if when < floor:
        raise InvalidInput(
            f"case {case.reference}: {step} at {_shown(when)} is before {what}; "
            "a case's steps are recorded in the order they happened"
        )
    return when


def _refusal(session: Session, case: Case, action: Action, names: dict[int, str]) -> TransitionRefused:
    status = Status(case.status)
    owner = names.get(case.officer_id) if case.officer_id is not None else None
    if action is Action.ALLOCATE and status in (Status.ALLOCATED, Status.WITH_SERVICE) and owner:
        message = f"case {case.reference} is already allocated to {owner}"
    else:
        try:
            transition(action, status, case.reference)
        except TransitionRefused as exc:
            message = str(exc)
        else:  # pragma: no cover - only called for refused transitions
            message = f"case {case.reference}: {action.value} refused"
    return TransitionRefused(message + _describe_last_change(session, case))


def act(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    action: Action,
    change: Callable[[Session, Case, Officer, datetime], dict[str, Any]],
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
    target: Callable[[Session, Case], Status] | None = None,
) -> CaseView:
    """Run one action on one case in one transaction, with its event.

    `change` gets the time the action happened: `at` when given (a step recorded after the fact, checked by
    _step_time), else now. `target` decides where a transition in lifecycle.CHOSEN leads (reopen)."""
    now = ctx.now()
    given = _plain_time(at) if at is not None else None
    with ctx.store.write() as session:
        officer = require_officer(session, actor)
        if action in SUPERVISOR_ONLY:
            require_supervisor(officer, action.value)
        case = queries.case_by_reference(session, reference.strip(), for_update=True)
        if case is None:
            raise unknown_case(reference)
        names = queries.usernames(session)
        if expected_version is not None and case.version != expected_version:
            raise Conflict(
                f"case {case.reference} was changed by someone else since you opened it "
                f"(now {Status(case.status).label.lower()}){_describe_last_change(session, case)}; nothing was saved"
            )
        source = Status(case.status)
        try:
            step = transition(action, source, case.reference)
        except TransitionRefused:
            raise _refusal(session, case, action, names) from None
        if target is not None:
            step = transition(action, source, case.reference, target(session, case))
        _check_claim(case, officer, action, now, names)
        when = _step_time(session, case, action, given, now) if given is not None else now
        details = change(session, case, officer, when)
        case.status = step.target.value
        record(
            session,
            case,
            officer.username,
            action,
            source.value,
            step.target.value,
            details,
            now,
            at=None if when == now else when,
        )
        names = queries.usernames(session)
        assert case.id is not None
        return queries.case_view(case, names, queries.events_for_case(session, case.id))


def _leave_new(case: Case, now: datetime) -> None:
    """The triage clock stops the first time a case leaves `new`; a claim on it has done its job."""
    if case.status == Status.NEW.value:
        if case.triaged_at is None:
            case.triaged_at = now
        case.claimed_by_id = None
        case.claimed_until = None


# Triage decisions on a new contact that someone else has claimed are theirs to make.
CLAIMED_ACTIONS = frozenset({Action.CLASSIFY, Action.SIGNPOST, Action.CLOSE})


def _check_claim(case: Case, officer: Officer, action: Action, now: datetime, names: dict[int, str]) -> None:
    if action not in CLAIMED_ACTIONS or case.status != Status.NEW.value or case.claimed_by_id is None:
        return
    if case.claimed_by_id == officer.id or officer.role == Role.SUPERVISOR.value:
        return
    if case.claimed_until is None or case.claimed_until <= now:
        return  # the claim has lapsed
    holder = names.get(case.claimed_by_id, "another officer")
    until = case.claimed_until.astimezone(LONDON).strftime("%H:%M")
    raise Conflict(f"case {case.reference} is claimed by {holder} until {until}; ask them, or take the next one")


# --- intake -------------------------------------------------------------------------------------------------


def intake(
    ctx: ServiceContext,
    actor: str,
    *,
    customer_name: str,
    summary: str,
    received_at: datetime | None = None,
    channel: str = Channel.EMAIL.value,
    details: str | None = None,
    reference: str | None = None,
    customer_email: str | None = None,
    customer_phone: str | None = None,
    customer_address: str | None = None,
    cohort: str | None = None,
) -> CaseView:
    """Record a new contact; it waits in `new` for triage. Its intake event is dated at its receipt (as the
    import dates it), so steps dated back to the receipt still follow it in the history."""
    now = ctx.now()
    name = required_text(customer_name, "customer_name")
    text = required_text(summary, "summary")
    body = _text(details, "details")
    chan_text = _text(channel, "channel", required=True)
    assert chan_text is not None
    try:
        chan = Channel(chan_text.lower().replace(" ", "_"))
    except ValueError:
        choices = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"unknown channel {channel!r} (choose from {choices})") from None
    received = require_plausible(received_at, "received time") if received_at is not None else now
    if received > now + FUTURE_TOLERANCE:
        raise InvalidInput(f"received time {received.isoformat()} is in the future")
    ref = _text(reference, "reference")
    if ref is not None and not REFERENCE.match(ref):
        raise InvalidInput(f"invalid reference {reference!r}: letters, digits and / _ . - up to 40 characters")
    email = _text(customer_email, "customer_email")
    phone = _text(customer_phone, "customer_phone")
    address = _text(customer_address, "customer_address")
    tag = _text(cohort, "cohort")
    try:
        with ctx.store.write() as session:
            officer = require_officer(session, actor)
            if ref is not None:
                _refuse_taken_reference(session, ref)
            case = Case(
                # A unique placeholder until the row has its id, from which the reference is made.
                reference=ref or f"pending-{uuid.uuid4().hex}",
                received_at=received,
                channel=chan.value,
                customer_name=name,
                customer_email=email,
                customer_phone=phone,
                customer_address=address,
                summary=text,
                details=body,
                type=CaseType.UNCLASSIFIED.value,
                status=Status.NEW.value,
                cohort=tag,
                version=1,
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            assert case.id is not None
            if ref is None:
                case.reference = _generated_reference(session, case.id)
                session.add(case)
            facts = {"received_at": received.isoformat(), "channel": chan.value}
            # A receipt a few minutes ahead of our clock (the skew FUTURE_TOLERANCE allows) is recorded as now.
            received_event = min(received, now)
            record(
                session,
                case,
                officer.username,
                Action.INTAKE,
                None,
                Status.NEW.value,
                facts,
                now,
                new=True,
                at=None if received_event == now else received_event,
            )
            return queries.case_view(case, queries.usernames(session), queries.events_for_case(session, case.id))
    except IntegrityError:
        # Another desk stored the same reference (in any letter case) a moment ago; the unique index caught it.
        raise InvalidInput(f"reference {ref} already exists") from None


def _refuse_taken_reference(session: Session, ref: str) -> None:
    existing = queries.case_by_reference(session, ref)
    if existing is None:
        return
    if existing.reference == ref:
        raise InvalidInput(f"reference {ref} already exists")
    raise InvalidInput(
        f"reference {ref} is taken by case {existing.reference}: references are the same regardless of letter case"
    )


def _generated_reference(session: Session, case_id: int) -> str:
    candidate = f"CMP-{case_id:06d}"
    suffix = 0
    while queries.reference_exists(session, candidate):  # an imported case took that name
        suffix += 1
        candidate = f"CMP-{case_id:06d}-{suffix}"
    return candidate


# --- triage -------------------------------------------------------------------------------------------------


def classify(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    kind: CaseType,
    *,
    reason: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Classify a new contact as one of the four complaint types. On a case already triaged (triaged, allocated,
    with service or responded) this corrects a wrong classification, and needs the `reason`; the clocks that
    derive from the type follow the new one. A closed case is reopened first."""
    if not kind.is_complaint:
        raise InvalidInput(
            f"{kind.value} is not a complaint type (adults, children, corporate, other); "
            "use signpost for contacts that are not council complaints"
        )
    why = _text(reason, "reason")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        if case.type == kind.value:
            raise TransitionRefused(f"case {case.reference} is already classified as {kind.value}")
        previous = case.type
        correction = case.status != Status.NEW.value
        if correction and why is None:
            raise InvalidInput(
                f"case {case.reference} is already classified as {previous}: correcting a classification needs a reason"
            )
        stage = case.stage or 1
        if stage > 1 and ctx.policy.stage_rule(kind, stage) is None:
            raise InvalidInput(
                f"case {case.reference} is at stage {stage}: {kind.kind_label} complaints have "
                f"{_stage_count(ctx.policy.last_stage(kind))}, so it cannot be one now"
            )
        _leave_new(case, when)
        case.type = kind.value
        details: dict[str, Any] = {"type": kind.value, "previous_type": previous}
        if correction:
            details["correction"] = True
        if why is not None:
            details["reason"] = why
        return details

    return act(ctx, actor, reference, Action.CLASSIFY, change, expected_version=expected_version, at=at)


def _stage_count(count: int) -> str:
    return "one stage" if count == 1 else f"{count} stages"


def signpost(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    to: str | None = None,
    service_request: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Not a council complaint: signpost to another organisation, or pass on as a service request."""
    org = _text(to, "signposted_to", label="organisation")
    service = _text(service_request, "service")
    if (org is None) == (service is None):
        raise InvalidInput("signpost needs exactly one of --to ORGANISATION or --service-request SERVICE")
    remark = _text(note, "note")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        _leave_new(case, when)
        previous = case.type
        case.type = CaseType.SERVICE_REQUEST.value
        case.closed_at = when
        case.claimed_by_id = None
        case.claimed_until = None
        if org is not None:
            case.close_reason = CloseReason.SIGNPOSTED.value
            case.signposted_to = org
        else:
            case.close_reason = CloseReason.SERVICE_REQUEST.value
            case.service = service
        return {
            "close_reason": case.close_reason,
            "signposted_to": org,
            "service": service,
            "previous_type": previous,
            "note": remark,
        }

    return act(ctx, actor, reference, Action.SIGNPOST, change, expected_version=expected_version, at=at)


def allocate(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    officer_username: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Give a triaged complaint to a complaint officer."""

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        target = _assignee(session, officer_username)
        check_stage_officer(session, case, target)
        case.officer_id = target.id
        case.allocated_at = when
        case.claimed_by_id = None
        case.claimed_until = None
        return {"officer": target.username}

    return act(ctx, actor, reference, Action.ALLOCATE, change, expected_version=expected_version, at=at)


def check_stage_officer(session: Session, case: Case, target: Officer) -> None:
    """A later stage is handled by someone other than the officer of an earlier one (the Complaint Handling Code)."""
    if (case.stage or 1) < 2:
        return
    assert case.id is not None and target.id is not None
    handled = queries.earlier_stage_officers(session, case.id).get(target.id)
    if handled is not None:
        raise InvalidInput(
            f"case {case.reference} is at stage {case.stage}: {target.username} handled stage {handled}, and a "
            "later stage must be handled by someone else"
        )


def _assignee(session: Session, username: str) -> Officer:
    target = queries.officer_by_username(session, username.strip())
    if target is None:
        raise unknown_officer(username)
    if not target.active:
        raise InvalidInput(f"officer {username!r} is no longer active")
    return target


def acknowledge(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    channel: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Record the acknowledgement to the customer (a milestone, not a status)."""
    remark = _text(note, "note")
    chan = _text(channel, "channel")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        if case.acknowledged_at is not None:
            raise TransitionRefused(f"case {case.reference} was already acknowledged on {_shown(case.acknowledged_at)}")
        case.acknowledged_at = when
        return {"channel": chan, "note": remark}

    return act(ctx, actor, reference, Action.ACKNOWLEDGE, change, expected_version=expected_version, at=at)


def send_to_service(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    service: str,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Send the complaint out to the service that must investigate and reply."""
    name = _text(service, "service", required=True)

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        case.service = name
        case.sent_to_service_at = when
        return {"service": name}

    return act(ctx, actor, reference, Action.SEND, change, expected_version=expected_version, at=at)


def respond(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    outcome: Outcome | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The response has gone to the customer: the case is complete."""

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        case.responded_at = when
        case.outcome = outcome.value if outcome else None
        return {"outcome": case.outcome, "stage": case.stage}

    return act(ctx, actor, reference, Action.RESPOND, change, expected_version=expected_version, at=at)


def close(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    reason: CloseReason,
    *,
    duplicate_of: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Close for another reason: withdrawn, duplicate (of another case) or out of time."""
    if reason not in MANUAL_CLOSE_REASONS:
        raise InvalidInput(
            f"close reason {reason.value} is set by signposting; close takes withdrawn, duplicate or out_of_time"
        )
    original = _text(duplicate_of, "reference", label="duplicate_of")
    if reason is CloseReason.DUPLICATE and not original:
        raise InvalidInput("a duplicate needs --duplicate-of REFERENCE (the original case)")
    if reason is not CloseReason.DUPLICATE and original:
        raise InvalidInput("--duplicate-of goes with --reason duplicate")
    remark = _text(note, "note")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        if original is not None:
            first = queries.case_by_reference(session, original)
            if first is None:
                raise NotFound(f"unknown case {original!r} (the original of the duplicate)")
            if first.id == case.id:
                raise InvalidInput("a case cannot be a duplicate of itself")
            case.duplicate_of = first.reference  # as stored, whatever letter case was typed
        _leave_new(case, when)
        case.close_reason = reason.value
        case.closed_at = when
        case.claimed_by_id = None
        case.claimed_until = None
        return {"reason": reason.value, "duplicate_of": case.duplicate_of if original else None, "note": remark}

    return act(ctx, actor, reference, Action.CLOSE, change, expected_version=expected_version, at=at)


# --- corrections ------------------------------------------------------------------------------------------------


def edit(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    customer_name: str | None = None,
    customer_email: str | None = None,
    customer_phone: str | None = None,
    customer_address: str | None = None,
    summary: str | None = None,
    details: str | None = None,
    reason: str,
    expected_version: int | None = None,
) -> CaseView:
    """Correct the customer's details or the contact's text (any status, any officer). Only the fields given
    change; "" clears an optional one (email, phone, address, details); the name and summary cannot be blanked.
    One event keeps each changed field's old and new value, and the reason."""
    why = _text(reason, "reason", required=True)
    given = {
        "customer_name": customer_name,
        "customer_email": customer_email,
        "customer_phone": customer_phone,
        "customer_address": customer_address,
        "summary": summary,
        "details": details,
    }
    wanted: dict[str, str | None] = {}
    for name, value in given.items():
        if value is not None:
            wanted[name] = _text(value, name) if EDITABLE[name] else required_text(value, name)
    if not wanted:
        raise InvalidInput("nothing to change: give at least one field to correct")

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        changes: dict[str, dict[str, str | None]] = {}
        for name, value in wanted.items():
            old = getattr(case, name)
            if old != value:
                changes[name] = {"old": old, "new": value}
                setattr(case, name, value)
        if not changes:
            raise InvalidInput(f"case {case.reference} already reads so: nothing to change")
        return {"reason": why, "changes": changes}

    return act(ctx, actor, reference, Action.EDIT, change, expected_version=expected_version)


def reopen(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    reason: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """A supervisor takes back a response or a closure: a responded case goes back to the service, a closed one to
    the status it was closed from, with what the closure set cleared (a signposted contact is again what it was
    before, so it can be triaged afresh)."""
    why = _text(reason, "reason", required=True)
    chosen: list[tuple[Status, Event | None]] = []

    def target(session: Session, case: Case) -> Status:
        back, closing = _reopened_status(session, case)
        chosen.append((back, closing))
        return back

    def change(session: Session, case: Case, officer: Officer, when: datetime) -> dict[str, Any]:
        back, closing = chosen[-1]
        cleared: dict[str, Any] = {}

        def clear(name: str) -> None:
            value = getattr(case, name)
            if value is not None:
                cleared[name] = value.isoformat() if isinstance(value, datetime) else value
                setattr(case, name, None)

        out: dict[str, Any] = {"reason": why, "to_status": back.value}
        if case.status == Status.RESPONDED.value:
            clear("responded_at")
            clear("outcome")
        else:
            if case.close_reason == CloseReason.SERVICE_REQUEST.value:
                clear("service")  # the service the request was passed to
            for name in ("close_reason", "closed_at", "signposted_to", "duplicate_of"):
                clear(name)
            if closing is not None and closing.action == Action.SIGNPOST.value:
                previous = _type_before_signpost(session, case, closing, back)
                out |= {"type": previous, "previous_type": case.type}
                case.type = previous
            if back is Status.NEW:
                # Back to waiting for its triage decision: the triage clock stops at triaged_at, so it is cleared
                # and the clock runs again from the receipt (a case reopened late shows as overdue, which it is).
                clear("triaged_at")
        out["cleared"] = cleared
        return out

    return act(ctx, actor, reference, Action.REOPEN, change, expected_version=expected_version, at=at, target=target)


def _reopened_status(session: Session, case: Case) -> tuple[Status, Event | None]:
    """Where a reopened case goes back to, and the event that closed it (None for a responded case)."""
    if case.status == Status.RESPONDED.value:
        return Status.WITH_SERVICE, None
    assert case.id is not None
    closing = queries.last_event_of(session, case.id, [Action.CLOSE.value, Action.SIGNPOST.value])
    open_statuses = (Status.NEW.value, Status.TRIAGED.value, Status.ALLOCATED.value, Status.WITH_SERVICE.value)
    if closing is not None and closing.from_status in open_statuses:
        return Status(closing.from_status), closing
    # No closing event says it (written by other means): the milestones the case reached say it instead.
    if case.sent_to_service_at is not None:
        return Status.WITH_SERVICE, closing
    if case.allocated_at is not None:
        return Status.ALLOCATED, closing
    if CaseType(case.type).is_complaint:
        return Status.TRIAGED, closing
    return Status.NEW, closing


def _type_before_signpost(session: Session, case: Case, signpost_event: Event, back: Status) -> str:
    """The type a signposted contact had before (its signpost event keeps it; an imported one does not, and
    then its latest classification says it)."""
    if back is Status.NEW:
        return CaseType.UNCLASSIFIED.value
    previous = (signpost_event.details or {}).get("previous_type")
    if previous in {t.value for t in CaseType if t.is_complaint}:
        return str(previous)
    assert case.id is not None
    classified = queries.last_event_of(session, case.id, [Action.CLASSIFY.value])
    kind = (classified.details or {}).get("type") if classified is not None else None
    return str(kind) if kind in {t.value for t in CaseType if t.is_complaint} else CaseType.UNCLASSIFIED.value


def reassign(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    officer_username: str,
    *,
    reason: str,
    expected_version: int | None = None,
) -> CaseView:
    """A supervisor moves an open case to another officer; the status stays."""
    why = _text(reason, "reason", required=True)

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        target = _assignee(session, officer_username)
        if target.id == case.officer_id:
            raise InvalidInput(f"case {case.reference} is already with {target.username}")
        check_stage_officer(session, case, target)
        previous = queries.usernames(session).get(case.officer_id) if case.officer_id else None
        case.officer_id = target.id
        return {"from_officer": previous, "to_officer": target.username, "reason": why}

    return act(ctx, actor, reference, Action.REASSIGN, change, expected_version=expected_version)


def add_note(ctx: ServiceContext, actor: str, reference: str, text: str) -> CaseView:
    """A note on the case's history; any officer, any state."""
    body = _text(text, "note", required=True)

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        return {"text": body}

    return act(ctx, actor, reference, Action.NOTE, change)


def set_cohort(ctx: ServiceContext, actor: str, reference: str, cohort: str | None) -> CaseView:
    """Tag a case with a cohort (None or blank takes the tag off); supervisors only."""
    tag = _text(cohort, "cohort")

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        if case.cohort == tag:
            raise InvalidInput(f"case {case.reference} is already {'in cohort ' + tag if tag else 'in no cohort'}")
        previous = case.cohort
        case.cohort = tag
        return {"cohort": tag, "previous": previous}

    return act(ctx, actor, reference, Action.COHORT, change)


# --- reads --------------------------------------------------------------------------------------------------


def get_case(ctx: ServiceContext, reference: str) -> CaseView:
    with ctx.store.read() as session:
        case = queries.case_by_reference(session, reference.strip())
        if case is None:
            raise unknown_case(reference)
        assert case.id is not None
        names = queries.usernames(session)
        view = queries.case_view(case, names, queries.events_for_case(session, case.id))
        # The customer's other cases and the stages before this one, read in the same snapshot: one case shown
        # whole always shows them.
        earlier = queries.earlier_stages(session, case.id, names) if (case.stage or 1) > 1 else []
        return replace(view, related=related_in_session(session, case), earlier_stages=earlier)


def list_cases(
    ctx: ServiceContext,
    *,
    statuses: list[Status] | None = None,
    types: list[CaseType] | None = None,
    officer: str | None = None,
    cohort: str | None = None,
    limit: int | None = None,
) -> list[CaseView]:
    if limit is not None and limit < 0:
        raise InvalidInput("--limit must be 0 or more")
    with ctx.store.read() as session:
        officer_id = None
        if officer is not None:
            row = queries.officer_by_username(session, officer)
            if row is None:
                raise unknown_officer(officer)
            officer_id = row.id
        flt = CaseFilter(statuses=statuses or (), types=types or (), officer_id=officer_id, cohort=cohort, limit=limit)
        names = queries.usernames(session)
        return [queries.case_view(row, names) for row in queries.find_cases(session, flt)]
