"""What a desk's list shows and in what order: the query, its page, and ranking by the nearest deadline.

Pure: the services rank what the store reads, and so does the desk's quick first read at start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from triage_tui.domain.clock import Band, CaseTimes, ClockTimes, band_at, nearest_urgency
from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.policy import Policy
from triage_tui.domain.views import CaseView, OfficerView

QUEUE_STATUSES = (Status.NEW, Status.TRIAGED)
MY_STATUSES = (Status.ALLOCATED, Status.WITH_SERVICE)


class Candidate(NamedTuple):
    """Just enough of an open case to compute its deadlines and rank it. A tuple: the queue builds one for
    every open case before its first frame, and a tuple is made several times faster than a frozen dataclass."""

    id: int
    received_at: datetime
    type: str
    status: str
    triaged_at: datetime | None
    acknowledged_at: datetime | None
    # The stage's own clocks (a later stage starts at the customer's request; see clock.CaseTimes).
    stage: int = 1
    stage_started_at: datetime | None = None
    extension_days: int = 0
    panel_at: datetime | None = None
    # Always None for a waiting case; here so that a Candidate holds every time the clocks read (ClockTimes).
    responded_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class QueueQuery:
    """What a desk's list shows: the queue by default; filters and a search narrow it."""

    statuses: tuple[Status, ...] = QUEUE_STATUSES
    types: tuple[CaseType, ...] = ()
    bands: tuple[Band, ...] = ()
    officer: str | None = None
    cohort: str | None = None
    search: str | None = None
    team: tuple[str, ...] = ()  # the officers of a team: their cases, whichever of them holds each

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

    def matches(self, case: CaseView, policy: Policy, now: datetime) -> bool:
        """Whether a case belongs in this list (for placing a changed case without re-reading the list)."""
        if case.status not in self.statuses:
            return False
        if self.types and case.type not in self.types:
            return False
        if self.officer and case.officer != self.officer:
            return False
        if self.team and case.officer not in self.team:
            return False
        if self.cohort and case.cohort != self.cohort:
            return False
        if self.search:
            needle = self.search.strip().lower()
            haystack = (case.reference, case.customer_name, case.summary)
            if not any(needle in text.lower() for text in haystack):
                return False
        if self.bands:
            clock = case.clocks(policy).nearest()
            if clock is None or clock.band(now) not in self.bands:
                return False
        return True


def my_cases_query(username: str) -> QueueQuery:
    return QueueQuery(statuses=MY_STATUSES, officer=username)


@dataclass(frozen=True)
class QueuePage:
    rows: list[CaseView]
    total: int  # how many cases match, of which `rows` are the most urgent
    watermark: int  # the newest event id when the page was read
    bands: dict[Band, int] = field(default_factory=dict)  # running clocks by band, over all `total` cases
    ranks: dict[int, tuple[datetime, int]] = field(default_factory=dict)  # each row's sort key, by case id


@dataclass(frozen=True)
class OfficerLoad:
    officer: OfficerView
    open: int
    due_soon: int
    overdue: int
    breached: int
    closed_this_week: int = 0  # responded or closed since Monday 00:00 (UK time)


def urgency(times: ClockTimes, policy: Policy, now: datetime) -> tuple[datetime, Band | None]:
    """The due time of the case's nearest running clock (the far future if none runs) and its band."""
    nearest = nearest_urgency(times, policy)
    if nearest is None:
        return datetime.max.replace(tzinfo=now.tzinfo), None
    due, limit, warn = nearest
    return due, band_at(now, warn, due, limit)


def candidate_times(c: Candidate) -> CaseTimes:
    return CaseTimes(
        received_at=c.received_at,
        type=CaseType(c.type),
        triaged_at=c.triaged_at,
        acknowledged_at=c.acknowledged_at,
        stage=c.stage,
        stage_started_at=c.stage_started_at,
        extension_days=c.extension_days,
        panel_at=c.panel_at,
    )


def case_times(case: CaseView) -> CaseTimes:
    return CaseTimes(
        received_at=case.received_at,
        type=case.type,
        triaged_at=case.triaged_at,
        acknowledged_at=case.acknowledged_at,
        responded_at=case.responded_at,
        closed_at=case.closed_at,
        stage=case.stage,
        stage_started_at=case.stage_started_at,
        extension_days=case.extension_days,
        panel_at=case.panel_at,
    )


def rank(
    candidates: Iterable[Candidate], policy: Policy, now: datetime, bands: tuple[Band, ...] = ()
) -> tuple[list[tuple[datetime, int]], dict[Band, int]]:
    """Candidates most urgent first, as (due, id), keeping only `bands` if given; and the count per band."""
    ranked: list[tuple[datetime, int]] = []
    counts: dict[Band, int] = {}
    for c in candidates:
        due, band = urgency(c, policy, now)  # a Candidate holds the times: no CaseTimes made for each
        if bands and band not in bands:
            continue
        ranked.append((due, c.id))
        if band is not None:
            counts[band] = counts.get(band, 0) + 1
    ranked.sort()
    return ranked, counts


def urgency_key(case: CaseView, policy: Policy, now: datetime) -> tuple[datetime, int]:
    """The list's sort key for one case (for placing a changed row without re-reading the list)."""
    return urgency(case_times(case), policy, now)[0], case.id


def page_of(
    ranked: list[tuple[datetime, int]], rows: Iterable[CaseView], limit: int
) -> tuple[list[CaseView], dict[int, tuple[datetime, int]]]:
    """The rows of the first `limit` ranked ids, in rank order, with their sort keys."""
    page = ranked[:limit]
    order = {cid: i for i, (_, cid) in enumerate(page)}
    ordered = sorted((row for row in rows if row.id in order), key=lambda v: order[v.id])
    return ordered, {cid: (due, cid) for due, cid in page}


def live_claim(case: CaseView, now: datetime) -> str | None:
    """Who holds a claim on the case now (claims lapse on their own)."""
    if case.claimed_by and case.claimed_until is not None and case.claimed_until > now:
        return case.claimed_by
    return None
