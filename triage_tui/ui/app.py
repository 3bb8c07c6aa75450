"""The desk's App: a thin shell. It holds the session and the change feed, switches between the screens,
and keeps every notice literal. The screens do the work; ui/feed.py reads what changed, ui/work.py runs
service calls off the UI thread."""

from __future__ import annotations

import gc
import os
from collections import deque
from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen

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
from triage_tui.ui.screens.find import FindScreen
from triage_tui.ui.screens.help import HelpScreen
from triage_tui.ui.screens.my_cases import MyCasesScreen
from triage_tui.ui.screens.queue import QueueScreen
from triage_tui.ui.screens.reports import ReportScreen
from triage_tui.ui.session import Session
from triage_tui.ui.split.screen import SplitScreen
from triage_tui.ui.text import notice, one_line
from triage_tui.ui.work import off_thread

NOTICES_KEPT = 200  # how many recent notices the desk keeps (DeskApp.notices)


class DeskApp(App[None]):
    TITLE = "Complaints triage desk"
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
    ) -> None:
        """Without `session.ctx` (a quick start) the desk opens `session.db` behind its first frame."""
        super().__init__()
        self.session = session
        # What the officer was told, newest last: readable after the toast has gone.
        self.notices: deque[str] = deque(maxlen=NOTICES_KEPT)
        # Changes are read from when the first page was read, so none made since is missed.
        watermark = first_page.watermark if first_page else 0
        self.feed = ChangeFeed(self, session, poll_seconds=poll_seconds, watermark=watermark)
        self.first_page = first_page  # the queue read before the app started, so the first frame shows it
        self._keymap = keymap or {}

    def on_mount(self) -> None:
        officer = self.session.officer
        self.sub_title = f"{one_line(officer.name)} · {officer.role.value}"
        if self._keymap:
            self.set_keymap(self._keymap)
        first, self.first_page = self.first_page, None
        self.add_mode("queue", lambda: QueueScreen(self.session, self.feed, first))
        self.add_mode("mine", lambda: MyCasesScreen(self.session, self.feed))
        self.add_mode("reports", lambda: ReportScreen(self.session))
        self.add_mode("split", lambda: SplitScreen(self.session, self.feed))
        self.switch_mode("queue")
        self.set_interval(1.0, self.feed.tick)
        if self.session.ctx is not None:
            self.session.open(self.session.ctx)
            self.feed.store_opened()
        else:
            self.call_after_refresh(self._open)

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

        off_thread(self, self.session.open, lambda _: self.feed.store_opened(), group="connect", refused=refused)

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
        self.push_screen(HelpScreen(title, screen_keys(self, self.screen), notes))

    def settled(self) -> None:
        """The first list is on screen: after the first paint, move what exists so far (it lives as long as
        the desk) out of the garbage collector's sight, so a full collection never lands in a key press."""
        if not getattr(self, "_frozen", False):
            self._frozen = True
            self.set_timer(1.0, self._freeze_heap)

    def _freeze_heap(self) -> None:
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

        return make_desk(open_context(db), username, prefetch=True, **options)
    return _desk(Session(quick.officer, quick.policy, db=quick.db), quick.page, **options)


def _desk(session: Session, first: QueuePage | None, **options: Any) -> DeskApp:
    keymap = load_keymap(config_dir() / "config.toml")
    return DeskApp(session, keymap=keymap, first_page=first, **options)


def run_desk(db: str | None, username: str) -> None:
    build_desk(db, username).run()
