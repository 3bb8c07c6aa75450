"""One action on several ticked cases, on SQLite and PostgreSQL: each case its own transaction and event, at the
version the desk read; a case changed meanwhile is reported and not overwritten, a refusal never stops the
others, and the summary says precisely what happened."""

from __future__ import annotations

from sqlmodel import col, select

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType, CloseReason
from triage_tui.services import batch, cases, desk
from triage_tui.services.batch import Outcome, Ticked
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Case, Event


def row(ctx: ServiceContext, reference: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == reference)).one()


def actions(ctx: ServiceContext, reference: str) -> list[tuple[str, str]]:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == reference)).one()
        return [
            (e.actor, e.action) for e in s.exec(select(Event).where(Event.case_id == case.id).order_by(col(Event.id)))
        ]


def contacts(ctx: ServiceContext, n: int) -> list[str]:
    return [
        cases.intake(ctx, "alice", customer_name=f"Customer {i}", summary=f"Complaint number {i}").reference
        for i in range(n)
    ]


def as_read(ctx: ServiceContext, refs: list[str]) -> list[Ticked]:
    return [Ticked(ref, row(ctx, ref).version) for ref in refs]


def test_classify_each_case_changed_meanwhile_reported_not_overwritten(ctx, staff, clock: Clock) -> None:
    refs = contacts(ctx, 5)
    ticked = as_read(ctx, refs)
    # Meanwhile bob classifies one, and takes a claim on another (read again: the claim is not what is tested).
    cases.classify(ctx, "bob", refs[1], CaseType.ADULTS)
    taken = desk.take_next(ctx, "bob")
    assert taken is not None
    claimed = taken.reference
    ticked = [t if t.reference != claimed else Ticked(claimed, row(ctx, claimed).version) for t in ticked]
    result = batch.classify(ctx, "alice", ticked, CaseType.CORPORATE)
    outcomes = {r.reference: r.outcome for r in result.results}
    assert outcomes[refs[1]] is Outcome.CHANGED
    assert outcomes[claimed] is Outcome.REFUSED
    done = [ref for ref in refs if ref not in (refs[1], claimed)]
    assert all(outcomes[ref] is Outcome.DONE for ref in done)
    # The database: the changed one keeps the other officer's classification; the done ones one event each.
    assert row(ctx, refs[1]).type == "adults"
    assert actions(ctx, refs[1]) == [("alice", "intake"), ("bob", "classify")]
    assert row(ctx, claimed).type == "unclassified"
    for ref in done:
        assert (row(ctx, ref).type, row(ctx, ref).status) == ("corporate", "triaged")
        assert actions(ctx, ref) == [("alice", "intake"), ("alice", "classify")]
    assert [v.reference for v in result.saved] == done
    summary = result.summary()
    assert summary.startswith(f"3 classified; 1 changed by someone else meanwhile ({refs[1]}), not overwritten; ")
    assert f"1 refused: {claimed}: " in summary and "claimed by bob" in summary


def test_allocate_and_close_every_ticked_case(ctx, staff) -> None:
    refs = contacts(ctx, 4)
    for ref in refs:
        cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    result = batch.allocate(ctx, "alice", as_read(ctx, refs[:2]), "carol")
    assert result.summary() == "2 allocated"
    assert {row(ctx, ref).status for ref in refs[:2]} == {"allocated"}
    # A case no longer open to the action is refused with the lifecycle's reason; the rest go ahead.
    cases.close(ctx, "bob", refs[1], CloseReason.WITHDRAWN)
    result = batch.close(ctx, "alice", as_read(ctx, refs[1:]), CloseReason.DUPLICATE, duplicate_of=refs[0])
    outcomes = [r.outcome for r in result.results]
    assert outcomes == [Outcome.REFUSED, Outcome.DONE, Outcome.DONE]
    assert result.summary().startswith(f"2 closed; 1 refused: {refs[1]}: ")
    for ref in refs[2:]:
        case = row(ctx, ref)
        assert (case.status, case.close_reason, case.duplicate_of) == ("closed", "duplicate", refs[0])
    assert row(ctx, refs[1]).close_reason == "withdrawn"


def test_nothing_ticked_does_nothing(ctx, staff) -> None:
    assert batch.classify(ctx, "alice", [], CaseType.ADULTS).summary() == "0 classified"


def test_an_unknown_officer_is_refused_for_every_case(ctx, staff) -> None:
    refs = contacts(ctx, 2)
    result = batch.classify(ctx, "nobody", as_read(ctx, refs), CaseType.ADULTS)
    assert [r.outcome for r in result.results] == [Outcome.REFUSED, Outcome.REFUSED]
    assert {row(ctx, ref).version for ref in refs} == {1}
