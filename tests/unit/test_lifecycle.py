"""The lifecycle table's second-wave rows: corrections of the type, reopening, edits; and what a valid history is
when steps may be dated before notes recorded earlier."""

from __future__ import annotations

import pytest

from triage_tui.domain.codes import Status
from triage_tui.domain.errors import TransitionRefused
from triage_tui.domain.lifecycle import CHOSEN, STEPS, Action, allowed_actions, path_is_valid, transition

N, T, A, W, R, C = (
    Status.NEW,
    Status.TRIAGED,
    Status.ALLOCATED,
    Status.WITH_SERVICE,
    Status.RESPONDED,
    Status.CLOSED,
)


def test_reopen_from_responded_goes_back_to_the_service() -> None:
    assert transition(Action.REOPEN, R).target is W


@pytest.mark.parametrize("back", [N, T, A, W], ids=str)
def test_reopen_from_closed_goes_where_the_service_says(back: Status) -> None:
    assert transition(Action.REOPEN, C, "X-1", back).target is back


def test_reopen_from_closed_to_an_impossible_status_is_refused() -> None:
    with pytest.raises(TransitionRefused, match="reopen is not allowed"):
        transition(Action.REOPEN, C, "X-1", R)
    assert CHOSEN[(Action.REOPEN, C)] == {N, T, A, W}


@pytest.mark.parametrize("status", [N, T, A, W], ids=str)
def test_an_open_case_cannot_be_reopened(status: Status) -> None:
    with pytest.raises(TransitionRefused, match=f"is {status.label.lower()}: reopen is not allowed"):
        transition(Action.REOPEN, status, "X-1")


def test_a_closed_case_is_reopened_before_its_type_is_corrected() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(Action.CLASSIFY, C, "X-1")
    assert str(refused.value) == (
        "case X-1 is closed: classify is not allowed (allowed: reopen, ombudsman open, note, cohort, edit); "
        "a supervisor reopens it first to correct its classification"
    )


def test_edit_is_allowed_everywhere_and_is_no_step() -> None:
    for status in Status:
        assert transition(Action.EDIT, status).target is status
        assert Action.EDIT in allowed_actions(status)
    assert not STEPS & {Action.EDIT, Action.NOTE, Action.COHORT, Action.CLAIM, Action.RELEASE, Action.REASSIGN}


def test_a_history_with_reopens_is_a_path() -> None:
    steps = [
        (Action.INTAKE, None, N),
        (Action.CLASSIFY, N, T),
        (Action.ALLOCATE, T, A),
        (Action.CLOSE, A, C),
        (Action.REOPEN, C, A),
        (Action.SEND, A, W),
        (Action.RESPOND, W, R),
        (Action.CLASSIFY, R, R),
        (Action.REOPEN, R, W),
        (Action.RESPOND, W, R),
    ]
    assert path_is_valid(steps)


def test_a_reopen_must_go_back_to_the_status_the_closure_left() -> None:
    steps = [(Action.INTAKE, None, N), (Action.CLASSIFY, N, T), (Action.CLOSE, T, C), (Action.REOPEN, C, N)]
    assert not path_is_valid(steps)
    steps[-1] = (Action.REOPEN, C, T)
    assert path_is_valid(steps)


def test_a_step_dated_before_a_note_recorded_earlier_is_still_a_path() -> None:
    # The note was written while the case was allocated; the hand-off, recorded after it, happened before it.
    steps = [
        (Action.INTAKE, None, N),
        (Action.CLASSIFY, N, T),
        (Action.ALLOCATE, T, A),
        (Action.SEND, A, W),
        (Action.NOTE, A, A),
        (Action.REASSIGN, A, A),
    ]
    assert path_is_valid(steps)
    # An event that is not a step never moves a case, and must be allowed where it was written.
    assert not path_is_valid([*steps, (Action.NOTE, A, W)])
    assert not path_is_valid([*steps, (Action.REASSIGN, N, N)])
    # A step out of place is not.
    assert not path_is_valid([*steps, (Action.RESPOND, A, R)])
