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
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, Status
from triage_tui.domain.errors import TransitionRefused
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.policy import Policy
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import LazyModule
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.services.lazy import stages as stage_services
from triage_tui.ui import format as fmt
from triage_tui.ui.session import Session

if TYPE_CHECKING:
    from triage_tui.ui.dialogs.base import ActionDialog, Asked
    from triage_tui.ui.dialogs.stages import OmbudsmanStep

# The dialogs are imported when one is first opened or asked about, not before the desk's first frame: their
# modules (and the widgets they use) were about a sixth of the desk's start.
casework_dialogs = LazyModule("triage_tui.ui.dialogs.casework")
contact_dialogs = LazyModule("triage_tui.ui.dialogs.contact")
stage_dialogs = LazyModule("triage_tui.ui.dialogs.stages")
triage_dialogs = LazyModule("triage_tui.ui.dialogs.triage")

# (ctx, acting officer, the case as the desk last read it, the dialog's answer, when and why) -> the case as saved.
Save = Callable[[ServiceContext, str, CaseView, Any, "Asked"], CaseView]
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
    # A refusal the lifecycle alone cannot see (the case's own fields, read by the policy), or None if the action
    # may go ahead. Only what the service would refuse anyway: the service still decides.
    refuse: Callable[[CaseView, Policy], str | None] | None = None
    supervisors_only: bool = False  # the key is hidden from officers (the service checks the role again)
    # Where the action applies at all (children's stage-3 panel): elsewhere its key is not offered (key bar, help,
    # palette). None: offered on every case.
    offered: Callable[[CaseView, Policy], bool] | None = None

    @property
    def binding(self) -> Binding:
        return Binding(self.key, f"case('{self.id}')", self.label, id=self.id)


def _ack_due(session: Session, case: CaseView) -> str:
    due = case.clocks(session.policy).acknowledgement.due_at
    return fmt.local(due, "%a %d/%m/%Y %H:%M") if due else "(no statutory timescale for this type)"


def _already_acknowledged(case: CaseView, policy: Policy) -> str | None:
    if case.acknowledged_at is None:
        return None
    return f"{case.reference} was already acknowledged on {fmt.local(case.acknowledged_at, '%d/%m/%Y %H:%M')}"


def _not_done(case: CaseView, policy: Policy) -> str | None:
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
    lambda session, case, _: triage_dialogs.ClassifyDialog(case),
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
    lambda session, case, _: casework_dialogs.AcknowledgeDialog(case, _ack_due(session, case)),
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
    lambda session, case, _: triage_dialogs.SignpostDialog(case),
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
    lambda session, case, loads: casework_dialogs.AllocateDialog(case, loads),
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
    lambda session, case, _: triage_dialogs.CloseDialog(case),
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
    lambda session, case, _: casework_dialogs.NoteDialog(case),
    lambda ctx, who, case, text, asked: case_services.add_note(ctx, who, case.reference, text),
    lambda text, before, after: "note added",
)
EDIT = CaseAction(
    "edit",
    "e",
    "Edit",
    Action.EDIT,
    lambda session, case, _: contact_dialogs.EditDialog(case),
    lambda ctx, who, case, changes, asked: case_services.edit(
        ctx, who, case.reference, **changes, reason=asked.reason, expected_version=case.version
    ),
    lambda changes, before, after: f"{contact_dialogs.changed_words(changes)} changed",
)
REOPEN = CaseAction(
    "reopen",
    "R",
    "Reopen",
    None,
    lambda session, case, _: casework_dialogs.ReopenDialog(case),
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
    lambda session, case, _: casework_dialogs.SendDialog(case),
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
    lambda session, case, _: casework_dialogs.RespondDialog(case),
    lambda ctx, who, case, answer, asked: case_services.respond(
        ctx, who, case.reference, outcome=answer.outcome, at=asked.at, expected_version=case.version
    ),
    lambda answer, before, after: "response recorded; complete",
)

# --- the Complaint Handling Code's later steps (services/stages.py) ---------------------------------------------


def _cannot_escalate(case: CaseView, policy: Policy) -> str | None:
    """A complaint at its last stage (an adults' complaint has one) goes to the ombudsman, not to another stage."""
    last = policy.last_stage(case.type)
    if not case.type.is_complaint or case.stage < last:
        return None
    what = "has one stage" if last == 1 else f"has {last} stages and this is the last"
    return (
        f"{case.reference}: a {case.type.label} complaint {what}. A customer still unhappy may go to the "
        "ombudsman: record their enquiry with O"
    )


def _cannot_extend(case: CaseView, policy: Policy) -> str | None:
    rule = policy.stage_rule(case.type, case.stage)
    if rule is None:
        return f"{case.reference} is not a complaint: it has no response deadline to extend"
    if not rule.extendable:
        return f"{case.reference}: stage {case.stage} of a {case.type.label} complaint cannot be extended"
    if case.clocks(policy).response.due_at is None:
        return f"{case.reference}: the response deadline runs from the acknowledgement: acknowledge it first"
    return None


def _extended(days: int, before: CaseView, after: CaseView) -> str:
    plural = "" if days == 1 else "s"
    latest = after.extensions[-1] if after.extensions else None  # the case as saved carries its events
    due = f", now due {fmt.local(latest.response_due_at, '%a %d/%m/%Y')}" if latest and latest.response_due_at else ""
    return f"response extended by {days} working day{plural}{due}"


def _no_enquiry_step(case: CaseView, policy: Policy) -> str | None:
    """No enquiry yet: the ombudsman looks at a complaint once its response has gone. An enquiry with nothing
    left to record (decided, any remedy carried out) has no step to offer."""
    if case.ombudsman is None:
        try:
            transition(Action.OMBUDSMAN_OPEN, case.status, case.reference)
        except TransitionRefused as refusal:
            return str(refusal)
        return None
    if not stage_dialogs.ombudsman_steps(case.ombudsman):
        return (
            f"{case.reference}: the ombudsman's enquiry {case.ombudsman.reference} is finished; nothing more to record"
        )
    return None


def _no_panel(case: CaseView, policy: Policy) -> str | None:
    if case.panel_at is not None:
        return f"{case.reference}: the review panel already sat on {fmt.local(case.panel_at)}"
    return None


def _has_panel(case: CaseView, policy: Policy) -> bool:
    rule = policy.stage_rule(case.type, case.stage)
    return rule is not None and rule.panel_days is not None


def _ombudsman_save(ctx: ServiceContext, who: str, case: CaseView, step: OmbudsmanStep, asked: Asked) -> CaseView:
    common = {"at": asked.at, "expected_version": case.version}
    if step.step == stage_dialogs.ANSWER:
        return stage_services.ombudsman_answer(ctx, who, case.reference, **common)
    if step.step == stage_dialogs.DECIDE:
        assert step.decision is not None
        return stage_services.ombudsman_decide(
            ctx, who, case.reference, decision=step.decision, remedy=step.remedy, remedy_due=step.remedy_due, **common
        )
    if step.step == stage_dialogs.COMPLIED:
        return stage_services.ombudsman_complied(ctx, who, case.reference, **common)
    assert step.reference is not None
    return stage_services.ombudsman_open(
        ctx, who, case.reference, ombudsman_reference=step.reference, respond_by=step.respond_by, **common
    )


def _ombudsman_said(step: OmbudsmanStep, before: CaseView, after: CaseView) -> str:
    enquiry = after.ombudsman
    if step.step == stage_dialogs.ANSWER:
        return "the ombudsman's enquiry answered"
    if step.step == stage_dialogs.DECIDE:
        remedy = f"; remedy due {step.remedy_due:%d/%m/%Y}" if step.remedy_due else ""
        return f"the ombudsman decided: {fmt.decision_label(step.decision).lower()}{remedy}"
    if step.step == stage_dialogs.COMPLIED:
        return "the ombudsman's remedy carried out"
    due = f"{enquiry.respond_by:%a %d/%m/%Y}" if enquiry is not None and enquiry.respond_by else "-"
    return f"ombudsman enquiry {step.reference} recorded; the council must answer by {due}"


ESCALATE = CaseAction(
    "escalate",
    "E",
    "Escalate",
    Action.ESCALATE,
    lambda session, case, _: stage_dialogs.EscalateDialog(case, session.policy),
    lambda ctx, who, case, _, asked: stage_services.escalate(
        ctx, who, case.reference, reason=asked.reason or "", at=asked.at, expected_version=case.version
    ),
    lambda _, before, after: f"escalated to stage {after.stage}; awaiting allocation",
    refuse=_cannot_escalate,
)
EXTEND = CaseAction(
    "extend",
    "W",
    "Extend",
    Action.EXTEND,
    lambda session, case, _: stage_dialogs.ExtendDialog(case, session.policy),
    lambda ctx, who, case, days, asked: stage_services.extend(
        ctx,
        who,
        case.reference,
        working_days=days,
        reason=asked.reason or "",
        at=asked.at,
        expected_version=case.version,
    ),
    _extended,
    refuse=_cannot_extend,
)
OMBUDSMAN = CaseAction(
    "ombudsman",
    "O",
    "Ombudsman",
    None,
    lambda session, case, _: stage_dialogs.OmbudsmanDialog(case, session.policy, session.now()),
    _ombudsman_save,
    _ombudsman_said,
    refuse=_no_enquiry_step,
)
PANEL = CaseAction(
    "panel",
    "P",
    "Panel sat",
    Action.PANEL,
    lambda session, case, _: stage_dialogs.PanelDialog(case, session.policy),
    lambda ctx, who, case, _, asked: stage_services.record_panel(
        ctx, who, case.reference, at=asked.at, expected_version=case.version
    ),
    lambda _, before, after: "review panel recorded; the response is due from it",
    refuse=_no_panel,
    offered=_has_panel,
)

TRIAGE_ACTIONS = (CLASSIFY, ACKNOWLEDGE, SIGNPOST, ALLOCATE, CLOSE, NOTE)
CASEWORK_ACTIONS = (SEND, RESPOND)
# Putting mistakes right: on every screen that acts on a case (the queue, My cases, the case itself).
CORRECTION_ACTIONS = (EDIT, REOPEN)
# The Complaint Handling Code's later steps: on the case screen, where the stages and the enquiry are shown.
STAGE_ACTIONS = (ESCALATE, EXTEND, OMBUDSMAN, PANEL)
ACTIONS = {action.id: action for action in (*TRIAGE_ACTIONS, *CASEWORK_ACTIONS, *CORRECTION_ACTIONS, *STAGE_ACTIONS)}
# Give up a take-next claim: a write without a dialog (screens/actions.py).
RELEASE_BINDING = Binding("u", "release", "Release claim", id="release")
TRIAGE_BINDINGS = [
    *(action.binding for action in TRIAGE_ACTIONS),
    *(action.binding for action in CORRECTION_ACTIONS),
    RELEASE_BINDING,
]
CASEWORK_BINDINGS = [action.binding for action in CASEWORK_ACTIONS]
STAGE_BINDINGS = [action.binding for action in STAGE_ACTIONS]
