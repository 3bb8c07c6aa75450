"""Six desks at once, each trying to allocate the same twelve triaged cases to its own officer: every case is
allocated exactly once, the others are told who has it, and nobody sees 'database is locked'."""

from __future__ import annotations

import multiprocessing

from sqlmodel import select

from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.tables import Event

DESKS = 6
CASES = 12


def desk(url: str, me: str, refs: list[str], start, results) -> None:  # type: ignore[no-untyped-def]
    ctx = ServiceContext(store=Store(url), policy=DEFAULT_POLICY)
    start.wait(30)  # all desks begin together
    outcome = []
    for ref in refs:
        try:
            cases.allocate(ctx, me, ref, me)
            outcome.append((ref, "won", ""))
        except Exception as exc:
            outcome.append((ref, type(exc).__name__, str(exc)))
    ctx.store.dispose()
    results.put((me, outcome))


def test_six_desks_allocate_the_same_twelve_cases(db_url: str) -> None:
    ctx = ServiceContext(store=Store(db_url), policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    officers = [f"officer{i}" for i in range(DESKS)]
    for name in officers:
        add_officer(ctx, "boss", name, name.title(), Role.OFFICER, Team.COMPLAINTS)
    refs = []
    for i in range(CASES):
        ref = cases.intake(ctx, "boss", customer_name=f"C{i}", summary="S").reference
        cases.classify(ctx, "boss", ref, CaseType.CORPORATE)
        refs.append(ref)
    ctx.store.dispose()

    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter per desk, as separate terminals are
    start = spawn.Barrier(DESKS)
    results = spawn.Queue()
    desks = [
        spawn.Process(target=desk, args=(db_url, me, refs if i % 2 else list(reversed(refs)), start, results))
        for i, me in enumerate(officers)
    ]
    for process in desks:
        process.start()
    outcomes = dict(results.get(timeout=180) for _ in desks)
    for process in desks:
        process.join(60)
        assert process.exitcode == 0

    winners: dict[str, str] = {}
    for me, outcome in outcomes.items():
        for ref, result, message in outcome:
            if result == "won":
                assert ref not in winners, f"{ref} allocated twice"
                winners[ref] = me
            else:
                assert result == "TransitionRefused", (result, message)  # never 'database is locked'
                assert "is already allocated to" in message and "locked" not in message
    assert sorted(winners) == sorted(refs)
    ctx = ServiceContext(store=Store(db_url), policy=DEFAULT_POLICY)
    with ctx.store.read() as s:
        allocations = list(s.exec(select(Event).where(Event.action == "allocate")))
    assert len(allocations) == CASES
    for ref in refs:
        assert cases.get_case(ctx, ref).officer == winners[ref]
    ctx.store.dispose()
