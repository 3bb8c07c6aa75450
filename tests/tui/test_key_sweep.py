"""Every key of every screen, at three terminal sizes: nothing a key does may stop the desk, go wrong, or draw a
control character.

For each screen the keys are the ones it has active where it opens (`Screen.active_bindings`: its own, the
focused widget's and the desk's), less quitting. Before each key the desk is put back where the screen opened
(dialogs closed, the same screen, its first focus); a key that opens a dialog (a modal screen) has every key
of that dialog pressed too, the dialog opened again whenever one of them closes it, then escape. The counts
are printed at the end of the run (see pytest_terminal_summary in conftest)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from tests.tui.conftest import SWEEP, Unexpected, desk, settle
from tests.tui.reading import assert_terminal_safe
from triage_tui.domain.codes import CaseType
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext

SIZES = ((80, 24), (120, 40), (200, 50))
# Screen: (who opens it, the keys that reach it from the desk's first screen). My cases is carol's, who holds
# two allocated complaints; the split view and the reports are the supervisor's.
SCREENS: dict[str, tuple[str, tuple[str, ...]]] = {
    "queue": ("alice", ("1",)),
    "my cases": ("carol", ("2",)),
    "split view": ("boss", ("3",)),
    "reports": ("boss", ("4",)),
    "case": ("alice", ("1", "enter")),
    "help": ("alice", ("question_mark",)),
}
# (size, dialog class) already swept in this run.
SWEPT_DIALOGS: set[tuple[tuple[int, int], str]] = set()
LEAVING = {"quit", "app.quit", "help_quit", "app.help_quit", "suspend_process", "app.suspend_process"}


async def send_key(pilot: Pilot, key: str) -> None:
    """The key as a terminal sends it, as Pilot.press does, without Pilot.press's waits for an idle CPU (two
    at least 20 ms a key): settle() waits for what the key started instead."""
    original = REPLACED_KEYS.get(key, key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(pilot.app)
    driver = pilot.app._driver
    assert driver is not None
    driver.send_message(event)


def keys_of(screen: Screen[Any]) -> list[str]:
    """The keys active on `screen` now, except those that would leave the desk."""
    return [key for key, active in screen.active_bindings.items() if active.binding.action not in LEAVING]


def dialog_keys(screen: Screen[Any]) -> list[str]:
    """A dialog's keys, those that close it (saving, cancelling) last, so the others are pressed in it first."""
    keys = keys_of(screen)
    return sorted(keys, key=lambda k: (k in ("enter", "escape"), k == "escape"))


@dataclass
class Sweep:
    pilot: Pilot
    unexpected: Unexpected
    where: str
    route: tuple[str, ...]
    findings: list[str] = field(default_factory=list)
    pressed: int = 0
    dialogs: int = 0
    dialog_pressed: int = 0
    size: tuple[int, int] = (0, 0)
    home: Screen[Any] | None = None
    mode: str = ""
    focus: Widget | None = None

    @property
    def app(self) -> Any:
        return self.pilot.app

    async def press(self, key: str, what: str) -> bool:
        """Press `key`, let the desk finish, and note whatever went wrong; False once the desk has stopped."""
        known = len(self.unexpected.found())
        await send_key(self.pilot, key)
        await settle(self.pilot)
        if not self.app.is_running:
            self.findings.append(f"{self.where}: {what}: the desk stopped ({self.app._exception!r})")
            return False
        self.findings.extend(f"{self.where}: {what}: {found}" for found in self.unexpected.found()[known:])
        try:
            assert_terminal_safe(self.app)
        except AssertionError as unsafe:
            self.findings.append(f"{self.where}: {what}: {unsafe}")
        return True

    async def open(self) -> None:
        """From the desk's first screen, along the route, to the screen swept."""
        app = self.app
        await app.switch_mode("queue")
        while len(app.screen_stack) > 1:
            await app.pop_screen()
        for key in self.route:
            assert await self.press(key, f"opening with {key}")
        self.home, self.mode, self.focus = app.screen, app.current_mode, app.focused

    async def back_home(self) -> None:
        """Back where the screen opened: dialogs closed, the same mode and screen, the first focus."""
        app = self.app
        if app.current_mode != self.mode:
            await app.switch_mode(self.mode)
        if self.home not in app.screen_stack:
            await self.open()  # the key closed the screen itself (help, the case): open it afresh
            return
        while app.screen is not self.home:
            # Escape, as the officer leaves a dialog or a case; a screen that does not take it is popped.
            top = app.screen
            if not await self.press("escape", f"escape from {type(top).__name__}"):
                return
            if app.screen is top:
                await app.pop_screen()
        if self.focus is not None and self.focus.is_attached and app.focused is not self.focus:
            self.focus.focus()
        await settle(self.pilot)

    async def dialog(self, opener: str, dialog: Screen[Any]) -> bool:
        """Every key of the dialog `opener` opened, opening it again when one closes it; then escape.

        A dialog is swept once a size: the queue, My cases and the case open the same ones, and each key
        costs the desk a repaint (about 0.1 s); opened from another screen it is drawn, checked and left."""
        self.dialogs += 1
        swept = (self.size, type(dialog).__name__)
        keys = [] if swept in SWEPT_DIALOGS else dialog_keys(dialog)
        SWEPT_DIALOGS.add(swept)
        for key in keys:
            if self.app.screen is not dialog:
                await self.back_home()
                if not await self.press(opener, f"{opener} again"):
                    return False
                if not isinstance(self.app.screen, ModalScreen) or self.app.screen is self.home:
                    return True  # the case no longer allows it (saved by an earlier key): nothing more to press
                dialog = self.app.screen
            self.dialog_pressed += 1
            if not await self.press(key, f"{opener} then {key} in {type(dialog).__name__}"):
                return False
        if self.app.screen is dialog:
            if not await self.press("escape", f"{opener} then escape"):
                return False
            if self.app.screen is dialog:
                self.findings.append(f"{self.where}: {opener}: escape left {type(dialog).__name__} open")
        return True

    async def run(self) -> None:
        await settle(self.pilot)
        await self.open()
        assert self.home is not None
        for key in keys_of(self.home):
            await self.back_home()
            self.pressed += 1
            if not await self.press(key, key):
                return
            top = self.app.screen
            if isinstance(top, ModalScreen) and top is not self.home and not await self.dialog(key, top):
                return


@pytest.fixture
def mine_for_carol(desk_ctx: ServiceContext, seeded: dict[str, str]) -> dict[str, str]:
    """Carol's own cases for My cases: the triaged complaint and one more, allocated to her."""
    cases.classify(desk_ctx, "alice", seeded["30h"], CaseType.CORPORATE)
    for ref in (seeded["triaged"], seeded["30h"]):
        cases.allocate(desk_ctx, "boss", ref, "carol")
    return seeded


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
async def test_every_key_of_every_screen(
    desk_ctx: ServiceContext,
    mine_for_carol: dict[str, str],
    unexpected: Unexpected,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    screen: str,
    size: tuple[int, int],
) -> None:
    who, route = SCREENS[screen]
    monkeypatch.chdir(tmp_path)  # the reports' export key writes its file into the working directory
    # Polling in the background is off in the desk's tests, but a refusal reads changes at once; a long
    # interval keeps that to one read (with none set, the feed goes on polling: test_desk_faults.py).
    app = desk(desk_ctx, who, poll_seconds=3600)
    where = f"{screen} at {size[0]}x{size[1]}"
    async with app.run_test(size=size) as pilot:
        sweep = Sweep(pilot, unexpected, where, route, size=size)
        try:
            await sweep.run()
        finally:
            request.config.stash.setdefault(SWEEP, {})[where] = (sweep.pressed, sweep.dialogs, sweep.dialog_pressed)
            for finding in sweep.findings:
                print(finding)
    assert sweep.pressed > 0, f"{where}: no key to press"
    assert not sweep.findings, "\n".join(sweep.findings)
