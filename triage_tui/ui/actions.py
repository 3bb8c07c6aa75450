"""The case actions, as one table: each action's key, the lifecycle step it takes, the dialog that asks the
officer for what it needs, the service call that saves the answer, and what the officer is told after.

Every action goes the same way (screens/actions.py runs them): refused before its dialog opens if the case no
longer allows it; the dialog stays open while the service saves, and a refusal is shown inside it with
everything typed kept; on success the change goes out on the feed and the officer is told in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding

from triage_tui.domain.lifecycle import Action
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui import format as fmt
from triage_tui.ui.dialogs.base import ActionDialog
from triage_tui.ui.dialogs.casework import AcknowledgeDialog, AllocateDialog, NoteDialog, RespondDialog, SendDialog
from triage_tui.ui.dialogs.triage import ClassifyDialog, CloseDialog, SignpostDialog
from triage_tui.ui.session import Session

# (ctx, acting officer, the case as the desk last read it, the dialog's answer) -> the case as saved.
Save = Callable[[ServiceContext, str, CaseView, Any], CaseView]


@dataclass(frozen=True)
class CaseAction:
    id: str  # the binding's id (what a keymap remaps) and the action's name
    key: str
    label: str
    step: Action  # the lifecycle step, checked before the dialog opens
    dialog: Callable[[Session, CaseView, Any], ActionDialog[Any]]  # (session, case, what `load` read)
    save: Save
    said: Callable[[Any], str]  # what the officer is told after, from the answer
    load: Callable[[ServiceContext], Any] | None = None  # read before the dialog opens (off the UI thread)
    # A refusal the lifecycle alone cannot see (the case's own fields), or None if the action may go ahead.
    refuse: Callable[[CaseView], str | None] | None = None

    @property
    def binding(self) -> Binding:
        return Binding(self.key, f"case('{self.id}')", self.label, id=self.id)


def _ack_due(session: Session, case: CaseView) -> str:
    due = case.clocks(session.policy).acknowledgement.due_at
    return fmt.local(due, "%a %d/%m/%Y %H:%M") if due else "(no statutory timescale for this type)"


def _already_acknowledged(case: CaseView) -> str | None:
    if case.acknowledged_at is None:
        return None
    return f"{case.reference} was already acknowledged on {fmt.local(case.acknowledged_at, '%d/%m/%Y %H:%M')}"


def _closed_as(choice: Any) -> str:
    return f"closed: {fmt.close_reason_label(choice.reason).lower()}"


CLASSIFY = CaseAction(
    "classify",
    "c",
    "Classify",
    Action.CLASSIFY,
    lambda session, case, _: ClassifyDialog(case),
    lambda ctx, who, case, kind: case_services.classify(ctx, who, case.reference, kind, expected_version=case.version),
    lambda kind: f"classified as {kind.label}",
)
ACKNOWLEDGE = CaseAction(
    "acknowledge",
    "a",
    "Acknowledge",
    Action.ACKNOWLEDGE,
    lambda session, case, _: AcknowledgeDialog(case, _ack_due(session, case)),
    lambda ctx, who, case, ack: case_services.acknowledge(
        ctx, who, case.reference, channel=ack.channel, note=ack.note, expected_version=case.version
    ),
    lambda ack: "acknowledged",
    refuse=_already_acknowledged,
)
SIGNPOST = CaseAction(
    "signpost",
    "s",
    "Signpost",
    Action.SIGNPOST,
    lambda session, case, _: SignpostDialog(case),
    lambda ctx, who, case, choice: case_services.signpost(
        ctx,
        who,
        case.reference,
        to=choice.to,
        service_request=choice.service_request,
        note=choice.note,
        expected_version=case.version,
    ),
    lambda choice: f"signposted to {choice.to}; closed" if choice.to else f"passed to {choice.service_request}; closed",
)
ALLOCATE = CaseAction(
    "allocate",
    "l",
    "Allocate",
    Action.ALLOCATE,
    lambda session, case, loads: AllocateDialog(case, loads),
    lambda ctx, who, case, username: case_services.allocate(
        ctx, who, case.reference, username, expected_version=case.version
    ),
    lambda username: f"allocated to {username}",
    load=lambda ctx: desk_services.officer_loads(ctx),
)
CLOSE = CaseAction(
    "close",
    "x",
    "Close",
    Action.CLOSE,
    lambda session, case, _: CloseDialog(case),
    lambda ctx, who, case, choice: case_services.close(
        ctx,
        who,
        case.reference,
        choice.reason,
        duplicate_of=choice.duplicate_of,
        note=choice.note,
        expected_version=case.version,
    ),
    _closed_as,
)
NOTE = CaseAction(
    "note",
    "t",
    "Note",
    Action.NOTE,
    lambda session, case, _: NoteDialog(case),
    lambda ctx, who, case, text: case_services.add_note(ctx, who, case.reference, text),
    lambda text: "note added",
)
SEND = CaseAction(
    "send",
    "d",
    "Send to service",
    Action.SEND,
    lambda session, case, _: SendDialog(case),
    lambda ctx, who, case, service: case_services.send_to_service(
        ctx, who, case.reference, service, expected_version=case.version
    ),
    lambda service: f"sent to {service}",
)
RESPOND = CaseAction(
    "respond",
    "r",
    "Response sent",
    Action.RESPOND,
    lambda session, case, _: RespondDialog(case),
    lambda ctx, who, case, answer: case_services.respond(
        ctx, who, case.reference, outcome=answer.outcome, expected_version=case.version
    ),
    lambda answer: "response recorded; complete",
)

TRIAGE_ACTIONS = (CLASSIFY, ACKNOWLEDGE, SIGNPOST, ALLOCATE, CLOSE, NOTE)
CASEWORK_ACTIONS = (SEND, RESPOND)
ACTIONS = {action.id: action for action in (*TRIAGE_ACTIONS, *CASEWORK_ACTIONS)}
TRIAGE_BINDINGS = [action.binding for action in TRIAGE_ACTIONS]
CASEWORK_BINDINGS = [action.binding for action in CASEWORK_ACTIONS]
