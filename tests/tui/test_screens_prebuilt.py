"""The other screens built in the quiet after the first frame, and screens shown before their data is there.

A prebuilt screen is one visited out of sight: it shows at once on its key, with what it read meanwhile and
every change the desk heard since. A screen shown before the store is open says it is reading and fills in when
it opens; none is left empty.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.tui.conftest import desk, settle, until
from tests.tui.reading import screen_text
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases, officers
from triage_tui.services.context import ServiceContext
from triage_tui.ui.app import DeskApp
from triage_tui.ui.screens.my_cases import MyCasesScreen
from triage_tui.ui.session import Session
from triage_tui.ui.split.pane import Pane
from triage_tui.ui.split.screen import SplitScreen
from triage_tui.ui.widgets.case_table import CaseTable


async def built(pilot: Any) -> None:
    """The other screens are built, and their reads done."""
    await until(pilot, lambda: pilot.app.screens_built, "the other screens built")
    await settle(pilot)


def allocated_to_carol(ctx: ServiceContext, name: str) -> str:
    ref = cases.intake(ctx, "alice", customer_name=name, summary="Bins missed").reference
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    cases.allocate(ctx, "boss", ref, "carol")
    return ref


async def test_screens_are_built_out_of_sight_and_shown_at_once(desk_ctx, seeded) -> None:
    mine = allocated_to_carol(desk_ctx, "Nadia Rahman")
    app = desk(desk_ctx, "carol", prebuild=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await built(pilot)
        assert app.current_mode == "queue"  # nothing was shown meanwhile
        await pilot.press("2")
        # Shown with its rows, with no read of its own: nothing was running when the key came.
        assert isinstance(app.screen, MyCasesScreen)
        assert list(app.screen.query_one(CaseTable).cases) == [mine]
        await settle(pilot)
        assert "My cases: 1 case" in screen_text(app) and "Nadia Rahman" in screen_text(app)
        await pilot.press("4")
        assert app.screen.__class__.__name__ == "ReportScreen"
        await settle(pilot)
        assert "Choose a report" in screen_text(app)


async def test_a_prebuilt_screen_hears_the_changes_made_meanwhile(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "carol", prebuild=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await built(pilot)
        later = allocated_to_carol(desk_ctx, "Owen Price")  # by another desk, after the screen read its list
        table = app._screens["mine"].query_one(CaseTable)
        assert later not in table.cases
        app.feed.refresh_now()
        await until(pilot, lambda: later in table.cases, "the change in the list out of sight")
        await pilot.press("2")
        await settle(pilot)
        assert later in app.screen.query_one(CaseTable).cases
        assert "Owen Price" in screen_text(app)


async def test_the_split_view_is_prebuilt_only_for_a_supervisor(desk_ctx, seeded) -> None:
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "carol")
    for who, expected in (("carol", {"queue", "mine", "reports"}), ("boss", {"queue", "mine", "reports", "split"})):
        app = desk(desk_ctx, who, prebuild=True)
        async with app.run_test(size=(160, 45)) as pilot:
            await built(pilot)
            assert set(app._screens) == expected
            if who == "boss":
                await pilot.press("3")
                screen = app.screen
                assert isinstance(screen, SplitScreen)
                left = screen.query_one("#left", Pane)
                # The busiest officer, read while the queue was on screen.
                assert not left.waiting and left.source.value == "carol"
                assert seeded["triaged"] in left.table.cases


@pytest.fixture
def store_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The store opens (Session.open, off the UI thread) only once the test sets the event."""
    go = threading.Event()
    real_open = Session.open

    def held(self: Session, ctx: ServiceContext | None = None) -> ServiceContext:
        assert go.wait(20), "the test never let the store open"
        return real_open(self, ctx)

    monkeypatch.setattr(Session, "open", held)
    yield go
    go.set()


def opening_desk(ctx: ServiceContext, db: str, who: str) -> DeskApp:
    """A desk as after a quick start: the store is opened behind the first frame."""
    officer = officers.get_officer(ctx, who)
    return DeskApp(Session(officer, DEFAULT_POLICY, db=db), poll_seconds=0, prebuild=False)


async def test_my_cases_shown_before_the_store_opens_says_so_then_lists(
    desk_ctx, seeded, sqlite_url, store_held
) -> None:
    mine = allocated_to_carol(desk_ctx, "Nadia Rahman")
    app = opening_desk(desk_ctx, sqlite_url, "carol")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, MyCasesScreen), "My cases")
        await pilot.pause()
        assert "Loading…" in screen_text(app)
        store_held.set()
        await until(pilot, lambda: app.session.ctx is not None, "the store open")
        await settle(pilot)
        assert list(app.screen.query_one(CaseTable).cases) == [mine]
        assert "Loading…" not in screen_text(app)
        # Nobody was asked to try again: the list came by itself.
        assert not [n for n in app.notices if "try again" in n]


async def test_the_split_view_says_it_is_reading_until_its_panes_are_read(
    desk_ctx, seeded, sqlite_url, store_held
) -> None:
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "carol")
    app = opening_desk(desk_ctx, sqlite_url, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, SplitScreen), "the split view")
        await pilot.pause()
        assert screen_text(app).count("Reading the caseloads…") == 2
        store_held.set()
        await until(pilot, lambda: app.session.ctx is not None, "the store open")
        await settle(pilot)
        left = app.screen.query_one("#left", Pane)
        assert not left.waiting and seeded["triaged"] in left.table.cases
        text = screen_text(app)
        assert "reading" not in text.lower() and "carol · 1 open" in text
