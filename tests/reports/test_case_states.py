"""case_states, kept beside the events, says exactly what the events say about any moment."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pendulum

from tests.conftest import Clock
from tests.importer.test_briefing_fixture import state_at
from triage_tui.domain.codes import CaseType, CloseReason, Role, Team
from triage_tui.importer.briefing import briefing_file
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store import reports


def counted(ctx: ServiceContext, moment) -> Counter[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with ctx.store.read() as s:
        return Counter({(kind, status): n for kind, status, n in reports.state_counts(s, moment)})


def from_events(ctx: ServiceContext, moment) -> Counter[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out: Counter[tuple[str, str]] = Counter()
    for kind, bucket, _ in state_at(ctx, moment):
        out[(kind, bucket)] += 1
    return out


def buckets(counts: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    from tests.importer.test_briefing_fixture import BUCKETS

    out: Counter[tuple[str, str]] = Counter()
    for (kind, status), n in counts.items():
        out[(kind, BUCKETS[status])] += n
    return out


def test_imported_history_at_every_week(ctx: ServiceContext, clock: Clock) -> None:
    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    run_import(ctx, "boss", briefing_file(), ImportOptions(create_officers=True))
    moment = pendulum.datetime(2021, 6, 1, tz="UTC")
    while moment < pendulum.datetime(2022, 3, 10, tz="UTC"):
        assert buckets(counted(ctx, moment)) == from_events(ctx, moment), moment
        moment = moment + timedelta(days=7, hours=5)


def test_actions_keep_it_in_step(ctx: ServiceContext, staff, clock: Clock) -> None:
    start = clock.now
    marks = [start]
    a = cases.intake(ctx, "alice", customer_name="A", summary="S").reference
    b = cases.intake(ctx, "alice", customer_name="B", summary="S", received_at=start.subtract(hours=30)).reference
    c = cases.intake(ctx, "alice", customer_name="C", summary="S").reference
    for step in (
        lambda: cases.classify(ctx, "alice", a, CaseType.CORPORATE),
        lambda: cases.classify(ctx, "alice", a, CaseType.ADULTS, reason="care"),  # corrected: same status, new type
        lambda: cases.add_note(ctx, "alice", a, "no change of state"),
        lambda: cases.allocate(ctx, "alice", a, "carol"),
        lambda: cases.acknowledge(ctx, "carol", a),
        lambda: cases.signpost(ctx, "alice", b, to="Thames Valley Police"),
        lambda: cases.close(ctx, "alice", c, CloseReason.WITHDRAWN),
        lambda: cases.send_to_service(ctx, "carol", a, "Adult Social Care"),
        lambda: cases.respond(ctx, "carol", a),
    ):
        marks.append(clock.advance(hours=3))
        step()
        marks.append(clock.advance(minutes=1))
    for moment in [start.subtract(hours=31), start.subtract(hours=1), *marks]:
        assert buckets(counted(ctx, moment)) == from_events(ctx, moment), moment


def test_the_direct_sqlite_read_counts_the_same(sqlite_url: str, clock: Clock) -> None:
    from triage_tui.domain.policy import DEFAULT_POLICY
    from triage_tui.domain.timeparse import parse_time
    from triage_tui.store.engine import Store
    from triage_tui.store.paths import sqlite_path
    from triage_tui.store.quick import QuickRead

    ctx = ServiceContext(store=Store(sqlite_url), policy=DEFAULT_POLICY, clock=clock)
    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    run_import(ctx, "boss", briefing_file(), ImportOptions(create_officers=True))
    window = {"received_from": parse_time("2021-11-30"), "received_to": parse_time("2022-02-28", end_of_day=True)}
    with QuickRead(sqlite_path(sqlite_url)) as read, ctx.store.read() as s:
        for text in ("2021-12-01T00:00", "2022-01-14T23:59:59", "2022-03-02T23:59:59"):
            moment = parse_time(text)
            for options in ({}, {"cohort": "backlog-2021"}, window):
                assert sorted(read.state_counts(moment, **options)) == sorted(
                    reports.state_counts(s, moment, **options)
                ), (text, options)
    ctx.store.dispose()


def test_the_direct_read_knows_how_sqlite_holds_a_current_state() -> None:
    from triage_tui.store.quick import STILL_TEXT, sqlite_time
    from triage_tui.store.tables import STILL

    assert sqlite_time(STILL) == STILL_TEXT
