"""Supervisors' bulk moves: each case its own transaction, the reason in every event, refusals reported."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import Clock
from triage_tui.cli import main
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.errors import NotFound, RoleRefused
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.services.supervision import bulk_reassign, distribute, plan_distribution


@pytest.fixture
def team(ctx: ServiceContext, staff) -> ServiceContext:
    add_officer(ctx, "boss", "kwright", "Kieran Wright", Role.OFFICER, Team.RECOVERY)
    add_officer(ctx, "boss", "rbailey", "Rachel Bailey", Role.OFFICER, Team.RECOVERY)
    return ctx


def triaged(ctx: ServiceContext, n: int, cohort: str | None = "backlog-2021") -> list[str]:
    refs = []
    for i in range(n):
        ref = cases.intake(ctx, "alice", customer_name=f"C{i}", summary="S", cohort=cohort).reference
        cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
        refs.append(ref)
    return refs


def test_distribute_round_robin_then_least_loaded(team: ServiceContext) -> None:
    refs = triaged(team, 5)
    triaged(team, 2, cohort=None)  # not in the cohort: left alone
    plan = plan_distribution(team, "backlog-2021", Team.RECOVERY)
    assert plan == [
        (refs[0], "kwright"),
        (refs[1], "rbailey"),
        (refs[2], "kwright"),
        (refs[3], "rbailey"),
        (refs[4], "kwright"),
    ]
    assert all(cases.get_case(team, r).officer is None for r in refs)  # a plan changes nothing
    extra = triaged(team, 3, cohort="other-cohort")
    cases.allocate(team, "boss", extra[0], "kwright")
    cases.allocate(team, "boss", extra[1], "kwright")
    least = plan_distribution(team, "backlog-2021", Team.RECOVERY, "least-loaded")
    # kwright holds 2 already: rbailey takes cases until they are level, then they alternate (ties by name).
    assert [o for _, o in least] == ["rbailey", "rbailey", "kwright", "rbailey", "kwright"]
    result = distribute(team, "boss", least)
    assert len(result.moved) == 5 and result.refused == []
    assert [cases.get_case(team, r).officer for r in refs] == ["rbailey", "rbailey", "kwright", "rbailey", "kwright"]


def test_a_case_changed_after_the_plan_is_reported_not_overwritten(team: ServiceContext) -> None:
    refs = triaged(team, 3)
    plan = plan_distribution(team, "backlog-2021", Team.RECOVERY)
    cases.allocate(team, "alice", refs[1], "carol")  # someone got there first
    result = distribute(team, "boss", plan)
    assert [r for r, _ in result.moved] == [refs[0], refs[2]]
    assert result.refused[0][0] == refs[1] and "already allocated to carol" in result.refused[0][1]
    assert cases.get_case(team, refs[1]).officer == "carol"


def test_bulk_reassign_keeps_the_reason_in_every_case(team: ServiceContext, clock: Clock) -> None:
    refs = triaged(team, 4)
    for ref in refs:
        cases.allocate(team, "boss", ref, "kwright")
    result = bulk_reassign(team, "boss", "kwright", "rbailey", reason="Kieran on leave")
    assert sorted(r for r, _ in result.moved) == sorted(refs)
    for ref in refs:
        case = cases.get_case(team, ref)
        assert case.officer == "rbailey"
        assert case.events[-1].details == {
            "from_officer": "kwright",
            "to_officer": "rbailey",
            "reason": "Kieran on leave",
        }
        assert case.events[-1].actor == "boss"


def test_bulk_reassign_only_the_overdue(team: ServiceContext, clock: Clock) -> None:
    old = triaged(team, 2)
    clock.advance(days=10)  # corporate acknowledgement (5 working days) is now past
    fresh = triaged(team, 1)
    for ref in old + fresh:
        cases.allocate(team, "boss", ref, "kwright")
    result = bulk_reassign(team, "boss", "kwright", "rbailey", reason="clear the late ones", overdue=True)
    assert sorted(r for r, _ in result.moved) == sorted(old)
    assert cases.get_case(team, fresh[0]).officer == "kwright"


def test_only_supervisors_and_known_officers(team: ServiceContext) -> None:
    with pytest.raises(RoleRefused, match="only supervisors"):
        bulk_reassign(team, "alice", "kwright", "rbailey", reason="x")
    with pytest.raises(NotFound, match="unknown officer 'ghost'"):
        bulk_reassign(team, "boss", "kwright", "ghost", reason="x")
    with pytest.raises(RoleRefused, match="only supervisors"):
        distribute(team, "alice", [])


def test_the_bulk_commands(team: ServiceContext) -> None:
    refs = triaged(team, 3)
    db = team.store.url

    def run(*args: str, who: str = "boss") -> object:
        return CliRunner().invoke(main, [*args, "--db", db, "--as", who], catch_exceptions=False)

    preview = run("bulk", "distribute", "--cohort", "backlog-2021", "--team", "recovery", "--dry-run", "--json")
    assert preview.exit_code == 0
    assert json.loads(preview.stdout)["plan"][0] == {"reference": refs[0], "officer": "kwright"}
    assert all(cases.get_case(team, r).officer is None for r in refs)
    done = run("bulk", "distribute", "--cohort", "backlog-2021", "--team", "recovery")
    assert done.exit_code == 0 and f"{refs[0]}: allocated to kwright" in done.stdout
    moved = run("bulk", "reassign", "--from", "kwright", "--to", "rbailey", "--reason", "leave", "--json")
    assert moved.exit_code == 0 and len(json.loads(moved.stdout)["moved"]) == 2
    refused = run("bulk", "reassign", "--from", "rbailey", "--to", "kwright", "--reason", "x", who="alice")
    assert refused.exit_code == 2 and refused.stderr.startswith("error: alice is an officer")
    unknown = run("case", "reassign", refs[0], "ghost", "--reason", "x")
    assert unknown.exit_code == 2 and "unknown officer 'ghost'" in unknown.stderr


def test_cohort_tags_by_supervisors_with_their_history(team: ServiceContext) -> None:
    ref = triaged(team, 1, cohort=None)[0]
    with pytest.raises(RoleRefused, match="only supervisors may cohort"):
        cases.set_cohort(team, "alice", ref, "backlog-2021")
    cases.set_cohort(team, "boss", ref, "backlog-2021")
    case = cases.get_case(team, ref)
    assert case.cohort == "backlog-2021" and case.status.value == "triaged"
    assert case.events[-1].details == {"cohort": "backlog-2021", "previous": None}
    assert plan_distribution(team, "backlog-2021", Team.RECOVERY) == [(ref, "kwright")]
    cases.set_cohort(team, "boss", ref, None)
    assert cases.get_case(team, ref).cohort is None


def test_workloads_count_cases_finished_this_week(team: ServiceContext, clock: Clock) -> None:
    from triage_tui.services.desk import officer_loads

    refs = triaged(team, 3)
    for ref in refs:
        cases.allocate(team, "boss", ref, "kwright")
    cases.send_to_service(team, "kwright", refs[0], "Highways")
    cases.respond(team, "kwright", refs[0])
    from triage_tui.domain.codes import CloseReason

    cases.close(team, "kwright", refs[1], CloseReason.WITHDRAWN)
    load = {x.officer.username: x for x in officer_loads(team)}["kwright"]
    assert (load.open, load.closed_this_week) == (1, 2)
    clock.advance(days=7)
    assert {x.officer.username: x for x in officer_loads(team)}["kwright"].closed_this_week == 0
