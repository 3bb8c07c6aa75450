"""The case actions every screen offers, each a dialog and then a service call in a worker thread.

The officer's answer is never lost: a refusal (state, role, a claim, someone else's change) comes back as a
notification naming why, and the row is refreshed from the database at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.screen import Screen

from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.errors import TransitionRefused
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui import format as fmt
from triage_tui.ui.dialogs.casework import AcknowledgeDialog, AllocateDialog, NoteDialog, RespondDialog, SendDialog
from triage_tui.ui.dialogs.triage import ClassifyDialog, CloseDialog, SignpostDialog

if TYPE_CHECKING:
    from triage_tui.ui.app import DeskApp

Call = Callable[[ServiceContext, str], CaseView]

TRIAGE_BINDINGS = [
    Binding("c", "classify", "Classify", id="classify"),
    Binding("a", "acknowledge", "Acknowledge", id="acknowledge"),
    Binding("s", "signpost", "Signpost", id="signpost"),
    Binding("l", "allocate", "Allocate", id="allocate"),
    Binding("x", "close_case", "Close", id="close"),
    Binding("t", "note", "Note", id="note"),
]
CASEWORK_BINDINGS = [
    Binding("d", "send", "Send to service", id="send"),
    Binding("r", "respond", "Response sent", id="respond"),
]


class CaseActions(Screen[None]):
    """A screen whose highlighted case the officer acts on."""

    @property
    def desk(self) -> DeskApp:
        return self.app  # type: ignore[return-value]

    def current_case(self) -> CaseView | None:
        """The case the keys act on (each screen says which)."""
        return None

    def _target(self, action: Action | None = None) -> CaseView | None:
        """The highlighted case, if `action` is open to it; else say why and return None.

        Checking the lifecycle before the dialog saves the officer filling in a form the service would refuse;
        the service checks again inside its transaction, against the case as it is then.
        """
        case = self.current_case()
        if case is None:
            self.notify("No case is highlighted", severity="warning")
            return None
        if action is not None:
            try:
                transition(action, case.status, case.reference)
            except TransitionRefused as exc:
                self.notify(str(exc), severity="warning", title="Not now")
                return None
        return case

    # --- running a service call ---------------------------------------------------------------------------------

    def perform(self, done: str, call: Call) -> None:
        """Run `call` off the UI thread; report and refresh on the UI thread."""
        app = self.desk
        ctx = app.ctx
        if ctx is None:
            app.ready()  # says the store is still opening
            return

        app.off_thread(
            self,
            lambda: call(ctx, app.officer.username),
            lambda view: app.acted(view, f"{view.reference}: {done}"),
            group="actions",
            writes=True,
        )

    # --- the actions --------------------------------------------------------------------------------------------

    def action_classify(self) -> None:
        case = self._target(Action.CLASSIFY)
        if case is None:
            return

        def chosen(kind: CaseType | None) -> None:
            if kind is not None:
                self.perform(
                    f"classified as {kind.label}",
                    lambda ctx, who: case_services.classify(
                        ctx, who, case.reference, kind, expected_version=case.version
                    ),
                )

        self.app.push_screen(ClassifyDialog(case), chosen)

    def action_signpost(self) -> None:
        case = self._target(Action.SIGNPOST)
        if case is None:
            return

        def chosen(choice: Any) -> None:
            if choice is None:
                return
            where = f"signposted to {choice.to}" if choice.to else f"passed to {choice.service_request}"
            self.perform(
                f"{where}; closed",
                lambda ctx, who: case_services.signpost(
                    ctx,
                    who,
                    case.reference,
                    to=choice.to,
                    service_request=choice.service_request,
                    note=choice.note,
                    expected_version=case.version,
                ),
            )

        self.app.push_screen(SignpostDialog(case), chosen)

    def action_close_case(self) -> None:
        case = self._target(Action.CLOSE)
        if case is None:
            return

        def chosen(choice: Any) -> None:
            if choice is not None:
                self.perform(
                    f"closed ({choice.reason.value.replace('_', ' ')})",
                    lambda ctx, who: case_services.close(
                        ctx,
                        who,
                        case.reference,
                        choice.reason,
                        duplicate_of=choice.duplicate_of,
                        note=choice.note,
                        expected_version=case.version,
                    ),
                )

        self.app.push_screen(CloseDialog(case), chosen)

    def action_allocate(self) -> None:
        case = self._target(Action.ALLOCATE)
        if case is None:
            return
        app = self.desk

        def chosen(username: str | None) -> None:
            if username is not None:
                self.perform(
                    f"allocated to {username}",
                    lambda ctx, who: case_services.allocate(
                        ctx, who, case.reference, username, expected_version=case.version
                    ),
                )

        if not app.ready():
            return

        app.off_thread(
            self,
            lambda: desk_services.officer_loads(app.ctx),
            lambda loads: app.push_screen(AllocateDialog(case, loads), chosen),
            group="dialog-data",
            exclusive=True,
        )

    def action_acknowledge(self) -> None:
        case = self._target(Action.ACKNOWLEDGE)
        if case is None:
            return
        due = case.clocks(self.desk.policy).acknowledgement.due_at
        due_text = fmt.local(due, "%a %d/%m/%Y %H:%M") if due else "(no statutory timescale for this type)"

        def chosen(ack: Any) -> None:
            if ack is not None:
                self.perform(
                    "acknowledged",
                    lambda ctx, who: case_services.acknowledge(
                        ctx, who, case.reference, channel=ack.channel, note=ack.note, expected_version=case.version
                    ),
                )

        self.app.push_screen(AcknowledgeDialog(case, due_text), chosen)

    def action_send(self) -> None:
        case = self._target(Action.SEND)
        if case is None:
            return

        def chosen(service: str | None) -> None:
            if service is not None:
                self.perform(
                    f"sent to {service}",
                    lambda ctx, who: case_services.send_to_service(
                        ctx, who, case.reference, service, expected_version=case.version
                    ),
                )

        self.app.push_screen(SendDialog(case), chosen)

    def action_respond(self) -> None:
        case = self._target(Action.RESPOND)
        if case is None:
            return

        def chosen(answer: Any) -> None:
            if answer is not None:
                self.perform(
                    "response recorded; complete",
                    lambda ctx, who: case_services.respond(
                        ctx, who, case.reference, outcome=answer.outcome, expected_version=case.version
                    ),
                )

        self.app.push_screen(RespondDialog(case), chosen)

    def action_note(self) -> None:
        case = self._target(Action.NOTE)
        if case is None:
            return

        def chosen(text: str | None) -> None:
            if text is not None:
                self.perform("note added", lambda ctx, who: case_services.add_note(ctx, who, case.reference, text))

        self.app.push_screen(NoteDialog(case), chosen)

    def action_release(self) -> None:
        case = self._target()
        if case is None or case.status is not Status.NEW:
            return
        self.perform("claim released", lambda ctx, who: desk_services.release(ctx, who, case.reference))
