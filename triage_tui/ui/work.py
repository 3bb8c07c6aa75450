"""The one way the desk runs a service call off the UI thread.

Whichever widget or screen starts it, the result comes back on the UI thread (unless the work was cancelled
or its node has gone meanwhile), a refusal of the service (TriageError) becomes the caller's `refused`, and
any other exception, in the thread or in the callback, becomes a visible notice and a log line: never
silence. A failure must not depend on Worker.StateChanged, which does not bubble from a screen to the App.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from time import monotonic
from typing import Any, TypeVar

from textual.app import App
from textual.dom import DOMNode
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from triage_tui.domain.errors import TriageError

T = TypeVar("T")
# For whoever configures logging (a test's caplog, an operator's handler); never Python's last-resort handler,
# which would write over the desk's screen.
log = logging.getLogger("triage_tui.desk")
log.addHandler(logging.NullHandler())
WAIT_REPEAT_SECONDS = 4.0


def report_unexpected(app: App[Any], error: BaseException, where: str = "") -> None:
    """An error nobody planned for: logged in full, and the officer told in one line that nothing is lost."""
    log.error("unexpected error %s", where, exc_info=error)
    app.log.error(f"unexpected error {where}".strip(), repr(error))
    app.notify(
        f"Something went wrong ({type(error).__name__}); nothing was lost. Please report it.",
        title="Error",
        severity="error",
        timeout=10,
    )


class WaitNotice:
    """From `first_after` seconds into a write until it ends, a short notice every few seconds that the desk is
    waiting for the database and for how long. Short and repeated, not one long notice: one that outlived
    the wait would say the desk is stuck when it is not."""

    def __init__(self, app: App[Any], first_after: float, lock_wait: float) -> None:
        self.app = app
        self.lock_wait = lock_wait
        self.started = monotonic()
        self.timer: Timer = app.set_timer(first_after, self._say)

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


def off_thread(
    node: DOMNode,
    call: Callable[[], T],
    done: Callable[[T], object],
    *,
    group: str,
    refused: Callable[[str], object] | None = None,
    exclusive: bool = False,
    waiting: WaitNotice | None = None,
    always: Callable[[], object] | None = None,
) -> Worker[None]:
    """Run `call` in a worker thread of `node`; `done(result)` on the UI thread when it returns.

    `refused(message)` gets a service's refusal (by default a notice); `always()` runs on the UI thread last,
    whatever the outcome, an unexpected error or a cancellation included (a poll schedules the next with it, a
    dialog gets its save key back). An exclusive worker replaced by a newer one in its group is cancelled: its
    result is dropped, since the newer call's answer is the one wanted; an unexpected error is still reported.
    """
    app = node.app

    def on_ui(then: Callable[[Any], object], value: Any, worker: Worker[None], failed: bool) -> None:
        if waiting is not None:
            waiting.stop()
        try:
            # A result nobody is waiting for any more is dropped; a failure is told whoever is left.
            if failed or (not worker.is_cancelled and node.is_attached):
                then(value)
        except Exception as error:  # a callback's own failure is as visible as the call's
            report_unexpected(app, error, f"after {group}")
        finally:
            if always is not None:
                always()

    def say_refused(message: str) -> None:
        app.notify(message, title="Not done", severity="error", timeout=10)

    def work() -> None:
        worker = get_current_worker()
        outcome: tuple[Callable[[Any], object], Any]
        failed = False
        try:
            # Cancelled before it began (replaced by a newer call): nothing to run, only the wait to end.
            outcome = (done, None) if worker.is_cancelled else (done, call())
        except TriageError as refusal:
            outcome = (refused or say_refused, str(refusal))
        except Exception as error:
            failed = True
            outcome = (lambda e: report_unexpected(app, e, f"in {group}"), error)
        with suppress(RuntimeError):  # the desk closed meanwhile: nobody is left to tell
            app.call_from_thread(on_ui, outcome[0], outcome[1], worker, failed)

    return node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
