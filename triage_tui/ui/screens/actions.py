"""The screens whose highlighted case the officer acts on, and how every action of ui/actions.py runs.

The officer's answer is never lost: a refusal (state, role, a claim, someone else's change) is shown inside the
dialog with everything typed kept, and the row is refreshed from the database at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from textual.screen import Screen

from triage_tui.domain.errors import TransitionRefused, TriageError
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import cases as case_services
from triage_tui.ui.actions import ACTIONS, CaseAction
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.session import Session
from triage_tui.ui.work import WaitNotice, off_thread

# (ctx, acting officer) -> the case as saved.
Call = Callable[[ServiceContext, str], CaseView]


class CaseActions(Screen[None]):
    """A screen of the desk: it works with the session and hears the change feed."""

    def __init__(self, session: Session, feed: ChangeFeed) -> None:
        super().__init__()
        self.session = session
        self.feed = feed

    def current_case(self) -> CaseView | None:
        """The case the keys act on (each screen says which)."""
        return None

    def ready(self) -> ServiceContext | None:
        """The open store, or None after saying it is still opening (for a second after a quick start)."""
        if self.session.ctx is None:
            self.notify("Opening the database… try again in a moment.", timeout=3)
        return self.session.ctx

    def _target(self, step: Action | None = None) -> CaseView | None:
        """The highlighted case, if `step` is open to it; else say why and return None.

        Checking before the dialog saves the officer filling in a form the service would refuse; the service
        checks again inside its transaction, against the case as it is then."""
        case = self.current_case()
        if case is None:
            self.notify("No case is highlighted", severity="warning")
            return None
        if step is not None:
            try:
                transition(step, case.status, case.reference)
            except TransitionRefused as exc:
                self.notify(str(exc), severity="warning", title="Not now")
                return None
        return case

    # --- the actions of the table ------------------------------------------------------------------------------

    def action_case(self, name: str) -> None:
        spec = ACTIONS[name]
        case = self._target(spec.step)
        if case is None:
            return
        why = spec.refuse(case) if spec.refuse is not None else None
        if why is not None:
            self.notify(why, severity="warning", title="Not now")
            return
        ctx = self.ready()
        if ctx is None:
            return
        if spec.load is None:
            self._ask(spec, case, None)
            return
        load = spec.load
        off_thread(
            self, lambda: load(ctx), lambda data: self._ask(spec, case, data), group="dialog-data", exclusive=True
        )

    def _ask(self, spec: CaseAction, case: CaseView, data: Any) -> None:
        dialog = spec.dialog(self.session, case, data)
        # The case the save acts on: re-read after a refusal, so saving again acts on the case as it is now.
        latest = [case]

        def save(answer: Any) -> None:
            ctx = self.session.ctx
            if ctx is None:
                dialog.refused("The database is still opening; try again in a moment.")
                return
            who = self.session.username

            def call() -> CaseView:
                try:
                    return spec.save(ctx, who, latest[0], answer)
                except TriageError:
                    with suppress(TriageError):  # gone meanwhile: the refusal says why
                        latest[0] = case_services.get_case(ctx, case.reference)
                    raise

            def done(view: CaseView) -> None:
                dialog.saved(view)
                self.acted(view, f"{view.reference}: {spec.said(answer)}")

            def refused(message: str) -> None:
                dialog.refused(message)
                self.feed.refresh_now()

            # On the App, not the dialog or this screen: a save that ends after either has closed is still
            # announced and published.
            def ended() -> None:
                # Whatever happened, even an unexpected error (reported as such), the dialog can save again.
                dialog.saving = False

            off_thread(self.app, call, done, group="save", refused=refused, waiting=self.wait_notice(), always=ended)

        dialog.save = save
        self.app.push_screen(dialog)

    # --- writes without a dialog --------------------------------------------------------------------------------

    def wait_notice(self) -> WaitNotice:
        """Tells the officer the desk is waiting for the database, unless stopped first (when the write ends)."""
        ctx = self.session.ctx
        return WaitNotice(self.app, self.session.wait_notice_seconds, ctx.store.lock_wait if ctx else 0)

    def perform(self, done: str, call: Call) -> None:
        """Run a write without a dialog off the UI thread; report and publish on the UI thread."""
        ctx = self.ready()
        if ctx is None:
            return
        who = self.session.username
        off_thread(
            self.app,
            lambda: call(ctx, who),
            lambda view: self.acted(view, f"{view.reference}: {done}"),
            group="actions",
            refused=self.refused,
            waiting=self.wait_notice(),
        )

    def acted(self, view: CaseView, message: str) -> None:
        self.feed.publish([view])
        self.notify(message)

    def refused(self, message: str) -> None:
        self.notify(message, severity="error", title="Not done", timeout=10)
        self.feed.refresh_now()
