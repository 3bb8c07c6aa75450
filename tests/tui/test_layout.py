"""The desk read as drawn at 80x24, 120x40 and 200x50: which columns show, the keys, the newest history line,
the report form and the help all within the screen."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select

from tests.tui.conftest import desk, settle
from tests.tui.reading import screen_lines, toast_texts
from tests.tui.reading import screen_text as drawn_text
from triage_tui.services.context import ServiceContext
from triage_tui.ui.screens.help import HelpScreen
from triage_tui.ui.widgets.case_table import CaseTable

SIZES = [(80, 24), (120, 40), (200, 50)]
ALWAYS = ("Reference", "Due", "Customer", "Type")
# What the queue shows beyond the four that always stay, at each width.
MORE = {80: {"Summary"}, 120: {"Summary", "Officer"}, 200: {"Summary", "Officer", "Status"}}
HEADINGS = ("Reference", "Due", "Received", "Channel", "Customer", "Summary", "Type", "Status", "Officer")


def headings(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The queue's column headings as drawn, left to right."""
    line = next(text for text in screen_lines(app) if text.lstrip().startswith("Reference"))
    return re.findall(r"\S+(?: \S+)*", line.split("▊")[0].split("▎")[0])


def screen_text(app: Any) -> str:
    return drawn_text(app)


def key_lines(app) -> str:  # type: ignore[no-untyped-def]
    """The bottom two lines, where the key bar is."""
    return "\n".join(screen_lines(app)[-2:])


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
async def test_the_queue_keeps_the_columns_that_matter_and_cuts_none(
    desk_ctx: ServiceContext, seeded: dict[str, str], width: int, height: int
) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(width, height)) as pilot:
        await settle(pilot)
        shown = headings(app)
        assert set(ALWAYS) <= set(shown), shown
        assert MORE[width] <= set(shown), shown
        # Whole headings only: a column either fits or gives way, never cut at the edge.
        assert all(heading in HEADINGS for heading in shown), shown
        # Labels, not codes, in the cells.
        text = screen_text(app)
        assert "Unclassified" in text and "unclassified" not in text


async def test_columns_give_way_in_order_as_the_list_narrows(desk_ctx: ServiceContext, seeded) -> None:
    app = desk(desk_ctx)
    seen: list[list[str]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        for width in (80, 100, 120, 140, 160, 180):
            await pilot.resize_terminal(width, 30)
            await settle(pilot)
            seen.append(headings(app))
    counts = [len(shown) for shown in seen]
    assert counts == sorted(counts) and counts[-1] > counts[0], seen
    # Every wider list shows what a narrower one did.
    for narrow, wide in itertools.pairwise(seen):
        assert set(narrow) <= set(wide), (narrow, wide)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
@pytest.mark.parametrize("screen", ["1", "2", "3", "4"])
async def test_every_screen_shows_help_and_quit(
    desk_ctx: ServiceContext, seeded: dict[str, str], screen: str, width: int, height: int
) -> None:
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(width, height)) as pilot:
        await settle(pilot)
        await pilot.press(screen)
        await settle(pilot)
        keys = key_lines(app)
        assert "? Help" in keys and "q Quit" in keys, keys
        assert "^p all keys" in keys, keys


@pytest.mark.parametrize(("width", "height"), SIZES, ids=lambda v: str(v))
async def test_the_newest_history_line_is_in_the_detail_pane(
    desk_ctx: ServiceContext, seeded: dict[str, str], width: int, height: int
) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(width, height)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(CaseTable).focus_case(seeded["triaged"])
        await settle(pilot)
        text = screen_text(app)
        # The correction says what the type was and what it became, by label.
        assert "Classified" in text and "Type: Unclassified → Corporate" in text, text
        if width >= 120:  # at 80 the line wraps, and its start is what the short pane shows
            assert "Status: New → Triaged" in text


async def test_the_newest_history_line_is_on_the_case_at_80x24(desk_ctx: ServiceContext, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(CaseTable).focus_case(seeded["triaged"])
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Type: Unclassified → Corporate" in screen_text(app)


async def test_the_report_form_fits_80x24_and_a_run_leaves_the_form(desk_ctx: ServiceContext, seeded) -> None:
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        for name in ("#kind", "#first", "#cohort", "#run"):
            region = screen.query_one(name).region
            assert region.width > 0 and region.right <= 80 and region.bottom <= 24, (name, region)
        screen.query_one("#first").focus()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.focused, DataTable)  # on the result, not in the date box
        assert "Position at" in screen_text(app)
        await pilot.press("1")  # a key, not a character typed into the form
        await settle(pilot)
        assert app.screen.query_one(CaseTable)


async def test_a_mistyped_report_date_names_the_formats(desk_ctx: ServiceContext, seeded) -> None:
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#kind", Select).value = "received"
        await settle(pilot)
        screen.query_one("#first", Input).value = "31/02/2022"
        await pilot.press("ctrl+r")
        await settle(pilot)
        said = " ".join(toast_texts(app))  # type: ignore[arg-type]
        assert "The first date" in said and "2022-01-14" in said and "14/01/2022" in said, said
        assert app.focused is screen.query_one("#first")  # there to be corrected


async def test_the_trend_marks_each_series_differently(desk_ctx: ServiceContext, seeded) -> None:
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#kind", Select).value = "trend"
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        plot = screen.query_one("#report-plot")
        assert plot.display
        legend = screen_text(app)
        # The legend shows each series' own mark beside its name.
        marks = ("** open", "oo unallocated", "++ with complaints team", "xx with service")
        assert all(mark in legend for mark in marks), legend


@pytest.mark.parametrize("key", ["escape", "question_mark", "q"])
async def test_help_fits_80x24_and_closes(desk_ctx: ServiceContext, seeded, key: str) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help").region
        assert box.x >= 0 and box.right <= 80 and box.y >= 0 and box.bottom <= 24, box
        await pilot.press(key)
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running
