"""What the desk reads: the queue ranked by urgency and paged, the changes since the last poll, the officers'
workloads, and claims on new contacts (take next, release)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from triage_tui.domain.clock import Band, CaseTimes, case_clocks
from triage_tui.domain.codes import CaseType, Role, Status
from triage_tui.domain.errors import Conflict, NotFound, TransitionRefused
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.views import CaseView, OfficerView
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import require_officer
from triage_tui.store import queries
from triage_tui.store.tables import Event

QUEUE_STATUSES = (Status.NEW, Status.TRIAGED)
MY_STATUSES = (Status.ALLOCATED, Status.WITH_SERVICE)


@dataclass(frozen=True)
class QueueQuery:
    """What a desk's list shows: the queue by default; filters and a search narrow it."""

    statuses: tuple[Status, ...] = QUEUE_STATUSES
    types: tuple[CaseType, ...] = ()
    bands: tuple[Band, ...] = ()
    officer: str | None = None
    cohort: str | None = None
    search: str | None = None

    def describe(self) -> str:
        parts = []
        if self.search:
            parts.append(f"matching {self.search!r}")
        if self.types:
            parts.append("type " + "/".join(t.value for t in self.types))
        if self.bands:
            parts.append("band " + "/".join(b.value for b in self.bands))
        if self.officer:
            parts.append(f"officer {self.officer}")
        if self.cohort:
            parts.append(f"cohort {self.cohort}")
        return ", ".join(parts)

    def matches(self, case: CaseView, ctx: ServiceContext, now: datetime) -> bool:
        """Whether a case belongs in this list (for placing a changed case without re-reading the list)."""
        if case.status not in self.statuses:
            return False
        if self.types and case.type not in self.types:
            return False
        if self.officer and case.officer != self.officer:
            return False
        if self.cohort and case.cohort != self.cohort:
            return False
        if self.search:
            needle = self.search.strip().lower()
            haystack = (case.reference, case.customer_name, case.summary)
            if not any(needle in text.lower() for text in haystack):
                return False
        if self.bands:
            clock = case.clocks(ctx.policy).nearest()
            if clock is None or clock.band(now) not in self.bands:
                return False
        return True


@dataclass(frozen=True)
class QueuePage:
    rows: list[CaseView]
    total: int  # how many cases match, of which `rows` are the most urgent
    watermark: int  # the newest event id when the page was read
    bands: dict[Band, int] = field(default_factory=dict)  # running clocks by band, over all `total` cases
    ranks: dict[int, tuple[datetime, int]] = field(default_factory=dict)  # each row's sort key, by case id


@dataclass(frozen=True)
class Changes:
    watermark: int
    case_ids: list[int]
    new_contacts: int = 0
    rows: list[CaseView] = field(default_factory=list)


@dataclass(frozen=True)
class OfficerLoad:
    officer: OfficerView
    open: int
    due_soon: int
    overdue: int
    breached: int


def _urgency(times: CaseTimes, ctx: ServiceContext, now: datetime) -> tuple[datetime, Band | None]:
    clock = case_clocks(times, ctx.policy).nearest()
    if clock is None or clock.due_at is None:
        return datetime.max.replace(tzinfo=now.tzinfo), None
    return clock.due_at, clock.band(now)


def queue_page(ctx: ServiceContext, query: QueueQuery, *, limit: int = 500) -> QueuePage:
    """The `limit` most urgent cases matching `query` (nearest running deadline first), and how many match.

    The candidates are read as a few narrow columns; deadlines (working days, bank holidays) are computed for
    them in one pass; only the page that will be shown is read in full.
    """
    now = ctx.now()
    with ctx.store.read() as session:
        watermark = queries.latest_event_id(session)
        officer_id = _officer_id(session, query.officer)
        candidates = queries.queue_candidates(
            session,
            [s.value for s in query.statuses],
            types=[t.value for t in query.types],
            officer_id=officer_id,
            cohort=query.cohort,
            search=query.search,
        )
        ranked: list[tuple[datetime, int]] = []
        bands: dict[Band, int] = {}
        for c in candidates:
            due, band = _urgency(
                CaseTimes(
                    received_at=c.received_at,
                    type=CaseType(c.type),
                    triaged_at=c.triaged_at,
                    acknowledged_at=c.acknowledged_at,
                ),
                ctx,
                now,
            )
            if query.bands and band not in query.bands:
                continue
            ranked.append((due, c.id))
            if band is not None:
                bands[band] = bands.get(band, 0) + 1
        ranked.sort()
        page = ranked[:limit]
        page_ids = [cid for _, cid in page]
        order = {cid: i for i, cid in enumerate(page_ids)}
        names = queries.usernames(session)
        rows = sorted(
            (queries.case_view(row, names) for row in queries.cases_by_ids(session, page_ids)),
            key=lambda v: order[v.id],
        )
    ranks = {cid: (due, cid) for due, cid in page}
    return QueuePage(rows=rows, total=len(ranked), watermark=watermark, bands=bands, ranks=ranks)


def urgency_key(ctx: ServiceContext, case: CaseView) -> tuple[datetime, int]:
    """The queue's sort key for one case (for placing a changed row without re-reading the page)."""
    due, _ = _urgency(
        CaseTimes(
            received_at=case.received_at,
            type=case.type,
            triaged_at=case.triaged_at,
            acknowledged_at=case.acknowledged_at,
            responded_at=case.responded_at,
            closed_at=case.closed_at,
        ),
        ctx,
        ctx.now(),
    )
    return due, case.id


def _officer_id(session: Session, username: str | None) -> int | None:
    if username is None:
        return None
    row = queries.officer_by_username(session, username)
    if row is None:
        raise NotFound(f"unknown officer {username!r}")
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
        for officer_id, received, kind, acknowledged, triaged in queries.open_cases_per_officer(
            session, [s.value for s in MY_STATUSES]
        ):
            tally = counts.get(officer_id)
            if tally is None:
                continue
            tally[0] += 1
            _, band = _urgency(
                CaseTimes(received_at=received, type=CaseType(kind), triaged_at=triaged, acknowledged_at=acknowledged),
                ctx,
                now,
            )
            if band is Band.DUE_SOON:
                tally[1] += 1
            elif band is Band.OVERDUE:
                tally[2] += 1
            elif band is Band.BREACHED:
                tally[3] += 1
        return [
            OfficerLoad(queries.officer_view(o), *counts[o.id])  # type: ignore[index]
            for o in officers
            if o.id is not None
        ]


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
        case.claimed_by_id = officer.id
        case.claimed_until = until
        case.version += 1
        case.updated_at = now
        session.add(case)
        session.add(
            Event(
                case_id=case.id,
                at=now,
                actor=officer.username,
                action=Action.CLAIM.value,
                from_status=case.status,
                to_status=case.status,
                details={"until": until.isoformat()},
            )
        )
        session.flush()
        return queries.case_view(case, queries.usernames(session))


def release(ctx: ServiceContext, actor: str, reference: str) -> CaseView:
    """Give up a claim (one's own; a supervisor may release anyone's)."""
    now = ctx.now()
    with ctx.store.write() as session:
        officer = require_officer(session, actor)
        case = queries.case_by_reference(session, reference, for_update=True)
        if case is None:
            raise NotFound(f"unknown case {reference!r}")
        transition(Action.RELEASE, Status(case.status), case.reference)
        if case.claimed_by_id is None or (case.claimed_until is not None and case.claimed_until < now):
            raise TransitionRefused(f"case {case.reference} is not claimed")
        if case.claimed_by_id != officer.id and officer.role != Role.SUPERVISOR.value:
            holder = queries.usernames(session).get(case.claimed_by_id)
            raise Conflict(f"case {case.reference} is claimed by {holder}, not you")
        case.claimed_by_id = None
        case.claimed_until = None
        case.version += 1
        case.updated_at = now
        session.add(case)
        session.add(
            Event(
                case_id=case.id,
                at=now,
                actor=officer.username,
                action=Action.RELEASE.value,
                from_status=case.status,
                to_status=case.status,
                details={},
            )
        )
        session.flush()
        return queries.case_view(case, queries.usernames(session))


def live_claim(case: CaseView, now: datetime) -> str | None:
    """Who holds a claim on the case now (claims lapse on their own)."""
    if case.claimed_by and case.claimed_until is not None and case.claimed_until > now:
        return case.claimed_by
    return None


def my_cases_query(username: str) -> QueueQuery:
    return QueueQuery(statuses=MY_STATUSES, officer=username)


def latest_watermark(ctx: ServiceContext) -> int:
    with ctx.store.read() as session:
        return queries.latest_event_id(session)
