"""The desk's App: thin. It knows who is acting, switches between the screens, polls for changes made
elsewhere (another desk, `triage intake add`, an import) and ticks the countdowns."""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from time import monotonic
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from triage_tui.domain.errors import TriageError
from triage_tui.domain.policy import Policy
from triage_tui.domain.queue import QueuePage, QueueQuery
from triage_tui.domain.views import CaseView, OfficerView
from triage_tui.services.context import ServiceContext, config_dir
from triage_tui.services.lazy import desk as desk_services
from triage_tui.services.lazy import officers as officer_services
from triage_tui.services.quickstart import quick_start
from triage_tui.ui.commands import ScreenActions
from triage_tui.ui.keymap import load_keymap
from triage_tui.ui.screens.case_list import PAGE
from triage_tui.ui.screens.help import HelpScreen
from triage_tui.ui.screens.my_cases import MyCasesScreen
from triage_tui.ui.screens.queue import QueueScreen
from triage_tui.ui.screens.reports import ReportScreen
from triage_tui.ui.screens.split import SplitScreen
from triage_tui.ui.text import notice, one_line

POLL_SECONDS = 1.0
POLL_RETRY_SECONDS = 5.0
WAIT_NOTICE_SECONDS = 1.5
WAIT_REPEAT_SECONDS = 4.0
T = TypeVar("T")


class WaitNotice:
    """From WAIT_NOTICE_SECONDS into a write until it ends, a short notice every few seconds that the desk is
    waiting for the database and for how long. Short and repeated, not one long notice: one that outlived
    the wait would say the desk is stuck when it is not."""

    def __init__(self, app: App[Any], first_after: float, lock_wait: float) -> None:
        self.app = app
        self.lock_wait = lock_wait
        self.started = monotonic()
        self.timer = app.set_timer(first_after, self._say)

    def _say(self) -> None:
        waited = monotonic() - self.started
        self.app.notify(
            "Waiting for the database: another desk or program is writing to it "
            f"({waited:.0f}s so far; giving up after {self.lock_wait:g}s).",
            title="Busy",
            timeout=WAIT_REPEAT_SECONDS,
        )
        self.timer = self.app.set_timer(WAIT_REPEAT_SECONDS, self._say)

    def stop(self) -> None:
        self.timer.stop()


# How many recent notices the desk keeps (DeskApp.notices).
NOTICES_KEPT = 200


class DeskApp(App[None]):
    TITLE = "Complaints triage desk"
    CSS_PATH = ["desk.tcss", "dialogs.tcss"]
    # The desk's actions only: Textual's theme and screenshot commands are not the desk's.
    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("1", "show('queue')", "Queue", id="screen.queue"),
        Binding("2", "show('mine')", "My cases", id="screen.mine"),
        Binding("3", "split", "Split view", id="screen.split"),
        Binding("4", "show('reports')", "Reports", id="screen.reports"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        ctx: ServiceContext | None,
        officer: OfficerView,
        *,
        policy: Policy | None = None,
        db: str | None = None,
        poll_seconds: float = POLL_SECONDS,
        keymap: dict[str, str] | None = None,
        first_page: QueuePage | None = None,
    ) -> None:
        """`ctx` is the open store; without it (a quick start) the desk opens `db` behind its first frame."""
        super().__init__()
        self.notices: deque[str] = deque(maxlen=NOTICES_KEPT)
        self.ctx = ctx
        self.db = db
        self.officer = officer
        policy = ctx.policy if ctx is not None else policy
        if policy is None:
            raise ValueError("a desk without a service context needs the policy")
        self.policy = policy
        self.tz = ZoneInfo(policy.timezone)
        self.poll_seconds = poll_seconds
        self.live_views: set[Screen] = set()
        self.officer_names: list[str] = []
        self.officer_teams: dict[str, str] = {}
        self.watermark = 0
        self._keymap = keymap or {}
        # The queue read before the app started, so the first frame already shows it.
        self.first_page = first_page
        self._polling = False
        self._poll_again = False
        self._poll_timer: Timer | None = None
        self._frozen = False
        self._poll_failing = False
        self.wait_notice_seconds = WAIT_NOTICE_SECONDS

    def on_mount(self) -> None:
        self.sub_title = f"{one_line(self.officer.name)} · {self.officer.role.value}"  # the header shows it literally
        if self._keymap:
            self.set_keymap(self._keymap)
        # Changes are read from when the first page was read, so none made since is missed.
        self.watermark = self.first_page.watermark if self.first_page else 0
        self.add_mode("queue", QueueScreen)
        self.add_mode("mine", MyCasesScreen)
        self.add_mode("reports", ReportScreen)
        self.add_mode("split", SplitScreen)
        self.switch_mode("queue")
        self.set_interval(1.0, self.tick)
        if self.ctx is not None:
            self._connected(self.ctx)
        else:
            self.call_after_refresh(self._connect)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice of the desk, whoever raises it (screens and widgets call through here), is literal text.

        Notices echo customers' names and summaries, officers' input and refusals that quote it; with markup
        a `[/]` in any of them would stop the desk. `markup` is accepted for Textual's signature and ignored.
        """
        shown = notice(message)
        # The desk's recent notices, newest last: what an officer was told, readable after the toast has gone.
        self.notices.append(shown)
        super().notify(shown, title=one_line(title), severity=severity, timeout=timeout, markup=False)

    def _fatal_error(self) -> None:
        """A crash says so in one line, without Textual's traceback: that shows the local variables of every
        frame, which hold customers' names and words, on a screen anyone may be looking at or recording."""
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

    # --- the store ------------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.ctx.now() if self.ctx is not None else datetime.now(UTC)

    def ready(self) -> bool:
        """Whether the store is open; if not, say so (for the second or so after a quick start)."""
        if self.ctx is None:
            self.notify("Opening the database… try again in a moment.", timeout=3)
            return False
        return True

    def _connect(self) -> None:
        """Open the full store behind the first frame (a quick start read the first page directly)."""

        def work() -> None:
            from triage_tui.services.context import open_context

            try:
                ctx = open_context(self.db)
            except TriageError as exc:
                self.call_from_thread(self.notify, f"Cannot open the database: {exc}", severity="error", timeout=30)
                return
            self.call_from_thread(self._connected, ctx)

        self.run_worker(work, thread=True, group="connect", exit_on_error=False)

    def _connected(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        if self.watermark == 0:
            self.watermark = desk_services.latest_watermark(ctx)
        active = [o for o in officer_services.list_officers(ctx) if o.active]
        self.officer_names = [o.username for o in active]
        self.officer_teams = {o.username: o.team.value for o in active}
        for view in list(self.live_views):
            view.connected()  # type: ignore[attr-defined]
        if self.poll_seconds > 0:
            self._schedule_poll(self.poll_seconds)

    # --- screens --------------------------------------------------------------------------------------------------

    def action_show(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_split(self) -> None:
        if self.officer.role.value != "supervisor":
            self.notify("The split view is for supervisors: it moves cases between officers.", severity="warning")
            return
        self.switch_mode("split")

    def action_help(self) -> None:
        """The screen's keys as currently mapped: its actions first, then moving about."""
        actions: list[tuple[str, str]] = []
        moving: list[tuple[str, str]] = []
        seen: set[str] = set()
        bindings = [active.binding for active in self.screen.active_bindings.values()]
        for binding in sorted(bindings, key=lambda b: not b.show):  # shown keys win over hidden aliases
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            (actions if binding.show else moving).append((self.get_key_display(binding), binding.description))
        actions.append(("ctrl+p", "Command palette: every action of this screen by name"))
        title = self.screen.__class__.__name__.removesuffix("Screen")
        self.push_screen(HelpScreen(title, [*actions, ("", ""), *moving]))

    # --- live changes -------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Read what changed since the last poll, in a thread; the next poll is scheduled when this one ends,
        so polls never overlap however slow the database is."""
        self._poll_timer = None
        if self.ctx is None:
            return  # polling starts once the store is open
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        watermark = self.watermark
        ctx = self.ctx

        def work() -> None:
            try:
                changes = desk_services.changes_since(ctx, watermark)
            except TriageError as exc:
                self.call_from_thread(self._poll_failed, str(exc))
                return
            self.call_from_thread(self._poll_done, changes)

        self.run_worker(work, thread=True, group="poll", exit_on_error=False)

    def _schedule_poll(self, delay: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_timer(max(delay, 0.01), self.poll)

    def _poll_done(self, changes: Any) -> None:
        self._polling = False
        if self._poll_failing:
            self._poll_failing = False
            self.notify("Reading changes from the database again.", title="Back")
        self.watermark = max(self.watermark, changes.watermark)
        if changes.rows:
            self.broadcast(changes.rows)
        fresh = [r for r in changes.rows if r.status.value == "new" and r.version == 1]
        if len(fresh) == 1:
            c = fresh[0]
            # Customer text, as literal as every notice (see notify); one line each, so the notice stays small.
            who, what = one_line(c.customer_name, 80), one_line(c.summary, 200)
            self.notify(f"{one_line(c.reference)} from {who}: {what}", title="New contact")
        elif fresh:
            self.notify(f"{len(fresh)} new contacts arrived", title="New contacts")
        self._schedule_poll(0 if self._poll_again else self.poll_seconds)
        self._poll_again = False
        self.post_message(self.Polled(changes.watermark))

    def _poll_failed(self, message: str) -> None:
        self._polling = False
        if not self._poll_failing:  # said once, not every retry
            self._poll_failing = True
            self.notify(
                f"Could not read changes: {message}. Trying again every {POLL_RETRY_SECONDS:g}s.",
                severity="warning",
                timeout=10,
            )
        self._schedule_poll(max(self.poll_seconds, POLL_RETRY_SECONDS))

    class Polled(Message):
        """A poll has finished (tests wait for it)."""

        def __init__(self, watermark: int) -> None:
            super().__init__()
            self.watermark = watermark

    def broadcast(self, rows: list[CaseView]) -> None:
        for view in list(self.live_views):
            with suppress(NoMatches):  # see tick
                view.cases_changed(rows)  # type: ignore[attr-defined]

    def tick(self) -> None:
        now = self.now()
        for view in list(self.live_views):
            if view.is_current or view is self.screen:
                # A screen being taken down (the desk quitting) loses its widgets before it leaves live_views;
                # a tick or a poll landing in between has nothing left to update.
                with suppress(NoMatches):
                    view.tick(now)  # type: ignore[attr-defined]

    def settled(self) -> None:
        """The first list is on screen: move what has been built so far out of the garbage collector's sight.

        A full collection walks every live object, tens of milliseconds with a page of cases and the
        libraries loaded, and would land in the middle of a countdown tick or a key press. What exists now
        lives as long as the desk, so it is frozen once (gc.freeze); later garbage is collected as usual.
        """
        if not self._frozen:
            self._frozen = True
            # After the first paint, so the officer sees the queue first.
            self.set_timer(1.0, self._freeze_heap)

    def _freeze_heap(self) -> None:
        gc.collect()
        gc.freeze()

    # --- results of actions ---------------------------------------------------------------------------------------

    def off_thread(
        self,
        owner: DOMNode,
        call: Callable[[], T],
        done: Callable[[T], object],
        *,
        group: str,
        exclusive: bool = False,
        writes: bool = False,
    ) -> None:
        """Run a service call in a worker thread of `owner`, never on the UI thread. `done` gets its result on the
        UI thread; a refusal becomes a notification and a fresh read of what changed.

        A write (`writes`) waits while another program holds the database (up to the store's lock wait); if it is
        still waiting after WAIT_NOTICE_SECONDS the officer is told, so a slow key press never looks lost."""
        waiting = self.wait_notice() if writes else None

        def finish(then: Callable[..., object] | None, value: Any = None) -> None:
            if waiting is not None:
                waiting.stop()
            if then is not None:
                then(value)

        def work() -> None:
            try:
                result = call()
            except TriageError as exc:
                self.call_from_thread(finish, self.refused, str(exc))
                return
            except BaseException:
                self.call_from_thread(finish, None)
                raise
            self.call_from_thread(finish, done, result)

        owner.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def wait_notice(self) -> WaitNotice:
        """Tells the officer the desk is waiting for the database, unless stopped first (when the write ends)."""
        return WaitNotice(self, self.wait_notice_seconds, self.ctx.store.lock_wait if self.ctx is not None else 0)

    def acted(self, view: CaseView, message: str) -> None:
        self.broadcast([view])
        self.notify(message)

    def refused(self, message: str) -> None:
        self.notify(message, severity="error", title="Not done", timeout=10)
        self.poll_now()

    def poll_now(self) -> None:
        """Read changes at once (after a refusal, so the row shows what the database really holds)."""
        if self._polling:
            self._poll_again = True
        else:
            self._schedule_poll(0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.log.error(event.worker, error)
            self.notify(
                f"Something went wrong ({type(error).__name__}); nothing was lost. Please report it.",
                severity="error",
                timeout=10,
            )


def make_desk(ctx: ServiceContext, username: str, *, prefetch: bool = False, **options: Any) -> DeskApp:
    """The desk for `username` over an open store, with their key remappings (the tests' factory too).

    With `prefetch` the queue is read before the app starts, so its first frame shows it.
    """
    officer = officer_services.get_officer(ctx, username)
    keymap = load_keymap(config_dir() / "config.toml")
    first = desk_services.queue_page(ctx, QueueQuery(), limit=PAGE) if prefetch else None
    return DeskApp(ctx, officer, keymap=keymap, first_page=first, **options)


def build_desk(db: str | None, username: str, **options: Any) -> DeskApp:
    """The desk as `triage` starts it: quickly from a SQLite file when it can, else through the full store."""
    quick = quick_start(db, username, limit=PAGE)
    if quick is None:
        from triage_tui.services.context import open_context

        return make_desk(open_context(db), username, prefetch=True, **options)
    keymap = load_keymap(config_dir() / "config.toml")
    return DeskApp(
        None, quick.officer, policy=quick.policy, db=quick.db, first_page=quick.page, keymap=keymap, **options
    )


def run_desk(db: str | None, username: str) -> None:
    build_desk(db, username).run()
