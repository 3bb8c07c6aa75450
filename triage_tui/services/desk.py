"""What the desk reads: the queue ranked by urgency and paged, the changes since the last poll, the officers'
workloads, and claims on new contacts (take next, release)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from triage_tui.domain.clock import Band
from triage_tui.domain.codes import Role, Status
from triage_tui.domain.errors import Conflict, TransitionRefused
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.queue import (
    MY_STATUSES,
    QUEUE_STATUSES,
    Candidate,
    OfficerLoad,
    QueuePage,
    QueueQuery,
    candidate_times,
    live_claim,
    my_cases_query,
    page_of,
    rank,
    urgency,
)
from triage_tui.domain.views import CaseView
from triage_tui.services.audit import record
from triage_tui.services.cases import unknown_case
from triage_tui.services.context import ServiceContext
from triage_tui.services.identity import unknown_officer
from triage_tui.services.officers import require_officer
from triage_tui.store import queries


@dataclass(frozen=True)
class Changes:
    watermark: int
    case_ids: list[int]
    new_contacts: int = 0
    rows: list[CaseView] = field(default_factory=list)


def queue_page(ctx: ServiceContext, query: QueueQuery, *, limit: int = 500) -> QueuePage:
    """The `limit` most urgent cases matching `query` (nearest running deadline first), and how many match.

    The candidates are read as a few narrow columns; deadlines (working days, bank holidays) are computed for
    them in one pass; only the page that will be shown is read in full.
    """
    now = ctx.now()
    with ctx.store.read() as session:
        watermark = queries.latest_event_id(session)
        _, ranked, bands = ranked_candidates(session, ctx, query, now)
        names = queries.usernames(session)
        found = queries.cases_by_ids(session, [cid for _, cid in ranked[:limit]])
        rows, ranks = page_of(ranked, (queries.case_view(row, names) for row in found), limit)
    return QueuePage(rows=rows, total=len(ranked), watermark=watermark, bands=bands, ranks=ranks)


def ranked_candidates(
    session: Session, ctx: ServiceContext, query: QueueQuery, now: datetime
) -> tuple[list[Candidate], list[tuple[datetime, int]], dict[Band, int]]:
    """The cases matching `query` as a few narrow columns, those kept by its bands most urgent first as (due,
    id), and the count per band: what every order of a list starts from (see sorted_queue.py)."""
    candidates = queries.queue_candidates(
        session,
        [s.value for s in query.statuses],
        types=[t.value for t in query.types],
        officer_id=_officer_id(session, query.officer),
        cohort=query.cohort,
        search=query.search,
        officer_ids=[_officer_id(session, name) or 0 for name in query.team],
    )
    ranked, bands = rank(candidates, ctx.policy, now, query.bands)
    return candidates, ranked, bands


def _officer_id(session: Session, username: str | None) -> int | None:
    if username is None:
        return None
    row = queries.officer_by_username(session, username)
    if row is None:
        raise unknown_officer(username)
    return row.id


def changes_since(ctx: ServiceContext, watermark: int) -> Changes:
    """Cases touched by events newer than `watermark`, read in full: the poll reads only what changed."""
    with ctx.store.read() as session:
        events = queries.events_after(session, watermark)
        if not events:
            return Changes(watermark=watermark, case_ids=[])
        ids = sorted({cid for _, cid, _ in events if cid is not None})
        new_contacts = sum(1 for _, _, action in events if action == Action.INTAKE.value)
        names = queries.usernames(session)
        rows = [queries.case_view(row, names) for row in queries.cases_by_ids(session, ids)]
    return Changes(watermark=events[-1][0], case_ids=ids, new_contacts=new_contacts, rows=rows)


def officer_loads(ctx: ServiceContext) -> list[OfficerLoad]:
    """Every active officer's open allocated cases, and how many are due soon, overdue or breached."""
    now = ctx.now()
    with ctx.store.read() as session:
        officers = [o for o in queries.officers(session) if o.active]
        counts: dict[int, list[int]] = {o.id: [0, 0, 0, 0] for o in officers if o.id is not None}
        for officer_id, candidate in queries.open_cases_per_officer(session, [s.value for s in MY_STATUSES]):
            tally = counts.get(officer_id)
            if tally is None:
                continue
            tally[0] += 1
            _, band = urgency(candidate_times(candidate), ctx.policy, now)
            if band is Band.DUE_SOON:
                tally[1] += 1
            elif band is Band.OVERDUE:
                tally[2] += 1
            elif band is Band.BREACHED:
                tally[3] += 1
        finished = queries.finished_since(session, start_of_week(now, ctx.policy.timezone))
        return [
            OfficerLoad(queries.officer_view(o), *counts[o.id], closed_this_week=finished.get(o.id, 0))  # type: ignore[misc]
            for o in officers
            if o.id is not None
        ]


def start_of_week(now: datetime, tz: str) -> datetime:
    """Monday 00:00 of this week, UK time."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone)


# --- claims -------------------------------------------------------------------------------------------------


def take_next(ctx: ServiceContext, actor: str) -> CaseView | None:
    """Claim the most urgent new contact nobody holds, for `policy.claim_minutes`; None when there is none."""
    now = ctx.now()
    until = now + timedelta(minutes=ctx.policy.claim_minutes)
    with ctx.store.write() as session:
        officer = require_officer(session, actor)
        case = queries.next_unclaimed_new(session, now, skip_locked=not ctx.store.is_sqlite)
        if case is None:
            return None
        assert officer.id is not None
        # A contact taken earlier and left untouched is given back, so nobody sits on two while others wait.
        # Chosen after the next one: the contact given back is never the one taken again.
        for earlier in queries.live_claims_on_new(session, officer.id, now):
            earlier.claimed_by_id = None
            earlier.claimed_until = None
            record(
                session,
                earlier,
                officer.username,
                Action.RELEASE,
                earlier.status,
                earlier.status,
                {"why": f"took {case.reference} next"},
                now,
            )
        case.claimed_by_id = officer.id
        case.claimed_until = until
        record(
            session, case, officer.username, Action.CLAIM, case.status, case.status, {"until": until.isoformat()}, now
        )
        return queries.case_view(case, queries.usernames(session))


def release(ctx: ServiceContext, actor: str, reference: str) -> CaseView:
    """Give up a claim (one's own; a supervisor may release anyone's)."""
    now = ctx.now()
    with ctx.store.write() as session:
        officer = require_officer(session, actor)
        case = queries.case_by_reference(session, reference.strip(), for_update=True)
        if case is None:
            raise unknown_case(reference)
        transition(Action.RELEASE, Status(case.status), case.reference)
        if case.claimed_by_id is None or (case.claimed_until is not None and case.claimed_until < now):
            raise TransitionRefused(f"case {case.reference} is not claimed")
        if case.claimed_by_id != officer.id and officer.role != Role.SUPERVISOR.value:
            holder = queries.usernames(session).get(case.claimed_by_id)
            raise Conflict(f"case {case.reference} is claimed by {holder}, not you")
        case.claimed_by_id = None
        case.claimed_until = None
        record(session, case, officer.username, Action.RELEASE, case.status, case.status, {}, now)
        return queries.case_view(case, queries.usernames(session))


def latest_watermark(ctx: ServiceContext) -> int:
    with ctx.store.read() as session:
        return queries.latest_event_id(session)


# Re-exported: the queue's shapes live in the domain, where the desk's quick first read uses them too.
__all__ = [
    "MY_STATUSES",
    "QUEUE_STATUSES",
    "Changes",
    "OfficerLoad",
    "QueuePage",
    "QueueQuery",
    "changes_since",
    "latest_watermark",
    "live_claim",
    "my_cases_query",
    "officer_loads",
    "queue_page",
    "release",
    "take_next",
]
