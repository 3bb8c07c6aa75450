"""fixtures/briefing.csv reproduces the briefing's four tables, read straight from the event log.

The reports (computed in SQL) are checked against the same figures in their own tests; this one keeps the
fixture honest with the plainest reading of the events there is.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pendulum
import pytest
from sqlmodel import select

from tests.conftest import Clock
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.domain.timeparse import parse_time
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.tables import Case, Event

BRIEFING = Path(__file__).resolve().parents[2] / "fixtures" / "briefing.csv"
BUCKETS = {
    "new": "unallocated",
    "triaged": "unallocated",
    "allocated": "complaints_team",
    "with_service": "service",
    "responded": "complete",
    "closed": "closed_other",
}


@pytest.fixture
def briefing(db_url: str, clock: Clock) -> ServiceContext:
    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    ctx = ServiceContext(store=Store(db_url), policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    result = run_import(ctx, "boss", BRIEFING, ImportOptions(create_officers=True))
    assert (result.imported, result.rejected) == (661, 0)
    return ctx


def state_at(ctx: ServiceContext, as_of: datetime, cohort: str | None = None) -> list[tuple[str, str, datetime]]:
    """(type, bucket, received) of each case received by `as_of`, as it stood then."""
    with ctx.store.read() as s:
        cases = {c.id: c for c in s.exec(select(Case))}
        events = list(s.exec(select(Event).where(Event.case_id.is_not(None)).order_by(Event.id)))
    status: dict[int, str] = {}
    kind: dict[int, str] = {}
    for e in events:
        if e.at > as_of:
            continue
        status[e.case_id] = e.to_status
        if e.action == "classify":
            kind[e.case_id] = e.details["type"]
        elif e.action == "signpost":
            kind[e.case_id] = "service_request"
    out = []
    for case_id, case in cases.items():
        if case.received_at > as_of or (cohort and case.cohort != cohort):
            continue
        out.append((kind.get(case_id, "unclassified"), BUCKETS[status.get(case_id, "new")], case.received_at))
    return out


def table(rows: list[tuple[str, str, datetime]], open_only: bool = True) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for kind, bucket, _ in rows:
        if open_only and bucket not in ("unallocated", "complaints_team", "service"):
            continue
        out.setdefault(kind, Counter())[bucket] += 1
    return out


def test_the_backlog_at_the_start_of_december(briefing: ServiceContext) -> None:
    t = table(state_at(briefing, parse_time("2021-12-01T00:00"), "backlog-2021"))
    assert t == {
        "adults": Counter(unallocated=42, complaints_team=47),
        "children": Counter(unallocated=51, complaints_team=65),
        "corporate": Counter(unallocated=21, complaints_team=44),
        "other": Counter(complaints_team=12),
    }
    assert sum(sum(c.values()) for c in t.values()) == 282


def test_the_backlog_on_14_january_and_2_march(briefing: ServiceContext) -> None:
    jan = table(state_at(briefing, parse_time("2022-01-14", end_of_day=True), "backlog-2021"))
    assert jan == {
        "adults": Counter(service=3),
        "children": Counter(complaints_team=20),
        "corporate": Counter(complaints_team=3),
    }
    mar = table(state_at(briefing, parse_time("2022-03-02", end_of_day=True), "backlog-2021"))
    assert mar == {"children": Counter(service=10)}


def test_contacts_received_december_to_february(briefing: ServiceContext) -> None:
    first, last = parse_time("2021-11-30"), parse_time("2022-02-28", end_of_day=True)
    rows = [r for r in state_at(briefing, parse_time("2022-03-02", end_of_day=True)) if first <= r[2] <= last]
    t = table(rows, open_only=False)
    assert t == {
        "adults": Counter(service=25, complaints_team=1, complete=50, closed_other=9),
        "children": Counter(service=39, complaints_team=2, complete=26, closed_other=12),
        "corporate": Counter(service=29, complaints_team=1, complete=46, closed_other=23),
        "service_request": Counter(closed_other=116),
    }
    assert len(rows) == 379 and round(116 / 379, 3) == 0.306
