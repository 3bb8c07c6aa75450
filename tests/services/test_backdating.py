"""What happened yesterday recorded today: every lifecycle action takes `at`, the time it happened. Never in the
future, never before the case's latest step (receipt included); the event, the milestones, the deadlines and the
reports at past dates all take that time. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
import pytest

from tests.conftest import Clock
from tests.services.test_actions import event_count, events_of, new_case, row
from tests.services.test_corrections import held_at, make, valid_path
from triage_tui.domain.codes import CaseType, CloseReason, Outcome, Status
from triage_tui.domain.errors import Conflict, InvalidInput
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.desk import release, take_next


def uk(moment: Any) -> str:
    return f"{pendulum.instance(moment).in_timezone('Europe/London'):%d/%m/%Y %H:%M}"


# The step that took a case made by `make` to each status.
LAST_STEP = {
    Status.TRIAGED: "classify",
    Status.ALLOCATED: "allocate",
    Status.WITH_SERVICE: "send",
    Status.RESPONDED: "respond",
}


# Each lifecycle action, from the status it needs, with `at`; and the milestone field it sets.
ACTIONS: dict[str, tuple[Status, str | None, Callable[[ServiceContext, str, Any], object]]] = {
    "classify": (Status.NEW, "triaged_at", lambda c, r, at: cases.classify(c, "alice", r, CaseType.ADULTS, at=at)),
    "signpost": (Status.NEW, "closed_at", lambda c, r, at: cases.signpost(c, "alice", r, to="NHS trust", at=at)),
    "allocate": (Status.TRIAGED, "allocated_at", lambda c, r, at: cases.allocate(c, "alice", r, "carol", at=at)),
    "acknowledge": (Status.ALLOCATED, "acknowledged_at", lambda c, r, at: cases.acknowledge(c, "carol", r, at=at)),
    "send": (
        Status.ALLOCATED,
        "sent_to_service_at",
        lambda c, r, at: cases.send_to_service(c, "carol", r, "ASC", at=at),
    ),
    "respond": (Status.WITH_SERVICE, "responded_at", lambda c, r, at: cases.respond(c, "carol", r, at=at)),
    "close": (Status.TRIAGED, "closed_at", lambda c, r, at: cases.close(c, "alice", r, CloseReason.WITHDRAWN, at=at)),
    "reopen": (Status.RESPONDED, None, lambda c, r, at: cases.reopen(c, "boss", r, reason="too soon", at=at)),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_takes_the_time_it_happened(ctx, staff, clock: Clock, name: str) -> None:
    status, milestone, act = ACTIONS[name]
    ref = make(ctx, clock, status)
    previous = clock.now
    clock.advance(days=2)
    when = previous.add(minutes=30)
    act(ctx, ref, when)
    stored = row(ctx, ref)
    if milestone is not None:
        assert getattr(stored, milestone) == when
    assert stored.updated_at == clock.now  # the row says when it last changed
    last = events_of(ctx, ref)[-1]
    assert last.action == name and last.at == when
    assert last.details["recorded_at"] == clock.now.isoformat()
    assert valid_path(ctx, ref)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_refuses_the_future_and_a_time_before_the_last_step(ctx, staff, clock: Clock, name: str) -> None:
    status, _, act = ACTIONS[name]
    ref = make(ctx, clock, status)
    last_step = clock.now
    clock.advance(hours=3)
    before, count = row(ctx, ref), event_count(ctx)
    with pytest.raises(InvalidInput) as future:
        act(ctx, ref, clock.now.add(minutes=5))
    assert str(future.value) == (
        f"case {ref}: {name} at {uk(clock.now.add(minutes=5))} is in the future (it is now {uk(clock.now)})"
    )
    with pytest.raises(InvalidInput) as early:
        act(ctx, ref, last_step.subtract(minutes=1))
    if status is Status.NEW:
        what = f"it was received ({uk(last_step)})"
    else:
        what = f"its last step ({LAST_STEP[status]} at {uk(last_step)})"
    assert str(early.value) == (
        f"case {ref}: {name} at {uk(last_step.subtract(minutes=1))} is before {what}; "
        "a case's steps are recorded in the order they happened"
    )
    assert row(ctx, ref) == before and event_count(ctx) == count
    act(ctx, ref, last_step)  # the same time as the step before is not before it
    assert events_of(ctx, ref)[-1].at == last_step


def test_a_few_seconds_ahead_is_a_clock_skew_and_taken_as_now(ctx, staff, clock: Clock) -> None:
    ref = new_case(ctx)
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE, at=clock.now.add(seconds=5))
    last = events_of(ctx, ref)[-1]
    assert last.at == clock.now and "recorded_at" not in last.details
    assert row(ctx, ref).triaged_at == clock.now


def test_a_time_without_a_zone_or_in_an_implausible_year_is_refused(ctx, staff, clock: Clock) -> None:
    ref = new_case(ctx)
    with pytest.raises(InvalidInput, match="without a zone"):
        cases.classify(ctx, "alice", ref, CaseType.CORPORATE, at=datetime(2021, 11, 25, 9, 0))
    with pytest.raises(InvalidInput, match="implausible"):
        cases.classify(ctx, "alice", ref, CaseType.CORPORATE, at=datetime(1021, 11, 25, 9, 0, tzinfo=UTC))
    assert row(ctx, ref).status == "new"


def test_notes_edits_cohorts_claims_and_reassignments_are_not_steps(ctx, staff, clock: Clock) -> None:
    received = clock.now
    ref = new_case(ctx)
    clock.advance(hours=1)
    assert take_next(ctx, "alice") is not None
    release(ctx, "alice", ref)
    cases.add_note(ctx, "bob", ref, "Customer rang")
    cases.edit(ctx, "bob", ref, customer_phone="01632 960001", reason="gave a number")
    cases.set_cohort(ctx, "boss", ref, "backlog")
    # All of these were recorded at 11:00; the classification happened at 10:15, which they do not block.
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE, at=received.add(minutes=15))
    clock.advance(hours=1)
    cases.allocate(ctx, "alice", ref, "carol", at=received.add(minutes=20))
    cases.reassign(ctx, "boss", ref, "bob", reason="Carol away")
    cases.acknowledge(ctx, "bob", ref, at=received.add(minutes=25))
    # The history lists what happened in the order it happened, the intake first.
    view = cases.get_case(ctx, ref)
    assert [e.action for e in view.events] == [
        "intake",
        "classify",
        "allocate",
        "acknowledge",
        "claim",
        "release",
        "note",
        "edit",
        "cohort",
        "reassign",
    ]
    assert [e.at for e in view.events] == sorted(e.at for e in view.events)
    assert valid_path(ctx, ref)


def test_a_contact_received_earlier_can_be_triaged_back_to_its_receipt(ctx, staff, clock: Clock) -> None:
    received = clock.now.subtract(days=1)
    ref = new_case(ctx, received_at=received)
    intake = events_of(ctx, ref)[0]
    # The intake event is dated at the receipt, and says when it was recorded.
    assert intake.at == received and intake.details["recorded_at"] == clock.now.isoformat()
    cases.classify(ctx, "alice", ref, CaseType.OTHER, at=received.add(hours=2))
    assert [e.action for e in cases.get_case(ctx, ref).events] == ["intake", "classify"]
    assert valid_path(ctx, ref)


def test_the_reports_at_past_dates_read_the_backdated_steps(ctx, staff, clock: Clock) -> None:
    received = clock.now  # Thursday 25 November 2021, 10:00
    ref = new_case(ctx)
    clock.set(pendulum.datetime(2021, 12, 1, 9, tz="Europe/London"))  # everything recorded a week later
    steps = [received.add(hours=h) for h in (1, 2, 24, 48)]
    cases.classify(ctx, "alice", ref, CaseType.CHILDREN, at=steps[0])
    cases.allocate(ctx, "alice", ref, "carol", at=steps[1])
    cases.send_to_service(ctx, "carol", ref, "Children's Services", at=steps[2])
    cases.respond(ctx, "carol", ref, outcome=Outcome.NOT_UPHELD, at=steps[3])
    expected = [
        (received.subtract(minutes=1), {}),
        (received.add(minutes=30), {("unclassified", "unallocated"): 1}),
        (steps[0].add(minutes=30), {("children", "unallocated"): 1}),
        (steps[1].add(minutes=30), {("children", "complaints_team"): 1}),
        (steps[2].add(minutes=30), {("children", "service"): 1}),
        (steps[3].add(minutes=30), {("children", "complete"): 1}),
        (clock.now, {("children", "complete"): 1}),
    ]
    for moment, counts in expected:
        assert held_at(ctx, moment) == counts, moment
    # The triage clock stopped at the backdated classification: an hour after receipt, within the target.
    triage = cases.get_case(ctx, ref).clocks().triage
    assert triage.stopped_at == steps[0] and triage.met()


def test_deadlines_derive_from_the_backdated_time_across_christmas(ctx, staff, clock: Clock) -> None:
    # Received Thursday 23 December 2021 10:00; everything recorded on Tuesday 4 January 2022.
    received = pendulum.datetime(2021, 12, 23, 10, tz="Europe/London")
    clock.set(received.add(hours=1))
    ref = new_case(ctx, received_at=received)
    clock.set(pendulum.datetime(2022, 1, 4, 9, tz="Europe/London"))
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE, at=received.add(hours=1))
    cases.allocate(ctx, "alice", ref, "carol", at=received.add(hours=2))
    acknowledged = pendulum.datetime(2021, 12, 24, 15, tz="Europe/London")  # Christmas Eve, a working day
    shown = cases.acknowledge(ctx, "carol", ref, at=acknowledged).to_json(clock.now)
    assert shown["acknowledged_at"] == "2021-12-24T15:00:00+00:00"
    # Corporate: acknowledged within 5 working days of the receipt (24, 29, 30, 31 December, 4 January: the 27th,
    # 28th and 3 January are bank holidays), so in time.
    assert shown["ack_due_at"] == "2022-01-04T23:59:59+00:00"
    # The response is due 10 working days from the acknowledgement, from Christmas Eve: 29, 30, 31 December,
    # 4 to 7 and 10 to 12 January. From the day it was recorded it would have been the 18th.
    assert shown["response_due_at"] == "2022-01-12T23:59:59+00:00"
    assert shown["response_limit_at"] == "2022-01-26T23:59:59+00:00"
    assert cases.get_case(ctx, ref).clocks().acknowledgement.met()


def test_a_stale_version_with_a_time_is_a_conflict_and_writes_nothing(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.ALLOCATED)
    seen = cases.get_case(ctx, ref).version
    allocated = clock.now
    clock.advance(hours=2)
    cases.add_note(ctx, "bob", ref, "chased")
    count = event_count(ctx)
    with pytest.raises(Conflict, match="changed by someone else"):
        cases.acknowledge(ctx, "carol", ref, at=allocated.add(minutes=5), expected_version=seen)
    assert row(ctx, ref).acknowledged_at is None and event_count(ctx) == count
    cases.acknowledge(ctx, "carol", ref, at=allocated.add(minutes=5), expected_version=seen + 1)
    assert row(ctx, ref).acknowledged_at == allocated.add(minutes=5)


def test_the_time_is_checked_against_the_case_as_it_is_when_saved(ctx, staff, clock: Clock) -> None:
    """Another desk's step lands between reading the case and saving: the time is checked against it too."""
    ref = make(ctx, clock, Status.ALLOCATED)
    allocated = clock.now
    clock.advance(hours=2)
    cases.acknowledge(ctx, "bob", ref)  # at 14:00, by another officer
    with pytest.raises(InvalidInput, match=r"is before its last step \(acknowledge at 25/11/2021 14:00\)"):
        cases.send_to_service(ctx, "carol", ref, "Highways", at=allocated.add(minutes=30))
    assert row(ctx, ref).status == "allocated"


def test_times_across_the_clock_change_are_shown_in_uk_local_time(ctx, staff, clock: Clock) -> None:
    # Summer time: 14:00 BST is 13:00 UTC; the refusal names the local time.
    clock.set(pendulum.datetime(2022, 6, 1, 14, tz="Europe/London"))
    ref = new_case(ctx)
    with pytest.raises(InvalidInput, match=r"at 01/06/2022 15:00 is in the future \(it is now 01/06/2022 14:00\)"):
        cases.classify(ctx, "alice", ref, CaseType.ADULTS, at=clock.now + timedelta(hours=1))
