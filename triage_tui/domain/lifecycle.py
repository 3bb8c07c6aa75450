"""The case lifecycle as an explicit table: which action each status allows, and where it leads.

Every service consults this table inside its write transaction, so a refusal always names the state the case
was really in and what could be done instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from triage_tui.domain.codes import Status
from triage_tui.domain.errors import TransitionRefused


class Action(StrEnum):
    INTAKE = "intake"
    CLASSIFY = "classify"
    ACKNOWLEDGE = "acknowledge"
    SIGNPOST = "signpost"
    ALLOCATE = "allocate"
    SEND = "send"
    RESPOND = "respond"
    CLOSE = "close"
    # A supervisor takes back a response or a closure made too soon (or in error).
    REOPEN = "reopen"
    # The Complaint Handling Code's later stages (same case, next stage), a response deadline moved with a
    # reason, and children's stage-3 review panel.
    ESCALATE = "escalate"
    EXTEND = "extend"
    PANEL = "panel"
    # The ombudsman's part after the council's final response: the enquiry, the council's answer to it, the
    # decision (with any remedy), the remedy carried out.
    OMBUDSMAN_OPEN = "ombudsman_open"
    OMBUDSMAN_ANSWER = "ombudsman_answer"
    OMBUDSMAN_DECIDE = "ombudsman_decide"
    OMBUDSMAN_COMPLIED = "ombudsman_complied"
    REASSIGN = "reassign"
    NOTE = "note"
    COHORT = "cohort"
    # A correction of the customer's details or the contact's text (a typo in a name), with its reason.
    EDIT = "edit"
    CLAIM = "claim"
    RELEASE = "release"
    # Events about officers rather than cases (no case, no status): who added, changed or deactivated whom.
    OFFICER_ADD = "officer_add"
    OFFICER_UPDATE = "officer_update"
    OFFICER_DEACTIVATE = "officer_deactivate"
    OFFICER_REACTIVATE = "officer_reactivate"
    IMPORT = "import"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: Status
    target: Status


N, T, A, W, R, C = (
    Status.NEW,
    Status.TRIAGED,
    Status.ALLOCATED,
    Status.WITH_SERVICE,
    Status.RESPONDED,
    Status.CLOSED,
)

# (action, from) -> to. An action absent for a status is refused in that status.
TRANSITIONS: dict[tuple[Action, Status], Status] = {
    # Triage: classify a new contact. A complaint classified wrongly is corrected in place (with a reason) until
    # it is closed; a closed case is reopened first.
    (Action.CLASSIFY, N): T,
    (Action.CLASSIFY, T): T,
    (Action.CLASSIFY, A): A,
    (Action.CLASSIFY, W): W,
    (Action.CLASSIFY, R): R,
    # Not a council complaint: passed on as a service request or signposted elsewhere.
    (Action.SIGNPOST, N): C,
    (Action.SIGNPOST, T): C,
    # The complaints team takes it on.
    (Action.ALLOCATE, T): A,
    # Acknowledgement is a milestone with its own time, not a status.
    (Action.ACKNOWLEDGE, A): A,
    (Action.ACKNOWLEDGE, W): W,
    (Action.SEND, A): W,
    (Action.RESPOND, W): R,
    # Withdrawn, duplicate or out of time, at any point before the response.
    (Action.CLOSE, N): C,
    (Action.CLOSE, T): C,
    (Action.CLOSE, A): C,
    (Action.CLOSE, W): C,
    # A supervisor reopens a response sent too soon: the case is back with the service. (A closed case goes back
    # to the status it left: see CHOSEN below.)
    (Action.REOPEN, R): W,
    # The customer asks for the next stage once a stage's response has gone: back to awaiting allocation.
    (Action.ESCALATE, R): T,
    # A running response deadline moves (with a reason) while the stage is open; so does the panel's sitting.
    (Action.EXTEND, T): T,
    (Action.EXTEND, A): A,
    (Action.EXTEND, W): W,
    (Action.PANEL, T): T,
    (Action.PANEL, A): A,
    (Action.PANEL, W): W,
    # The ombudsman looks at a complaint the council has finished with (responded, or closed without one).
    (Action.OMBUDSMAN_OPEN, R): R,
    (Action.OMBUDSMAN_OPEN, C): C,
    # A supervisor moves an open case between officers; the status stays.
    (Action.REASSIGN, A): A,
    (Action.REASSIGN, W): W,
    # Claims keep two officers from triaging the same contact unknowingly.
    (Action.CLAIM, N): N,
    (Action.RELEASE, N): N,
    # Notes may be added to any case, closed ones included (a late call from the customer); a supervisor may
    # tag any case with a cohort (a backlog to recover, a theme for the committee).
    **{(Action.NOTE, status): status for status in Status},
    **{(Action.COHORT, status): status for status in Status},
    # The customer's details and the contact's text can be corrected whatever the status (with a reason).
    **{(Action.EDIT, status): status for status in Status},
    # An enquiry once open runs its course whatever happens to the case meanwhile (an escalation, a reopening).
    **{
        (action, status): status
        for action in (Action.OMBUDSMAN_ANSWER, Action.OMBUDSMAN_DECIDE, Action.OMBUDSMAN_COMPLIED)
        for status in Status
    },
}

# Actions a refusal does not list among the ways forward: claims are the desk's business, the panel belongs to one
# stage of one kind, and the ombudsman's follow-ups are allowed everywhere once an enquiry is open.
UNLISTED = frozenset(
    {
        Action.CLAIM,
        Action.RELEASE,
        Action.PANEL,  # children's stage 3 only: listed everywhere it would mislead
        Action.OMBUDSMAN_ANSWER,
        Action.OMBUDSMAN_DECIDE,
        Action.OMBUDSMAN_COMPLIED,
    }
)

# Transitions whose target the service decides from the case's own history: a closed case reopens to the
# status it was closed from (the closing event's from_status), which is one of these.
CHOSEN: dict[tuple[Action, Status], frozenset[Status]] = {
    (Action.REOPEN, C): frozenset({N, T, A, W}),
}

# The steps of a case's lifecycle, kept in time order: an action backdated (`at`) may not go before the latest
# of them (nor before the receipt). Notes, edits, cohort tags, claims and reassignments are not steps: they are
# recorded when they are made and never move a case along its lifecycle.
STEPS = frozenset(
    {
        Action.CLASSIFY,
        Action.SIGNPOST,
        Action.ALLOCATE,
        Action.ACKNOWLEDGE,
        Action.SEND,
        Action.RESPOND,
        Action.CLOSE,
        Action.REOPEN,
        Action.ESCALATE,
        Action.EXTEND,
        Action.PANEL,
        Action.OMBUDSMAN_OPEN,
        Action.OMBUDSMAN_ANSWER,
        Action.OMBUDSMAN_DECIDE,
        Action.OMBUDSMAN_COMPLIED,
    }
)

# What a refusal adds where the way forward is not among the allowed actions.
HINTS: dict[tuple[Action, Status], str] = {
    (Action.CLASSIFY, C): "a supervisor reopens it first to correct its classification",
    **{
        (Action.ESCALATE, status): "the customer asks for the next stage once this stage's response has been sent"
        for status in (N, T, A, W)
    },
    (Action.ESCALATE, C): "a closed case has no response to escalate; a supervisor reopens it first",
    **{
        (Action.OMBUDSMAN_OPEN, status): "the ombudsman looks at a complaint once the council's response has gone"
        for status in (N, T, A, W)
    },
}


def step_allowed(action: Action, status: Status) -> bool:
    return (action, status) in TRANSITIONS or (action, status) in CHOSEN


def allowed_actions(status: Status) -> list[Action]:
    """Actions the status allows, in the order of the lifecycle."""
    return [action for action in Action if step_allowed(action, status)]


def transition(action: Action, status: Status, reference: str = "", target: Status | None = None) -> Transition:
    """The transition `action` makes from `status`, or a refusal naming the state and what it allows.

    For a transition in CHOSEN the caller names the `target` (it must be one CHOSEN allows); without one the
    answer only says the action is allowed, and its target is the status itself.
    """
    fixed = TRANSITIONS.get((action, status))
    if fixed is not None:
        return Transition(action, status, fixed)
    choices = CHOSEN.get((action, status))
    if choices is not None and (target is None or target in choices):
        return Transition(action, status, target if target is not None else status)
    subject = f"case {reference}" if reference else "the case"
    # The status by its label ("with service"), the actions by the words the commands and keys use.
    allowed = ", ".join(a.value.replace("_", " ") for a in allowed_actions(status) if a not in UNLISTED)
    hint = HINTS.get((action, status))
    raise TransitionRefused(
        f"{subject} is {status.label.lower()}: {action.value} is not allowed (allowed: {allowed or 'none'})"
        + (f"; {hint}" if hint else "")
    )


def path_is_valid(steps: list[tuple[Action, Status | None, Status]]) -> bool:
    """Whether a case's events form a lifecycle path: intake first, each step allowed from the last status.

    The events are taken in the order a case lists them, oldest first by time. A step (STEPS) may have been
    recorded after a note, a claim or a reassignment yet have happened before it (backdated), so those events,
    which never move the case, are checked on their own: from a status to the same status, one that allows them.
    A closed case reopened goes back to the status its closing step left.
    """
    if not steps or steps[0][0] is not Action.INTAKE:
        return False
    current = steps[0][2]
    closed_from: Status | None = None
    for action, source, target in steps[1:]:
        if action not in STEPS:
            if source is not target or TRANSITIONS.get((action, target)) is not target:
                return False
            continue
        if source is not current:
            return False
        if (action, current) in CHOSEN:
            if target not in CHOSEN[(action, current)] or target is not closed_from:
                return False
        elif TRANSITIONS.get((action, current)) is not target:
            return False
        if target is Status.CLOSED and current is not Status.CLOSED:
            closed_from = current
        current = target
    return True
