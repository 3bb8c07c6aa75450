"""The desk on PostgreSQL hears of a change as it commits: the row appears with no poll interval elapsed; a
dropped listening connection falls back to polling and listening resumes; closing the desk ends the listener.
On SQLite the desk polls as before."""

from __future__ import annotations

from collections.abc import Iterator
from time import monotonic

import pytest
from sqlalchemy import text
from textual.pilot import Pilot

from tests.conftest import Clock
from tests.services.test_notify import listeners
from tests.tui.conftest import DEADLINE, Messages, desk, settle, until
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services import notify as notify_services
from triage_tui.services.context import ServiceContext
from triage_tui.store.engine import Store
from triage_tui.ui.feed import SAFETY_POLL_SECONDS, Polled
from triage_tui.ui.widgets.case_table import CaseTable

LONG = 3600.0  # a poll interval no test waits for


@pytest.fixture
def desk_ctx(pg_url: str, clock: Clock) -> Iterator[ServiceContext]:
    store = Store(pg_url)
    yield ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    store.dispose()


@pytest.fixture
def elsewhere(pg_url: str, clock: Clock) -> Iterator[ServiceContext]:
    """Another program on the same server: its own store, its own connections."""
    store = Store(pg_url)
    yield ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    store.dispose()


def shown(app: object) -> dict[str, object]:
    return app.screen.query_one(CaseTable).cases  # type: ignore[attr-defined]


async def listening_and_quiet(pilot: Pilot) -> None:
    """The desk listens, and has read what changed until then (the read made on listening): nothing reads
    again until a notification, or the safety poll, which no test waits for."""
    feed = pilot.app.feed  # type: ignore[attr-defined]

    def quiet() -> bool:
        timer = feed._timer
        return (
            feed.listening
            and not feed._polling
            and not feed._poll_again
            and timer is not None
            and timer._interval >= SAFETY_POLL_SECONDS
        )

    await until(pilot, quiet, "the desk listening, with no read due")
    await settle(pilot)  # the last read's Polled message handled too


@pytest.mark.postgres
async def test_a_change_elsewhere_appears_at_once_with_no_poll_due(desk_ctx, elsewhere, seeded) -> None:
    app = desk(desk_ctx, poll_seconds=LONG)
    messages = Messages()
    async with app.run_test(size=(160, 45), message_hook=messages.hook) as pilot:
        await settle(pilot)
        await listening_and_quiet(pilot)
        polls = messages.seen[Polled]
        started = monotonic()
        ref = cases.intake(elsewhere, "bob", customer_name="New Person", summary="Streetlight out").reference
        await until(pilot, lambda: ref in shown(app), "the new contact's row")
        assert monotonic() - started < LONG
        assert any(f"{ref} from New Person: Streetlight out" in n for n in app.notices)
        assert messages.seen[Polled] == polls + 1  # one read, woken by the notification
        # And a change to a case already shown: read again when it commits.
        await listening_and_quiet(pilot)
        cases.add_note(elsewhere, "bob", ref, "called back")
        await messages.wait(Polled, polls + 2)
        watch = app.feed._watch
        assert watch is not None and watch.running
    # Closing the desk ends the listening thread and its connection.
    deadline = monotonic() + DEADLINE
    while watch.running and monotonic() < deadline:
        watch._thread.join(0.05)
    assert not watch.running
    assert listeners(desk_ctx) == 0


@pytest.mark.postgres
async def test_a_dropped_listener_falls_back_to_polling_then_listens_again(
    desk_ctx, elsewhere, seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough to see the desk poll on its own meanwhile; short enough for a test.
    monkeypatch.setattr(notify_services, "FIRST_RETRY_SECONDS", 4.0)
    app = desk(desk_ctx, poll_seconds=0.2)
    messages = Messages()
    async with app.run_test(size=(160, 45), message_hook=messages.hook) as pilot:
        await settle(pilot)
        await listening_and_quiet(pilot)
        assert app.feed._interval() == SAFETY_POLL_SECONDS
        pid = app.feed._watch.backend_pid
        with elsewhere.store.engine.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        await until(pilot, lambda: not app.feed.listening, "the desk to notice the lost connection")
        assert app.feed._interval() == 0.2
        # Nothing listens now: the row comes from the poll.
        ref = cases.intake(elsewhere, "bob", customer_name="Polled Person", summary="Bins").reference
        await until(pilot, lambda: ref in shown(app), "the polled row")
        assert not app.feed.listening and app.feed._watch.backend_pid is None
        await listening_and_quiet(pilot)
        assert app.feed._watch.backend_pid not in (None, pid)
        polls = messages.seen[Polled]
        again = cases.intake(elsewhere, "bob", customer_name="Heard Person", summary="Lights").reference
        await until(pilot, lambda: again in shown(app), "the row heard of")
        assert messages.seen[Polled] == polls + 1  # read once, woken by the notification
        watch = app.feed._watch
    # The desk closed its listener as it closed: the thread has ended and the connection is gone.
    assert app.feed._watch is None and not watch._thread.is_alive()
    assert listeners(desk_ctx) == 0


@pytest.mark.postgres
async def test_a_desk_that_does_not_poll_does_not_listen(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)  # poll_seconds 0: the tests' desks, which read only when asked
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.feed._watch is None
        assert listeners(desk_ctx) == 0
