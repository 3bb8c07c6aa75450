"""The case actions of CONTRACT.md. Each runs in one write transaction: load and lock the case, check the
actor's role and the lifecycle, change the case, bump its version and append one event."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

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
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.text import limit_of
from triage_tui.domain.timeparse import require_plausible
from triage_tui.domain.views import CaseView
from triage_tui.services.audit import record
from triage_tui.services.context import ServiceContext
from triage_tui.services.fields import required_text, text_field
from triage_tui.services.identity import unknown_officer
from triage_tui.services.officers import require_officer, require_supervisor
from triage_tui.store import queries
from triage_tui.store.queries import CaseFilter
from triage_tui.store.tables import Case, Officer

LONDON = ZoneInfo("Europe/London")
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$")
# A received time a little ahead of ours is a clock skew between machines; more is a typing mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)

# Supervisors may do everything; these actions are theirs alone.
SUPERVISOR_ONLY = frozenset({Action.REASSIGN, Action.COHORT})


def _text(value: str | None, field: str, *, required: bool = False, label: str | None = None) -> str | None:
    # The limits are domain/text.py's LIMITS, the one table the desk, the commands and the import share.
    return text_field(value, field, required=required, label=label)


def unknown_case(reference: str) -> NotFound:
    """The refusal for a reference no case has (any letter case); a pasted essay is not echoed whole."""
    limit = limit_of("reference")
    shown = reference if len(reference) <= limit else reference[:limit] + "…"
    return NotFound(f"unknown case {shown!r}")


def _describe_last_change(session: Session, case: Case) -> str:
    assert case.id is not None
    event = queries.last_event(session, case.id)
    if event is None:
        return ""
    # UK local time, as the desk shows every other time.
    what = event.action.replace("_", " ")
    return f"; last change: {what} by {event.actor} at {event.at.astimezone(LONDON):%d/%m/%Y %H:%M}"


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


def _act(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    action: Action,
    change: Callable[[Session, Case, Officer, datetime], dict[str, Any]],
    *,
    expected_version: int | None = None,
) -> CaseView:
    """Run one action on one case in one transaction, with its event."""
    now = ctx.now()
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
        _check_claim(case, officer, action, now, names)
        details = change(session, case, officer, now)
        case.status = step.target.value
        record(session, case, officer.username, action, source.value, step.target.value, details, now)
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
    cohort: str | None = None,
) -> CaseView:
    """Record a new contact; it waits in `new` for triage."""
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
            record(session, case, officer.username, Action.INTAKE, None, Status.NEW.value, facts, now, new=True)
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
    ctx: ServiceContext, actor: str, reference: str, kind: CaseType, *, expected_version: int | None = None
) -> CaseView:
    """Classify as one of the four complaint types (a triaged or allocated case may be reclassified)."""
    if not kind.is_complaint:
        raise InvalidInput(
            f"{kind.value} is not a complaint type (adults, children, corporate, other); "
            "use signpost for contacts that are not council complaints"
        )

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        if case.type == kind.value:
            raise TransitionRefused(f"case {case.reference} is already classified as {kind.value}")
        previous = case.type
        _leave_new(case, now)
        case.type = kind.value
        return {"type": kind.value, "previous_type": previous}

    return _act(ctx, actor, reference, Action.CLASSIFY, change, expected_version=expected_version)


def signpost(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    to: str | None = None,
    service_request: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Not a council complaint: signpost to another organisation, or pass on as a service request."""
    org = _text(to, "signposted_to", label="organisation")
    service = _text(service_request, "service")
    if (org is None) == (service is None):
        raise InvalidInput("signpost needs exactly one of --to ORGANISATION or --service-request SERVICE")
    remark = _text(note, "note")

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        _leave_new(case, now)
        previous = case.type
        case.type = CaseType.SERVICE_REQUEST.value
        case.closed_at = now
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

    return _act(ctx, actor, reference, Action.SIGNPOST, change, expected_version=expected_version)


def allocate(
    ctx: ServiceContext, actor: str, reference: str, officer_username: str, *, expected_version: int | None = None
) -> CaseView:
    """Give a triaged complaint to a complaint officer."""

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        target = _assignee(session, officer_username)
        case.officer_id = target.id
        case.allocated_at = now
        case.claimed_by_id = None
        case.claimed_until = None
        return {"officer": target.username}

    return _act(ctx, actor, reference, Action.ALLOCATE, change, expected_version=expected_version)


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
    expected_version: int | None = None,
) -> CaseView:
    """Record the acknowledgement to the customer (a milestone, not a status)."""
    remark = _text(note, "note")
    chan = _text(channel, "channel")

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        if case.acknowledged_at is not None:
            raise TransitionRefused(
                f"case {case.reference} was already acknowledged on "
                f"{case.acknowledged_at.astimezone(LONDON):%d/%m/%Y %H:%M}"
            )
        case.acknowledged_at = now
        return {"channel": chan, "note": remark}

    return _act(ctx, actor, reference, Action.ACKNOWLEDGE, change, expected_version=expected_version)


def send_to_service(
    ctx: ServiceContext, actor: str, reference: str, service: str, *, expected_version: int | None = None
) -> CaseView:
    """Send the complaint out to the service that must investigate and reply."""
    name = _text(service, "service", required=True)

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        case.service = name
        case.sent_to_service_at = now
        return {"service": name}

    return _act(ctx, actor, reference, Action.SEND, change, expected_version=expected_version)


def respond(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    *,
    outcome: Outcome | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """The response has gone to the customer: the case is complete."""

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        case.responded_at = now
        case.outcome = outcome.value if outcome else None
        return {"outcome": case.outcome}

    return _act(ctx, actor, reference, Action.RESPOND, change, expected_version=expected_version)


def close(
    ctx: ServiceContext,
    actor: str,
    reference: str,
    reason: CloseReason,
    *,
    duplicate_of: str | None = None,
    note: str | None = None,
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

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        if original is not None:
            first = queries.case_by_reference(session, original)
            if first is None:
                raise NotFound(f"unknown case {original!r} (the original of the duplicate)")
            if first.id == case.id:
                raise InvalidInput("a case cannot be a duplicate of itself")
            case.duplicate_of = first.reference  # as stored, whatever letter case was typed
        _leave_new(case, now)
        case.close_reason = reason.value
        case.closed_at = now
        case.claimed_by_id = None
        case.claimed_until = None
        return {"reason": reason.value, "duplicate_of": case.duplicate_of if original else None, "note": remark}

    return _act(ctx, actor, reference, Action.CLOSE, change, expected_version=expected_version)


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
        previous = queries.usernames(session).get(case.officer_id) if case.officer_id else None
        case.officer_id = target.id
        return {"from_officer": previous, "to_officer": target.username, "reason": why}

    return _act(ctx, actor, reference, Action.REASSIGN, change, expected_version=expected_version)


def add_note(ctx: ServiceContext, actor: str, reference: str, text: str) -> CaseView:
    """A note on the case's history; any officer, any state."""
    body = _text(text, "note", required=True)

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        return {"text": body}

    return _act(ctx, actor, reference, Action.NOTE, change)


def set_cohort(ctx: ServiceContext, actor: str, reference: str, cohort: str | None) -> CaseView:
    """Tag a case with a cohort (None or blank takes the tag off); supervisors only."""
    tag = _text(cohort, "cohort")

    def change(session: Session, case: Case, officer: Officer, now: datetime) -> dict[str, Any]:
        if case.cohort == tag:
            raise InvalidInput(f"case {case.reference} is already {'in cohort ' + tag if tag else 'in no cohort'}")
        previous = case.cohort
        case.cohort = tag
        return {"cohort": tag, "previous": previous}

    return _act(ctx, actor, reference, Action.COHORT, change)


# --- reads --------------------------------------------------------------------------------------------------


def get_case(ctx: ServiceContext, reference: str) -> CaseView:
    with ctx.store.read() as session:
        case = queries.case_by_reference(session, reference.strip())
        if case is None:
            raise unknown_case(reference)
        assert case.id is not None
        return queries.case_view(case, queries.usernames(session), queries.events_for_case(session, case.id))


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
