"""The desk's one change feed: what changed in the database since the last look, published to the screens.

Changes come from the poll (another desk, `triage intake add`, an import) and from this desk's own actions;
both reach every subscribed screen through the same signal, so a screen has one place to handle them. The
countdowns tick through a signal too, once a second. Screens subscribe on mount; Textual drops a screen's
subscriptions when it goes.

On PostgreSQL the desk also listens for the server's notifications (services/notify.py): a change committed
anywhere wakes the poll at once, and the poll itself runs only every SAFETY_POLL_SECONDS, in case a
notification is ever lost. While the listening connection is down the desk polls at its usual pace, so the
officer sees nothing different and is not told; the log says it. A desk that does not poll (poll_seconds 0)
does not listen either. On SQLite nothing changes: it polls.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.message import Message
from textual.signal import Signal
from textual.timer import Timer

from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import LazyModule
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui.session import Session
from triage_tui.ui.text import one_line
from triage_tui.ui.work import off_thread, report_unexpected

# Imported when the store opens: it reaches the database driver, which the desk's first frame does without.
notify_services = LazyModule("triage_tui.services.notify")

POLL_SECONDS = 1.0
POLL_RETRY_SECONDS = 5.0
# While the desk hears every change as it commits, the poll is only a safety net.
SAFETY_POLL_SECONDS = 30.0


class Polled(Message):
    """A poll has finished (tests wait for it)."""

    def __init__(self, watermark: int) -> None:
        super().__init__()
        self.watermark = watermark


class ChangeFeed:
    def __init__(self, app: App[Any], session: Session, *, poll_seconds: float, watermark: int = 0) -> None:
        self.app = app
        self.session = session
        self.poll_seconds = poll_seconds
        # Changes are read from here on; set from the first page read, so none made since it is missed.
        self.watermark = watermark
        self.changed: Signal[list[CaseView]] = Signal(app, "changed")
        self.ticked: Signal[datetime] = Signal(app, "ticked")
        self.opened: Signal[Session] = Signal(app, "opened")  # the full store is open
        self._polling = False
        self._poll_again = False
        self._timer: Timer | None = None
        self._failing = False
        self._delay = max(poll_seconds, POLL_RETRY_SECONDS)  # until the next poll, set by its outcome (_ended)
        # Cases this desk recorded itself (id, version): the officer was told when they saved it, so the poll
        # that reads the same row back does not announce it again as a new arrival.
        self._own: set[tuple[int, int]] = set()
        self._watch: Any = None  # the listening thread (services/notify.py ChangeWatch), on PostgreSQL
        self.listening = False  # set on the UI thread when the listener says it listens, or has stopped
        self._closed = False

    # --- what screens are told ---------------------------------------------------------------------------------

    def listen(
        self,
        node: DOMNode,
        *,
        changed: Callable[[list[CaseView]], object] | None = None,
        ticked: Callable[[datetime], object] | None = None,
        opened: Callable[[Session], object] | None = None,
    ) -> None:
        """Subscribe `node` to the feed. A subscriber's unexpected error is reported like any other (a notice
        and a log line) and the desk carries on: the other subscribers still hear the change."""
        for signal, callback in ((self.changed, changed), (self.ticked, ticked), (self.opened, opened)):
            if callback is not None:
                signal.subscribe(node, self._guarded(node, callback))

    def _guarded(self, node: DOMNode, callback: Callable[[Any], object]) -> Callable[[Any], None]:
        def call(data: Any) -> None:
            try:
                callback(data)
            except Exception as error:
                report_unexpected(self.app, error, f"in {type(node).__name__}")

        return call

    def publish(self, rows: list[CaseView]) -> None:
        """Rows this desk's own actions changed."""
        if rows:
            self._own.update((row.id, row.version) for row in rows if row.version == 1)
            self.changed.publish(rows)

    def tick(self) -> None:
        self.ticked.publish(self.session.now())

    def store_opened(self) -> None:
        if self.watermark == 0 and self.session.ctx is not None:
            self.watermark = desk_services.latest_watermark(self.session.ctx)
        self.opened.publish(self.session)
        if self.poll_seconds > 0:
            self._schedule(self.poll_seconds)
            self._start_listening()

    def close(self) -> None:
        """Stop polling and listening (the desk is closing): the listening thread has ended when this returns."""
        self._closed = True
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()

    # --- hearing of changes (PostgreSQL) ------------------------------------------------------------------------

    def _start_listening(self) -> None:
        ctx = self.session.ctx
        if ctx is None or self._watch is not None or self._closed:
            return
        # The listener calls back in its own thread: each call is handed to the desk's loop without waiting for
        # it (waiting could block a close that is waiting for the thread), in the desk's context (Textual's
        # timers and notices find their app through it).
        loop = asyncio.get_running_loop()
        desk_context = contextvars.copy_context()

        def on_ui(call: Callable[[], object]) -> None:
            with suppress(RuntimeError):  # the loop has closed: the desk is gone
                loop.call_soon_threadsafe(call, context=desk_context.copy())

        self._watch = notify_services.start_watch(
            ctx,
            lambda: on_ui(self._notified),
            lambda listening, why: on_ui(lambda: self._listening_changed(listening, why)),
            keep_going=lambda: self.app.is_running and not self._closed,
        )

    def _notified(self) -> None:
        if not self._closed and self.app.is_running:
            self.refresh_now()

    def _listening_changed(self, listening: bool, why: str) -> None:
        if self._closed or not self.app.is_running:
            return
        was, self.listening = self.listening, listening
        if not listening:
            self.app.log.warning(f"not listening for changes, polling every {self.poll_seconds:g}s: {why}")
        # Read now on listening (what changed while the desk was not) and on losing it (what the lost connection
        # may not have said); the next poll after that is set by the new state (_interval). A failed attempt to
        # listen again changes nothing: the desk is polling at its usual pace already.
        if listening or was:
            self.refresh_now()

    def _interval(self) -> float:
        return max(self.poll_seconds, SAFETY_POLL_SECONDS) if self.listening else self.poll_seconds

    # --- the poll ------------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Read what changed since the last poll, in a thread; the next poll is scheduled when this one ends,
        so polls never overlap however slow the database is."""
        self._timer = None
        ctx = self.session.ctx
        if ctx is None or self._closed:
            return  # polling starts once the store is open, and ends with the desk
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        watermark = self.watermark
        off_thread(
            self.app,
            lambda: desk_services.changes_since(ctx, watermark),
            self._done,
            group="poll",
            refused=self._failed,
            always=self._ended,
        )

    def _ended(self) -> None:
        # Whatever the poll's outcome, even an unexpected error (reported by off_thread), polling goes on:
        # after the usual pause if it read the changes, after the retry pause otherwise.
        self._polling = False
        delay, self._delay = self._delay, max(self.poll_seconds, POLL_RETRY_SECONDS)
        if not self._closed:
            self._next(delay)

    def _next(self, delay: float) -> None:
        """The next poll: at once if a refresh was asked for meanwhile, else after `delay`; never on its own
        in a desk that does not poll (poll_seconds 0: it reads changes only when asked, after a refusal)."""
        if self._poll_again:
            self._poll_again = False
            self._schedule(0)
        elif self.poll_seconds > 0:
            self._schedule(delay)

    def refresh_now(self) -> None:
        """Read changes at once (after a refusal, so the row shows what the database really holds)."""
        if self._polling:
            self._poll_again = True
        else:
            self._schedule(0)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(max(delay, 0.01), self.poll)

    def _done(self, changes: Any) -> None:
        if self._failing:
            self._failing = False
            self.app.notify("Reading changes from the database again.", title="Back")
        self.watermark = max(self.watermark, changes.watermark)
        if changes.rows:
            self.changed.publish(changes.rows)
        fresh = [r for r in changes.rows if r.status.value == "new" and r.version == 1]
        own = self._own
        announced = [r for r in fresh if (r.id, r.version) not in own]
        own.difference_update((r.id, r.version) for r in changes.rows)  # read back: no longer needed
        fresh = announced
        if len(fresh) == 1:
            c = fresh[0]
            # Customer text, as literal as every notice; one line each, so the notice stays small.
            who, what = one_line(c.customer_name, 80), one_line(c.summary, 200)
            self.app.notify(f"{one_line(c.reference)} from {who}: {what}", title="New contact")
        elif fresh:
            self.app.notify(f"{len(fresh)} new contacts arrived", title="New contacts")
        self._delay = self._interval()
        self.app.post_message(Polled(changes.watermark))

    def _failed(self, message: str) -> None:
        if not self._failing:  # said once, not every retry
            self._failing = True
            self.app.notify(
                f"Could not read changes: {message}. Trying again every {POLL_RETRY_SECONDS:g}s.",
                severity="warning",
                timeout=10,
            )
        # The retry pause is the default delay (_ended).
