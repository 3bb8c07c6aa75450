"""PostgreSQL, 50 desks listening: how soon after a change commits has every desk read it, and how much work the
server does between changes for 50 listening desks compared with 50 desks polling every second.

Each desk is a process of its own on this machine (headless: no Textual, two cores), running the desk's own code
for it: services/notify.py's ChangeWatch with its listening connection, and, when woken, the same
`changes_since(ctx, watermark)` read the desk's feed makes, the feed's safety poll included (ui/feed.py
SAFETY_POLL_SECONDS). The polling desks make that read every POLL_SECONDS, as a desk on SQLite does.

A desk needs two connections on the server (its reads and its listener): the benchmark needs 2 x 50 free. It uses
the server TRIAGE_TEST_PG_URL names when that has them, and otherwise starts a server of its own (private_pg.py),
since a server left at PostgreSQL's default max_connections (100) has not.

Run: TRIAGE_TEST_PG_URL=postgresql+psycopg://... .venv/bin/python -m pytest tests/bench/test_notify_bench.py
-p no:randomly -s --override-ini="addopts=-q -p no:cacheprovider"
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from tests.bench.figures import record
from tests.bench.private_pg import binaries, private_server
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases, desk, notify
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.migrate import upgrade
from triage_tui.ui.feed import POLL_SECONDS, SAFETY_POLL_SECONDS

PG_URL = os.environ.get("TRIAGE_TEST_PG_URL")
DESKS = 50
CHANGES = 20
GAP_SECONDS = 2.0  # between changes
# The idle window: one safety-poll interval, so each listening desk's safety poll falls in it about once, as it
# does in any such stretch of a working day (a shorter window would count none or all of them, by chance).
IDLE_SECONDS = SAFETY_POLL_SECONDS
START_DEADLINE = 120.0
TARGET_P95 = 1.0
TARGET_WORK = 0.1


# --- one desk, in a process of its own ------------------------------------------------------------------------------


def run_desk(url: str, listening: bool, ready: Any, stop: Any, results: Any) -> None:
    """One headless desk: read the changes since its watermark whenever the listener wakes it (and every safety
    interval), or every POLL_SECONDS without a listener; note when each changed case version was read."""
    store = Store(url)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY)
    woken = threading.Event()
    heard = threading.Event()
    seen: list[tuple[str, int, float]] = []
    watch = None
    # Told to stop, the desk stops at once, not at its next safety poll.
    threading.Thread(target=lambda: (stop.wait(), woken.set()), daemon=True).start()
    try:
        watermark = desk.latest_watermark(ctx)
        if listening:
            watch = notify.start_watch(ctx, woken.set, lambda on, _why: (heard.set() if on else None, woken.set()))
            if watch is None or not heard.wait(START_DEADLINE):
                raise RuntimeError("the desk never listened")
        interval = SAFETY_POLL_SECONDS if listening else POLL_SECONDS
        ready.put(os.getpid())
        while not stop.is_set():
            woken.wait(interval)
            woken.clear()
            if stop.is_set():
                break
            changes = desk.changes_since(ctx, watermark)
            read_at = time.time()
            seen.extend((row.reference, row.version, read_at) for row in changes.rows)
            watermark = max(watermark, changes.watermark)
    except BaseException as error:
        ready.put(f"desk {os.getpid()} failed: {error!r}")
        raise
    finally:
        if watch is not None:
            watch.close()
        store.dispose()
        results.put(seen)


class Desks:
    """DESKS desk processes, forked from a small server process that has imported the desk's code once."""

    def __init__(self, url: str, *, listening: bool) -> None:
        mp = multiprocessing.get_context("forkserver")
        mp.set_forkserver_preload(["tests.bench.test_notify_bench"])
        self.ready, self.results, self.stop = mp.Queue(), mp.Queue(), mp.Event()
        self.processes = [
            mp.Process(target=run_desk, args=(url, listening, self.ready, self.stop, self.results), daemon=True)
            for _ in range(DESKS)
        ]
        for process in self.processes:
            process.start()
        deadline = time.monotonic() + START_DEADLINE
        for _ in self.processes:
            said = self.ready.get(timeout=max(deadline - time.monotonic(), 0.1))
            if isinstance(said, str):
                raise AssertionError(said)

    def finish(self) -> list[list[tuple[str, int, float]]]:
        self.stop.set()
        seen = [self.results.get(timeout=30) for _ in self.processes]
        for process in self.processes:
            process.join(30)
        assert all(p.exitcode == 0 for p in self.processes), [p.exitcode for p in self.processes]
        return seen

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()


# --- the server ------------------------------------------------------------------------------------------------------


def _free_connections(url: str) -> tuple[int, int]:
    store = Store(url)
    try:
        with store.engine.connect() as connection:
            most = int(connection.execute(text("SHOW max_connections")).scalar() or 0)
            used = int(connection.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar() or 0)
    finally:
        store.dispose()
    return most, used


@pytest.fixture
def server_url() -> Iterator[str]:
    """TRIAGE_TEST_PG_URL when its server has the connections to spare; otherwise a server of our own
    (private_pg.py), so the figure is measured either way."""
    needed = 2 * DESKS + 10
    if PG_URL:
        most, used = _free_connections(PG_URL)
        if most - used >= needed:
            yield PG_URL
            return
    if binaries() is None:
        pytest.skip(f"{DESKS} listening desks need {needed} free connections and no server here has them")
    with private_server(max_connections=needed + 40) as url:
        yield url


@pytest.fixture
def server(server_url: str) -> Iterator[ServiceContext]:
    store = Store(server_url)
    upgrade(store)
    with store.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))  # events refuse TRUNCATE
        connection.execute(text("TRUNCATE events, cases, officers RESTART IDENTITY CASCADE"))
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    yield ctx
    store.dispose()


def server_work(ctx: ServiceContext) -> tuple[int, int]:
    """(transactions ended, rows returned) on this database so far, as the server counts them."""
    with ctx.store.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
        ).one()
    return int(row[0]), int(row[1])


def idle_work(ctx: ServiceContext) -> tuple[int, int]:
    """The server's work over IDLE_SECONDS with nothing changing. Backends report their counts about once a
    second (and an idle one within ten): the window is read from counts settled at both ends."""
    before = server_work(ctx)
    time.sleep(IDLE_SECONDS)
    after = server_work(ctx)
    # Minus this function's own two reads.
    return after[0] - before[0] - 1, after[1] - before[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- the benchmark ---------------------------------------------------------------------------------------------------


def changes_seen(ctx: ServiceContext, desks: Desks) -> list[float]:
    """Make CHANGES changes through the services, GAP_SECONDS apart; for each change and each desk, the seconds
    from the commit to the desk having read it."""
    committed: dict[tuple[str, int], float] = {}
    last = None
    for i in range(CHANGES):
        time.sleep(GAP_SECONDS)
        if last is None or i % 2 == 0:
            view = cases.intake(ctx, "alice", customer_name=f"Customer {i}", summary="Streetlight out")
        else:
            view = cases.add_note(ctx, "alice", last.reference, f"called back ({i})")
        committed[(view.reference, view.version)] = time.time()  # the commit has returned
        last = view
    assert len(committed) == CHANGES  # each change a case version of its own
    time.sleep(GAP_SECONDS)
    delays: list[float] = []
    missing = 0
    for desk_seen in desks.finish():
        first_read: dict[tuple[str, int], float] = {}
        for reference, version, at in desk_seen:
            first_read.setdefault((reference, version), at)
        for key, at_commit in committed.items():
            if key in first_read:
                delays.append(max(first_read[key] - at_commit, 0.0))
            else:
                missing += 1
    assert missing == 0, f"{missing} of {len(committed) * DESKS} (change, desk) pairs never read"
    return delays


def phase(ctx: ServiceContext, *, listening: bool) -> tuple[list[float], tuple[int, int]]:
    """DESKS desks listening (or polling): the server's work while nothing changes, then the delays of changes."""
    desks = Desks(ctx.store.url, listening=listening)
    try:
        time.sleep(12)  # the desks' first counts reach the server's statistics
        work = idle_work(ctx)
        return changes_seen(ctx, desks), work
    finally:
        desks.kill()


def summary(delays: list[float]) -> str:
    p50, p95, worst = percentile(delays, 0.5), percentile(delays, 0.95), max(delays)
    return f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {worst * 1000:.0f} ms"


def test_fifty_listening_desks_see_each_change_within_a_second(server: ServiceContext) -> None:
    polled, (poll_xacts, poll_rows) = phase(server, listening=False)
    heard, (listen_xacts, listen_rows) = phase(server, listening=True)
    p95 = percentile(heard, 0.95)
    ratio = listen_xacts / max(poll_xacts, 1)
    pairs = f"{CHANGES} changes {GAP_SECONDS:g}s apart x {DESKS} desks"
    print(f"\n{pairs}, commit to read: listening {summary(heard)}; polling every {POLL_SECONDS:g}s {summary(polled)}")
    print(
        f"server work over {IDLE_SECONDS:g}s idle: listening {listen_xacts} transactions, {listen_rows} rows; "
        f"polling every {POLL_SECONDS:g}s {poll_xacts} transactions, {poll_rows} rows"
    )
    record(
        f"PostgreSQL, {DESKS} listening desks: a change seen by every desk, p95 after commit",
        f"{summary(heard)} ({pairs}); polling every {POLL_SECONDS:g}s: {summary(polled)}",
        value=p95,
        target=TARGET_P95,
        unit="s",
    )
    record(
        f"PostgreSQL, {DESKS} desks idle for {IDLE_SECONDS:g}s: server transactions listening vs polling every "
        f"{POLL_SECONDS:g}s",
        f"{listen_xacts} vs {poll_xacts} transactions, {listen_rows} vs {poll_rows} rows read",
        value=ratio,
        target=TARGET_WORK,
    )
    assert p95 <= TARGET_P95
    assert ratio <= TARGET_WORK
