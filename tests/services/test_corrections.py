"""Corrections: a classification corrected with a reason, the customer's details edited, a response or a closure
reopened by a supervisor. Each writes one event saying what changed and why; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Clock
from tests.services.test_actions import event_count, events_of, new_case, row
from triage_tui.domain.codes import CaseType, CloseReason, Outcome, Status
from triage_tui.domain.errors import Conflict, InvalidInput, RoleRefused, TransitionRefused
from triage_tui.domain.lifecycle import Action, path_is_valid
from triage_tui.domain.text import LIMITS
from triage_tui.reports.compute import position
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import deactivate_officer


def make(ctx: ServiceContext, clock: Clock, status: Status, kind: CaseType = CaseType.CORPORATE) -> str:
    """A case taken to `status` along the usual path, an hour between steps."""
    ref = new_case(ctx)
    steps = [
        (Status.TRIAGED, lambda: cases.classify(ctx, "alice", ref, kind)),
        (Status.ALLOCATED, lambda: cases.allocate(ctx, "alice", ref, "carol")),
        (Status.WITH_SERVICE, lambda: cases.send_to_service(ctx, "carol", ref, "Highways")),
        (Status.RESPONDED, lambda: cases.respond(ctx, "carol", ref, outcome=Outcome.UPHELD)),
    ]
    for reached, step in steps:
        if status is Status.NEW:
            break
        clock.advance(hours=1)
        step()
        if reached is status:
            break
    return ref


def valid_path(ctx: ServiceContext, ref: str) -> bool:
    view = cases.get_case(ctx, ref)
    return path_is_valid([(Action(e.action), e.from_status, Status(e.to_status or "")) for e in view.events])


def held_at(ctx: ServiceContext, moment: Any) -> dict[tuple[str, str], int]:
    """The position report at `moment`, every bucket: {(type, bucket): cases}."""
    report = position(ctx, moment, all_buckets=True)
    return {
        (r["type"], bucket): r[bucket]
        for r in report.rows
        for bucket in ("unallocated", "complaints_team", "service", "complete", "closed_other")
        if r[bucket]
    }


# --- classification corrected -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE, Status.RESPONDED], ids=str)
def test_a_classification_is_corrected_with_a_reason_in_every_open_or_responded_status(
    ctx, staff, clock: Clock, status: Status
) -> None:
    ref = make(ctx, clock, status)
    before, count = row(ctx, ref), event_count(ctx)
    with pytest.raises(InvalidInput, match=f"case {ref} is already classified as corporate: .*needs a reason"):
        cases.classify(ctx, "bob", ref, CaseType.ADULTS)
    with pytest.raises(InvalidInput, match="needs a reason"):
        cases.classify(ctx, "bob", ref, CaseType.ADULTS, reason="   ")
    assert (row(ctx, ref).type, row(ctx, ref).version, event_count(ctx)) == ("corporate", before.version, count)

    clock.advance(hours=1)
    view = cases.classify(ctx, "bob", ref, CaseType.ADULTS, reason="Care package, not highways")
    after = row(ctx, ref)
    assert (after.type, after.status, after.version) == ("adults", status.value, before.version + 1)
    assert after.triaged_at == before.triaged_at  # the triage clock stopped once, at the first decision
    last = events_of(ctx, ref)[-1]
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        "classify",
        status.value,
        status.value,
        "bob",
    )
    assert last.details == {
        "type": "adults",
        "previous_type": "corporate",
        "correction": True,
        "reason": "Care package, not highways",
    }
    assert view.type is CaseType.ADULTS and valid_path(ctx, ref)


def test_a_closed_case_is_reopened_before_its_classification_is_corrected(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.ALLOCATED)
    cases.close(ctx, "carol", ref, CloseReason.WITHDRAWN)
    with pytest.raises(TransitionRefused, match=r"is closed: classify is not allowed .*reopens it first"):
        cases.classify(ctx, "boss", ref, CaseType.ADULTS, reason="wrong type")
    assert row(ctx, ref).type == "corporate"


def test_the_clocks_follow_the_corrected_type(ctx, staff, clock: Clock) -> None:
    # Received Thursday 25 November 2021 10:00. Corporate: acknowledge within 5 working days of receipt, respond
    # 10 working days from the acknowledgement; children: acknowledge in 5, respond 10 from receipt; adults:
    # acknowledge in 3.
    ref = make(ctx, clock, Status.ALLOCATED)
    shown = cases.get_case(ctx, ref).to_json(clock.now)
    assert shown["ack_due_at"] == "2021-12-02T23:59:59+00:00"
    assert shown["response_due_at"] is None  # corporate: from the acknowledgement, not yet made
    shown = cases.classify(ctx, "carol", ref, CaseType.ADULTS, reason="adult social care").to_json(clock.now)
    assert shown["ack_due_at"] == "2021-11-30T23:59:59+00:00"
    shown = cases.classify(ctx, "carol", ref, CaseType.CHILDREN, reason="the child's care").to_json(clock.now)
    assert shown["ack_due_at"] == "2021-12-02T23:59:59+00:00"
    assert shown["response_due_at"] == "2021-12-09T23:59:59+00:00"


def test_a_first_classification_is_no_correction(ctx, staff) -> None:
    ref = new_case(ctx)
    cases.classify(ctx, "alice", ref, CaseType.OTHER)
    assert events_of(ctx, ref)[-1].details == {"type": "other", "previous_type": "unclassified"}
    with pytest.raises(TransitionRefused, match="already classified as other"):
        cases.classify(ctx, "alice", ref, CaseType.OTHER, reason="same again")


def test_a_stale_correction_is_a_conflict(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.TRIAGED)
    seen = cases.get_case(ctx, ref).version
    cases.add_note(ctx, "bob", ref, "Customer rang")
    with pytest.raises(Conflict, match=r"changed by someone else.*note by bob"):
        cases.classify(ctx, "alice", ref, CaseType.ADULTS, reason="r", expected_version=seen)
    assert row(ctx, ref).type == "corporate"


# --- edit ------------------------------------------------------------------------------------------------------


def test_edit_changes_only_the_fields_given_and_keeps_old_and_new(ctx, staff, clock: Clock) -> None:
    ref = new_case(ctx, customer_email="m.smith@example.org", customer_phone="01632 960001")
    before = row(ctx, ref)
    clock.advance(minutes=5)
    view = cases.edit(
        ctx,
        "alice",
        ref,
        customer_name="Margaret Smyth",
        customer_email="",
        customer_phone="01632 960001",  # unchanged: not in the event
        customer_address="1 High Street\nAnytown AB1 2CD",
        reason="Name misspelt; email bounced",
    )
    after = row(ctx, ref)
    assert (after.customer_name, after.customer_email, after.customer_phone) == (
        "Margaret Smyth",
        None,
        "01632 960001",
    )
    assert after.customer_address == "1 High Street\nAnytown AB1 2CD"
    assert (after.summary, after.status, after.version) == (before.summary, "new", before.version + 1)
    assert after.updated_at == clock.now
    last = events_of(ctx, ref)[-1]
    assert (last.action, last.from_status, last.to_status, last.at) == ("edit", "new", "new", clock.now)
    assert last.details == {
        "reason": "Name misspelt; email bounced",
        "changes": {
            "customer_name": {"old": "Margaret Smith", "new": "Margaret Smyth"},
            "customer_email": {"old": "m.smith@example.org", "new": None},
            "customer_address": {"old": None, "new": "1 High Street\nAnytown AB1 2CD"},
        },
    }
    assert view.customer_name == "Margaret Smyth" and valid_path(ctx, ref)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "nothing to change: give at least one field"),
        ({"customer_name": "Margaret Smith"}, "already reads so: nothing to change"),
        ({"customer_name": "  "}, "customer_name must not be empty"),
        ({"summary": ""}, "summary must not be empty"),
        ({"customer_address": "x" * 501}, "customer_address is longer than 500"),
        ({"details": "a\x00b"}, "NUL"),
        ({"customer_name": "M", "reason": " "}, "reason must not be empty"),
    ],
    ids=["no-field", "same", "blank-name", "blank-summary", "long-address", "nul", "no-reason"],
)
def test_edit_refusals_write_nothing(ctx, staff, fields: dict[str, str], message: str) -> None:
    ref = new_case(ctx)
    before, count = row(ctx, ref), event_count(ctx)
    with pytest.raises(InvalidInput, match=message):
        cases.edit(ctx, "alice", ref, **({"reason": "typo"} | fields))  # type: ignore[arg-type]
    assert row(ctx, ref) == before and event_count(ctx) == count


def test_edit_in_any_status_by_any_active_officer(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.RESPONDED)
    cases.edit(ctx, "bob", ref, summary="Pothole outside number 4", reason="summary garbled")
    closed = new_case(ctx)
    cases.close(ctx, "alice", closed, CloseReason.WITHDRAWN)
    cases.edit(ctx, "carol", closed, details="Letter dated 1 November", reason="letter scanned")
    assert row(ctx, ref).summary == "Pothole outside number 4" and row(ctx, ref).status == "responded"
    assert row(ctx, closed).details == "Letter dated 1 November"
    deactivate_officer(ctx, "boss", "bob", reason="left")
    with pytest.raises(Exception, match="bob"):
        cases.edit(ctx, "bob", ref, summary="Another", reason="r")
    assert row(ctx, ref).summary == "Pothole outside number 4"


def test_a_stale_edit_is_a_conflict(ctx, staff) -> None:
    ref = new_case(ctx)
    seen = cases.get_case(ctx, ref).version
    cases.edit(ctx, "bob", ref, customer_phone="01632 960002", reason="rang back")
    with pytest.raises(Conflict, match="changed by someone else"):
        cases.edit(ctx, "alice", ref, customer_phone="01632 960003", reason="r", expected_version=seen)
    assert row(ctx, ref).customer_phone == "01632 960002"
    cases.edit(ctx, "alice", ref, customer_phone="01632 960003", reason="r", expected_version=seen + 1)
    assert row(ctx, ref).customer_phone == "01632 960003"


# Text from the public: anything a keyboard, a paste or a script can send.
hostile = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("\x00\x1b[]/@=\u202e\n\t "),
    max_size=60,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile, address=hostile | st.text(min_size=495, max_size=520))
def test_edit_stores_any_acceptable_text_literally_or_refuses_it_whole(
    ctx: ServiceContext, staff, name: str, address: str
) -> None:
    ref = new_case(ctx)
    before, count = row(ctx, ref), event_count(ctx)
    try:
        cases.edit(ctx, "alice", ref, customer_name=name, customer_address=address, reason="checked with customer")
    except InvalidInput as refused:
        assert "\n" not in str(refused)
        assert row(ctx, ref) == before and event_count(ctx) == count
        return
    after = row(ctx, ref)
    assert after.customer_name == name.strip() and after.customer_name
    assert after.customer_address == (address.strip() or None)
    assert "\x00" not in name + address and len(address.strip()) <= LIMITS["customer_address"]
    changes = events_of(ctx, ref)[-1].details["changes"]
    for field, value in (("customer_name", after.customer_name), ("customer_address", after.customer_address)):
        if field in changes:
            assert changes[field]["new"] == value


# --- reopen ----------------------------------------------------------------------------------------------------


def test_a_responded_case_goes_back_to_the_service(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.RESPONDED)
    before = row(ctx, ref)
    responded = before.responded_at
    assert responded is not None
    clock.advance(days=1)
    view = cases.reopen(ctx, "boss", ref, reason="The response missed half the complaint")
    after = row(ctx, ref)
    assert (after.status, after.responded_at, after.outcome) == ("with_service", None, None)
    assert (after.service, after.sent_to_service_at, after.officer_id) == (
        before.service,
        before.sent_to_service_at,
        before.officer_id,
    )
    last = events_of(ctx, ref)[-1]
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        "reopen",
        "responded",
        "with_service",
        "boss",
    )
    assert last.details == {
        "reason": "The response missed half the complaint",
        "to_status": "with_service",
        "cleared": {"responded_at": responded.isoformat(), "outcome": "upheld"},
    }
    assert view.clocks().response.stopped_at is None  # the response is awaited again
    assert valid_path(ctx, ref)
    # It can be responded to again, and reopened again.
    clock.advance(hours=1)
    cases.respond(ctx, "carol", ref, outcome=Outcome.PARTLY_UPHELD)
    cases.reopen(ctx, "boss", ref, reason="again")
    assert row(ctx, ref).status == "with_service" and valid_path(ctx, ref)


@pytest.mark.parametrize("status", [Status.NEW, Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE], ids=str)
def test_a_closed_case_goes_back_to_the_status_it_was_closed_from(ctx, staff, clock: Clock, status: Status) -> None:
    original = new_case(ctx)
    ref = make(ctx, clock, status)
    before = row(ctx, ref)
    clock.advance(hours=1)
    cases.close(ctx, "boss", ref, CloseReason.DUPLICATE, duplicate_of=original)
    closed = row(ctx, ref)
    clock.advance(hours=1)
    cases.reopen(ctx, "boss", ref, reason="Not a duplicate after all")
    after = row(ctx, ref)
    assert after.status == status.value and after.type == before.type
    assert (after.close_reason, after.closed_at, after.duplicate_of, after.signposted_to) == (None, None, None, None)
    cleared = events_of(ctx, ref)[-1].details["cleared"]
    assert cleared["close_reason"] == "duplicate" and cleared["duplicate_of"] == original
    assert closed.closed_at is not None and cleared["closed_at"] == closed.closed_at.isoformat()
    if status is Status.NEW:
        # Back to waiting for triage: the triage clock runs again from the receipt.
        assert after.triaged_at is None and cleared["triaged_at"] == closed.triaged_at.isoformat()  # type: ignore[union-attr]
        assert cases.get_case(ctx, ref).clocks().triage.running
    else:
        assert after.triaged_at == before.triaged_at and "triaged_at" not in cleared
    assert events_of(ctx, ref)[-1].to_status == status.value
    assert valid_path(ctx, ref)


def test_a_signposted_contact_gets_its_type_back(ctx, staff, clock: Clock) -> None:
    triaged = make(ctx, clock, Status.TRIAGED, CaseType.CHILDREN)
    cases.signpost(ctx, "alice", triaged, to="Thames Valley Police")
    request = new_case(ctx)
    cases.signpost(ctx, "alice", request, service_request="Waste and Recycling")
    clock.advance(hours=1)

    cases.reopen(ctx, "boss", triaged, reason="It is a complaint about the council")
    back = row(ctx, triaged)
    assert (back.status, back.type, back.signposted_to, back.close_reason) == ("triaged", "children", None, None)
    details = events_of(ctx, triaged)[-1].details
    assert (details["type"], details["previous_type"]) == ("children", "service_request")
    assert details["cleared"]["signposted_to"] == "Thames Valley Police"

    cases.reopen(ctx, "boss", request, reason="Waste say it is a complaint")
    back = row(ctx, request)
    assert (back.status, back.type, back.service, back.triaged_at) == ("new", "unclassified", None, None)
    assert events_of(ctx, request)[-1].details["cleared"]["service"] == "Waste and Recycling"
    assert valid_path(ctx, triaged) and valid_path(ctx, request)
    # Triaged afresh as a complaint.
    cases.classify(ctx, "alice", request, CaseType.CORPORATE)
    assert row(ctx, request).triaged_at == clock.now


def test_reopen_is_for_supervisors_with_a_reason_on_responded_or_closed_cases(ctx, staff, clock: Clock) -> None:
    done = make(ctx, clock, Status.RESPONDED)
    for who in ("alice", "carol"):
        with pytest.raises(RoleRefused, match=f"{who} is an officer: only supervisors may reopen"):
            cases.reopen(ctx, who, done, reason="x")
    with pytest.raises(InvalidInput, match="reason must not be empty"):
        cases.reopen(ctx, "boss", done, reason=" ")
    assert row(ctx, done).status == "responded"
    for status in (Status.NEW, Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE):
        ref = make(ctx, clock, status)
        count = event_count(ctx)
        with pytest.raises(TransitionRefused, match=f"is {status.label.lower()}: reopen is not allowed"):
            cases.reopen(ctx, "boss", ref, reason="x")
        assert row(ctx, ref).status == status.value and event_count(ctx) == count


def test_a_stale_reopen_is_a_conflict(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.RESPONDED)
    seen = cases.get_case(ctx, ref).version
    cases.add_note(ctx, "carol", ref, "Customer happy")
    with pytest.raises(Conflict):
        cases.reopen(ctx, "boss", ref, reason="x", expected_version=seen)
    assert row(ctx, ref).status == "responded"


def test_reports_at_past_dates_read_the_reopened_history(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.ALLOCATED)  # 11:00 triaged, 12:00 allocated
    closing = clock.advance(hours=1)
    cases.close(ctx, "carol", ref, CloseReason.WITHDRAWN)
    reopening = clock.advance(days=2)
    cases.reopen(ctx, "boss", ref, reason="customer did not withdraw")
    assert held_at(ctx, closing.subtract(minutes=1)) == {("corporate", "complaints_team"): 1}
    assert held_at(ctx, closing.add(hours=1)) == {("corporate", "closed_other"): 1}
    assert held_at(ctx, reopening.add(minutes=1)) == {("corporate", "complaints_team"): 1}


def test_reopen_backdated_and_refused_before_the_closure(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.WITH_SERVICE)
    closed_at = clock.advance(hours=1)
    cases.close(ctx, "carol", ref, CloseReason.OUT_OF_TIME)
    clock.advance(days=1)
    with pytest.raises(InvalidInput, match=r"is before its last step \(close at 25/11/2021 14:00\)"):
        cases.reopen(ctx, "boss", ref, reason="r", at=closed_at.subtract(minutes=1))
    when = closed_at.add(hours=2)
    cases.reopen(ctx, "boss", ref, reason="in time after all", at=when)
    last = events_of(ctx, ref)[-1]
    assert last.at == when and last.details["recorded_at"] == clock.now.isoformat()
    assert held_at(ctx, when.add(minutes=1)) == {("corporate", "service"): 1}
    assert held_at(ctx, when.subtract(minutes=1)) == {("corporate", "closed_other"): 1}


def test_intake_keeps_the_postal_address(ctx, staff) -> None:
    ref = new_case(ctx, customer_address="Flat 2, 3 Mill Lane\nAnytown")
    assert row(ctx, ref).customer_address == "Flat 2, 3 Mill Lane\nAnytown"
    assert cases.get_case(ctx, ref).to_json(datetime.now().astimezone())["customer_address"] == (
        "Flat 2, 3 Mill Lane\nAnytown"
    )
    with pytest.raises(InvalidInput, match="customer_address is longer than 500"):
        new_case(ctx, customer_address="x" * 501)


def test_everything_survives_a_reopen_then_a_second_closure(ctx, staff, clock: Clock) -> None:
    ref = make(ctx, clock, Status.TRIAGED)
    cases.signpost(ctx, "alice", ref, service_request="Highways")
    clock.advance(hours=1)
    cases.reopen(ctx, "boss", ref, reason="complaint after all")
    clock.advance(hours=1)
    cases.allocate(ctx, "alice", ref, "carol")
    cases.close(ctx, "carol", ref, CloseReason.WITHDRAWN)
    clock.advance(hours=1)
    cases.reopen(ctx, "boss", ref, reason="not withdrawn")
    after = row(ctx, ref)
    assert (after.status, after.type, after.service) == ("allocated", "corporate", None)
    assert valid_path(ctx, ref)
    assert pendulum.instance(after.updated_at) == clock.now
