"""The desk's App: a thin shell. It holds the session and the change feed, switches between the screens,
and keeps every notice literal. The screens do the work; ui/feed.py reads what changed, ui/work.py runs
service calls off the UI thread."""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, ScreenStackError, UnknownModeError
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from triage_tui.domain.queue import QueuePage, QueueQuery
from triage_tui.services.context import ServiceContext, config_dir
from triage_tui.services.lazy import desk as desk_services
from triage_tui.services.lazy import officers as officer_services
from triage_tui.services.quickstart import quick_start
from triage_tui.ui.commands import ScreenActions, screen_keys
from triage_tui.ui.feed import POLL_SECONDS, ChangeFeed
from triage_tui.ui.keymap import load_keymap
from triage_tui.ui.screens.actions import record_contact
from triage_tui.ui.screens.case_list import PAGE
from triage_tui.ui.screens.my_cases import MyCasesScreen
from triage_tui.ui.screens.queue import QueueScreen
from triage_tui.ui.session import Session
from triage_tui.ui.text import notice, one_line
from triage_tui.ui.work import off_thread

NOTICES_KEPT = 200  # how many recent notices the desk keeps (DeskApp.notices)
# After the first list is on screen and the store is open, the other screens are built one at a time with this
# pause between them, so a key pressed meanwhile waits for at most one screen's building.
PREBUILD_PAUSE = 0.05


class ScreensBuilt(Message):
    """Every screen the officer can switch to is built and reading (or has read) its data."""


class DeskApp(App[None]):
    TITLE = "Complaints triage desk"
    # The desk starts in the queue's mode: Textual builds its screen as the app composes, with no empty default
    # screen before it and no switch to it (see __init__).
    DEFAULT_MODE = "queue"
    CSS_PATH = ["desk.tcss", "dialogs.tcss"]
    COMMANDS = {ScreenActions}  # the desk's actions only: Textual's theme and screenshot commands are not the desk's
    BINDINGS = [
        Binding("1", "show('queue')", "Queue", id="screen.queue"),
        Binding("2", "show('mine')", "My cases", id="screen.mine"),
        Binding("3", "split", "Split view", id="screen.split"),
        Binding("4", "show('reports')", "Reports", id="screen.reports"),
        Binding("g", "find", "Go to case", id="find"),
        Binding("i", "record_contact", "New contact", id="contact"),
        # Where no screen takes R (reopen): says where it works, or that it is a supervisor's. No description,
        # so it is on no key bar, help or palette.
        Binding("R", "reopen_here", "", show=False),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        session: Session,
        *,
        poll_seconds: float = POLL_SECONDS,
        keymap: dict[str, str] | None = None,
        first_page: QueuePage | None = None,
        prebuild: bool = True,
    ) -> None:
        """Without `session.ctx` (a quick start) the desk opens `session.db` behind its first frame.

        With `prebuild` the other screens (My cases, the split view, reports) are built in the quiet after the
        first list is on screen, so a first visit shows one already laid out, its data read meanwhile."""
        super().__init__()
        self.session = session
        # What the officer was told, newest last: readable after the toast has gone.
        self.notices: deque[str] = deque(maxlen=NOTICES_KEPT)
        # Changes are read from when the first page was read, so none made since is missed.
        watermark = first_page.watermark if first_page else 0
        self.feed = ChangeFeed(self, session, poll_seconds=poll_seconds, watermark=watermark)
        self.first_page = first_page  # the queue read before the app started, so the first frame shows it
        self._keymap = keymap or {}
        self._prebuild = prebuild
        self._listed = False  # the first list is on screen
        self._prebuilding = False
        self._screens: dict[str, Screen[Any]] = {}  # each mode's screen, once built (visited or prebuilt)
        self.screens_built = False
        officer = session.officer
        self.sub_title = f"{one_line(officer.name)} · {officer.role.value}"
        if self._keymap:
            self.set_keymap(self._keymap)
        # The modes are known before the app runs, so Textual builds the queue (DEFAULT_MODE) as the app composes.
        # Switching to it from on_mount instead cost the first frame an empty default screen composed, laid out
        # and suspended, the whole stylesheet parsed once more (switch_mode's refresh_css, after _init_mode's) and
        # the queue resized and resumed twice, its first frame drawn twice.
        self._add_mode("queue", self._queue_screen)
        self._add_mode("mine", lambda: MyCasesScreen(self.session, self.feed))
        self._add_mode("reports", self._report_screen)
        self._add_mode("split", self._split_screen)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.feed.tick)
        if self.session.ctx is not None:
            self.session.open(self.session.ctx)
            self._store_opened()
        else:
            self.call_after_refresh(self._open)

    def on_unmount(self) -> None:
        # The listening thread (PostgreSQL) and its connection end with the desk, not half a second after it.
        self.feed.close()

    def _queue_screen(self) -> Screen[Any]:
        first, self.first_page = self.first_page, None
        return QueueScreen(self.session, self.feed, first)

    # The reports and the split view (and the find and help screens) are imported when first built, after the
    # first list is on screen: their modules (the charts' library among them) are not needed to draw it.
    def _report_screen(self) -> Screen[Any]:
        from triage_tui.ui.screens.reports import ReportScreen

        return ReportScreen(self.session)

    def _split_screen(self) -> Screen[Any]:
        from triage_tui.ui.split.screen import SplitScreen

        return SplitScreen(self.session, self.feed)

    def _add_mode(self, mode: str, build: Callable[[], Screen[Any]]) -> None:
        def built() -> Screen[Any]:
            screen = self._screens[mode] = build()
            return screen

        self.add_mode(mode, built)

    def _store_opened(self) -> None:
        self.feed.store_opened()
        self._start_prebuild()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice of the desk, whoever raises it, is literal text: notices quote customers' names and
        officers' input, and with markup a `[/]` in any of them would stop the desk. `markup` is ignored."""
        shown = notice(message)
        self.notices.append(shown)
        super().notify(shown, title=one_line(title), severity=severity, timeout=timeout, markup=False)

    def _fatal_error(self) -> None:
        """A crash says so in one line: Textual's traceback shows every frame's local variables, which hold
        customers' names and words, on a screen anyone may be looking at."""
        if os.environ.get("TRIAGE_DEBUG"):
            super()._fatal_error()
            return
        kind = type(self._exception).__name__ if self._exception is not None else "error"
        self.bell()
        self._exit_renderables.append(
            Text(
                f"error: the desk stopped on an unexpected error ({kind}); everything saved before it is kept. "
                "Please report it (TRIAGE_DEBUG=1 shows the details)."
            )
        )
        self._close_messages_no_wait()

    def _open(self) -> None:
        """Open the full store behind the first frame (a quick start read the first page directly)."""

        def refused(message: str) -> None:
            self.notify(f"Cannot open the database: {message}", severity="error", timeout=30)

        off_thread(self, self.session.open, lambda _: self._store_opened(), group="connect", refused=refused)

    def action_show(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)
        # The key names a list: from a case opened over it, it goes back to the list (a dialog stays).
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()

    def action_split(self) -> None:
        if not self.session.is_supervisor:
            self.notify("The split view is for supervisors: it moves cases between officers.", severity="warning")
            return
        self.action_show("split")

    def action_find(self) -> None:
        from triage_tui.ui.screens.find import FindScreen

        self.push_screen(FindScreen(self.session, self.feed))

    def action_record_contact(self) -> None:
        record_contact(self, self.session, self.feed)

    def action_reopen_here(self) -> None:
        if self.session.is_supervisor:
            self.notify("Open the case first (g finds any case), then R reopens it.", severity="warning")
        else:
            self.notify("Reopening a case is for supervisors: ask one to reopen it.", severity="warning")

    def action_help(self) -> None:
        title = self.screen.__class__.__name__.removesuffix("Screen")
        notes = getattr(self.screen, "HELP_NOTES", "")  # what the keys alone do not say (the case screen's stages)
        from triage_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(title, screen_keys(self, self.screen), notes))

    def settled(self) -> None:
        """The first list is on screen: the other screens may be built now (once the store is open too)."""
        if not self._listed:
            self._listed = True
            self._start_prebuild()

    # --- the quiet after the first frame --------------------------------------------------------------------------
    #
    # A screen's first building costs Textual a few hundred milliseconds on this desk: its widgets' CSS parsed
    # into the stylesheet, its widgets composed, mounted, styled and laid out. Done on the key press, the officer
    # waits for it; done here, once the first list is on screen and nothing else is happening, the key only
    # switches to a screen that is ready, whose data was read meanwhile and kept current by the change feed
    # like any screen out of sight. A key pressed before its screen is built builds it then, as before.

    def _start_prebuild(self) -> None:
        if not (self._listed and self.session.ctx is not None) or self._prebuilding:
            return
        self._prebuilding = True
        if self._prebuild:
            self.set_timer(PREBUILD_PAUSE, self._prebuild_next)
        else:
            self.set_timer(1.0, self._freeze_heap)  # what the first list left behind, settled by then

    def _prebuild_next(self) -> None:
        try:
            current = self.screen
        except (ScreenStackError, UnknownModeError):
            return  # the desk is closing
        self._restyle_built(current)
        wanted = ["mine", "split", "reports"] if self.session.is_supervisor else ["mine", "reports"]
        pending = [mode for mode in wanted if mode not in self._screens]
        if not pending or not self.is_running:
            self.screens_built = True
            self.post_message(ScreensBuilt())
            self.call_after_refresh(self._freeze_heap)
            return
        # Textual builds a mode's screen on its first switch_mode (App._init_mode; textual is pinned in
        # pyproject.toml); called here it builds and mounts the screen without showing it.
        self._init_mode(pending[0])
        self.call_after_refresh(self.set_timer, PREBUILD_PAUSE, self._prebuild_next)

    def _restyle_built(self, current: Screen[Any]) -> None:
        """Style the screens built out of sight with the stylesheet as it is now (their widgets' CSS included),
        as Textual does for the screens under the current one: otherwise the first switch to one would parse the
        whole stylesheet again and restyle every widget of the desk, the most costly part of a first visit."""
        for screen in self._screens.values():
            stale = screen._css_update_count != self._css_update_count
            if screen is not current and screen.is_mounted and stale:
                self.stylesheet.update(screen, animate=False)
                screen._css_update_count = self._css_update_count

    def _freeze_heap(self) -> None:
        """Move what exists now (it lives as long as the desk, the screens built too) out of the garbage
        collector's sight, so a full collection never lands in a key press."""
        gc.collect()
        gc.freeze()


def make_desk(ctx: ServiceContext, username: str, *, prefetch: bool = False, **options: Any) -> DeskApp:
    """The desk for `username` over an open store, with their key remappings (the tests' factory too).

    With `prefetch` the queue is read before the app starts, so its first frame shows it."""
    officer = officer_services.get_officer(ctx, username)
    first = desk_services.queue_page(ctx, QueueQuery(), limit=PAGE) if prefetch else None
    return _desk(Session(officer, ctx.policy, ctx=ctx), first, **options)


def build_desk(db: str | None, username: str, **options: Any) -> DeskApp:
    """The desk as `triage` starts it: quickly from a SQLite file when it can, else through the full store."""
    quick = quick_start(db, username, limit=PAGE)
    if quick is None:
        from triage_tui.services.context import open_context

        app = make_desk(open_context(db), username, prefetch=True, **options)
    else:
        app = _desk(Session(quick.officer, quick.policy, db=quick.db), quick.page, **options)
    # What exists now (the modules, the policy, the first page) lives as long as the desk: out of the garbage
    # collector's sight, the full collection that otherwise lands in the first frame (about 20 ms of walking
    # every module's objects on a 100,000-case desk) finds next to nothing to walk. _freeze_heap does the same
    # for what the first frame and the other screens add, once they are built.
    gc.freeze()
    return app


def _desk(session: Session, first: QueuePage | None, **options: Any) -> DeskApp:
    keymap = load_keymap(config_dir() / "config.toml")
    return DeskApp(session, keymap=keymap, first_page=first, **options)


def run_desk(db: str | None, username: str) -> None:
    build_desk(db, username).run()
