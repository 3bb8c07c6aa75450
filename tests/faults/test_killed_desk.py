"""A desk killed (kill -9) in the middle of a write: the rows it had written but not committed vanish, the
database stays consistent, and the other desks read and write on as before."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

from sqlalchemy import event, text
from sqlmodel import Session, select

from triage_tui.domain.codes import CaseType, Role, Status, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases, desk
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.tables import CaseState, Event


def doomed_desk(url: str, reference: str, inside) -> None:  # type: ignore[no-untyped-def]
    """Allocate the case to alice, but stop for good once the allocation and its event are flushed: the write
    lock (SQLite) or the row lock (PostgreSQL) is held and the rows are written, uncommitted."""

    def hang(session: Session, _context: object) -> None:
        if any(isinstance(row, Event) and row.action == "allocate" for row in session.new):
            inside.set()
            time.sleep(600)

    event.listen(Session, "after_flush", hang)
    ctx = ServiceContext(store=Store(url), policy=DEFAULT_POLICY)
    cases.allocate(ctx, "alice", reference, "alice")


def test_a_desk_killed_mid_write_leaves_nothing_half_written(db_url: str) -> None:
    ctx = ServiceContext(store=Store(db_url, lock_wait=10), policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.COMPLAINTS)
    add_officer(ctx, "boss", "bob", "Bob Brown", Role.OFFICER, Team.COMPLAINTS)
    target = cases.intake(ctx, "boss", customer_name="Mrs Patel", summary="Bin not collected").reference
    cases.classify(ctx, "boss", target, CaseType.CORPORATE)
    other = cases.intake(ctx, "boss", customer_name="Mr Jones", summary="Pothole").reference
    before = cases.get_case(ctx, target)

    spawn = multiprocessing.get_context("spawn")
    inside = spawn.Event()
    doomed = spawn.Process(target=doomed_desk, args=(db_url, target, inside))
    doomed.start()
    assert inside.wait(60), "the doomed desk never reached its write"
    # While it holds its lock, the other desks still read the queue (SQLite's WAL: readers never wait).
    started = time.monotonic()
    assert cases.get_case(ctx, target).status is Status.TRIAGED
    assert [c.reference for c in desk.queue_page(ctx, desk.QueueQuery()).rows]
    assert time.monotonic() - started < 5
    os.kill(doomed.pid, signal.SIGKILL)  # type: ignore[arg-type]
    doomed.join(30)
    assert doomed.exitcode == -signal.SIGKILL

    after = cases.get_case(ctx, target)
    assert (after.status, after.officer, after.version) == (Status.TRIAGED, None, before.version)
    with ctx.store.read() as session:
        actions = [e.action for e in session.exec(select(Event).where(Event.case_id == after.id).order_by(Event.id))]
        states = list(session.exec(select(CaseState).where(CaseState.case_id == after.id)))
        if ctx.store.is_sqlite:
            assert session.exec(text("PRAGMA integrity_check")).one()[0] == "ok"  # type: ignore[call-overload]
    assert actions == ["intake", "classify"]
    assert len(states) == 2 and sum(s.valid_to.year == 9999 for s in states) == 1

    # The other desks carry on: the same case allocated by bob, and a new contact triaged, at once.
    started = time.monotonic()
    assert cases.allocate(ctx, "bob", target, "bob", expected_version=before.version).officer == "bob"
    assert cases.classify(ctx, "bob", other, CaseType.ADULTS).status is Status.TRIAGED
    assert time.monotonic() - started < 5, "the dead desk's lock was still held"
    ctx.store.dispose()
