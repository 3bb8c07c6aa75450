"""The case actions, as one table: each action's key, the lifecycle step it takes, the dialog that asks the
officer for what it needs, the service call that saves the answer, and what the officer is told after.

Every action goes the same way (screens/actions.py runs them): refused before its dialog opens if the case no
longer allows it (a supervisor's action is hidden from officers); the dialog stays open while the service
saves, and a refusal is shown inside it with everything typed kept; on success the change goes out on the feed
and the officer is told in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding

from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, Status
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui import format as fmt
from triage_tui.ui.dialogs.base import ActionDialog, Asked
from triage_tui.ui.dialogs.casework import (
    AcknowledgeDialog,
    AllocateDialog,
    NoteDialog,
    ReopenDialog,
    RespondDialog,
    SendDialog,
)
from triage_tui.ui.dialogs.contact import EditDialog, changed_words
from triage_tui.ui.dialogs.triage import ClassifyDialog, CloseDialog, SignpostDialog
from triage_tui.ui.session import Session

# (ctx, acting officer, the case as the desk last read it, the dialog's answer, when and why) -> the case as saved.
Save = Callable[[ServiceContext, str, CaseView, Any, Asked], CaseView]
# (the dialog's answer, the case before, the case as saved) -> what the officer is told after.
Said = Callable[[Any, CaseView, CaseView], str]


@dataclass(frozen=True)
class CaseAction:
    id: str  # the binding's id (what a keymap remaps) and the action's name
    key: str
    label: str
    step: Action | None  # the lifecycle step, checked before the dialog opens (None: the case's own refusal)
    dialog: Callable[[Session, CaseView, Any], ActionDialog[Any]]  # (session, case, what `load` read)
    save: Save
    said: Said
    load: Callable[[ServiceContext], Any] | None = None  # read before the dialog opens (off the UI thread)
    # A refusal the lifecycle alone cannot see (the case's own fields), or None if the action may go ahead.
    refuse: Callable[[CaseView], str | None] | None = None
    supervisors_only: bool = False  # the key is hidden from officers (the service checks the role again)

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


def _not_done(case: CaseView) -> str | None:
    if case.status in (Status.RESPONDED, Status.CLOSED):
        return None
    return f"{case.reference} is {case.status.label.lower()}: only a responded or closed case can be reopened"


def _closed_as(choice: Any, before: CaseView, after: CaseView) -> str:
    return f"closed: {fmt.close_reason_label(choice.reason).lower()}"


def _classified(kind: CaseType, before: CaseView, after: CaseView) -> str:
    if before.type in COMPLAINT_TYPES:
        return f"classification corrected: {before.type.label} → {kind.label}"
    return f"classified as {kind.label}"


CLASSIFY = CaseAction(
    "classify",
    "c",
    "Classify",
    Action.CLASSIFY,
    lambda session, case, _: ClassifyDialog(case),
    lambda ctx, who, case, kind, asked: case_services.classify(
        ctx, who, case.reference, kind, reason=asked.reason, at=asked.at, expected_version=case.version
    ),
    _classified,
)
ACKNOWLEDGE = CaseAction(
    "acknowledge",
    "a",
    "Acknowledge",
    Action.ACKNOWLEDGE,
    lambda session, case, _: AcknowledgeDialog(case, _ack_due(session, case)),
    lambda ctx, who, case, ack, asked: case_services.acknowledge(
        ctx, who, case.reference, channel=ack.channel, note=ack.note, at=asked.at, expected_version=case.version
    ),
    lambda ack, before, after: "acknowledged",
    refuse=_already_acknowledged,
)
SIGNPOST = CaseAction(
    "signpost",
    "s",
    "Signpost",
    Action.SIGNPOST,
    lambda session, case, _: SignpostDialog(case),
    lambda ctx, who, case, choice, asked: case_services.signpost(
        ctx,
        who,
        case.reference,
        to=choice.to,
        service_request=choice.service_request,
        note=choice.note,
        at=asked.at,
        expected_version=case.version,
    ),
    lambda choice, before, after: (
        f"signposted to {choice.to}; closed" if choice.to else f"passed to {choice.service_request}; closed"
    ),
)
ALLOCATE = CaseAction(
    "allocate",
    "l",
    "Allocate",
    Action.ALLOCATE,
    lambda session, case, loads: AllocateDialog(case, loads),
    lambda ctx, who, case, username, asked: case_services.allocate(
        ctx, who, case.reference, username, at=asked.at, expected_version=case.version
    ),
    lambda username, before, after: f"allocated to {username}",
    load=lambda ctx: desk_services.officer_loads(ctx),
)
CLOSE = CaseAction(
    "close",
    "x",
    "Close",
    Action.CLOSE,
    lambda session, case, _: CloseDialog(case),
    lambda ctx, who, case, choice, asked: case_services.close(
        ctx,
        who,
        case.reference,
        choice.reason,
        duplicate_of=choice.duplicate_of,
        note=choice.note,
        at=asked.at,
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
    lambda ctx, who, case, text, asked: case_services.add_note(ctx, who, case.reference, text),
    lambda text, before, after: "note added",
)
EDIT = CaseAction(
    "edit",
    "e",
    "Edit",
    Action.EDIT,
    lambda session, case, _: EditDialog(case),
    lambda ctx, who, case, changes, asked: case_services.edit(
        ctx, who, case.reference, **changes, reason=asked.reason, expected_version=case.version
    ),
    lambda changes, before, after: f"{changed_words(changes)} changed",
)
REOPEN = CaseAction(
    "reopen",
    "R",
    "Reopen",
    None,
    lambda session, case, _: ReopenDialog(case),
    lambda ctx, who, case, _, asked: case_services.reopen(
        ctx, who, case.reference, reason=asked.reason or "", at=asked.at, expected_version=case.version
    ),
    lambda _, before, after: f"reopened: {before.status.label.lower()} → {after.status.label.lower()}",
    refuse=_not_done,
    supervisors_only=True,
)
SEND = CaseAction(
    "send",
    "d",
    "Send to service",
    Action.SEND,
    lambda session, case, _: SendDialog(case),
    lambda ctx, who, case, service, asked: case_services.send_to_service(
        ctx, who, case.reference, service, at=asked.at, expected_version=case.version
    ),
    lambda service, before, after: f"sent to {service}",
)
RESPOND = CaseAction(
    "respond",
    "r",
    "Response sent",
    Action.RESPOND,
    lambda session, case, _: RespondDialog(case),
    lambda ctx, who, case, answer, asked: case_services.respond(
        ctx, who, case.reference, outcome=answer.outcome, at=asked.at, expected_version=case.version
    ),
    lambda answer, before, after: "response recorded; complete",
)

TRIAGE_ACTIONS = (CLASSIFY, ACKNOWLEDGE, SIGNPOST, ALLOCATE, CLOSE, NOTE)
CASEWORK_ACTIONS = (SEND, RESPOND)
# Putting mistakes right: on every screen that acts on a case (the queue, My cases, the case itself).
CORRECTION_ACTIONS = (EDIT, REOPEN)
ACTIONS = {action.id: action for action in (*TRIAGE_ACTIONS, *CASEWORK_ACTIONS, *CORRECTION_ACTIONS)}
# Give up a take-next claim: a write without a dialog (screens/actions.py).
RELEASE_BINDING = Binding("u", "release", "Release claim", id="release")
TRIAGE_BINDINGS = [
    *(action.binding for action in TRIAGE_ACTIONS),
    *(action.binding for action in CORRECTION_ACTIONS),
    RELEASE_BINDING,
]
CASEWORK_BINDINGS = [action.binding for action in CASEWORK_ACTIONS]
