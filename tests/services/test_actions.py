"""Every action through the services, asserting what the database holds afterwards; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from sqlalchemy import func, text
from sqlmodel import select

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType, CloseReason, Outcome, Role, Status, Team
from triage_tui.domain.errors import Conflict, InvalidInput, NotFound, RoleRefused, TransitionRefused
from triage_tui.domain.lifecycle import CHOSEN, TRANSITIONS, Action, path_is_valid
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer, list_officers
from triage_tui.store.tables import Case, Event


def events_of(ctx: ServiceContext, reference: str) -> list[Event]:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == reference)).one()
        return list(s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.id)))


def row(ctx: ServiceContext, reference: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == reference)).one()


def event_count(ctx: ServiceContext) -> int:
    with ctx.store.read() as s:
        return s.exec(select(func.count()).select_from(Event)).one()


def new_case(ctx: ServiceContext, actor: str = "alice", **kw: Any) -> str:
    fields = {"customer_name": "Margaret Smith", "summary": "Bins missed three weeks running"} | kw
    return cases.intake(ctx, actor, **fields).reference


def test_the_whole_lifecycle_writes_one_event_per_action(ctx, staff, clock: Clock) -> None:
    received = pendulum.datetime(2021, 12, 24, 16, 0, tz="Europe/London")
    clock.set(received.add(hours=1))
    ref = new_case(ctx, received_at=received, channel="phone")
    clock.advance(hours=2)
    cases.classify(ctx, "alice", ref, CaseType.ADULTS)
    clock.advance(hours=1)
    cases.allocate(ctx, "alice", ref, "carol")
    clock.advance(days=1)
    cases.acknowledge(ctx, "carol", ref, channel="email", note="Called and emailed")
    with pytest.raises(RoleRefused):
        cases.reassign(ctx, "carol", ref, "bob", reason="leave")
    cases.reassign(ctx, "boss", ref, "bob", reason="Carol on leave")
    clock.advance(hours=3)
    cases.send_to_service(ctx, "bob", ref, "Adult Social Care")
    clock.advance(days=5)
    final = cases.respond(ctx, "bob", ref, outcome=Outcome.PARTLY_UPHELD)

    steps = [(e.action, e.from_status, e.to_status, e.actor) for e in events_of(ctx, ref)]
    assert steps == [
        ("intake", None, "new", "alice"),
        ("classify", "new", "triaged", "alice"),
        ("allocate", "triaged", "allocated", "alice"),
        ("acknowledge", "allocated", "allocated", "carol"),
        ("reassign", "allocated", "allocated", "boss"),
        ("send", "allocated", "with_service", "bob"),
        ("respond", "with_service", "responded", "bob"),
    ]
    stored = row(ctx, ref)
    assert stored.status == "responded" and stored.type == "adults" and stored.outcome == "partly_upheld"
    assert stored.version == 7
    assert stored.service == "Adult Social Care"
    reassign = events_of(ctx, ref)[4]
    assert reassign.details == {"from_officer": "carol", "to_officer": "bob", "reason": "Carol on leave"}
    assert final.officer == "bob"
    # Each event's time is the clock's time when it happened, returned timezone-aware.
    times = [e.at for e in events_of(ctx, ref)]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)
    assert times[-1] == clock.now
    assert path_is_valid(
        [(Action(e.action), e.from_status and Status(e.from_status), Status(e.to_status)) for e in events_of(ctx, ref)]
    )


def test_deadlines_of_the_christmas_2021_scenario(ctx, staff, clock: Clock) -> None:
    clock.set(pendulum.datetime(2022, 1, 10, 9, tz="Europe/London"))
    ref = new_case(ctx, received_at=pendulum.datetime(2021, 12, 24, 16, tz="Europe/London"))
    view = cases.get_case(ctx, ref).to_json(clock.now)
    assert view["triage_due_at"] == "2021-12-25T16:00:00+00:00"
    assert view["triage_limit_at"] == "2021-12-26T16:00:00+00:00"
    assert view["ack_due_at"] is None  # no type yet, so no statutory timescale
    view = cases.classify(ctx, "alice", ref, CaseType.ADULTS).to_json(clock.now)
    # 27 and 28 December 2021 are bank holidays: the 29th, 30th and 31st count.
    assert view["ack_due_at"] == "2021-12-31T23:59:59+00:00"
    assert view["response_due_at"] is None  # adults: from the acknowledgement


def test_intake_generates_sequential_references_and_keeps_given_ones(ctx, staff) -> None:
    first = new_case(ctx)
    second = new_case(ctx)
    assert first == "CMP-000001" and second == "CMP-000002"
    assert new_case(ctx, reference="OCC/2021/0042") == "OCC/2021/0042"
    with pytest.raises(InvalidInput, match="already exists"):
        new_case(ctx, reference="OCC/2021/0042")
    # An imported reference that looks like ours never collides with the next generated one.
    new_case(ctx, reference="CMP-000005")
    assert new_case(ctx) == "CMP-000005-1"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customer_name": "  "}, "customer_name must not be empty"),
        ({"summary": ""}, "summary must not be empty"),
        ({"summary": "x" * 501}, "longer than 500"),
        ({"channel": "pigeon"}, "unknown channel"),
        ({"reference": "bad ref!"}, "invalid reference"),
    ],
    ids=["blank-name", "blank-summary", "long-summary", "channel", "reference"],
)
def test_intake_refuses_bad_input_and_writes_nothing(ctx, staff, fields, message) -> None:
    before = event_count(ctx)
    with pytest.raises(InvalidInput, match=message):
        new_case(ctx, **fields)
    assert event_count(ctx) == before


def test_intake_refuses_a_time_in_the_future(ctx, staff, clock: Clock) -> None:
    with pytest.raises(InvalidInput, match="in the future"):
        new_case(ctx, received_at=clock.now.add(hours=1))
    new_case(ctx, received_at=clock.now.add(minutes=2))  # clock skew between machines is tolerated


# --- every allowed and refused transition -------------------------------------------------------------------


def _make_case_in(ctx: ServiceContext, status: Status) -> str:
    ref = new_case(ctx)
    if status is Status.NEW:
        return ref
    if status is Status.CLOSED:
        cases.close(ctx, "alice", ref, CloseReason.WITHDRAWN)
        return ref
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    if status is Status.TRIAGED:
        return ref
    cases.allocate(ctx, "alice", ref, "carol")
    if status is Status.ALLOCATED:
        return ref
    cases.send_to_service(ctx, "carol", ref, "Highways")
    if status is Status.WITH_SERVICE:
        return ref
    cases.respond(ctx, "carol", ref)
    return ref


ATTEMPTS: dict[Action, Callable[[ServiceContext, str], object]] = {
    Action.CLASSIFY: lambda ctx, ref: cases.classify(ctx, "boss", ref, CaseType.CHILDREN, reason="wrong type"),
    Action.SIGNPOST: lambda ctx, ref: cases.signpost(ctx, "boss", ref, to="Thames Valley Police"),
    Action.ALLOCATE: lambda ctx, ref: cases.allocate(ctx, "boss", ref, "bob"),
    Action.ACKNOWLEDGE: lambda ctx, ref: cases.acknowledge(ctx, "boss", ref, channel="letter"),
    Action.SEND: lambda ctx, ref: cases.send_to_service(ctx, "boss", ref, "Highways"),
    Action.RESPOND: lambda ctx, ref: cases.respond(ctx, "boss", ref),
    Action.CLOSE: lambda ctx, ref: cases.close(ctx, "boss", ref, CloseReason.OUT_OF_TIME),
    Action.REASSIGN: lambda ctx, ref: cases.reassign(ctx, "boss", ref, "bob", reason="balance"),
    Action.NOTE: lambda ctx, ref: cases.add_note(ctx, "boss", ref, "Customer rang again"),
    Action.REOPEN: lambda ctx, ref: cases.reopen(ctx, "boss", ref, reason="closed too soon"),
    Action.EDIT: lambda ctx, ref: cases.edit(ctx, "boss", ref, summary="Bins missed four weeks", reason="typo"),
}

# Written out by hand from DOMAIN.md, independently of the table in the code.
EXPECTED_TARGET: dict[Status, dict[Action, Status]] = {
    Status.NEW: {
        Action.CLASSIFY: Status.TRIAGED,
        Action.SIGNPOST: Status.CLOSED,
        Action.CLOSE: Status.CLOSED,
        Action.NOTE: Status.NEW,
        Action.EDIT: Status.NEW,
    },
    Status.TRIAGED: {
        Action.CLASSIFY: Status.TRIAGED,
        Action.SIGNPOST: Status.CLOSED,
        Action.ALLOCATE: Status.ALLOCATED,
        Action.CLOSE: Status.CLOSED,
        Action.NOTE: Status.TRIAGED,
        Action.EDIT: Status.TRIAGED,
    },
    Status.ALLOCATED: {
        Action.CLASSIFY: Status.ALLOCATED,
        Action.ACKNOWLEDGE: Status.ALLOCATED,
        Action.SEND: Status.WITH_SERVICE,
        Action.CLOSE: Status.CLOSED,
        Action.REASSIGN: Status.ALLOCATED,
        Action.NOTE: Status.ALLOCATED,
        Action.EDIT: Status.ALLOCATED,
    },
    Status.WITH_SERVICE: {
        Action.CLASSIFY: Status.WITH_SERVICE,
        Action.ACKNOWLEDGE: Status.WITH_SERVICE,
        Action.RESPOND: Status.RESPONDED,
        Action.CLOSE: Status.CLOSED,
        Action.REASSIGN: Status.WITH_SERVICE,
        Action.NOTE: Status.WITH_SERVICE,
        Action.EDIT: Status.WITH_SERVICE,
    },
    Status.RESPONDED: {
        Action.CLASSIFY: Status.RESPONDED,
        Action.REOPEN: Status.WITH_SERVICE,
        Action.NOTE: Status.RESPONDED,
        Action.EDIT: Status.RESPONDED,
    },
    # Reopened, a closed case goes back to the status it was closed from (_make_case_in closes a new one).
    Status.CLOSED: {Action.REOPEN: Status.NEW, Action.NOTE: Status.CLOSED, Action.EDIT: Status.CLOSED},
}
# The Complaint Handling Code (DOMAIN.md "Stages, extensions and the ombudsman"): the customer asks for the next
# stage once a stage's response has gone; an open stage's deadline is extended (or its panel sits) in place; the
# ombudsman looks at a complaint the council has finished with, and the enquiry then runs its course whatever
# the case's status.
EXPECTED_TARGET[Status.RESPONDED][Action.ESCALATE] = Status.TRIAGED
for _open in (Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE):
    EXPECTED_TARGET[_open] |= {Action.EXTEND: _open, Action.PANEL: _open}
for _done in (Status.RESPONDED, Status.CLOSED):
    EXPECTED_TARGET[_done][Action.OMBUDSMAN_OPEN] = _done
for _any in Status:
    EXPECTED_TARGET[_any] |= {
        Action.OMBUDSMAN_ANSWER: _any,
        Action.OMBUDSMAN_DECIDE: _any,
        Action.OMBUDSMAN_COMPLIED: _any,
    }


def test_the_code_table_matches_the_written_out_one() -> None:
    from_code = {
        (action, source): target
        for (action, source), target in TRANSITIONS.items()
        if action not in (Action.CLAIM, Action.RELEASE, Action.COHORT)
    }
    expected = {(a, s): t for s, row_ in EXPECTED_TARGET.items() for a, t in row_.items()}
    # The one transition whose target the service decides from the case's history.
    del expected[(Action.REOPEN, Status.CLOSED)]
    assert from_code == expected
    assert {
        (Action.REOPEN, Status.CLOSED): {Status.NEW, Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE}
    } == CHOSEN


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_every_action_in_every_status(ctx, staff, status: Status) -> None:
    for action, attempt in ATTEMPTS.items():
        ref = _make_case_in(ctx, status)
        before = row(ctx, ref)
        count = event_count(ctx)
        expected = EXPECTED_TARGET[status].get(action)
        if expected is None:
            refusal = f"is {status.label.lower()}: {action.value} is not allowed|is already allocated to carol"
            with pytest.raises(TransitionRefused, match=refusal):
                attempt(ctx, ref)
            after = row(ctx, ref)
            assert (after.status, after.version) == (before.status, before.version), action
            assert event_count(ctx) == count, action
        else:
            attempt(ctx, ref)
            after = row(ctx, ref)
            assert after.status == expected.value, action
            assert after.version == before.version + 1, action
            last = events_of(ctx, ref)[-1]
            assert (last.action, last.from_status, last.to_status) == (action.value, status.value, expected.value)
            assert event_count(ctx) == count + 1, action


def test_a_refusal_names_the_state_and_what_is_allowed(ctx, staff) -> None:
    ref = _make_case_in(ctx, Status.TRIAGED)
    with pytest.raises(TransitionRefused) as caught:
        cases.respond(ctx, "alice", ref)
    message = str(caught.value)
    assert f"case {ref} is triaged: respond is not allowed" in message
    assert "allowed: classify, signpost, allocate, close, extend, note" in message
    assert "last change: classify by alice" in message


def test_allocating_an_allocated_case_names_the_holder(ctx, staff) -> None:
    ref = _make_case_in(ctx, Status.ALLOCATED)
    with pytest.raises(TransitionRefused, match=f"case {ref} is already allocated to carol"):
        cases.allocate(ctx, "bob", ref, "bob")


# --- the details of each action --------------------------------------------------------------------------------


def test_classify_stops_the_triage_clock_once_and_reclassify_keeps_it(ctx, staff, clock: Clock) -> None:
    ref = new_case(ctx)
    first = clock.advance(hours=3)
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    clock.advance(hours=1)
    cases.classify(ctx, "alice", ref, CaseType.OTHER, reason="debt, escalated")
    stored = row(ctx, ref)
    assert stored.type == "other" and stored.triaged_at == first
    assert events_of(ctx, ref)[-1].details == {
        "type": "other",
        "previous_type": "corporate",
        "correction": True,
        "reason": "debt, escalated",
    }
    with pytest.raises(TransitionRefused, match="already classified as other"):
        cases.classify(ctx, "alice", ref, CaseType.OTHER, reason="again")


@pytest.mark.parametrize("kind", [CaseType.SERVICE_REQUEST, CaseType.UNCLASSIFIED], ids=str)
def test_classify_takes_only_complaint_types(ctx, staff, kind) -> None:
    ref = new_case(ctx)
    with pytest.raises(InvalidInput, match="use signpost"):
        cases.classify(ctx, "alice", ref, kind)


def test_signpost_to_an_organisation_and_as_a_service_request(ctx, staff, clock: Clock) -> None:
    a, b = new_case(ctx), new_case(ctx)
    cases.signpost(ctx, "alice", a, to="Thames Valley Police", note="Noise at night")
    cases.signpost(ctx, "alice", b, service_request="Waste and Recycling")
    first, second = row(ctx, a), row(ctx, b)
    assert (first.type, first.status, first.close_reason, first.signposted_to) == (
        "service_request",
        "closed",
        "signposted",
        "Thames Valley Police",
    )
    assert (second.close_reason, second.service, second.signposted_to) == (
        "service_request",
        "Waste and Recycling",
        None,
    )
    assert first.triaged_at == clock.now and first.closed_at == clock.now
    with pytest.raises(InvalidInput, match="exactly one"):
        cases.signpost(ctx, "alice", new_case(ctx))
    with pytest.raises(InvalidInput, match="exactly one"):
        cases.signpost(ctx, "alice", new_case(ctx), to="NHS", service_request="Highways")


def test_close_as_duplicate_needs_a_real_original(ctx, staff) -> None:
    original, copy = new_case(ctx), new_case(ctx)
    with pytest.raises(InvalidInput, match="needs --duplicate-of"):
        cases.close(ctx, "alice", copy, CloseReason.DUPLICATE)
    with pytest.raises(NotFound, match="unknown case 'CMP-999999'"):
        cases.close(ctx, "alice", copy, CloseReason.DUPLICATE, duplicate_of="CMP-999999")
    with pytest.raises(InvalidInput, match="itself"):
        cases.close(ctx, "alice", copy, CloseReason.DUPLICATE, duplicate_of=copy)
    with pytest.raises(InvalidInput, match="goes with --reason duplicate"):
        cases.close(ctx, "alice", copy, CloseReason.WITHDRAWN, duplicate_of=original)
    with pytest.raises(InvalidInput, match="set by signposting"):
        cases.close(ctx, "alice", copy, CloseReason.SIGNPOSTED)
    cases.close(ctx, "alice", copy, CloseReason.DUPLICATE, duplicate_of=original)
    stored = row(ctx, copy)
    assert (stored.status, stored.close_reason, stored.duplicate_of) == ("closed", "duplicate", original)


def test_acknowledge_once_only(ctx, staff) -> None:
    ref = _make_case_in(ctx, Status.ALLOCATED)
    cases.acknowledge(ctx, "carol", ref, channel="email")
    with pytest.raises(TransitionRefused, match="already acknowledged"):
        cases.acknowledge(ctx, "carol", ref)


def test_allocate_and_reassign_check_the_officer(ctx, staff) -> None:
    ref = _make_case_in(ctx, Status.TRIAGED)
    with pytest.raises(NotFound, match="unknown officer 'zed'"):
        cases.allocate(ctx, "alice", ref, "zed")
    cases.allocate(ctx, "alice", ref, "carol")
    with pytest.raises(NotFound, match="unknown officer 'zed'"):
        cases.reassign(ctx, "boss", ref, "zed", reason="x")
    with pytest.raises(InvalidInput, match="already with carol"):
        cases.reassign(ctx, "boss", ref, "carol", reason="x")
    with pytest.raises(InvalidInput, match="reason must not be empty"):
        cases.reassign(ctx, "boss", ref, "bob", reason=" ")


def test_note_on_a_closed_case(ctx, staff) -> None:
    ref = _make_case_in(ctx, Status.CLOSED)
    cases.add_note(ctx, "bob", ref, "Customer rang to say thanks")
    assert events_of(ctx, ref)[-1].details == {"text": "Customer rang to say thanks"}
    with pytest.raises(InvalidInput):
        cases.add_note(ctx, "bob", ref, "   ")


# --- who may act ----------------------------------------------------------------------------------------------


def test_the_first_officer_may_be_added_by_anyone_then_only_by_supervisors(ctx) -> None:
    add_officer(ctx, "root", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    with pytest.raises(NotFound, match="unknown user 'root'"):
        add_officer(ctx, "root", "x", "X")
    add_officer(ctx, "boss", "alice", "Alice Adams")
    with pytest.raises(RoleRefused, match="only supervisors may add officers"):
        add_officer(ctx, "alice", "eve", "Eve")
    with pytest.raises(InvalidInput, match="already exists"):
        add_officer(ctx, "boss", "alice", "Alice Again")
    with pytest.raises(InvalidInput, match="invalid username"):
        add_officer(ctx, "boss", "has space", "Someone")
    assert [o.username for o in list_officers(ctx)] == ["boss", "alice"]
    with ctx.store.read() as s:
        added = list(s.exec(select(Event).where(Event.action == "officer_add").order_by(Event.id)))
    assert [(e.actor, e.details["username"]) for e in added] == [("root", "boss"), ("boss", "alice")]
    assert all(e.case_id is None for e in added)


def test_unknown_actor_and_unknown_case(ctx, staff) -> None:
    ref = new_case(ctx)
    with pytest.raises(NotFound, match=r"unknown user 'mallory'.*triage officer add mallory"):
        cases.classify(ctx, "mallory", ref, CaseType.ADULTS)
    with pytest.raises(NotFound, match="unknown case 'CMP-404'"):
        cases.classify(ctx, "alice", "CMP-404", CaseType.ADULTS)


def test_only_supervisors_reassign(ctx, staff) -> None:
    ref = _make_case_in(ctx, Status.ALLOCATED)
    for who in ("alice", "carol"):
        with pytest.raises(RoleRefused, match=f"{who} is an officer: only supervisors may reassign"):
            cases.reassign(ctx, who, ref, "bob", reason="x")
    assert row(ctx, ref).officer_id is not None and row(ctx, ref).version == 3


# --- concurrency and the audit trail ---------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_changes_nothing(ctx, staff) -> None:
    ref = new_case(ctx)
    seen = cases.get_case(ctx, ref).version
    cases.classify(ctx, "bob", ref, CaseType.CORPORATE)  # another officer got there first
    with pytest.raises(Conflict, match=r"changed by someone else.*classify by bob"):
        cases.classify(ctx, "alice", ref, CaseType.ADULTS, expected_version=seen)
    assert row(ctx, ref).type == "corporate"
    cases.classify(ctx, "alice", ref, CaseType.ADULTS, reason="adult social care", expected_version=seen + 1)
    assert row(ctx, ref).type == "adults"


@pytest.mark.parametrize("statement", ["UPDATE events SET actor = 'x'", "DELETE FROM events"])
def test_events_are_append_only(ctx, staff, statement: str) -> None:
    new_case(ctx)
    count = event_count(ctx)
    with pytest.raises(Exception, match="append-only"), ctx.store.write() as s:
        s.connection().execute(text(statement))
    assert event_count(ctx) == count


def test_times_come_back_as_utc_aware(ctx, staff, clock: Clock) -> None:
    summer = pendulum.datetime(2022, 7, 1, 9, 30, tz="Europe/London")
    clock.set(summer.add(hours=2))
    ref = new_case(ctx, received_at=summer)
    stored = row(ctx, ref)
    assert stored.received_at == pendulum.datetime(2022, 7, 1, 8, 30, tz="UTC")
    assert stored.received_at.utcoffset() == pendulum.duration(0)
    assert cases.get_case(ctx, ref).to_json(clock.now)["received_at"] == "2022-07-01T08:30:00+00:00"


def test_list_cases_filters(ctx, staff) -> None:
    a = _make_case_in(ctx, Status.ALLOCATED)
    b = _make_case_in(ctx, Status.NEW)
    c = new_case(ctx, cohort="backlog-2021")
    assert [x.reference for x in cases.list_cases(ctx, statuses=[Status.NEW])] == [b, c]
    assert [x.reference for x in cases.list_cases(ctx, officer="carol")] == [a]
    assert [x.reference for x in cases.list_cases(ctx, cohort="backlog-2021")] == [c]
    assert [x.reference for x in cases.list_cases(ctx, types=[CaseType.CORPORATE])] == [a]
    assert len(cases.list_cases(ctx, limit=2)) == 2
    with pytest.raises(NotFound):
        cases.list_cases(ctx, officer="zed")


def test_taking_the_next_contact_gives_back_the_one_left_untouched(ctx, staff, clock: Clock) -> None:
    from triage_tui.services.desk import take_next

    first, second, third = new_case(ctx), new_case(ctx), new_case(ctx)
    assert take_next(ctx, "alice").reference == first
    assert take_next(ctx, "alice").reference == second  # never the one just given back
    assert row(ctx, first).claimed_by_id is None
    assert [e.action for e in events_of(ctx, first)] == ["intake", "claim", "release"]
    assert take_next(ctx, "bob").reference == first  # free again for the others
    # A contact acted on is no longer new: its claim is not touched by the next take.
    cases.classify(ctx, "alice", second, CaseType.CORPORATE)
    assert take_next(ctx, "alice").reference == third
    assert [e.action for e in events_of(ctx, second)] == ["intake", "claim", "classify"]


def test_claims_lapse_after_the_policys_minutes(ctx, staff, clock: Clock) -> None:
    from triage_tui.services.desk import release, take_next

    first, second = new_case(ctx), new_case(ctx)
    assert take_next(ctx, "alice").reference == first
    assert take_next(ctx, "bob").reference == second  # alice's claim is live: bob gets the next one
    assert take_next(ctx, "carol") is None
    clock.advance(minutes=31)  # the default claim lasts 30 minutes
    assert take_next(ctx, "carol").reference == first
    with pytest.raises(Conflict, match="claimed by carol"):
        release(ctx, "alice", first)
    release(ctx, "carol", first)
    assert row(ctx, first).claimed_by_id is None
    assert [e.action for e in events_of(ctx, first)] == ["intake", "claim", "claim", "release"]
