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
    REASSIGN = "reassign"
    NOTE = "note"
    COHORT = "cohort"
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
    # Triage: classify a new contact; a triaged or allocated complaint may be reclassified in place.
    (Action.CLASSIFY, N): T,
    (Action.CLASSIFY, T): T,
    (Action.CLASSIFY, A): A,
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
}


def allowed_actions(status: Status) -> list[Action]:
    """Actions the status allows, in the order of the lifecycle."""
    return [action for action in Action if (action, status) in TRANSITIONS]


def transition(action: Action, status: Status, reference: str = "") -> Transition:
    """The transition `action` makes from `status`, or a refusal naming the state and what it allows."""
    target = TRANSITIONS.get((action, status))
    if target is None:
        subject = f"case {reference}" if reference else "the case"
        # The status by its label ("with service"), the actions by the words the commands and keys use.
        allowed = ", ".join(a.value for a in allowed_actions(status) if a not in (Action.CLAIM, Action.RELEASE))
        raise TransitionRefused(
            f"{subject} is {status.label.lower()}: {action.value} is not allowed (allowed: {allowed or 'none'})"
        )
    return Transition(action, status, target)


def path_is_valid(steps: list[tuple[Action, Status | None, Status]]) -> bool:
    """Whether a case's events form a lifecycle path: intake first, each step allowed from the last status."""
    if not steps or steps[0][0] is not Action.INTAKE:
        return False
    current = steps[0][2]
    for action, source, target in steps[1:]:
        if source is not current or TRANSITIONS.get((action, current)) is not target:
            return False
        current = target
    return True
