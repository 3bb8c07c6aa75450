"""Hearing of changes as they commit, where the database can say so (PostgreSQL), instead of asking every second.

A `ChangeWatch` runs one thread with one listening connection (store/notify.py). Each notification calls
`on_change()` in that thread: the caller then reads the changes since its watermark, as a poll would (the
notification carries no data, so nothing can be missed or read twice). When the connection cannot be opened
or is lost, `on_listening(False, why)` says so and the thread tries again after a back-off (1 s doubling to
30 s); `on_listening(True, "")` says it listens again, and the caller should read at once whatever changed
while it was not listening. Meanwhile the caller keeps polling: listening only makes polling rarer.

On SQLite there is nothing to listen to: `start_watch` returns None and the caller polls as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from time import monotonic

from triage_tui.domain.errors import StoreUnavailable
from triage_tui.services.context import ServiceContext
from triage_tui.store.notify import Listener, Waker, can_listen

log = logging.getLogger("triage_tui.notify")
log.addHandler(logging.NullHandler())

FIRST_RETRY_SECONDS = 1.0
LAST_RETRY_SECONDS = 30.0
# How often the thread looks at `keep_going()` when nothing else wakes it.
CHECK_SECONDS = 0.5


class ChangeWatch:
    """One listening thread. `close()` stops it and waits for it; it also stops by itself once `keep_going()`
    is false (its owner went away without closing it)."""

    def __init__(
        self,
        ctx: ServiceContext,
        on_change: Callable[[], object],
        on_listening: Callable[[bool, str], object] | None = None,
        *,
        keep_going: Callable[[], bool] | None = None,
    ) -> None:
        self.ctx = ctx
        self.on_change = on_change
        self.on_listening = on_listening or (lambda _listening, _why: None)
        self.keep_going = keep_going or (lambda: True)
        self.listening = False
        self.backend_pid: int | None = None  # the listening connection's server process, while there is one
        self._stopping = threading.Event()
        self._waker = Waker()
        self._thread = threading.Thread(target=self._run, name="triage-listen", daemon=True)

    def start(self) -> ChangeWatch:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float = 5.0) -> None:
        """Stop listening and close the connection; returns once the thread has ended (or after `timeout`, if it
        is still opening a connection to an unresponsive server: it then ends as soon as that returns)."""
        self._stopping.set()
        self._waker.wake()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _stopped(self) -> bool:
        return self._stopping.is_set() or not self.keep_going()

    def _run(self) -> None:
        delay = FIRST_RETRY_SECONDS
        try:
            while not self._stopped():
                try:
                    listener = Listener(self.ctx.store)
                except StoreUnavailable as why:
                    self._lost(str(why))
                else:
                    delay = FIRST_RETRY_SECONDS
                    self._listen(listener)
                if self._stopped():
                    break
                self._pause(delay)
                delay = min(delay * 2, LAST_RETRY_SECONDS)
        except Exception:  # a bug here must not pass silently, nor take the desk down: it polls on
            log.exception("listening for changes stopped on an unexpected error")
            self._report(False, "listening stopped on an unexpected error")
        finally:
            self.listening = False
            self._waker.close()

    def _listen(self, listener: Listener) -> None:
        try:
            self.backend_pid = listener.backend_pid
            self.listening = True
            self._report(True, "")
            while not self._stopped():
                if listener.wait(CHECK_SECONDS, self._waker) and not self._stopped():
                    self.on_change()
        except StoreUnavailable as why:
            self._lost(str(why))
        finally:
            self.listening = False
            self.backend_pid = None
            listener.close()

    def _lost(self, why: str) -> None:
        log.warning("not listening for changes (polling instead): %s", why)
        self._report(False, why)

    def _report(self, listening: bool, why: str) -> None:
        if not self._stopped():
            self.on_listening(listening, why)

    def _pause(self, seconds: float) -> None:
        """Wait before trying again; a close ends the wait at once, an owner gone within CHECK_SECONDS."""
        end = monotonic() + seconds
        while not self._stopped() and (left := end - monotonic()) > 0:
            self._stopping.wait(min(left, CHECK_SECONDS))


def start_watch(
    ctx: ServiceContext,
    on_change: Callable[[], object],
    on_listening: Callable[[bool, str], object] | None = None,
    *,
    keep_going: Callable[[], bool] | None = None,
) -> ChangeWatch | None:
    """Listen for changes committed to `ctx`'s database, in a thread of its own; None where the database cannot
    tell (SQLite: poll instead)."""
    if not can_listen(ctx.store):
        return None
    return ChangeWatch(ctx, on_change, on_listening, keep_going=keep_going).start()
