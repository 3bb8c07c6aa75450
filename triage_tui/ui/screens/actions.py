"""The screens whose highlighted case the officer acts on, and how every action of ui/actions.py runs.

The officer's answer is never lost: a refusal (state, role, a claim, someone else's change) is shown inside the
dialog with everything typed kept, and the row is refreshed from the database at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from textual.app import App
from textual.screen import Screen

from triage_tui.domain.errors import TransitionRefused, TriageError
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.queue import live_claim
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui import format as fmt
from triage_tui.ui.actions import ACTIONS, CaseAction
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.session import Session
from triage_tui.ui.text import one_line
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

    # --- a possible duplicate, one key away wherever a case is shown whole ------------------------------------

    def shown_case(self) -> CaseView | None:
        """The case shown whole on this screen (with its related cases), if any."""
        return None

    def duplicate_key(self) -> str:
        """The key that opens a possible duplicate, as the officer's keymap has it (named in the flag)."""
        for bindings in self._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.id == "case.duplicate":
                    return self.app.get_key_display(binding)
        return "p"

    def action_open_duplicate(self) -> None:
        shown = self.shown_case()
        original = fmt.possible_duplicate(shown) if shown is not None else None
        if original is None:
            self.notify("No possible duplicate is flagged on this case", severity="warning")
            return
        from triage_tui.ui.screens.case import CaseScreen  # the case screen is one of these screens

        self.app.push_screen(CaseScreen(self.session, self.feed, original.reference))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A supervisor's action (reopen) is hidden from officers: not on their key bar, help or palette; the
        key that opens a possible duplicate is offered only while one is flagged, and an action that applies to
        few cases (the review panel) only where it does."""
        if action == "open_duplicate":
            shown = self.shown_case()
            return shown is not None and fmt.possible_duplicate(shown) is not None
        if action == "case" and parameters:
            spec = ACTIONS.get(str(parameters[0]))
            if spec is not None and spec.supervisors_only and not self.session.is_supervisor:
                return False
            if spec is not None and spec.offered is not None:
                case = self.current_case()
                return case is not None and spec.offered(case, self.session.policy)
        return True

    def action_case(self, name: str) -> None:
        spec = ACTIONS[name]
        if spec.supervisors_only and not self.session.is_supervisor:
            self.notify(f"{spec.label} is for supervisors: ask one to do it.", severity="warning", title="Not now")
            return
        case = self._target(spec.step)
        if case is None:
            return
        policy = self.session.policy
        if spec.offered is not None and not spec.offered(case, policy):
            self.notify(f"{spec.label} does not apply to {case.reference}", severity="warning", title="Not now")
            return
        why = spec.refuse(case, policy) if spec.refuse is not None else None
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
        dialog.tz = self.session.policy.timezone
        # The case the save acts on: re-read after a refusal, so saving again acts on the case as it is now.
        latest = [case]

        def save(answer: Any) -> None:
            ctx = self.session.ctx
            if ctx is None:
                dialog.refused("The database is still opening; try again in a moment.")
                return
            who = self.session.username
            asked = dialog.asked  # read by the dialog with its answer, before this save began
            before = latest[0]

            def call() -> CaseView:
                try:
                    return spec.save(ctx, who, latest[0], answer, asked)
                except TriageError:
                    with suppress(TriageError):  # gone meanwhile: the refusal says why
                        latest[0] = case_services.get_case(ctx, case.reference)
                    raise

            def done(view: CaseView) -> None:
                dialog.saved(view)
                said = spec.said(answer, before, view)
                if asked.at is not None:  # a step recorded after it happened says when it happened
                    said += f" (as at {fmt.local(asked.at)})"
                self.acted(view, f"{view.reference}: {said}")

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

    def action_release(self) -> None:
        """Give up a take-next claim on the highlighted case, so anyone may take it."""
        case = self._target()
        if case is None:
            return
        if live_claim(case, self.session.now()) is None:
            self.notify(f"{case.reference} is not claimed: nothing to release", severity="warning", title="Not now")
            return
        reference = case.reference
        self.perform(
            "claim released; anyone may take it now",
            lambda ctx, who: desk_services.release(ctx, who, reference),
        )

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


# --- a new contact (app-wide: any screen) ----------------------------------------------------------------------------


def record_contact(app: App[Any], session: Session, feed: ChangeFeed) -> None:
    """Ask for a contact that came by phone, in person or by letter, and record it: the dialog stays open on a
    refusal; once saved the officer is told its reference and it is in the queue at once (here through the
    feed, on other desks with their next poll)."""
    from triage_tui.ui.dialogs.contact import NewContact, RecordContactDialog  # on first use: see ui/actions.py

    dialog = RecordContactDialog()
    dialog.tz = session.policy.timezone

    def save(contact: NewContact) -> None:
        ctx = session.ctx
        if ctx is None:
            dialog.refused("The database is still opening; try again in a moment.")
            return
        who = session.username
        received = dialog.asked.at

        def call() -> CaseView:
            return case_services.intake(
                ctx,
                who,
                customer_name=contact.customer_name,
                summary=contact.summary,
                received_at=received,
                channel=contact.channel,
                details=contact.details,
                customer_email=contact.customer_email,
                customer_phone=contact.customer_phone,
                customer_address=contact.customer_address,
            )

        def done(view: CaseView) -> None:
            dialog.saved(view)
            feed.publish([view])
            app.notify(
                f"{view.reference} recorded: {one_line(view.customer_name, 80)}, {one_line(view.summary, 200)}. "
                "It is in the queue now.",
                title="New contact recorded",
            )

        def ended() -> None:
            dialog.saving = False

        waiting = WaitNotice(app, session.wait_notice_seconds, ctx.store.lock_wait)
        off_thread(app, call, done, group="save", refused=dialog.refused, waiting=waiting, always=ended)

    dialog.save = save
    app.push_screen(dialog)
