"""Go to any case (g): results as the officer types, any status and anyone's; arrows choose, enter opens, an exact
reference opens at once, escape closes; customers' words in the results are only text."""

from __future__ import annotations

from textual.widgets import Input, Label, OptionList

from tests.conftest import Clock
from tests.tui.conftest import desk, settle, until
from tests.tui.reading import assert_terminal_safe, screen_text, widget_text
from triage_tui.domain.codes import CaseType, CloseReason
from triage_tui.services import cases
from triage_tui.ui.screens.case import CaseScreen
from triage_tui.ui.screens.find import FindScreen
from triage_tui.ui.screens.queue import QueueScreen

HOSTILE = "[bold red]Loud[/] \x1b[2J\x1b]0;pwned\x07 [@click=app.quit]quit[/] \u202eevil"


async def find(pilot, text: str) -> FindScreen:  # type: ignore[no-untyped-def]
    """Open the search (if it is not open), type `text`, and wait for its results."""
    app = pilot.app
    if not isinstance(app.screen, FindScreen):
        await pilot.press("g")
        await settle(pilot)
    screen = app.screen
    assert isinstance(screen, FindScreen)
    await pilot.press(*text)
    await until(pilot, lambda: screen.shown_for == text.strip(), f"the results for {text!r}")
    await settle(pilot)
    return screen


def found(screen: FindScreen) -> list[str]:
    return [case.reference for case in screen.results]


def status(screen: FindScreen) -> str:
    return widget_text(screen.query_one("#find-status", Label))


async def test_results_come_as_you_type_closed_and_colleagues_cases_included(desk_ctx, seeded) -> None:
    closed = seeded["50h"]  # Ruth Hughes
    cases.close(desk_ctx, "bob", closed, CloseReason.WITHDRAWN)
    carols = cases.intake(desk_ctx, "carol", customer_name="Ruth Hughes", summary="Hedge over the footpath").reference
    cases.classify(desk_ctx, "carol", carols, CaseType.CORPORATE)
    cases.allocate(desk_ctx, "boss", carols, "carol")
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await find(pilot, "ruth hug")
        assert sorted(found(screen)) == sorted([closed, carols])
        text = screen_text(app)
        for words in (closed, "Closed", "Ruth Hughes", "Pothole reported in March", carols, "Allocated", "Corporate"):
            assert words in text, words
        assert "received 23/11/2021" in text  # 50 hours before 10:00 on the 25th
        assert status(screen).startswith("2 cases")
        # More typing narrows; a search with nothing found says so.
        await pilot.press(*"hes hedge")
        await until(pilot, lambda: screen.shown_for == "ruth hughes hedge", "the narrower results")
        assert found(screen) == [carols]
        await pilot.press(*"zzz")
        await until(pilot, lambda: screen.shown_for == "ruth hughes hedgezzz", "no results")
        assert found(screen) == [] and status(screen).startswith("No case matches")


async def test_arrows_choose_and_enter_opens_the_highlighted_case(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await find(pilot, "example.org")
        assert len(found(screen)) == 5
        await pilot.press("down", "down", "up", "down")
        await settle(pilot)
        chosen = found(screen)[2]
        assert screen.query_one(OptionList).highlighted == 2
        assert isinstance(app.focused, Input)  # the focus stays in the box
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.reference == chosen
        assert app.screen.case is not None and app.screen.case.reference == chosen
        await pilot.press("escape")  # back where g was pressed
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_an_exact_reference_and_enter_opens_it_at_once(desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    app = desk(desk_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        # Enter straight after the reference, before any search has run: it opens when the search answers.
        await pilot.press(*ref.lower(), "enter")
        await until(pilot, lambda: isinstance(app.screen, CaseScreen), "the case screen")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.reference == ref


async def test_escape_closes_and_a_blank_box_searches_nothing(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await find(pilot, "x")
        await pilot.press("backspace")
        await until(pilot, lambda: screen.shown_for == "", "the cleared results")
        assert found(screen) == [] and status(screen).startswith("Type a reference")
        await pilot.press("enter")  # nothing to open: stays
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_customers_words_in_results_are_only_text(desk_ctx, seeded, clock: Clock) -> None:
    ref = cases.intake(desk_ctx, "bob", customer_name=f"Mallory {HOSTILE}", summary=f"Hostile {HOSTILE}").reference
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = await find(pilot, "mallory")
        assert found(screen) == [ref]
        text = screen_text(app)
        assert "[bold red]Loud[/]" in text and "[@click=app.quit]quit[/]" in text
        assert "␛[2J" in text and "<U+202E>evil" in text
        assert_terminal_safe(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.is_running
