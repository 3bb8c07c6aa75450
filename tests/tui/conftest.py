"""Desk fixtures: a SQLite database with staff and contacts at known ages, time frozen on the service clock;
a guard that fails any test during which the desk met an unexpected error; and ways to wait for the desk
without fixed sleeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

import pytest
import textual.signal
from textual.app import App
from textual.message import Message
from textual.pilot import Pilot
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.ui.app import DeskApp, make_desk

# Hours since receipt of the queue's contacts: fresh, comfortable, due soon, overdue, breached.
AGES = (2, 9, 20.5, 30, 50)
CUSTOMERS = ("Margaret Smith", "John Patel", "Aisha Khan", "Peter Jones", "Ruth Hughes")
SUMMARIES = (
    "Bins missed three weeks running",
    "Care package reduced without a reassessment",
    "Social worker not returning calls",
    "Council tax charged twice this month",
    "Pothole reported in March still not repaired",
)


@pytest.fixture
def desk_ctx(sqlite_url: str, clock: Clock) -> Iterator[ServiceContext]:
    store = Store(sqlite_url)
    yield ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    store.dispose()


@pytest.fixture
def seeded(desk_ctx: ServiceContext, clock: Clock) -> dict[str, str]:
    """Staff, five new contacts of the AGES above, and one triaged corporate complaint. Returns references."""
    ctx = desk_ctx
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    add_officer(ctx, "boss", "bob", "Bob Brown", Role.OFFICER, Team.TRIAGE)
    add_officer(ctx, "boss", "carol", "Carol Cole", Role.OFFICER, Team.COMPLAINTS)
    refs: dict[str, str] = {}
    for age, name, summary in zip(AGES, CUSTOMERS, SUMMARIES, strict=True):
        refs[f"{age}h"] = cases.intake(
            ctx,
            "alice",
            customer_name=name,
            summary=summary,
            received_at=clock.now.subtract(minutes=round(age * 60)),  # type: ignore[attr-defined]
            channel="email",
            customer_email=f"{name.split()[0].lower()}@example.org",
            details=f"Dear council,\n\n{summary}. Please call me back.\n\n{name}",
        ).reference
    triaged = cases.intake(
        ctx,
        "alice",
        customer_name="Grace Wood",
        summary="Library closed without notice again",
        received_at=clock.now.subtract(hours=26),  # type: ignore[attr-defined]
        channel="web",
    ).reference
    cases.classify(ctx, "alice", triaged, CaseType.CORPORATE)
    refs["triaged"] = triaged
    return refs


def desk(ctx: ServiceContext, who: str = "alice", **options: Any) -> DeskApp:
    options.setdefault("poll_seconds", 0)  # no background polling unless a test asks for it
    # Nor screens built in the background (DeskApp prebuild): each screen is built on its key, at a known moment.
    options.setdefault("prebuild", False)
    return make_desk(ctx, who, **options)


# --- an unexpected error fails the test that met it ----------------------------------------------------------------
#
# An exception raised in a handler, an action or a timer stops the app, and App.run_test raises it again when its
# block ends, so the test fails on its own. What the desk survives does not fail a test by itself: a
# "Something went wrong" notice, a worker that ended in an error (one started on a screen is reported to nobody
# by Textual), and a subscriber that failed on a signal (Textual only logs it). The guard below records those
# and fails the test, unless it is marked as provoking them on purpose.

EXPECTED = "unexpected_error_expected"
WENT_WRONG = "went wrong"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{EXPECTED}: the test provokes an unexpected error on purpose and checks what the desk says of it; "
        "the guard that fails a test on any unexpected error of the desk leaves it alone",
    )


@dataclass
class Unexpected:
    """What went wrong in a desk during the test."""

    notices: list[str] = field(default_factory=list)  # "Something went wrong (…)", as the officer saw it
    workers: list[str] = field(default_factory=list)  # workers that ended in an error, reported or not
    signals: list[str] = field(default_factory=list)  # subscribers that raised on a signal

    def found(self) -> list[str]:
        return [*self.notices, *self.workers, *self.signals]


_GUARD = pytest.StashKey[Unexpected]()


class _SignalLog:
    """Stands in for the logger of textual.signal, which logs and otherwise drops a subscriber's exception."""

    def __init__(self, real: Any, seen: Unexpected) -> None:
        self._real = real
        self._seen = seen

    def error(self, *args: object, **kwargs: Any) -> None:
        if args and str(args[0]).startswith("error publishing signal"):
            self._seen.signals.append(str(args[0]))
        self._real.error(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture(autouse=True)
def unexpected(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Unexpected:
    """Records every unexpected error of a desk during the test (a test marked EXPECTED asserts on it)."""
    seen = Unexpected()
    request.node.stash[_GUARD] = seen

    real_notify = DeskApp.notify

    def notify(self: DeskApp, message: str, *args: Any, **kwargs: Any) -> None:
        if WENT_WRONG in str(message):
            seen.notices.append(str(message))
        real_notify(self, message, *args, **kwargs)

    real_run = Worker._run

    async def run(self: Worker[Any], app: App[Any]) -> None:
        await real_run(self, app)
        if self.state is WorkerState.ERROR and isinstance(app, DeskApp):
            seen.workers.append(f"worker {self.group!r} of {type(self.node).__name__} failed: {self.error!r}")

    monkeypatch.setattr(DeskApp, "notify", notify)
    monkeypatch.setattr(Worker, "_run", run)
    monkeypatch.setattr(textual.signal, "log", _SignalLog(textual.signal.log, seen))
    return seen


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield  # a test that failed already is reported as it failed
    seen = item.stash.get(_GUARD, None)
    if seen is not None and seen.found() and item.get_closest_marker(EXPECTED) is None:
        pytest.fail("the desk met an unexpected error: " + " | ".join(seen.found()), pytrace=False)
    return result


# --- waiting for the desk ---------------------------------------------------------------------------------------------
#
# Each wait is for the thing itself (workers, a timer, a message, a condition) and ends at a deadline far beyond
# what a healthy desk needs; reaching it fails the test and names what was awaited.

DEADLINE = 20.0


def live_workers(app: App[Any]) -> list[Worker[Any]]:
    return [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]


async def workers_done(pilot: Pilot, timeout: float = DEADLINE) -> None:
    """Every worker has ended, those started meanwhile by others' callbacks too. A cancelled worker (an
    exclusive one replaced by a newer call) and a failed one count as ended: failures are the guard's."""
    deadline = monotonic() + timeout
    while live := live_workers(pilot.app):
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise AssertionError(f"workers still running after {timeout:g}s: {live}")
        for worker in live:
            if worker.state is WorkerState.PENDING:
                await pilot.pause(0)
                continue
            try:
                # Shielded: running out of time must not cancel the desk's own work.
                await asyncio.wait_for(asyncio.shield(worker.wait()), max(deadline - monotonic(), 0.001))
            except (WorkerCancelled, WorkerFailed):
                pass
            except TimeoutError:
                break


def _pending_detail(app: App[Any]) -> list[Timer]:
    """The detail pane's timers still to fire or whose read is still queued (see CaseListScreen.DETAIL_DELAY)."""
    stacks = getattr(app, "_screen_stacks", {"": app.screen_stack})
    timers = [getattr(screen, "_detail_timer", None) for stack in stacks.values() for screen in stack]
    return [t for t in timers if isinstance(t, Timer) and t._task is not None]


def _unsettled(app: App[Any]) -> str:
    """What the desk still has to do, or "" if nothing."""
    busy = [node for node in (app, *app.screen.walk_children(with_self=True)) if node.message_queue_size]
    if busy:
        return f"messages for {busy[:3]}"
    if live := live_workers(app):
        return f"workers {live}"
    if timers := _pending_detail(app):
        return f"the detail pane's timer {timers}"
    if app.screen._callbacks:  # held for after the next repaint (the focus of a screen just shown, among others)
        return "callbacks after the next repaint"
    return ""


async def settle(pilot: Pilot, timeout: float = DEADLINE) -> None:
    """Let the desk finish what the last key started: its messages, its worker threads and the callbacks they
    post, and the detail pane's read of the highlighted case, which starts after a short timer."""
    app = pilot.app
    deadline = monotonic() + timeout
    while app.is_running:
        await pilot.pause(0)  # processes what is queued, and repaints (which runs the after-repaint callbacks)
        pending = _unsettled(app) if app.is_running else ""
        if not pending:
            return
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise AssertionError(f"the desk did not settle in {timeout:g}s: {pending}")
        if live_workers(app):
            await workers_done(pilot, remaining)
        running = [t._task for t in _pending_detail(app) if t._task is not None and not t._task.done()]
        if running:
            await asyncio.wait(running, timeout=remaining)


async def until(pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Let the desk run until `condition()` holds; `what` names it if it never does."""
    deadline = monotonic() + timeout
    while not condition():
        if monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}")
        await pilot.pause(0)


class Messages:
    """Counts the messages the desk handles, by class: pass `hook` to run_test as its message_hook, then wait for
    the one needed (a finished poll is a Polled message)."""

    def __init__(self) -> None:
        self.seen: Counter[type[Message]] = Counter()
        self._arrived = asyncio.Event()

    def hook(self, message: Message) -> None:
        self.seen[type(message)] += 1
        self._arrived.set()

    async def wait(self, kind: type[Message], count: int, timeout: float = DEADLINE) -> None:
        """Until `count` messages of `kind` have been handled since the app started."""
        deadline = monotonic() + timeout
        while self.seen[kind] < count:
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.seen[kind]} {kind.__name__} messages of {count} after {timeout:g}s")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                continue


# --- the key sweep's counts (tests/tui/test_key_sweep.py), printed at the end of the run -----------------------------

# "screen at WxH" -> (keys pressed on the screen, dialogs opened by them, keys pressed inside those dialogs)
SWEEP = pytest.StashKey[dict[str, tuple[int, int, int]]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    swept = config.stash.get(SWEEP, None)
    if not swept:
        return
    write = terminalreporter.write_line
    terminalreporter.section("key sweep")
    for where, (keys, dialogs, inside) in sorted(swept.items()):
        write(f"{where}: {keys} keys, {dialogs} dialogs opened, {inside} keys inside them")
    screens = {where.rsplit(" at ", 1)[0] for where in swept}
    sizes = {where.rsplit(" at ", 1)[1] for where in swept}
    keys = sum(k for k, _, _ in swept.values())
    inside = sum(i for _, _, i in swept.values())
    write(
        f"total: {len(screens)} screens x {len(sizes)} sizes, {keys} screen keys and {inside} dialog keys pressed "
        f"({keys + inside} in all)"
    )
