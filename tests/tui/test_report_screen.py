"""The report screen: choose a report and its dates from the keyboard, read the table, plot the trend, export."""

from __future__ import annotations

import csv
from pathlib import Path

import pendulum
import pytest

from tests.conftest import Clock
from tests.tui.conftest import desk, settle
from triage_tui.domain.codes import Role, Team
from triage_tui.importer.briefing import briefing_file
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer


@pytest.fixture
def briefing_desk(desk_ctx: ServiceContext, clock: Clock) -> ServiceContext:
    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    add_officer(desk_ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    run_import(desk_ctx, "boss", briefing_file(), ImportOptions(create_officers=True))
    return desk_ctx


async def fill(pilot, report: str, first: str, last: str, cohort: str) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    screen.query_one("#kind").value = report
    await settle(pilot)
    for name, value in (("#first", first), ("#last", last), ("#cohort", cohort)):
        screen.query_one(name).value = value
    screen.query_one("#cohort").focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_position_and_trend_from_the_keyboard(briefing_desk, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = desk(briefing_desk, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ReportScreen"
        await fill(pilot, "position", "2021-12-01T00:00", "", "backlog-2021")
        table = app.screen.query_one("#report-table")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][:4] == ["Statutory Adults", "89", "42", "47"]
        assert rows[-1][:4] == ["Total", "282", "114", "168"]
        assert not app.screen.query_one("#report-plot").display
        await fill(pilot, "trend", "2021-12-01", "2022-03-02", "backlog-2021")
        assert app.screen.query_one("#report-plot").display
        assert [str(c) for c in table.get_row_at(0)][:2] == ["2021-12-01", "282"]
        await pilot.press("escape")  # out of the form: e exports rather than types
        await pilot.press("e")
        await settle(pilot)
    exported = list(tmp_path.glob("triage-report-trend-*.csv"))
    assert len(exported) == 1
    rows = list(csv.reader(exported[0].open()))
    assert rows[0][:3] == ["Cohort", "Date", "Open"] and rows[1][:3] == ["backlog-2021", "2021-12-01", "282"]


def test_report_screen_snapshot(snap_compare, briefing_desk) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await fill(pilot, "trend", "2021-12-01", "2022-03-02", "backlog-2021")

    assert snap_compare(desk(briefing_desk, "boss"), terminal_size=(150, 45), run_before=run)


async def test_exports_are_named_by_report_and_date_and_say_their_moment(
    briefing_desk, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = desk(briefing_desk, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        for as_of in ("2021-12-01T00:00", "2022-01-14"):
            await fill(pilot, "position", as_of, "", "backlog-2021")
            await pilot.press("escape", "e")
            await settle(pilot)
    names = sorted(p.name for p in tmp_path.glob("triage-report-*.csv"))
    # Two dates, two files: the second export no longer lands on the first's name (today's date).
    assert names == [
        "triage-report-position-2021-12-01-0000.csv",
        "triage-report-position-2022-01-14-2359.csv",
    ]
    rows = list(csv.reader((tmp_path / names[1]).open()))
    assert rows[0][:3] == ["Cohort", "As at", "Type"]
    assert rows[1][:2] == ["backlog-2021", "14/01/2022 23:59"]
    assert rows[-1][2] == "Total" and rows[-1][4:7] == ["0", "23", "3"]  # the briefing's 26 open cases
