"""The annual report counted mostly by SQLite (reports/quick_annual.py) against the services' replay of every
event: the same figures on generated years holding every kind of journey, and the same deadlines as the
clocks for every hour around the changes of the clocks, bank holidays and a zone whose day starts on the
half hour, or behind UTC."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Clock
from tests.reports.generated_year import YEAR, Year, add_complaint_officers
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY, FROM_ACK, FROM_START, Policy
from triage_tui.reports.annual import annual
from triage_tui.reports.quick_annual import _Deadlines, annual_from_sqlite, received_params
from triage_tui.reports.stages import StageRecord
from triage_tui.services.context import ServiceContext
from triage_tui.store.paths import sqlite_path
from triage_tui.store.quick import sqlite_time


@pytest.mark.parametrize("seed", [20230401, 7])
def test_the_sqlite_count_equals_the_replay(ctx: ServiceContext, staff, clock: Clock, seed: int) -> None:
    path = sqlite_path(ctx.store.url)
    if path is None:
        pytest.skip("the direct read is SQLite's")
    add_complaint_officers(ctx)
    Year(ctx, clock, seed=seed, contacts=120).run(lambda: None)
    for year in (YEAR - 1, YEAR, YEAR + 1):
        assert annual_from_sqlite(path, ctx.policy, year).to_json() == annual(ctx, year).to_json(), year
    # Both ways were taken: plain histories counted by SQLite, and others replayed.
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        plain, replayed = _parts(connection, YEAR)
        assert plain > 20 and replayed > 5
    finally:
        connection.close()


@pytest.mark.parametrize("seed", [20230401, 7])
def test_the_kept_facts_equal_the_events_aggregated(ctx: ServiceContext, staff, clock: Clock, seed: int) -> None:
    """case_facts (migration 0012, kept by a trigger as events are written, in any order of their times) reads
    as the same per-case facts as aggregating each case's events: every year's query gives the same rows when
    every case is made to take the aggregating way."""
    from triage_tui.reports.annual import year_bounds
    from triage_tui.reports.quick_annual import PER_EARLIER, PER_RECEIVED

    path = sqlite_path(ctx.store.url)
    if path is None:
        pytest.skip("the facts are SQLite's")
    add_complaint_officers(ctx)
    Year(ctx, clock, seed=seed, contacts=120).run(lambda: None)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    _Deadlines(DEFAULT_POLICY).register(connection)
    try:
        from_facts = 0
        for year in (YEAR - 1, YEAR, YEAR + 1):
            start, end = year_bounds(year)
            window = {"start": sqlite_time(start), "end": sqlite_time(end)}
            received = received_params(window, start, end + timedelta(microseconds=1))
            for query, params in ((PER_EARLIER, window), (PER_RECEIVED, received)):
                aggregated = query.replace("f.last_at <= :end", "0").replace("f.last_at > :end", "1")
                assert aggregated != query
                assert _summed(connection.execute(query, params)) == _summed(connection.execute(aggregated, params))
            (kept,) = connection.execute(
                "SELECT count(*) FROM cases k JOIN case_facts f ON f.case_id = k.id "
                "WHERE k.received_at >= :start AND k.received_at <= :end AND f.last_at <= :end",
                window,
            ).fetchone()
            from_facts += kept
        assert from_facts > 50  # the kept facts were read, not only the events
    finally:
        connection.close()


def _summed(rows: Iterable[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """The query's counts (its last three columns) by what they count as (the others; the cases to replay one
    by one), whichever part of the query gave them."""
    summed: Counter[tuple[Any, ...]] = Counter()
    for usable, ids, *key, started, answered, in_time in rows:
        if not usable:
            summed.update(("replay", int(case_id)) for case_id in ids.split(","))
            continue
        for at, value in enumerate((started, answered, in_time)):
            summed[(*key, at)] += value
    return summed


def _parts(connection: sqlite3.Connection, year: int) -> tuple[int, int]:
    from triage_tui.reports.annual import year_bounds
    from triage_tui.reports.quick_annual import PER_EARLIER, PER_RECEIVED

    start, end = year_bounds(year)
    _Deadlines(DEFAULT_POLICY).register(connection)
    window = {"start": sqlite_time(start), "end": sqlite_time(end)}
    rows = connection.execute(PER_EARLIER, window).fetchall()
    received = received_params(window, start, end + timedelta(microseconds=1))
    rows += connection.execute(PER_RECEIVED, received).fetchall()
    return sum(r[5] for r in rows if r[0]), sum(len(r[1].split(",")) for r in rows if not r[0])


def _moments(first: datetime, days: int) -> list[datetime]:
    return [first + timedelta(minutes=20 * i) for i in range(days * 72)]


@pytest.mark.parametrize(
    "policy",
    [
        DEFAULT_POLICY,
        replace(DEFAULT_POLICY, timezone="Asia/Kolkata"),
        replace(DEFAULT_POLICY, timezone="America/New_York"),
    ],
    ids=["london", "kolkata", "new_york"],
)
def test_deadlines_by_hour_equal_the_clocks(policy: Policy) -> None:
    deadlines = _Deadlines(policy)
    # Around the spring and autumn changes and Easter 2024, and the Christmas holidays.
    moments = [
        *_moments(datetime(2024, 3, 27, tzinfo=UTC), 8),
        *_moments(datetime(2023, 10, 27, tzinfo=UTC), 4),
        *_moments(datetime(2023, 12, 22, tzinfo=UTC), 5),
    ]
    kinds = [k for k in CaseType if policy.stage_rule(k, 1) is not None]
    assert {policy.stage_rule(k, 1).respond_from for k in kinds} == {FROM_START, FROM_ACK}  # type: ignore[union-attr]
    for kind in [*kinds, CaseType.SERVICE_REQUEST]:
        for moment in moments:
            received = moment - timedelta(hours=5)
            stage = StageRecord(1, received, kind, moment)
            expected = sqlite_time(stage.clocks(received, policy).response.original_due_at)
            assert deadlines.due(kind, sqlite_time(received), sqlite_time(moment)) == expected, (kind, moment)  # type: ignore[arg-type]
        # Never acknowledged: a deadline counted from the acknowledgement has not started.
        stage = StageRecord(1, moments[0], kind)
        expected = sqlite_time(stage.clocks(moments[0], policy).response.original_due_at)
        assert deadlines.due(kind, sqlite_time(moments[0]), None) == expected  # type: ignore[arg-type]
    assert None in deadlines.days.values() if policy.timezone == "Asia/Kolkata" else None not in deadlines.days.values()


def test_stage_deadlines_are_the_clocks_due_times() -> None:
    """The reports read a stage's due times through stage_deadlines, without the rest of its clocks."""
    from triage_tui.domain.clock import CaseTimes, case_clocks, stage_deadlines

    policy = DEFAULT_POLICY
    start = datetime(2024, 3, 20, 7, 30, tzinfo=UTC)
    checked = 0
    for kind in CaseType:
        for stage in (1, 2, 3):
            for hours in range(0, 24 * 20, 7):
                received = start + timedelta(hours=hours)
                began = received + timedelta(days=3) if stage > 1 else None
                for ack, panel, extension in ((None, None, 0), (1, None, 5), (2, 9, 0), (4, 30, 12)):
                    times = CaseTimes(
                        received,
                        kind,
                        acknowledged_at=(began or received) + timedelta(days=ack) if ack else None,
                        stage=stage,
                        stage_started_at=began,
                        extension_days=extension,
                        panel_at=(began or received) + timedelta(days=panel) if panel else None,
                    )
                    clocks = case_clocks(times, policy)
                    due = stage_deadlines(times, policy)
                    assert (due.acknowledgement, due.response, due.original_response) == (
                        clocks.acknowledgement.due_at,
                        clocks.response.due_at,
                        clocks.response.original_due_at,
                    ), times
                    checked += due.response is not None
    assert checked > 1000


def test_the_facts_fold_events_written_in_any_order_of_their_times(sqlite_url: str, clock: Clock) -> None:
    """Events written out of their times' order (an import's history after a desk's action, a backdated step)
    still leave the earliest acknowledgement and the latest classification, response and send, by time."""
    from triage_tui.domain.codes import Role, Team
    from triage_tui.domain.policy import DEFAULT_POLICY
    from triage_tui.services import cases
    from triage_tui.services.officers import add_officer
    from triage_tui.store.engine import Store
    from triage_tui.store.tables import Event

    store = Store(sqlite_url)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    case_id = cases.get_case(ctx, cases.intake(ctx, "boss", customer_name="A", summary="S").reference).id
    day = datetime(2024, 5, 1, 9, tzinfo=UTC)
    written = [  # (hours after `day`, action, details): in this order, not the times'
        (5, "acknowledge", {}),
        (2, "acknowledge", {}),
        (9, "respond", {"outcome": "upheld"}),
        (7, "respond", {"outcome": "not_upheld"}),
        (4, "classify", {"type": "adults"}),
        (1, "classify", {"type": "corporate"}),
        (3, "send", {"service": "Highways"}),
        (6, "send", {"service": "Waste"}),
        (8, "note", {"text": "not read by the report"}),
    ]
    with store.write() as session:
        for hours, action, details in written:
            session.add(
                Event(case_id=case_id, at=day + timedelta(hours=hours), actor="boss", action=action, details=details)
            )
    connection = sqlite3.connect(f"file:{sqlite_path(store.url)}?mode=ro", uri=True)
    try:
        row = connection.execute(
            "SELECT replayed, kind_key, acknowledged_at, responded_key, sent_key, last_at FROM case_facts "
            "WHERE case_id = ?",
            (case_id,),
        ).fetchone()
    finally:
        connection.close()
        store.dispose()

    def at(hours: int) -> str:
        return sqlite_time(day + timedelta(hours=hours))  # type: ignore[return-value]

    replayed, kind_key, acknowledged_at, responded_key, sent_key, last_at = row
    assert replayed == 0
    assert kind_key.startswith(at(4)) and kind_key.endswith("adults")
    assert acknowledged_at == at(2)
    assert responded_key.startswith(at(9)) and responded_key.endswith("+upheld")
    assert sent_key.startswith(at(6)) and sent_key.endswith("text:Waste")
    assert last_at == at(9)  # the note is not an event the report reads


def test_half_the_year_read_by_a_forked_copy_counts_the_same(
    ctx: ServiceContext, staff, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `parallel`, the rest of the year is read by a forked copy of the process; the caller reads it
    itself, with the same figures, when the copy saw another state of the file or failed."""
    import os

    from triage_tui.reports import quick_annual
    from triage_tui.services.forking import can_fork

    path = sqlite_path(ctx.store.url)
    if path is None or not can_fork():
        pytest.skip("the direct read is SQLite's, and a forked copy Linux's on more than one core")
    add_complaint_officers(ctx)
    Year(ctx, clock, seed=11, contacts=60).run(lambda: None)
    expected = annual(ctx, YEAR).to_json()
    here = os.getpid()
    read_here: list[int] = []
    read_rest = quick_annual._Year.read_rest

    def counted_rest(self, connection):
        if os.getpid() == here:  # what the copy does is not seen here
            read_here.append(1)
        return read_rest(self, connection)

    monkeypatch.setattr(quick_annual._Year, "read_rest", counted_rest)
    assert annual_from_sqlite(path, ctx.policy, YEAR, parallel=True).to_json() == expected
    assert read_here == []  # the copy read it
    assert annual_from_sqlite(path, ctx.policy, YEAR).to_json() == expected
    assert read_here == [1]  # not parallel: read here

    begin = quick_annual._begin
    monkeypatch.setattr(quick_annual, "_begin", lambda c, d: begin(c, d) + (0 if os.getpid() == here else 1))
    assert annual_from_sqlite(path, ctx.policy, YEAR, parallel=True).to_json() == expected
    assert read_here == [1, 1]  # the copy saw another state: read here again
    monkeypatch.setattr(quick_annual, "_begin", begin)

    def failing_rest(self, connection):
        if os.getpid() != here:
            raise sqlite3.OperationalError("disk I/O error")
        return counted_rest(self, connection)

    monkeypatch.setattr(quick_annual._Year, "read_rest", failing_rest)
    assert annual_from_sqlite(path, ctx.policy, YEAR, parallel=True).to_json() == expected
    assert read_here == [1, 1, 1]  # the copy failed: read here
    monkeypatch.setattr(quick_annual._Year, "read_rest", counted_rest)

    # Another thread running: no copy is forked (it might wait forever on a lock that thread held); read here.
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert annual_from_sqlite(path, ctx.policy, YEAR, parallel=True).to_json() == expected
    finally:
        release.set()
        other.join()
    assert read_here == [1, 1, 1, 1]
