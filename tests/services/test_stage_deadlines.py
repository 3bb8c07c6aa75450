"""Every row of DOMAIN.md's stage table, driven through the services on SQLite and PostgreSQL: the deadlines a case
shows (its clocks, its stages, `case show --json`) at each stage, across weekends, bank holidays and the clock
changes; extensions; escalation; the ombudsman; and the refusals, which write nothing.

Every expected instant was counted by hand on a calendar of England and Wales, never taken from the code under
test. "N WD from X" counts the working days after X's local date; the deadline is 23:59:59 Europe/London on the
last one, which is 22:59:59Z in BST and 23:59:59Z in GMT. Clock changes used here: BST from Sun 28 March 2027,
and GMT again from Sun 30 October 2022.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pendulum
import pytest

from tests.conftest import Clock
from tests.services.test_actions import event_count, events_of, row
from triage_tui.domain.codes import CaseType, OmbudsmanDecision, Outcome, Status
from triage_tui.domain.errors import InvalidInput, TransitionRefused
from triage_tui.domain.policy import policy_from_mapping
from triage_tui.domain.views import CaseView
from triage_tui.services import cases, stages
from triage_tui.services.context import ServiceContext


def lon(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> pendulum.DateTime:
    """A Europe/London wall-clock time."""
    return pendulum.datetime(y, m, d, hh, mm, tz="Europe/London")


def z(y: int, m: int, d: int, hh: int = 23, mm: int = 59, ss: int = 59) -> datetime:
    """A UTC instant; by default the end of a GMT day (a BST day ends at 22:59:59Z)."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


def bst_end(y: int, m: int, d: int) -> datetime:
    """23:59:59 British Summer Time on a date, in UTC."""
    return z(y, m, d, 22)


def gmt_end(y: int, m: int, d: int) -> datetime:
    """23:59:59 Greenwich Mean Time on a date, in UTC."""
    return z(y, m, d, 23)


def iso(moment: datetime | None) -> str | None:
    """An instant as the JSON gives it: in UTC."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


# --- taking a case through its steps, each at the time it happened ---------------------------------------------


def receive(ctx: ServiceContext, clock: Clock, when: pendulum.DateTime, kind: CaseType) -> str:
    """A contact received at `when` and classified half an hour later."""
    clock.set(when)
    ref = cases.intake(
        ctx, "alice", customer_name="Margaret Smith", summary="Care package reduced", received_at=when
    ).reference
    clock.set(when.add(minutes=30))
    cases.classify(ctx, "alice", ref, kind)
    return ref


def allocate(ctx: ServiceContext, clock: Clock, ref: str, when: pendulum.DateTime, officer: str = "carol") -> None:
    clock.set(when)
    cases.allocate(ctx, "alice", ref, officer)


def acknowledge(ctx: ServiceContext, clock: Clock, ref: str, when: pendulum.DateTime, officer: str = "carol") -> None:
    clock.set(when)
    cases.acknowledge(ctx, officer, ref)


def respond(ctx: ServiceContext, clock: Clock, ref: str, when: pendulum.DateTime, officer: str = "carol") -> None:
    """Sent to the service an hour before `when`, answered at `when`."""
    clock.set(when.subtract(hours=1))
    cases.send_to_service(ctx, officer, ref, "Children's Social Care")
    clock.set(when)
    cases.respond(ctx, officer, ref, outcome=Outcome.PARTLY_UPHELD)


def escalate(ctx: ServiceContext, clock: Clock, ref: str, when: pendulum.DateTime) -> CaseView:
    clock.set(when)
    return stages.escalate(ctx, "alice", ref, reason="The customer is still unhappy")


def shown(ctx: ServiceContext, clock: Clock, ref: str) -> tuple[CaseView, dict[str, Any]]:
    """The case as `case show` reads it, and its JSON."""
    view = cases.get_case(ctx, ref)
    return view, view.to_json(clock.now, ctx.policy)


def assert_current(
    ctx: ServiceContext,
    clock: Clock,
    ref: str,
    *,
    stage: int,
    ack_due: datetime,
    response_due: datetime | None,
    limit: datetime | None,
) -> CaseView:
    """The current stage's deadlines, the same in the clocks, the last of `stages` and the JSON's top level."""
    view, out = shown(ctx, clock, ref)
    clocks = view.clocks(ctx.policy)
    assert view.stage == stage and out["stage"] == stage
    assert clocks.acknowledgement.due_at == ack_due
    assert clocks.response.due_at == response_due
    assert clocks.response.limit_at == limit
    assert (out["ack_due_at"], out["response_due_at"], out["response_limit_at"]) == (
        iso(ack_due),
        iso(response_due),
        iso(limit),
    )
    last = out["stages"][-1]
    assert last["stage"] == stage
    assert (last["ack_due_at"], last["response_due_at"], last["response_limit_at"]) == (
        iso(ack_due),
        iso(response_due),
        iso(limit),
    )
    assert [s["stage"] for s in out["stages"]] == list(range(1, stage + 1))
    return view


def snapshot(ctx: ServiceContext, ref: str) -> tuple[int, int, int]:
    """What a refusal must leave as it was: the events, the case's version and its stage."""
    case = row(ctx, ref)
    return event_count(ctx), case.version, case.stage


def refused(ctx: ServiceContext, ref: str, error: type[Exception], run: Any, *words: str) -> str:
    before = snapshot(ctx, ref)
    with pytest.raises(error) as caught:
        run()
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert snapshot(ctx, ref) == before, "a refusal writes nothing"
    return message


# --- corporate and other, stage 1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [CaseType.CORPORATE, CaseType.OTHER])
def test_corporate_stage_1_over_christmas_2027(ctx, staff, clock: Clock, kind: CaseType) -> None:
    # Christmas 2027: Sat 25 and Sun 26 December, substitutes Mon 27 and Tue 28; New Year's Day Sat 1 January 2028,
    # substitute Mon 3 January. All GMT.
    ref = receive(ctx, clock, lon(2027, 12, 23, 10), kind)  # Thursday
    allocate(ctx, clock, ref, lon(2027, 12, 24, 9))
    # Acknowledge 5 WD from receipt: Fri 24 (1), Wed 29 (2), Thu 30 (3), Fri 31 (4), Tue 4 Jan (5).
    # The response runs from the acknowledgement, which has not happened: no response deadline yet.
    assert_current(ctx, clock, ref, stage=1, ack_due=gmt_end(2028, 1, 4), response_due=None, limit=None)

    acknowledge(ctx, clock, ref, lon(2027, 12, 29, 11))
    # Respond 10 WD from the acknowledgement (Wed 29 Dec): Thu 30 (1), Fri 31 (2), Tue 4 (3), Wed 5 (4), Thu 6 (5),
    # Fri 7 (6), Mon 10 (7), Tue 11 (8), Wed 12 (9), Thu 13 January 2028 (10).
    # Limit 20 WD from it: Fri 14 (11), Mon 17 .. Fri 21 (12-16), Mon 24 .. Thu 27 January (17-20).
    assert_current(
        ctx,
        clock,
        ref,
        stage=1,
        ack_due=gmt_end(2028, 1, 4),
        response_due=gmt_end(2028, 1, 13),
        limit=gmt_end(2028, 1, 27),
    )


def test_corporate_refuses_an_extension_before_the_acknowledgement(ctx, staff, clock: Clock) -> None:
    ref = receive(ctx, clock, lon(2027, 12, 23, 10), CaseType.CORPORATE)
    allocate(ctx, clock, ref, lon(2027, 12, 24, 9))
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.extend(ctx, "carol", ref, working_days=5, reason="Service needs longer"),
        "acknowledge it first",
    )


def test_corporate_stage_1_extension_reaches_its_limit_exactly(ctx, staff, clock: Clock) -> None:
    ref = receive(ctx, clock, lon(2027, 12, 23, 10), CaseType.CORPORATE)
    allocate(ctx, clock, ref, lon(2027, 12, 24, 9))
    acknowledge(ctx, clock, ref, lon(2027, 12, 29, 11))
    clock.set(lon(2028, 1, 5, 9))
    # 10 + 10 = 20 WD from the acknowledgement: the limit itself, Thu 27 January 2028.
    stages.extend(ctx, "carol", ref, working_days=10, reason="The service is waiting for a contractor's report")
    view = assert_current(
        ctx,
        clock,
        ref,
        stage=1,
        ack_due=gmt_end(2028, 1, 4),
        response_due=gmt_end(2028, 1, 27),
        limit=gmt_end(2028, 1, 27),
    )
    assert view.clocks(ctx.policy).response.original_due_at == gmt_end(2028, 1, 13)
    message = refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.extend(ctx, "carol", ref, working_days=1, reason="One more day"),
        "20 working days from the acknowledgement",
        "27/01/2028",
        "no more extension",
    )
    assert "Fri 28/01/2028" in message  # where the one more day would have put it


# --- corporate and other, stage 2 -------------------------------------------------------------------------------


def corporate_at_stage_2(ctx: ServiceContext, clock: Clock, kind: CaseType = CaseType.CORPORATE) -> str:
    """Stage 1 in March 2027 (all GMT), escalated on Tue 23 March 2027 at 14:00 GMT, before Easter and BST."""
    ref = receive(ctx, clock, lon(2027, 3, 1, 10), kind)  # Monday
    allocate(ctx, clock, ref, lon(2027, 3, 1, 14))
    acknowledge(ctx, clock, ref, lon(2027, 3, 2, 10))  # Tuesday
    respond(ctx, clock, ref, lon(2027, 3, 22, 12))  # Monday
    escalate(ctx, clock, ref, lon(2027, 3, 23, 14))
    return ref


@pytest.mark.parametrize("kind", [CaseType.CORPORATE, CaseType.OTHER])
def test_corporate_stage_2_over_easter_and_the_spring_clock_change(ctx, staff, clock: Clock, kind) -> None:
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March; BST from Sunday 28 March.
    ref = corporate_at_stage_2(ctx, clock, kind)
    # Stage 2 starts at the request, Tue 23 March. Acknowledge 5 WD from it: Wed 24 (1), Thu 25 (2), [Fri 26 - Mon
    # 29], Tue 30 (3), Wed 31 (4), Thu 1 April (5): BST, so 22:59:59Z. No response deadline before acknowledgement.
    view = assert_current(ctx, clock, ref, stage=2, ack_due=bst_end(2027, 4, 1), response_due=None, limit=None)
    assert view.status is Status.TRIAGED and view.officer is None and view.stage_started_at == lon(2027, 3, 23, 14)

    # Stage 1 as it stood: acknowledge 5 WD from Mon 1 March: Tue 2 .. Mon 8 March (GMT). Respond 10 WD from the
    # acknowledgement (Tue 2): Wed 3 .. Tue 16 March. Limit 20 WD from it: Wed 17, Thu 18, Fri 19, Mon 22, Tue 23,
    # Wed 24, Thu 25 (17), Tue 30 (18), Wed 31 (19), Thu 1 April (20), in BST.
    _, out = shown(ctx, clock, ref)
    first = out["stages"][0]
    assert first["stage"] == 1 and first["officer"] == "carol" and first["outcome"] == "partly_upheld"
    assert (first["ack_due_at"], first["response_due_at"], first["response_limit_at"]) == (
        iso(gmt_end(2027, 3, 8)),
        iso(gmt_end(2027, 3, 16)),
        iso(bst_end(2027, 4, 1)),
    )
    assert first["responded_at"] == iso(lon(2027, 3, 22, 12)) and first["ended_at"] == iso(lon(2027, 3, 23, 14))

    allocate(ctx, clock, ref, lon(2027, 3, 23, 15), officer="bob")
    acknowledge(ctx, clock, ref, lon(2027, 3, 24, 9), officer="bob")  # Wednesday, GMT
    # Respond 20 WD from the stage-2 acknowledgement (Wed 24 March): Thu 25 (1), Tue 30 (2), Wed 31 (3), Thu 1 (4),
    # Fri 2 (5), Mon 5 - Fri 9 (6-10), Mon 12 - Fri 16 (11-15), Mon 19 - Fri 23 April (16-20).
    # Limit 40 WD: Mon 26 - Fri 30 April (21-25), [Mon 3 May bank holiday], Tue 4 - Fri 7 (26-29), Mon 10 - Fri 14
    # (30-34), Mon 17 - Fri 21 (35-39), Mon 24 May 2027 (40). All BST.
    assert_current(
        ctx,
        clock,
        ref,
        stage=2,
        ack_due=bst_end(2027, 4, 1),
        response_due=bst_end(2027, 4, 23),
        limit=bst_end(2027, 5, 24),
    )


def test_corporate_stage_2_is_the_last(ctx, staff, clock: Clock) -> None:
    ref = corporate_at_stage_2(ctx, clock)
    allocate(ctx, clock, ref, lon(2027, 3, 23, 15), officer="bob")
    acknowledge(ctx, clock, ref, lon(2027, 3, 24, 9), officer="bob")
    respond(ctx, clock, ref, lon(2027, 4, 20, 12), officer="bob")
    clock.set(lon(2027, 4, 21, 9))
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.escalate(ctx, "alice", ref, reason="Still unhappy"),
        "2 stages and this is the last",
        "Ombudsman",
    )


def test_a_policy_change_moves_the_deadlines_of_a_case_already_at_stage_2(ctx, staff, clock: Clock) -> None:
    ref = corporate_at_stage_2(ctx, clock)
    allocate(ctx, clock, ref, lon(2027, 3, 23, 15), officer="bob")
    acknowledge(ctx, clock, ref, lon(2027, 3, 24, 9), officer="bob")
    changed = policy_from_mapping(
        {"stages": {"corporate": {"2": {"acknowledge_days": 3, "respond_days": 10, "extend_to_days": 15}}}}
    )
    other = replace(ctx, policy=changed)
    # Acknowledge 3 WD from Tue 23 March: Wed 24, Thu 25, Tue 30 March (BST). Respond 10 WD from Wed 24 March:
    # Thu 25, Tue 30, Wed 31, Thu 1, Fri 2, Mon 5 - Fri 9 April (10). Limit 15 WD: Mon 12 - Fri 16 April.
    assert_current(
        other,
        clock,
        ref,
        stage=2,
        ack_due=bst_end(2027, 3, 30),
        response_due=bst_end(2027, 4, 9),
        limit=bst_end(2027, 4, 16),
    )
    # Stage 1's rules did not change: its archived deadlines read as before.
    _, out = shown(other, clock, ref)
    assert out["stages"][0]["response_due_at"] == iso(gmt_end(2027, 3, 16))
    # Nothing was stored: the default policy still reads the defaults.
    assert_current(
        ctx,
        clock,
        ref,
        stage=2,
        ack_due=bst_end(2027, 4, 1),
        response_due=bst_end(2027, 4, 23),
        limit=bst_end(2027, 5, 24),
    )
    # And the extension refuses by the policy in force: 10 + 6 WD passes the 15 WD limit (Fri 16 April).
    clock.set(lon(2027, 4, 1, 9))
    refused(
        other,
        ref,
        InvalidInput,
        lambda: stages.extend(other, "bob", ref, working_days=6, reason="Waiting for the service"),
        "15 working days from the acknowledgement",
        "16/04/2027",
        "at most 5 more working days",
    )


# --- the officer of an earlier stage ----------------------------------------------------------------------------


def test_the_stage_1_officer_may_not_take_stage_2(ctx, staff, clock: Clock) -> None:
    ref = corporate_at_stage_2(ctx, clock)
    clock.set(lon(2027, 3, 23, 15))
    refused(ctx, ref, InvalidInput, lambda: cases.allocate(ctx, "alice", ref, "carol"), "carol handled stage 1")
    cases.allocate(ctx, "alice", ref, "bob")
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: cases.reassign(ctx, "boss", ref, "carol", reason="Bob is away"),
        "carol handled stage 1",
        "someone else",
    )
    assert row(ctx, ref).officer_id is not None and cases.get_case(ctx, ref).officer == "bob"


# --- children: three stages, the panel, and the window for stage 3 ----------------------------------------------


def children_stage_1(ctx: ServiceContext, clock: Clock) -> str:
    # Received Mon 4 April 2022 10:00 BST (Easter 2022: Good Friday 15 April, Easter Monday 18 April).
    ref = receive(ctx, clock, lon(2022, 4, 4, 10), CaseType.CHILDREN)
    allocate(ctx, clock, ref, lon(2022, 4, 4, 14))
    return ref


def children_stage_2(ctx: ServiceContext, clock: Clock) -> str:
    ref = children_stage_1(ctx, clock)
    acknowledge(ctx, clock, ref, lon(2022, 4, 5, 10))
    respond(ctx, clock, ref, lon(2022, 4, 20, 15))
    escalate(ctx, clock, ref, lon(2022, 5, 9, 11))  # Monday
    allocate(ctx, clock, ref, lon(2022, 5, 9, 15), officer="bob")
    return ref


def children_stage_2_answered(ctx: ServiceContext, clock: Clock) -> str:
    ref = children_stage_2(ctx, clock)
    acknowledge(ctx, clock, ref, lon(2022, 5, 10, 10), officer="bob")
    respond(ctx, clock, ref, lon(2022, 8, 1, 12), officer="bob")  # Monday
    return ref


def test_children_stage_1_runs_from_receipt_over_easter(ctx, staff, clock: Clock) -> None:
    ref = children_stage_1(ctx, clock)
    # Acknowledge 5 WD from receipt: Tue 5 .. Mon 11 April. Respond 10 WD from receipt, not from the
    # acknowledgement, so it runs before it: Tue 12 (6), Wed 13 (7), Thu 14 (8), [Fri 15 - Mon 18], Tue 19 (9),
    # Wed 20 April (10). Limit 20 WD from receipt: Thu 21 (11), Fri 22 (12), Mon 25 - Fri 29 (13-17), [Mon 2 May],
    # Tue 3 (18), Wed 4 (19), Thu 5 May 2022 (20). All BST.
    assert_current(
        ctx,
        clock,
        ref,
        stage=1,
        ack_due=bst_end(2022, 4, 11),
        response_due=bst_end(2022, 4, 20),
        limit=bst_end(2022, 5, 5),
    )


def test_children_stage_2_runs_from_the_request(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2(ctx, clock)
    # Request Mon 9 May 2022. Acknowledge 5 WD: Tue 10 .. Mon 16 May. Respond 25 WD from the request: Tue 10 - Fri 13
    # (1-4), Mon 16 - Fri 20 (5-9), Mon 23 - Fri 27 (10-14), Mon 30 (15), Tue 31 (16), Wed 1 June (17), [Thu 2 and
    # Fri 3 June: spring bank holiday and the Platinum Jubilee], Mon 6 - Fri 10 (18-22), Mon 13, Tue 14, Wed 15 June
    # (25). Limit 65 WD: Thu 16, Fri 17 (27), 20-24 June (32), 27 June - 1 July (37), 4-8 (42), 11-15 (47),
    # 18-22 (52), 25-29 July (57), 1-5 August (62), Mon 8 (63), Tue 9 (64), Wed 10 August 2022 (65).
    assert_current(
        ctx,
        clock,
        ref,
        stage=2,
        ack_due=bst_end(2022, 5, 16),
        response_due=bst_end(2022, 6, 15),
        limit=bst_end(2022, 8, 10),
    )
    _, out = shown(ctx, clock, ref)
    first = out["stages"][0]  # stage 1's deadlines as in the test above
    assert (first["ack_due_at"], first["response_due_at"], first["response_limit_at"]) == (
        iso(bst_end(2022, 4, 11)),
        iso(bst_end(2022, 4, 20)),
        iso(bst_end(2022, 5, 5)),
    )


def test_children_stage_2_extensions_add_up_to_the_limit(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2(ctx, clock)
    clock.set(lon(2022, 5, 20, 10))
    stages.extend(ctx, "bob", ref, working_days=10, reason="The social worker is on leave")
    # 25 + 10 = 35 WD from the request: Thu 16, Fri 17 (27), 20-24 (32), Mon 27, Tue 28, Wed 29 June 2022 (35).
    assert cases.get_case(ctx, ref).clocks(ctx.policy).response.due_at == bst_end(2022, 6, 29)
    clock.set(lon(2022, 6, 1, 10))
    stages.extend(ctx, "bob", ref, working_days=30, reason="A second interview is needed")
    # 25 + 10 + 30 = 65 WD: the limit, Wed 10 August.
    view = assert_current(
        ctx,
        clock,
        ref,
        stage=2,
        ack_due=bst_end(2022, 5, 16),
        response_due=bst_end(2022, 8, 10),
        limit=bst_end(2022, 8, 10),
    )
    assert view.extension_days == 40
    assert view.clocks(ctx.policy).response.original_due_at == bst_end(2022, 6, 15)
    assert [(x.working_days, x.reason, x.response_due_at, x.stage) for x in view.extensions] == [
        (10, "The social worker is on leave", bst_end(2022, 6, 29), 2),
        (30, "A second interview is needed", bst_end(2022, 8, 10), 2),
    ]
    _, out = shown(ctx, clock, ref)
    assert [(x["working_days"], x["response_due_at"]) for x in out["extensions"]] == [
        (10, iso(bst_end(2022, 6, 29))),
        (30, iso(bst_end(2022, 8, 10))),
    ]
    last = events_of(ctx, ref)[-1]
    assert last.action == "extend" and last.details["previous_due_at"] == iso(bst_end(2022, 6, 29))
    assert last.details["response_due_at"] == iso(bst_end(2022, 8, 10)) and last.details["stage"] == 2
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.extend(ctx, "bob", ref, working_days=1, reason="More time"),
        "65 working days from the stage's start",
        "10/08/2022",
    )


def test_a_deadline_already_passed_may_be_extended(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2(ctx, clock)
    clock.set(lon(2022, 6, 20, 10))  # past the response due on Wed 15 June
    assert cases.get_case(ctx, ref).to_json(clock.now, ctx.policy)["response_band"] == "overdue"
    stages.extend(ctx, "bob", ref, working_days=10, reason="Late: the family asked for a meeting first")
    # 35 WD from the request: Wed 29 June (counted in the test above).
    view, out = shown(ctx, clock, ref)
    assert view.clocks(ctx.policy).response.due_at == bst_end(2022, 6, 29)
    assert out["response_band"] == "ok"


def test_a_request_too_large_or_not_whole_is_refused(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2(ctx, clock)
    for days in (0, -3, 261):
        refused(ctx, ref, InvalidInput, lambda d=days: stages.extend(ctx, "bob", ref, working_days=d, reason="x"))
    refused(ctx, ref, InvalidInput, lambda: stages.extend(ctx, "bob", ref, working_days=5, reason="  "))


def test_children_stage_3_must_be_asked_for_within_20_working_days(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2_answered(ctx, clock)
    # Stage 2 answered Mon 1 August 2022. 20 WD: Tue 2 - Fri 5 (4), 8-12 (9), 15-19 (14), 22-26 (19),
    # [Mon 29 August bank holiday], Tue 30 August (20).
    clock.set(lon(2022, 8, 31, 9))
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.escalate(ctx, "alice", ref, reason="I want a panel"),
        "within 20 working days",
        "30/08/2022",
    )
    # The same request backdated to the last evening of the window is in time.
    view = stages.escalate(ctx, "alice", ref, reason="I want a panel", at=lon(2022, 8, 30, 23, 30))
    assert view.stage == 3 and view.stage_started_at == lon(2022, 8, 30, 23, 30)


def test_children_stage_3_the_panel_and_the_autumn_clock_change(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2_answered(ctx, clock)
    escalate(ctx, clock, ref, lon(2022, 8, 30, 16))  # the 20th WD, in time
    # Acknowledge 5 WD from Tue 30 August: Wed 31, Thu 1, Fri 2, Mon 5, Tue 6 September.
    # Panel 30 WD from the request: Wed 31 Aug - Fri 2 Sep (3), 5-9 (8), 12-16 (13), [Mon 19 September: the
    # Queen's funeral], Tue 20 - Fri 23 (17), 26-30 (22), 3-7 October (27), Mon 10, Tue 11, Wed 12 October (30).
    # Until the panel sits its latest day stands in: respond 20 WD after Wed 12 October: Thu 13, Fri 14 (2),
    # 17-21 (7), 24-28 (12), [GMT from Sun 30 October], Mon 31 (13), Tue 1 - Fri 4 November (17), Mon 7, Tue 8,
    # Wed 9 November (20): 23:59:59 GMT. A stage that cannot be extended: the limit is the due time.
    view = assert_current(
        ctx,
        clock,
        ref,
        stage=3,
        ack_due=bst_end(2022, 9, 6),
        response_due=gmt_end(2022, 11, 9),
        limit=gmt_end(2022, 11, 9),
    )
    panel = view.clocks(ctx.policy).panel
    assert panel is not None and panel.due_at == bst_end(2022, 10, 12) and panel.stopped_at is None
    _, out = shown(ctx, clock, ref)
    assert out["stages"][-1]["panel_due_at"] == iso(bst_end(2022, 10, 12))
    assert out["stages"][-1]["panel_at"] is None
    assert [s["stage"] for s in out["stages"]] == [1, 2, 3]
    assert out["stages"][1]["officer"] == "bob" and out["stages"][1]["responded_at"] == iso(lon(2022, 8, 1, 12))

    # Neither officer of an earlier stage may take it.
    clock.set(lon(2022, 8, 31, 9))
    for earlier, stage in (("carol", 1), ("bob", 2)):
        refused(
            ctx,
            ref,
            InvalidInput,
            lambda who=earlier: cases.allocate(ctx, "alice", ref, who),
            f"{earlier} handled stage {stage}",
        )
    cases.allocate(ctx, "alice", ref, "boss")

    # Stage 3 cannot be extended.
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.extend(ctx, "boss", ref, working_days=5, reason="Panel members unavailable"),
        "stage 3",
        "cannot be extended",
    )

    # The panel sits on Thu 6 October 2022: respond 20 WD after it: Fri 7 (1), 10-14 (6), 17-21 (11),
    # 24-28 (16), Mon 31 (17), Tue 1, Wed 2, Thu 3 November 2022 (20), in GMT.
    clock.set(lon(2022, 10, 7, 9))
    stages.record_panel(ctx, "boss", ref, at=lon(2022, 10, 6, 10))
    view = assert_current(
        ctx,
        clock,
        ref,
        stage=3,
        ack_due=bst_end(2022, 9, 6),
        response_due=gmt_end(2022, 11, 3),
        limit=gmt_end(2022, 11, 3),
    )
    panel = view.clocks(ctx.policy).panel
    assert panel is not None and panel.stopped_at == lon(2022, 10, 6, 10) and panel.met() is True
    refused(ctx, ref, TransitionRefused, lambda: stages.record_panel(ctx, "boss", ref), "already sat")

    # And stage 3 is the last.
    respond(ctx, clock, ref, lon(2022, 10, 20, 12), officer="boss")
    clock.set(lon(2022, 10, 21, 9))
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.escalate(ctx, "alice", ref, reason="again"),
        "3 stages and this is the last",
    )


def test_only_childrens_stage_3_has_a_panel(ctx, staff, clock: Clock) -> None:
    ref = children_stage_2(ctx, clock)
    clock.set(lon(2022, 5, 10, 9))
    refused(ctx, ref, TransitionRefused, lambda: stages.record_panel(ctx, "bob", ref), "no review panel")


# --- adults: one stage, and six months from receipt -------------------------------------------------------------


def test_adults_one_stage_and_the_six_month_limit(ctx, staff, clock: Clock) -> None:
    # Received on the late summer bank holiday, Mon 31 August 2026, 10:00 BST.
    ref = receive(ctx, clock, lon(2026, 8, 31, 10), CaseType.ADULTS)
    allocate(ctx, clock, ref, lon(2026, 8, 31, 14))
    # Acknowledge 3 WD from receipt: Tue 1, Wed 2, Thu 3 September. The response waits for the acknowledgement.
    assert_current(ctx, clock, ref, stage=1, ack_due=bst_end(2026, 9, 3), response_due=None, limit=None)
    acknowledge(ctx, clock, ref, lon(2026, 9, 2, 10))
    # Respond 20 WD from the acknowledgement (Wed 2 September): Thu 3, Fri 4 (2), 7-11 (7), 14-18 (12), 21-25 (17),
    # Mon 28, Tue 29, Wed 30 September (20). Limit six months from receipt: 31 August + 6 months has no 31st, so
    # the month's last day, Sunday 28 February 2027 (a calendar date, GMT).
    assert_current(
        ctx,
        clock,
        ref,
        stage=1,
        ack_due=bst_end(2026, 9, 3),
        response_due=bst_end(2026, 9, 30),
        limit=gmt_end(2027, 2, 28),
    )
    clock.set(lon(2026, 9, 20, 10))
    stages.extend(ctx, "carol", ref, working_days=10, reason="Agreed with the customer: a home visit first")
    # 10 WD after Wed 30 September: Thu 1, Fri 2 (2), 5-9 (7), Mon 12, Tue 13, Wed 14 October (10).
    assert cases.get_case(ctx, ref).clocks(ctx.policy).response.due_at == bst_end(2026, 10, 14)
    # Working days left from Thu 15 October 2026 to Sun 28 February 2027: October 15-30: 12; November: 21;
    # December: 1-24 (18), [Fri 25 Christmas, Mon 28 for Boxing Day on Saturday], 29-31 (3): 21; January 2027:
    # [Fri 1 New Year's Day], 4-29: 20; February 1-26: 20. 12 + 21 + 21 + 20 + 20 = 94; the 95th is Mon 1 March.
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.extend(ctx, "carol", ref, working_days=95, reason="More time"),
        "6 months from the stage's start",
        "28/02/2027",
        "Mon 01/03/2027",
        "at most 94 more working days",
    )
    stages.extend(ctx, "carol", ref, working_days=94, reason="The customer agreed the longest plan")
    assert_current(
        ctx,
        clock,
        ref,
        stage=1,
        ack_due=bst_end(2026, 9, 3),
        response_due=gmt_end(2027, 2, 26),
        limit=gmt_end(2027, 2, 28),
    )


def test_adults_escalation_points_to_the_ombudsman(ctx, staff, clock: Clock) -> None:
    ref = receive(ctx, clock, lon(2026, 8, 31, 10), CaseType.ADULTS)
    allocate(ctx, clock, ref, lon(2026, 8, 31, 14))
    acknowledge(ctx, clock, ref, lon(2026, 9, 2, 10))
    respond(ctx, clock, ref, lon(2026, 9, 25, 10))
    clock.set(lon(2026, 9, 28, 10))
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.escalate(ctx, "alice", ref, reason="Unhappy"),
        "one stage",
        "Ombudsman",
        "ombudsman open",
    )


# --- escalation refusals ------------------------------------------------------------------------------------------


def test_a_stage_not_yet_answered_cannot_be_escalated(ctx, staff, clock: Clock) -> None:
    ref = children_stage_1(ctx, clock)
    clock.set(lon(2022, 4, 6, 10))
    refused(ctx, ref, TransitionRefused, lambda: stages.escalate(ctx, "alice", ref, reason="Too slow"), "escalate")
    refused(ctx, ref, InvalidInput, lambda: stages.escalate(ctx, "alice", ref, reason=""))


def test_escalation_keeps_the_stage_and_clears_the_next(ctx, staff, clock: Clock) -> None:
    ref = corporate_at_stage_2(ctx, clock)
    stored = row(ctx, ref)
    assert stored.status == Status.TRIAGED.value and stored.stage == 2 and stored.extension_days == 0
    assert stored.officer_id is None and stored.acknowledged_at is None and stored.responded_at is None
    assert stored.outcome is None and stored.service is None
    last = events_of(ctx, ref)[-1]
    assert (last.action, last.from_status, last.to_status) == ("escalate", "responded", "triaged")
    assert last.details["stage"] == 2 and last.details["previous_stage"] == 1
    assert last.details["previous_outcome"] == "partly_upheld"
    assert last.details["reason"] == "The customer is still unhappy"


# --- backdating: `at` on escalate, extend and the ombudsman -------------------------------------------------------


def test_at_is_never_before_the_latest_step_nor_in_the_future(ctx, staff, clock: Clock) -> None:
    ref = receive(ctx, clock, lon(2027, 3, 1, 10), CaseType.CORPORATE)
    allocate(ctx, clock, ref, lon(2027, 3, 1, 14))
    acknowledge(ctx, clock, ref, lon(2027, 3, 2, 10))
    respond(ctx, clock, ref, lon(2027, 3, 22, 12))
    clock.set(lon(2027, 3, 25, 9))
    for moment, words in (
        (lon(2027, 3, 22, 11), ("before its last step",)),
        (lon(2027, 3, 25, 12), ("in the future",)),
    ):
        refused(ctx, ref, InvalidInput, lambda m=moment: stages.escalate(ctx, "alice", ref, reason="r", at=m), *words)
        refused(
            ctx,
            ref,
            InvalidInput,
            lambda m=moment: stages.ombudsman_open(ctx, "alice", ref, ombudsman_reference="21 000 111", at=m),
            *words,
        )
    view = stages.escalate(ctx, "alice", ref, reason="Asked on the phone on Tuesday", at=lon(2027, 3, 23, 14))
    assert view.stage_started_at == lon(2027, 3, 23, 14)
    assert events_of(ctx, ref)[-1].at == lon(2027, 3, 23, 14)
    # The stage-2 clocks run from the backdated request: acknowledge 5 WD from Tue 23 March = Thu 1 April (BST).
    assert cases.get_case(ctx, ref).clocks(ctx.policy).acknowledgement.due_at == bst_end(2027, 4, 1)

    allocate(ctx, clock, ref, lon(2027, 3, 25, 10), officer="bob")
    acknowledge(ctx, clock, ref, lon(2027, 3, 25, 11), officer="bob")
    clock.set(lon(2027, 3, 31, 9))
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.extend(ctx, "bob", ref, working_days=5, reason="r", at=lon(2027, 3, 25, 10, 30)),
        "before its last step",
    )
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.extend(ctx, "bob", ref, working_days=5, reason="r", at=lon(2027, 3, 31, 10)),
        "in the future",
    )
    stages.extend(ctx, "bob", ref, working_days=5, reason="Agreed on the phone", at=lon(2027, 3, 30, 16))
    assert events_of(ctx, ref)[-1].at == lon(2027, 3, 30, 16)
    # Acknowledged Thu 25 March: 20 WD to Mon 26 April (Tue 30, Wed 31, Thu 1, Fri 2, 5-9, 12-16, 19-23, Mon 26),
    # plus 5: Tue 27 - Fri 30 April (4), [Mon 3 May], Tue 4 May 2027.
    assert cases.get_case(ctx, ref).clocks(ctx.policy).response.due_at == bst_end(2027, 5, 4)


# --- the ombudsman ------------------------------------------------------------------------------------------------


def answered_corporate(ctx: ServiceContext, clock: Clock) -> str:
    ref = receive(ctx, clock, lon(2027, 11, 22, 10), CaseType.CORPORATE)  # Monday
    allocate(ctx, clock, ref, lon(2027, 11, 22, 14))
    acknowledge(ctx, clock, ref, lon(2027, 11, 23, 10))
    respond(ctx, clock, ref, lon(2027, 12, 20, 12))
    return ref


def test_the_ombudsman_from_enquiry_to_remedy(ctx, staff, clock: Clock) -> None:
    ref = answered_corporate(ctx, clock)
    clock.set(lon(2027, 12, 23, 10))
    view = stages.ombudsman_open(ctx, "carol", ref, ombudsman_reference="27 012 345")
    # No respond-by given: 20 WD from Thu 23 December 2027: Fri 24 (1), [Christmas on Mon 27 and Tue 28], Wed 29 -
    # Fri 31 (4), [New Year on Mon 3 January], Tue 4 - Fri 7 (8), 10-14 (13), 17-21 (18), Mon 24, Tue 25 January.
    assert view.ombudsman is not None and view.ombudsman.respond_by == date(2028, 1, 25)
    enquiry = view.ombudsman.enquiry_clock(ctx.policy)
    assert enquiry is not None and enquiry.due_at == gmt_end(2028, 1, 25)
    assert view.status is Status.RESPONDED
    out = cases.get_case(ctx, ref).to_json(clock.now, ctx.policy)["ombudsman"]
    assert out["reference"] == "27 012 345" and out["respond_by"] == "2028-01-25" and out["decision"] is None

    clock.set(lon(2028, 1, 20, 10))
    stages.ombudsman_answer(ctx, "carol", ref)
    clock.set(lon(2028, 3, 1, 10))
    view = stages.ombudsman_decide(
        ctx,
        "boss",
        ref,
        decision=OmbudsmanDecision.UPHELD,
        remedy="Apologise and pay £150",
        remedy_due=date(2028, 3, 31),
    )
    assert view.ombudsman is not None
    remedy = view.ombudsman.remedy_clock(ctx.policy)
    # 31 March 2028 is after the clocks go forward (Sun 26 March 2028): BST.
    assert remedy is not None and remedy.due_at == bst_end(2028, 3, 31)
    clock.set(lon(2028, 3, 20, 10))
    view = stages.ombudsman_complied(ctx, "carol", ref)
    assert view.ombudsman is not None and view.ombudsman.complied_at == lon(2028, 3, 20, 10)
    assert [e.action for e in events_of(ctx, ref)][-4:] == [
        "ombudsman_open",
        "ombudsman_answer",
        "ombudsman_decide",
        "ombudsman_complied",
    ]
    assert events_of(ctx, ref)[-1].details["in_time"] is True
    refused(ctx, ref, TransitionRefused, lambda: stages.ombudsman_complied(ctx, "carol", ref), "already carried out")


def test_ombudsman_refusals_write_nothing(ctx, staff, clock: Clock) -> None:
    ref = receive(ctx, clock, lon(2027, 11, 22, 10), CaseType.CORPORATE)
    allocate(ctx, clock, ref, lon(2027, 11, 22, 14))
    clock.set(lon(2027, 11, 23, 9))
    # Before the council has responded.
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.ombudsman_open(ctx, "carol", ref, ombudsman_reference="27 000 001"),
        "ombudsman",
    )
    acknowledge(ctx, clock, ref, lon(2027, 11, 23, 10))
    respond(ctx, clock, ref, lon(2027, 12, 20, 12))
    clock.set(lon(2027, 12, 21, 10))
    # Nothing to decide or comply with yet.
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.ombudsman_decide(ctx, "boss", ref, decision=OmbudsmanDecision.NOT_UPHELD),
        "no ombudsman enquiry",
    )
    stages.ombudsman_open(ctx, "carol", ref, ombudsman_reference="27 000 001", respond_by=date(2028, 1, 31))
    # A second enquiry.
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.ombudsman_open(ctx, "carol", ref, ombudsman_reference="27 000 002"),
        "already has the ombudsman's enquiry 27 000 001",
    )
    # A remedy with a decision that is not upheld; a remedy without its date.
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.ombudsman_decide(
            ctx, "boss", ref, decision=OmbudsmanDecision.NOT_UPHELD, remedy="Pay £50", remedy_due=date(2028, 2, 1)
        ),
        "upheld decision",
    )
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.ombudsman_decide(ctx, "boss", ref, decision=OmbudsmanDecision.UPHELD, remedy="Pay £50"),
        "--remedy-due",
    )
    # A remedy due before the decision; an answer given twice.
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.ombudsman_decide(
            ctx, "boss", ref, decision=OmbudsmanDecision.UPHELD, remedy="Pay £50", remedy_due=date(2027, 12, 20)
        ),
        "before the decision",
    )
    stages.ombudsman_answer(ctx, "carol", ref)
    refused(ctx, ref, TransitionRefused, lambda: stages.ombudsman_answer(ctx, "carol", ref), "already answered")
    stages.ombudsman_decide(ctx, "boss", ref, decision=OmbudsmanDecision.NOT_UPHELD)
    # Decided twice; complied without a remedy.
    refused(
        ctx,
        ref,
        TransitionRefused,
        lambda: stages.ombudsman_decide(ctx, "boss", ref, decision=OmbudsmanDecision.UPHELD),
        "already decided not_upheld",
    )
    refused(ctx, ref, TransitionRefused, lambda: stages.ombudsman_complied(ctx, "carol", ref), "no remedy")


def test_ombudsman_backdated_steps_keep_their_order(ctx, staff, clock: Clock) -> None:
    ref = answered_corporate(ctx, clock)
    clock.set(lon(2028, 1, 10, 10))
    stages.ombudsman_open(ctx, "carol", ref, ombudsman_reference="27 555 000", at=lon(2028, 1, 5, 10))
    refused(
        ctx,
        ref,
        InvalidInput,
        lambda: stages.ombudsman_decide(
            ctx, "boss", ref, decision=OmbudsmanDecision.NOT_INVESTIGATED, at=lon(2028, 1, 4, 10)
        ),
        "before its last step",
    )
    stages.ombudsman_decide(ctx, "boss", ref, decision=OmbudsmanDecision.NOT_INVESTIGATED, at=lon(2028, 1, 6, 10))
    view = cases.get_case(ctx, ref)
    assert view.ombudsman is not None
    assert view.ombudsman.opened_at == lon(2028, 1, 5, 10) and view.ombudsman.decided_at == lon(2028, 1, 6, 10)
    # Respond-by 20 WD from Wed 5 January 2028: Thu 6, Fri 7 (2), 10-14 (7), 17-21 (12), 24-28 (17), Mon 31 January,
    # Tue 1, Wed 2 February (20).
    assert view.ombudsman.respond_by == date(2028, 2, 2)
