"""Desks at once on one database, each in its own process as separate terminals are, on SQLite and PostgreSQL.

Six desks each run `triage case allocate` on the same twelve triaged cases, to themselves: every case is
allocated exactly once, the others exit 2 told who has it, and nobody sees 'database is locked'. Six desks
pressing take-next together never hold the same contact.
"""

from __future__ import annotations

import io
import multiprocessing
from contextlib import redirect_stderr, redirect_stdout

from sqlmodel import select

from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases, desk
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.tables import Event

DESKS = 6
CASES = 12


def allocating_desk(url: str, me: str, refs: list[str], start, results) -> None:  # type: ignore[no-untyped-def]
    """The command line, run in this process: its exit code and what it printed on stderr, per case."""
    from triage_tui.cli import main

    start.wait(30)  # all desks begin together
    outcome = []
    for ref in refs:
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            try:
                main.main(["--db", url, "--as", me, "case", "allocate", ref, me])
            except SystemExit as exit:
                code = exit.code
        outcome.append((ref, code, err.getvalue()))
    results.put((me, outcome))


def taking_desk(url: str, me: str, start, results) -> None:  # type: ignore[no-untyped-def]
    ctx = ServiceContext(store=Store(url), policy=DEFAULT_POLICY)
    start.wait(30)
    taken = [desk.take_next(ctx, me), desk.take_next(ctx, me)]
    ctx.store.dispose()
    results.put((me, [case.reference if case else None for case in taken]))


def staffed(url: str) -> tuple[ServiceContext, list[str]]:
    ctx = ServiceContext(store=Store(url), policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    officers = [f"officer{i}" for i in range(DESKS)]
    for name in officers:
        add_officer(ctx, "boss", name, name.title(), Role.OFFICER, Team.COMPLAINTS)
    return ctx, officers


def race(target, args_for: list[tuple]) -> dict:  # type: ignore[type-arg]
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter per desk, as separate terminals are
    start = spawn.Barrier(len(args_for))
    results = spawn.Queue()
    desks = [spawn.Process(target=target, args=(*args, start, results)) for args in args_for]
    for process in desks:
        process.start()
    outcomes = dict(results.get(timeout=180) for _ in desks)
    for process in desks:
        process.join(60)
        assert process.exitcode == 0
    return outcomes


def test_six_desks_allocate_the_same_twelve_cases(db_url: str) -> None:
    ctx, officers = staffed(db_url)
    refs = []
    for i in range(CASES):
        ref = cases.intake(ctx, "boss", customer_name=f"C{i}", summary="S").reference
        cases.classify(ctx, "boss", ref, CaseType.CORPORATE)
        refs.append(ref)

    # Half the desks go through the cases in one order, half in the other, so they collide all the way.
    outcomes = race(
        allocating_desk, [(db_url, me, refs if i % 2 else list(reversed(refs))) for i, me in enumerate(officers)]
    )

    winners: dict[str, str] = {}
    for me, outcome in outcomes.items():
        for ref, code, stderr in outcome:
            if code == 0:
                assert ref not in winners, f"{ref} allocated twice"
                winners[ref] = me
            else:
                assert code == 2, (code, stderr)
                lines = stderr.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith(f"error: case {ref} is already allocated to "), stderr
                assert "locked" not in stderr and "Traceback" not in stderr
    assert sorted(winners) == sorted(refs)
    with ctx.store.read() as s:
        allocations = list(s.exec(select(Event).where(Event.action == "allocate")))
    assert len(allocations) == CASES
    for ref in refs:
        assert cases.get_case(ctx, ref).officer == winners[ref]
    ctx.store.dispose()


def test_six_desks_taking_next_at_once_never_hold_the_same_contact(db_url: str) -> None:
    ctx, officers = staffed(db_url)
    refs = {cases.intake(ctx, "boss", customer_name=f"C{i}", summary="S").reference for i in range(CASES)}

    outcomes = race(taking_desk, [(db_url, me) for me in officers])

    # Each desk's second take gives back its first contact, which another desk may then take: what must hold
    # is that no contact is ever held by two desks, so the contacts held at the end are all different.
    assert all(first and second and first != second for first, second in outcomes.values())
    assert {ref for got in outcomes.values() for ref in got} <= refs
    held = {me: second for me, (_first, second) in outcomes.items()}
    assert len(set(held.values())) == len(officers)
    for me, second in held.items():
        assert cases.get_case(ctx, second).claimed_by == me
    with ctx.store.read() as s:
        claims = list(s.exec(select(Event).where(Event.action == "claim")))
        releases = list(s.exec(select(Event).where(Event.action == "release")))
    assert sorted(e.actor for e in claims) == sorted(officers * 2)
    assert sorted(e.actor for e in releases) == sorted(officers)
    for me, (first, _second) in outcomes.items():
        history = [(e.actor, e.action) for e in cases.get_case(ctx, first).events]
        assert (me, "release") in history
    ctx.store.dispose()
