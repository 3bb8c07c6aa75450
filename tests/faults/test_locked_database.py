"""Another program holds the database's write lock (SQLite) or the case's row (PostgreSQL): a desk's write waits
and goes through once it is let go; held past the wait, the write is refused with a message saying so, nothing
is written, and the next try works."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.faults.conditions import held
from triage_tui.domain.codes import CaseType, Role, Status, Team
from triage_tui.domain.errors import StoreUnavailable
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store


@pytest.fixture
def desk(db_url: str) -> Iterator[ServiceContext]:
    ctx = ServiceContext(store=Store(db_url, lock_wait=1.5), policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    yield ctx
    ctx.store.dispose()


def test_a_write_waits_for_a_brief_lock_and_goes_through(desk: ServiceContext, db_url: str) -> None:
    ref = cases.intake(desk, "boss", customer_name="Mrs Patel", summary="Bin not collected").reference
    with held(db_url, ref, 0.8):
        started = time.monotonic()
        view = cases.classify(desk, "boss", ref, CaseType.CORPORATE)
        waited = time.monotonic() - started
    assert view.status is Status.TRIAGED and view.version == 2
    assert waited >= 0.3, "the write did not wait for the lock"


def test_a_lock_held_past_the_wait_is_refused_clearly_and_nothing_is_written(desk: ServiceContext, db_url: str) -> None:
    ref = cases.intake(desk, "boss", customer_name="Mrs Patel", summary="Bin not collected").reference
    with held(db_url, ref, 3.0):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as refused:
            cases.classify(desk, "boss", ref, CaseType.CORPORATE)
        gave_up_after = time.monotonic() - started
    message = str(refused.value)
    assert "stayed locked by another program for 1.5s; nothing was written, try again" in message
    assert "\n" not in message and "Traceback" not in message
    # It waited (about the 1.5 s lock wait, not failing at once) and gave up before the holder let go at 3 s.
    assert 1.2 <= gave_up_after < 3.0
    case = cases.get_case(desk, ref)
    assert (case.status, case.version) == (Status.NEW, 1)
    assert [e.action for e in case.events] == ["intake"]
    # Once the other program lets go, the same action works.
    assert cases.classify(desk, "boss", ref, CaseType.CORPORATE).version == 2
