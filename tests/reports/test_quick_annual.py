"""The annual report counted mostly by SQLite (reports/quick_annual.py) against the services' replay of every
event: the same figures on generated years holding every kind of journey, and the same deadlines as the
clocks for every hour around the changes of the clocks, bank holidays and a zone whose day starts on the
half hour, or behind UTC."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Clock
from tests.reports.generated_year import YEAR, Year, add_complaint_officers
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY, FROM_ACK, FROM_START, Policy
from triage_tui.reports.annual import annual
from triage_tui.reports.quick_annual import _Deadlines, annual_from_sqlite
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


def _parts(connection: sqlite3.Connection, year: int) -> tuple[int, int]:
    from triage_tui.reports.annual import year_bounds
    from triage_tui.reports.quick_annual import PER_EARLIER, PER_RECEIVED

    start, end = year_bounds(year)
    window = {"start": sqlite_time(start), "end": sqlite_time(end)}
    rows = connection.execute(PER_EARLIER, window).fetchall()
    received = {**window, "low": window["start"], "high": sqlite_time(end + timedelta(microseconds=1))}
    rows += connection.execute(PER_RECEIVED, received).fetchall()
    return sum(r[3] for r in rows if r[0] == "started"), sum(r[0] == "replay" for r in rows)


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
