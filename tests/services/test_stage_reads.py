"""A case at a later stage, extended, with the ombudsman's enquiry, reads the same every way the desk reads it:
the services' ORM read, the desk's quick sqlite3 first read, and the lists' narrow candidate columns (whose
clocks must be the stage's, not stage 1's)."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from tests.conftest import Clock
from triage_tui.domain.clock import case_clocks
from triage_tui.domain.codes import CaseType, OmbudsmanDecision, Outcome, Status
from triage_tui.domain.queue import MY_STATUSES, QUEUE_STATUSES, candidate_times, case_times
from triage_tui.services import cases, desk, stages
from triage_tui.services.context import ServiceContext
from triage_tui.store import queries
from triage_tui.store.quick import QuickRead

LONDON = "Europe/London"


def _stage_two(ctx: ServiceContext, clock: Clock) -> str:
    clock.set(pendulum.datetime(2026, 10, 1, 9, tz=LONDON))
    ref = cases.intake(ctx, "alice", customer_name="Ann Example", summary="Missed bins").reference
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    cases.allocate(ctx, "boss", ref, "carol")
    cases.acknowledge(ctx, "carol", ref)
    cases.send_to_service(ctx, "carol", ref, "Waste")
    clock.advance(days=5)
    cases.respond(ctx, "carol", ref, outcome=Outcome.NOT_UPHELD)
    clock.advance(days=2)
    stages.ombudsman_open(ctx, "boss", ref, ombudsman_reference="26 000 001")
    stages.ombudsman_decide(
        ctx, "boss", ref, decision=OmbudsmanDecision.UPHELD, remedy="Apologise", remedy_due=pendulum.date(2026, 12, 1)
    )
    stages.escalate(ctx, "alice", ref, reason="Still unhappy")
    cases.allocate(ctx, "boss", ref, "bob")
    cases.acknowledge(ctx, "bob", ref)
    stages.extend(ctx, "bob", ref, working_days=5, reason="Waiting for the contractor's records")
    return ref


def test_the_quick_read_is_the_services_read(ctx: ServiceContext, staff, clock: Clock) -> None:
    if not ctx.store.is_sqlite:
        pytest.skip("the desk's quick first read is for SQLite files only")
    ref = _stage_two(ctx, clock)
    view = cases.get_case(ctx, ref)
    path = Path(ctx.store.url.removeprefix("sqlite:///"))
    with QuickRead(path) as quick:
        (fast,) = quick.cases([view.id])
    assert fast == queries_view(ctx, view.id)
    assert (fast.stage, fast.extension_days) == (2, 5)
    assert fast.ombudsman is not None and fast.ombudsman.remedy_due == pendulum.date(2026, 12, 1)
    with QuickRead(path) as quick:
        (candidate,) = [c for c in quick.candidates([s.value for s in MY_STATUSES]) if c.id == view.id]
    assert case_clocks(candidate_times(candidate), ctx.policy) == view.clocks(ctx.policy)


def queries_view(ctx: ServiceContext, case_id: int):
    with ctx.store.read() as session:
        (row,) = queries.cases_by_ids(session, [case_id])
        return queries.case_view(row, queries.usernames(session))


def test_lists_rank_a_later_stage_by_its_own_clocks(ctx: ServiceContext, staff, clock: Clock) -> None:
    ref = _stage_two(ctx, clock)
    view = cases.get_case(ctx, ref)
    with ctx.store.read() as session:
        (candidate,) = [c for c in queries.queue_candidates(session, [Status.ALLOCATED.value]) if c.id == view.id]
    clocks = case_clocks(candidate_times(candidate), ctx.policy)
    assert clocks == view.clocks(ctx.policy) == case_clocks(case_times(view), ctx.policy)
    # Stage 2's response: 20 working days from its acknowledgement (Thu 8 Oct 2026): 9 Oct (1), 12-16 (2-6),
    # 19-23 (7-11), 26-30 (12-16), 2-5 Nov (17-20): Thu 5 Nov, 23:59:59 GMT. Extended by 5: 6, 9, 10, 11, 12 Nov.
    assert clocks.response.due_at == pendulum.datetime(2026, 11, 12, 23, 59, 59, tz="UTC")
    assert clocks.response.original_due_at == pendulum.datetime(2026, 11, 5, 23, 59, 59, tz="UTC")
    loads = {load.officer.username: load for load in desk.officer_loads(ctx)}
    assert loads["bob"].open == 1 and loads["carol"].open == 0
    assert QUEUE_STATUSES  # the queue itself holds no allocated case


def test_the_sla_by_type_counts_an_escalated_case_by_its_first_stage(ctx: ServiceContext, staff, clock: Clock) -> None:
    """The SLA's rows by type count the cases received in the period as their first stage went; a case escalated
    since keeps those milestones in case_stages, and its own columns are the later stage's (not yet answered)."""
    from triage_tui.reports.compute import sla

    _stage_two(ctx, clock)
    (row,) = sla(ctx, pendulum.date(2026, 10, 1), pendulum.date(2026, 10, 1)).to_json()["rows"]
    assert row["type"] == "corporate"
    # Stage 1: acknowledged at receipt (1 Oct), answered 6 Oct, 10 working days due 15 Oct: in time.
    assert (row["acknowledged"], row["acknowledged_within_target"]) == (1, 1)
    assert (row["responded"], row["responded_within_target"]) == (1, 1)


def test_a_limit_counted_from_an_acknowledgement_not_made_refuses_an_extension(
    ctx: ServiceContext, staff, clock: Clock
) -> None:
    """A policy may run children's stage-1 response from receipt but its extension limit from the acknowledgement:
    before the acknowledgement there is no limit to hold an extension to, so it is refused in one line."""
    from dataclasses import replace

    from triage_tui.domain.errors import TransitionRefused
    from triage_tui.domain.policy import FROM_ACK

    rule = replace(ctx.policy.stages[(CaseType.CHILDREN, 1)], extend_from=FROM_ACK)
    policy = replace(ctx.policy, stages={**ctx.policy.stages, (CaseType.CHILDREN, 1): rule})
    local = ServiceContext(store=ctx.store, policy=policy, clock=ctx.clock)
    ref = cases.intake(local, "alice", customer_name="Kim Lee", summary="Missed visit").reference
    cases.classify(local, "alice", ref, CaseType.CHILDREN)
    version = cases.get_case(local, ref).version
    with pytest.raises(TransitionRefused, match="acknowledge it first"):
        stages.extend(local, "alice", ref, working_days=2, reason="Waiting for the social worker")
    assert cases.get_case(local, ref).version == version
