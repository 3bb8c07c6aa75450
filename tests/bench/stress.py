"""Many desks racing every action on the same cases for a bounded time, then a check of what they left.

    python -m tests.bench.stress --db URL_OR_PATH [--desks 4] [--cases 200] [--seconds 10]

Each desk is its own process and acts as its own supervisor, picking a random case and a random action,
with the version it last read (so some actions meet a change made a moment before by another desk). After
the time is up every case is checked: its events form a path the lifecycle allows, no milestone happened
twice, its version counts its events, and its latest recorded state is the case's own. Prints actions per
second, refusals by kind, and any violation; exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from collections import Counter

from sqlmodel import select

from triage_tui.domain.codes import CaseType, CloseReason, Role, Team
from triage_tui.domain.lifecycle import Action, path_is_valid
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.desk import release, take_next
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store, resolve_url
from triage_tui.store.migrate import ensure_schema, upgrade
from triage_tui.store.tables import STILL, CaseState

ONCE = ("intake", "allocate", "acknowledge", "send", "respond", "close", "signpost")


def act(ctx: ServiceContext, me: str, refs: list[str], rng: random.Random) -> str:
    ref = rng.choice(refs)
    seen = cases.get_case(ctx, ref)
    version = seen.version
    choice = rng.randrange(11)
    if choice == 0:
        kind = rng.choice([CaseType.ADULTS, CaseType.CORPORATE])
        # A reason makes a classification of an already triaged case a correction, which races like the rest.
        cases.classify(ctx, me, ref, kind, reason="corrected under load", expected_version=version)
    elif choice == 1:
        cases.allocate(ctx, me, ref, me, expected_version=version)
    elif choice == 2:
        cases.acknowledge(ctx, me, ref, expected_version=version)
    elif choice == 3:
        cases.send_to_service(ctx, me, ref, "Highways", expected_version=version)
    elif choice == 4:
        cases.respond(ctx, me, ref, expected_version=version)
    elif choice == 5:
        cases.close(ctx, me, ref, CloseReason.WITHDRAWN, expected_version=version)
    elif choice == 6:
        cases.add_note(ctx, me, ref, "stress")
    elif choice == 7:
        cases.reassign(ctx, me, ref, rng.choice(["desk0", "desk1"]), reason="balance", expected_version=version)
    elif choice == 8:
        cases.signpost(ctx, me, ref, to="Police", expected_version=version)
    elif choice == 9:
        take_next(ctx, me)
    else:
        release(ctx, me, ref)
    return "ok"


def desk(url: str, me: str, refs: list[str], seconds: float, seed: int, start, results) -> None:  # type: ignore[no-untyped-def]
    ctx = ServiceContext(store=Store(url), policy=DEFAULT_POLICY)
    rng = random.Random(seed)
    tally: Counter[str] = Counter()
    start.wait(60)
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            tally[act(ctx, me, refs, rng)] += 1
        except Exception as exc:
            tally[type(exc).__name__] += 1
    ctx.store.dispose()
    results.put(dict(tally))


def check(ctx: ServiceContext, refs: list[str]) -> list[str]:
    problems = []
    for ref in refs:
        case = cases.get_case(ctx, ref)
        steps = [(Action(e.action), e.from_status, e.to_status) for e in case.events]
        if not path_is_valid(steps):
            problems.append(f"{ref}: events are not a lifecycle path: {[s[0].value for s in steps]}")
        counts = Counter(e.action for e in case.events)
        twice = [a for a in ONCE if counts[a] > 1]
        if twice:
            problems.append(f"{ref}: happened twice: {twice}")
        if case.version != len(case.events):
            problems.append(f"{ref}: version {case.version} but {len(case.events)} events")
        with ctx.store.read() as s:
            state = s.exec(select(CaseState).where(CaseState.case_id == case.id, CaseState.valid_to == STILL)).one()
        if (state.type, state.status) != (case.type.value, case.status.value):
            problems.append(f"{ref}: recorded state {state.type}/{state.status}, case {case.type}/{case.status}")
    return problems


def run(url: str, desks: int, count: int, seconds: float) -> tuple[dict[str, int], list[str], float]:
    store = Store(url)
    if store.is_sqlite:
        ensure_schema(store)
    else:
        upgrade(store)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY)
    add_officer(ctx, "stress", "stress", "Stress Supervisor", Role.SUPERVISOR, Team.COMPLAINTS)
    for i in range(desks):
        add_officer(ctx, "stress", f"desk{i}", f"Desk {i}", Role.SUPERVISOR, Team.COMPLAINTS)
    refs = [cases.intake(ctx, "stress", customer_name=f"C{i}", summary="S").reference for i in range(count)]
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(desks), spawn.Queue()
    procs = [spawn.Process(target=desk, args=(url, f"desk{i}", refs, seconds, i, start, results)) for i in range(desks)]
    began = time.monotonic()
    for p in procs:
        p.start()
    totals: Counter[str] = Counter()
    for _ in procs:
        totals.update(results.get(timeout=seconds + 120))
    for p in procs:
        p.join(60)
    elapsed = time.monotonic() - began
    problems = check(ctx, refs)
    store.dispose()
    return dict(totals), problems, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    url = resolve_url(args.db)
    totals, problems, elapsed = run(url, args.desks, args.cases, args.seconds)
    attempts = sum(totals.values())
    kind = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"{kind}: {args.desks} desks x {args.cases} cases for {args.seconds:.0f}s: {attempts} attempts "
        f"({attempts / elapsed:.0f}/s), {totals.get('ok', 0)} done ({totals.get('ok', 0) / elapsed:.0f}/s); "
        f"refused: {', '.join(f'{k} {v}' for k, v in sorted(totals.items()) if k != 'ok') or 'none'}; "
        f"violations: {len(problems)}"
    )
    for problem in problems[:20]:
        print("  " + problem)
    return 1 if problems or any(k in totals for k in ("OperationalError", "StoreUnavailable")) else 0


if __name__ == "__main__":
    sys.exit(main())
