"""The demo desk shows complaints past stage 1: stage-2 requests waiting for an officer, one with the service and
extended, the ombudsman's enquiries at each step, a children's complaint waiting for its review panel. Built
through the services, so its events, case_states and audit trail hold like any other. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from tests.conftest import Clock
from tests.reports.test_case_states import buckets, counted, from_events
from triage_tui.cli import main
from triage_tui.domain.clock import Band
from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.views import CaseView
from triage_tui.services import cases, demo
from triage_tui.services.context import ServiceContext
from triage_tui.services.integrity import verify_chain
from triage_tui.store.engine import Store
from triage_tui.store.migrate import ensure_schema
from triage_tui.store.tables import Case

# Wednesday 7 January 2026, 10:00 GMT: the oldest escalated complaint goes back to the February before.
NOW = pendulum.datetime(2026, 1, 7, 10, tz="Europe/London")


@pytest.fixture
def filled(ctx: ServiceContext, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[CaseView]]:
    """A demo with a handful of everyday contacts (the escalated complaints do not depend on how many)."""
    monkeypatch.setitem(demo.SIZES, "small", 12)
    clock.set(NOW)
    demo.fill_demo(ctx, "newbie")
    with ctx.store.read() as session:
        refs = [c.reference for c in session.exec(select(Case).order_by(col(Case.id)))]
    yield [cases.get_case(ctx, ref) for ref in refs]


def test_the_demo_has_complaints_at_later_stages(ctx: ServiceContext, filled: list[CaseView]) -> None:
    policy = ctx.policy
    later = [v for v in filled if v.stage > 1]
    waiting = [v for v in later if v.status is Status.TRIAGED]
    assert len(waiting) >= 2 and all(v.officer is None for v in waiting)
    assert {v.type for v in waiting} >= {CaseType.CORPORATE}
    for view in waiting:  # awaiting allocation: the stage-2 acknowledgement runs from the request
        assert view.stage_started_at is not None
        assert view.clocks(policy).acknowledgement.due_at > view.stage_started_at  # type: ignore[operator]

    with_service = [v for v in later if v.status is Status.WITH_SERVICE and v.type is CaseType.CORPORATE]
    assert len(with_service) == 1
    # A later stage is handled by someone who did not handle an earlier one.
    for view in later:
        earlier = {s.officer for s in view.earlier_stages}
        assert view.officer is None or view.officer not in earlier
        assert all(s.responded_at is not None and s.outcome for s in view.earlier_stages)

    panel = [v for v in later if v.type is CaseType.CHILDREN and v.stage == 3]
    assert len(panel) == 1
    clock = panel[0].clocks(policy).panel
    assert clock is not None and clock.running and clock.band(NOW) is Band.OK


def test_the_demo_has_extensions_with_reasons(ctx: ServiceContext, filled: list[CaseView]) -> None:
    extended = [v for v in filled if v.extension_days]
    assert len(extended) >= 2
    assert {v.stage for v in extended} >= {1, 2}
    for view in extended:
        assert view.extensions and all(x.reason for x in view.extensions)
        assert sum(x.working_days for x in view.extensions) == view.extension_days
        response = view.clocks(ctx.policy).response
        assert response.due_at is not None and response.limit_at is not None
        assert response.original_due_at < response.due_at <= response.limit_at  # type: ignore[operator]
        assert view.extensions[-1].response_due_at == response.due_at


def test_the_demo_has_the_ombudsman_at_each_step(ctx: ServiceContext, filled: list[CaseView]) -> None:
    enquiries = [v.ombudsman for v in filled if v.ombudsman is not None]
    today = NOW.date()
    open_now = [o for o in enquiries if o.decision is None]
    assert len(open_now) == 1 and open_now[0].respond_by is not None and open_now[0].respond_by > today
    remedy_due = [o for o in enquiries if o.remedy and o.complied_at is None]
    assert len(remedy_due) == 1 and remedy_due[0].decision == "upheld"
    assert remedy_due[0].remedy_due is not None and remedy_due[0].remedy_due > today
    complied = [o for o in enquiries if o.complied_at is not None]
    assert len(complied) == 1 and complied[0].remedy_due is not None
    assert complied[0].complied_at.astimezone(demo.LONDON).date() <= complied[0].remedy_due  # type: ignore[union-attr]
    # Each enquiry follows the council's final response.
    for view in filled:
        if view.ombudsman is not None:
            assert view.status is Status.RESPONDED and view.responded_at is not None
            assert view.ombudsman.opened_at > view.responded_at


def test_the_demo_holds_together(ctx: ServiceContext, filled: list[CaseView]) -> None:
    report = verify_chain(ctx)
    assert report.events == sum(len(v.events) for v in filled) + len(demo.STAFF) + 1  # each officer's addition
    # case_states says what the events say, at moments through the escalated complaints' history.
    moment = NOW.subtract(days=demo.HISTORY_DAYS + 2)
    while moment < NOW:
        assert buckets(counted(ctx, moment)) == from_events(ctx, moment), moment
        moment = moment + timedelta(days=17, hours=5)
    assert buckets(counted(ctx, NOW)) == from_events(ctx, NOW)


def test_the_same_seed_gives_the_same_later_stages(ctx: ServiceContext, filled: list[CaseView], tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'again.sqlite'}")
    ensure_schema(store)
    again = replace(ctx, store=store)
    demo.fill_demo(again, "newbie")

    def shape(view: CaseView) -> tuple[object, ...]:
        o = view.ombudsman
        return (view.reference, view.stage, view.status, view.officer, view.extension_days, o and o.reference)

    with store.read() as session:
        refs = [c.reference for c in session.exec(select(Case).order_by(col(Case.id)))]
    assert [shape(cases.get_case(again, r)) for r in refs] == [shape(v) for v in filled]
    store.dispose()


def test_db_verify_passes_on_the_demo(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(demo.SIZES, "small", 12)
    with pendulum.travel_to(NOW, freeze=True):
        runner = CliRunner()
        filled = runner.invoke(main, ["demo", "--db", db_url, "--as", "newbie"], catch_exceptions=False)
        assert filled.exit_code == 0, filled.stderr
        assert "escalated, extended or with the ombudsman" in filled.stderr
        checked = runner.invoke(main, ["db", "verify", "--db", db_url, "--as", "newbie"], catch_exceptions=False)
    assert checked.exit_code == 0, checked.stderr
