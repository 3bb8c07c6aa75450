"""The report screen: choose a report and its dates (or its financial year) from the keyboard, read its tables,
plot the trend, export."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pendulum
import pytest

from tests.conftest import Clock
from tests.reports.generated_year import a_year_at_the_desk
from tests.tui.conftest import desk, settle
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.importer.briefing import briefing_file
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.reports import compute
from triage_tui.reports.annual import annual
from triage_tui.reports.render import export_csv, sections
from triage_tui.services import cases
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


# --- the annual report and the SLA by stage ---------------------------------------------------------------------


@pytest.fixture
def year_desk(desk_ctx: ServiceContext, clock: Clock) -> ServiceContext:
    return a_year_at_the_desk(desk_ctx, clock)


def shown_rows(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def drawn(report: Any) -> list[tuple[str, list[str], list[list[str]]]]:
    """Each table of a report as the desk should show it: title, header, rows."""
    return [(s.title, s.header, [[str(c) for c in row] for row in s.body]) for s in sections(report)]


def on_screen(screen: Any) -> list[tuple[str, list[str], list[list[str]]]]:
    """Each table the report screen shows: the first under the report's title, the others under their own."""
    tables = [screen.query_one("#report-table"), *screen.query("#report-more DataTable")]
    titles = [str(screen.query_one("#report-title").content)]
    titles += [str(s.content) for s in screen.query("#report-more > Static")]
    return [
        (title, [str(c.label) for c in table.columns.values()], shown_rows(table))
        for title, table in zip(titles, tables, strict=True)
    ]


async def choose_year(pilot, year: str) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    screen.query_one("#kind").value = "annual"
    await settle(pilot)
    box = screen.query_one("#year")
    box.value = year
    box.focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_annual_report_from_the_keyboard(year_desk, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = desk(year_desk, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#kind").value = "annual"
        await settle(pilot)
        # The year the desk's clock is in (2 June 2025: 2025-26), and what it means, beside it.
        assert screen.query_one("#year").value == "2025"
        assert str(screen.query_one("#year-span").content) == "1 April 2025 to 31 March 2026"
        assert not screen.query_one("#first").display and not screen.query_one("#cohort").display
        await choose_year(pilot, "2023")
        expected = annual(year_desk, 2023)
        assert on_screen(screen) == drawn(expected)
        assert [title for title, _, _ in on_screen(screen)][1:] == [
            "Complaints by stage: started and responded to in the year",
            "Ombudsman enquiries opened in the year",
            "Complaints received in the year by service (stage 1)",
        ]
        await pilot.press("escape", "e")
        await settle(pilot)
        # Back to a report of one table: the tables below go.
        screen.query_one("#kind").value = "position"
        await settle(pilot)
        screen.query_one("#first").value = "2024-03-31"
        screen.query_one("#first").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.query_one("#report-more").display
        assert not screen.query("#report-more DataTable")
    exported = tmp_path / "triage-report-annual-2023-04-01-to-2024-03-31.csv"
    assert exported.read_text(encoding="utf-8") == export_csv(expected)
    rows = list(csv.reader(exported.open()))
    assert rows[0] == ["Financial year", "2023-24"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [("20x3", "is not a year"), ("1899", "from 1900 to 2099"), ("", "is not a year")],
)
async def test_a_year_that_is_not_one_is_named_and_its_box_focused(year_desk, typed: str, said: str) -> None:
    app = desk(year_desk, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await choose_year(pilot, typed)
        assert app.screen.shown is None
        assert app.focused is app.screen.query_one("#year")
        assert any(said in n and "The financial year" in n for n in app.notices)


async def test_sla_by_type_and_by_stage(year_desk) -> None:
    app = desk(year_desk, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await fill(pilot, "sla", "2023-04-01", "2024-03-31", "")
        expected = compute.sla(year_desk, date(2023, 4, 1), date(2024, 3, 31))
        assert expected.stages  # the year has stages to show
        shown = on_screen(app.screen)
        assert shown == drawn(expected)
        assert shown[1][0] == "By stage: stages started 2023-04-01 to 2024-03-31"
        assert shown[1][1][:3] == ["Type", "Stage", "Started"]
        assert len(shown[1][2]) == len(expected.stages) + 1  # and the total of all stages


async def test_a_service_name_is_shown_as_typed(desk_ctx: ServiceContext, clock: Clock) -> None:
    """Text someone typed (a service's name) reaches the tables below the first as literal text, never markup."""
    add_officer(desk_ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    clock.set(pendulum.datetime(2023, 6, 1, 10, tz="Europe/London"))
    ref = cases.intake(desk_ctx, "boss", customer_name="A", summary="S").reference
    cases.classify(desk_ctx, "boss", ref, CaseType.CORPORATE)
    cases.allocate(desk_ctx, "boss", ref, "boss")
    typed = "[b]Parks[/b] [link=http://example.org]and[/link] =SUM(A1)"
    cases.send_to_service(desk_ctx, "boss", ref, typed)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await choose_year(pilot, "2023")
        services = on_screen(app.screen)[-1]
        assert services[2][0] == [typed, "1", "0 (0%)"]
