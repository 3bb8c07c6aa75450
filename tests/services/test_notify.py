"""PostgreSQL's change notifications: sent when a change commits (never for one rolled back), once per
transaction however many events it writes, an import's included; the listening thread falls back and listens
again when its connection is dropped. On SQLite there is nothing to listen to and nothing in the schema."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from time import monotonic
from typing import Any

import pendulum
import psycopg
import pytest
from sqlalchemy import text

from tests.conftest import Clock
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services import cases, notify
from triage_tui.services.audit import record
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store import queries
from triage_tui.store.engine import Store
from triage_tui.store.migrate import SCHEMA_HEAD, current_revision
from triage_tui.store.notify import CHANNEL, Listener

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
MARKER = "triage_test_marker"
DEADLINE = 10.0


@pytest.fixture
def pg_ctx(pg_url: str, clock: Clock) -> Iterator[ServiceContext]:
    store = Store(pg_url)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    yield ctx
    store.dispose()


class Heard:
    """A plain connection listening on the desks' channel and on a marker channel of the test's own.

    Notifications of different transactions arrive in commit order, so everything committed before the marker
    has arrived once the marker has: absence is proved without waiting for a time."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        self.connection.execute(f"LISTEN {CHANNEL}")
        self.connection.execute(f"LISTEN {MARKER}")
        self.sender = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)

    def until_marker(self) -> list[str]:
        """The channels of the notifications that arrived before a marker sent now."""
        self.sender.execute(f"NOTIFY {MARKER}")
        channels: list[str] = []
        deadline = monotonic() + DEADLINE
        while monotonic() < deadline:
            for note in self.connection.notifies(timeout=max(deadline - monotonic(), 0.01)):
                if note.channel == MARKER:
                    return channels
                channels.append(note.channel)
        raise AssertionError(f"the marker never arrived (heard {channels})")

    def close(self) -> None:
        self.connection.close()
        self.sender.close()


@pytest.fixture
def heard(pg_ctx: ServiceContext, pg_url: str) -> Iterator[Heard]:
    listener = Heard(pg_url)
    listener.until_marker()  # the officers added by pg_ctx are heard and forgotten
    yield listener
    listener.close()


class Abort(Exception):
    pass


@pytest.mark.postgres
def test_the_schema_sends_on_the_listeners_channel(pg_ctx: ServiceContext) -> None:
    assert current_revision(pg_ctx.store) == SCHEMA_HEAD
    with pg_ctx.store.read() as session:
        trigger = session.exec(  # type: ignore[call-overload]
            text("SELECT tgtype FROM pg_trigger WHERE tgname = 'events_notify_change' AND NOT tgisinternal")
        ).scalar()
    assert trigger is not None
    assert trigger & 1 == 0  # statement-level (bit 0 is ROW), so an executemany of many rows costs little


@pytest.mark.postgres
def test_a_committed_change_wakes_a_listener(pg_ctx: ServiceContext) -> None:
    listener = Listener(pg_ctx.store)
    try:
        assert listener.wait(0) == 0
        started = monotonic()
        cases.intake(pg_ctx, "alice", customer_name="Ann Lee", summary="Fence down")
        heard = 0
        while not heard and monotonic() - started < DEADLINE:
            heard = listener.wait(DEADLINE)
        assert heard == 1  # the case and its event in one transaction: one notification
    finally:
        listener.close()


@pytest.mark.postgres
def test_a_rolled_back_change_sends_nothing(pg_ctx: ServiceContext, heard: Heard, clock: Clock) -> None:
    ref = cases.intake(pg_ctx, "alice", customer_name="Ann Lee", summary="Fence down").reference
    assert heard.until_marker() == [CHANNEL]
    # The event is written (the trigger runs), then the transaction rolls back.
    with pytest.raises(Abort), pg_ctx.store.write() as session:
        case = queries.case_by_reference(session, ref)
        assert case is not None
        record(session, case, "alice", Action.NOTE, case.status, case.status, {"note": "never kept"}, pg_ctx.now())
        session.flush()
        raise Abort
    # A dry-run import writes every row and rolls each chunk back.
    clock.set(pendulum.datetime(2022, 12, 1, 9, tz="Europe/London"))  # after the file's contacts
    result = run_import(pg_ctx, "boss", SAMPLES / "contacts.csv", ImportOptions(dry_run=True))
    assert result.imported == 5
    assert heard.until_marker() == []
    cases.add_note(pg_ctx, "alice", ref, "kept")
    assert heard.until_marker() == [CHANNEL]


@pytest.mark.postgres
def test_an_import_sends_one_notification_per_transaction(pg_ctx: ServiceContext, heard: Heard, clock: Clock) -> None:
    clock.set(pendulum.datetime(2022, 12, 1, 9, tz="Europe/London"))  # after the file's contacts
    result = run_import(pg_ctx, "boss", SAMPLES / "contacts.csv", ImportOptions())
    assert result.imported == 5
    # Five cases, their events and the import's own event, written with executemany in one chunk: one wake-up.
    assert heard.until_marker() == [CHANNEL]


class Recorder:
    """What a ChangeWatch says, in order, as it happens in its thread."""

    def __init__(self) -> None:
        self.said: queue.Queue[tuple[str, Any]] = queue.Queue()

    def change(self) -> None:
        self.said.put(("change", None))

    def listening(self, listening: bool, why: str) -> None:
        self.said.put(("listening", (listening, why)))

    def next(self, kind: str) -> Any:
        deadline = monotonic() + DEADLINE
        while (left := deadline - monotonic()) > 0:
            try:
                said, value = self.said.get(timeout=left)
            except queue.Empty:
                break
            if said == kind:
                return value
        raise AssertionError(f"no {kind} in {DEADLINE:g}s")


@pytest.mark.postgres
def test_a_dropped_connection_is_said_and_listening_resumes(pg_ctx: ServiceContext) -> None:
    said = Recorder()
    watch = notify.start_watch(pg_ctx, said.change, said.listening)
    assert watch is not None
    try:
        assert said.next("listening") == (True, "")
        pid = watch.backend_pid
        with pg_ctx.store.engine.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        listening, why = said.next("listening")
        assert not listening and "lost the listening connection" in why
        assert said.next("listening") == (True, "")  # after the first back-off
        assert watch.backend_pid != pid
        cases.intake(pg_ctx, "alice", customer_name="Ann Lee", summary="Fence down")
        said.next("change")
    finally:
        watch.close()
    assert not watch.running
    assert listeners(pg_ctx) == 0


def listeners(ctx: ServiceContext) -> int:
    """Listening connections to this test's database (a closed connection's server process ends a moment
    later: waited for)."""
    deadline = monotonic() + DEADLINE
    while True:
        with ctx.store.engine.connect() as connection:
            count = int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = 'triage desk (listening)'"
                    )
                ).scalar()
                or 0
            )
        if count == 0 or monotonic() > deadline:
            return count
        threading.Event().wait(0.05)


@pytest.mark.postgres
def test_an_unreachable_server_is_said_and_retried_until_closed(pg_ctx: ServiceContext, pg_url: str) -> None:
    # A port nobody listens on: each attempt fails at once.
    store = Store(pg_url.replace("@127.0.0.1:5432/", "@127.0.0.1:1/").replace("@localhost:5432/", "@127.0.0.1:1/"))
    if store.engine.url.port != 1:
        pytest.skip("the test URL names no host:port this test knows how to change")
    said = Recorder()
    watch = notify.start_watch(
        ServiceContext(store=store, policy=DEFAULT_POLICY, clock=pg_ctx.clock), said.change, said.listening
    )
    assert watch is not None
    try:
        listening, why = said.next("listening")
        assert not listening and "cannot listen for changes" in why
    finally:
        watch.close()
        store.dispose()
    assert not watch.running


@pytest.mark.postgres
def test_the_thread_ends_when_its_owner_goes(pg_ctx: ServiceContext) -> None:
    owner = threading.Event()
    said = Recorder()
    watch = notify.start_watch(pg_ctx, said.change, said.listening, keep_going=lambda: not owner.is_set())
    assert watch is not None
    assert said.next("listening") == (True, "")
    owner.set()
    deadline = monotonic() + DEADLINE
    while watch.running and monotonic() < deadline:
        threading.Event().wait(0.05)
    assert not watch.running


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_has_nothing_to_listen_to(ctx: ServiceContext) -> None:
    assert notify.start_watch(ctx, lambda: None) is None
    assert current_revision(ctx.store) == SCHEMA_HEAD
    with ctx.store.read() as session:
        triggers = session.exec(  # type: ignore[call-overload]
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%notify%'")
        ).all()
    assert triggers == []
