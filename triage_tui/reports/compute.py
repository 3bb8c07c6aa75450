"""Reports computed from the event log (see store/reports.py for how a case's state at a moment is read)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from triage_tui.domain.clock import CaseTimes, stage_deadlines, triage_deadlines
from triage_tui.domain.codes import STATUS_BUCKETS, TYPE_LABELS, Bucket, CaseType, Status
from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.timeparse import local_day_bounds
from triage_tui.reports.annual import sla_by_stage
from triage_tui.reports.direct import direct_path
from triage_tui.services.context import ServiceContext
from triage_tui.store.quick import QuickRead


def quick_position(db: str | None, as_of: datetime, *, cohort: str | None, all_buckets: bool) -> BucketReport | None:
    """`position` read straight from a SQLite file (None: take the long way through the store)."""
    path = direct_path(db)
    if path is None:
        return None
    with QuickRead(path) as read:
        return position_of(read.state_counts(as_of, cohort=cohort), as_of, cohort, all_buckets)


def quick_received(db: str | None, first: date, last: date, as_of: datetime | None) -> BucketReport | None:
    """`received` read straight from a SQLite file (None: take the long way through the store)."""
    if last < first:
        raise InvalidInput("--to is before --from")
    path = direct_path(db)
    if path is None:
        return None
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    moment = as_of or datetime.now(UTC)
    with QuickRead(path) as read:
        counts = read.state_counts(moment, received_from=start, received_to=end)
    return received_of(counts, first, last, moment)


OPEN_BUCKETS = (Bucket.UNALLOCATED, Bucket.COMPLAINTS_TEAM, Bucket.SERVICE)
ALL_BUCKETS = (*OPEN_BUCKETS, Bucket.COMPLETE, Bucket.CLOSED_OTHER)
TYPE_ORDER = (
    CaseType.ADULTS,
    CaseType.CHILDREN,
    CaseType.CORPORATE,
    CaseType.OTHER,
    CaseType.SERVICE_REQUEST,
    CaseType.UNCLASSIFIED,
)
REPORT_LABELS = {
    CaseType.ADULTS: "Statutory Adults",
    CaseType.CHILDREN: "Statutory Children Stage 1",
    CaseType.CORPORATE: "Corporate Complaints",
    CaseType.OTHER: "Other",
    CaseType.SERVICE_REQUEST: "Service Requests / not a council complaint",
    CaseType.UNCLASSIFIED: "Not yet triaged",
}
BUCKET_LABELS = {
    Bucket.UNALLOCATED: "Unallocated / not started",
    Bucket.COMPLAINTS_TEAM: "Open with complaints team",
    Bucket.SERVICE: "Open with service",
    Bucket.COMPLETE: "Complete (response sent)",
    Bucket.CLOSED_OTHER: "Closed - other reason",
}


@dataclass
class BucketReport:
    """Position or received: cases by type and bucket."""

    name: str
    buckets: tuple[Bucket, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    header: dict[str, Any] = field(default_factory=dict)
    not_complaint_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"report": self.name, **self.header, "rows": self.rows, "totals": self.totals}
        if self.not_complaint_share is not None:
            out["not_complaint_share"] = round(self.not_complaint_share, 4)
        return out


def _buckets(
    counts: Iterable[tuple[str, str, int]], buckets: tuple[Bucket, ...]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    by_type: dict[CaseType, dict[Bucket, int]] = {}
    for kind, status, n in counts:
        bucket = STATUS_BUCKETS[Status(status)]
        row = by_type.setdefault(CaseType(kind or "unclassified"), dict.fromkeys(ALL_BUCKETS, 0))
        row[bucket] += n
    rows = []
    totals = {"total": 0, **{b.value: 0 for b in buckets}}
    for kind in TYPE_ORDER:
        counted = by_type.get(kind)
        if counted is None:
            continue
        shown = {b.value: counted[b] for b in buckets}
        total = sum(shown.values())
        if total == 0:
            continue
        rows.append({"type": kind.value, "label": TYPE_LABELS[kind], "total": total, **shown})
        totals["total"] += total
        for b in buckets:
            totals[b.value] += counted[b]
    return rows, totals


def position(
    ctx: ServiceContext, as_of: datetime, *, cohort: str | None = None, all_buckets: bool = False
) -> BucketReport:
    """Cases received by `as_of`, in the state and type they had then; open ones unless `all_buckets`."""
    from triage_tui.store import reports as queries

    with ctx.store.read() as session:
        counts = queries.state_counts(session, as_of, cohort=cohort)
    return position_of(counts, as_of, cohort, all_buckets)


def position_of(
    counts: Iterable[tuple[str, str, int]], as_of: datetime, cohort: str | None, all_buckets: bool
) -> BucketReport:
    buckets = ALL_BUCKETS if all_buckets else OPEN_BUCKETS
    rows, totals = _buckets(counts, buckets)
    return BucketReport("position", buckets, rows, totals, {"as_of": as_of.isoformat(), "cohort": cohort})


def received(ctx: ServiceContext, first: date, last: date, as_of: datetime | None = None) -> BucketReport:
    """Cases received from `first` to `last` (local dates, inclusive), in their state at `as_of` (default now)."""
    if last < first:
        raise InvalidInput("--to is before --from")
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    moment = as_of or ctx.now()
    from triage_tui.store import reports as queries

    with ctx.store.read() as session:
        counts = queries.state_counts(session, moment, received_from=start, received_to=end)
    return received_of(counts, first, last, moment)


def received_of(counts: Iterable[tuple[str, str, int]], first: date, last: date, moment: datetime) -> BucketReport:
    rows, totals = _buckets(counts, ALL_BUCKETS)
    not_complaints = sum(r["total"] for r in rows if r["type"] == CaseType.SERVICE_REQUEST.value)
    share = not_complaints / totals["total"] if totals["total"] else 0.0
    header = {"from": first.isoformat(), "to": last.isoformat(), "as_of": moment.isoformat()}
    return BucketReport("received", ALL_BUCKETS, rows, totals, header, share)


SLA_FIELDS = (
    "cases",
    "triaged",
    "triaged_within_target",
    "triaged_within_limit",
    "acknowledged",
    "acknowledged_within_target",
    "responded",
    "responded_within_target",
)


@dataclass
class SlaReport:
    first: date
    last: date
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    # By (type, stage), for the stages started in the period: reports/annual.py sla_by_stage.
    stages: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "report": "sla",
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "rows": self.rows,
            "totals": self.totals,
            "stages": self.stages,
        }


def sla(ctx: ServiceContext, first: date, last: date) -> SlaReport:
    """Triage within 24h/48h, acknowledgement and response within target, by type as classified.

    Triage time runs from receipt to the first event that took the case out of `new`; acknowledgement and
    response are within target when they happened at or before the due time of the policy in force. Service
    requests count for triage only. The stages started in the period (stage 1 at receipt, later ones at their
    escalation) are counted apart, by type and stage, from the events.
    """
    if last < first:
        raise InvalidInput("--to is before --from")
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    from triage_tui.store import reports as queries

    policy = ctx.policy
    counts: dict[CaseType, dict[str, int]] = {}
    hours: dict[CaseType, list[float]] = {}
    with ctx.store.read() as session:
        for kind_text, received_at, triaged_at, acknowledged_at, responded_at, _closed in queries.sla_cases(
            session, start, end
        ):
            kind = CaseType(kind_text)
            row = counts.setdefault(kind, dict.fromkeys(SLA_FIELDS, 0))
            row["cases"] += 1
            if triaged_at is not None:
                target, limit = triage_deadlines(received_at, policy)
                row["triaged"] += 1
                row["triaged_within_target"] += triaged_at <= target
                row["triaged_within_limit"] += triaged_at <= limit
                hours.setdefault(kind, []).append((triaged_at - received_at).total_seconds() / 3600)
            if not kind.is_complaint:
                continue  # service requests count for triage only
            # Stopped by the acknowledgement (the response) itself: in time when by its due time (as extended).
            due = stage_deadlines(CaseTimes(received_at, kind, triaged_at, acknowledged_at, responded_at), policy)
            if acknowledged_at is not None:
                row["acknowledged"] += 1
                row["acknowledged_within_target"] += due.acknowledged_in_time(acknowledged_at)
            if responded_at is not None:
                row["responded"] += 1
                row["responded_within_target"] += due.responded_in_time(responded_at)
    rows = []
    totals: dict[str, Any] = dict.fromkeys(SLA_FIELDS, 0)
    every: list[float] = []
    for kind in TYPE_ORDER:
        if kind not in counts:
            continue
        median = statistics.median(hours[kind]) if hours.get(kind) else None
        rows.append(
            {
                "type": kind.value,
                "label": TYPE_LABELS[kind],
                **counts[kind],
                "median_triage_hours": round(median, 1) if median is not None else None,
            }
        )
        for name in SLA_FIELDS:
            totals[name] += counts[kind][name]
        every.extend(hours.get(kind, []))
    totals["median_triage_hours"] = round(statistics.median(every), 1) if every else None
    return SlaReport(first, last, rows, totals, sla_by_stage(ctx, start, end))


@dataclass
class TrendReport:
    first: date
    last: date
    every: str
    cohort: str | None
    points: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "report": "trend",
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "every": self.every,
            "cohort": self.cohort,
            "rows": self.points,
        }


def trend(
    ctx: ServiceContext, first: date, last: date, *, every: str = "day", cohort: str | None = None
) -> TrendReport:
    """Open cases by bucket at the end of each day (or week) of the period: the backlog's burn-down.

    One pass over the events: each change of a case's bucket is a step up in one bucket and down in another;
    the steps are summed in time order and read off at each date.
    """
    if last < first:
        raise InvalidInput("--to is before --from")
    if every not in ("day", "week"):
        raise InvalidInput("--every takes day or week")
    step = timedelta(days=1 if every == "day" else 7)
    dates = []
    day = first
    while day <= last:
        dates.append(day)
        day += step
    if dates[-1] != last:
        dates.append(last)
    ends = [local_day_bounds(d)[1] for d in dates]
    from triage_tui.store import reports as queries

    changes: list[tuple[datetime, Bucket, int]] = []
    with ctx.store.read() as session:
        current: int | None = None
        bucket = Bucket.UNALLOCATED
        for case_id, received_at, at, status in queries.status_changes(session, ends[-1], cohort):
            if case_id != current:
                current = case_id
                bucket = Bucket.UNALLOCATED  # a case counts from its receipt, as new, until its first event
                changes.append((received_at, bucket, +1))
            if at is None:
                continue
            after = STATUS_BUCKETS[Status(status)]
            if after is not bucket:
                moment = max(at, received_at)
                changes.append((moment, bucket, -1))
                changes.append((moment, after, +1))
                bucket = after
    changes.sort(key=lambda change: change[0])
    running = dict.fromkeys(ALL_BUCKETS, 0)
    points = []
    index = 0
    for d, end in zip(dates, ends, strict=True):
        while index < len(changes) and changes[index][0] <= end:
            _, bucket, delta = changes[index]
            running[bucket] += delta
            index += 1
        open_now = {b.value: running[b] for b in OPEN_BUCKETS}
        points.append({"date": d.isoformat(), "total": sum(open_now.values()), **open_now})
    return TrendReport(first, last, every, cohort, points)
