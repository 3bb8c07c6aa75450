"""Run in a child process by test_desk_bench.py: start something, report how long until it was on screen.

    python desk_probe.py empty START_EPOCH
    python desk_probe.py desk START_EPOCH DB_PATH [--no-action] [--no-prebuild]

Prints one JSON object. START_EPOCH is the parent's time.time() just before it started this process, so the
figures include the interpreter starting and the imports, as a person starting the program would wait.

The desk is started as `triage` starts it, as the supervisor "boss". After its first paint it measures the
countdown tick, one action (classify, which writes to the database: --no-action leaves the database as it is,
for a large one opened in place) and the first visit of My cases (2), the split view (3) and reports (4): from
the key, as a terminal sends it, to the screen drawn ("visit_*", showing its rows or saying it is reading them)
and to its data drawn ("visit_*_data"). The visits come once the desk has built its screens in the quiet after
its first frame (DeskApp.screens_built); --no-prebuild starts the desk without that, so each first visit builds
its screen, as a key pressed in the first seconds does.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any


async def empty(started: float) -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Empty(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Footer()

    app = Empty()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0)
        painted = time.time()
    return {"to_screen": painted - started}


VISITS = (("2", "mine"), ("3", "split"), ("4", "reports"))


async def desk(started: float, db: str, *, act: bool = True, prebuild: bool = True) -> dict[str, float]:
    from datetime import timedelta

    from triage_tui.ui.app import build_desk
    from triage_tui.ui.widgets.case_table import CaseTable

    # The way `triage` starts the desk: the first page read directly, the full store opened behind it.
    app = build_desk(db, "boss", poll_seconds=0, prebuild=prebuild)
    drawn = watch_drawing(app)
    async with app.run_test(size=(160, 45)) as pilot:
        while True:
            screen = app.screen
            tables = screen.query(CaseTable)
            if tables and tables.first().row_count:
                break
            await pilot.pause(0.005)
        await pilot.pause(0)
        painted = time.time()
        table = app.screen.query_one(CaseTable)
        rows = table.row_count
        while app.session.ctx is None:  # the store opening behind the first frame
            await pilot.pause(0.01)
        store_open = time.time()
        rss_at_open = peak_rss_mb()
        while prebuild and not app.screens_built:  # the other screens built in the quiet after the first frame
            await pilot.pause(0.01)
        built = time.time()
        ctx = app.session.ctx
        real_clock = ctx.clock
        shift = timedelta(0)
        ctx.clock = lambda: real_clock() + shift
        await pilot.pause(1.2)  # past the one-off work after the first frame

        # A tick where every countdown's text changes (a minute has passed): the worst case.
        costs = []
        for _ in range(10):
            shift += timedelta(minutes=1)
            began = time.process_time()
            app.feed.tick()
            await pilot.pause(0)
            costs.append(time.process_time() - began)
        # A tick inside the minute: nothing to redraw, the common case.
        quiet = []
        for _ in range(10):
            began = time.process_time()
            app.feed.tick()
            await pilot.pause(0)
            quiet.append(time.process_time() - began)

        visits = {}
        for key, mode in VISITS:
            visits.update(await first_visit(app, pilot, drawn, key, mode))

        acted = None
        if act:
            acted = await classify(app, pilot, table)
    return {
        "to_screen": painted - started,
        "store_open": store_open - started,
        "screens_built": built - started,
        "rows_shown": rows,
        "rss_mb_at_open": rss_at_open,
        "rss_mb": peak_rss_mb(),  # the peak of the whole run: the screens built and visited, the action
        "tick_cpu_ms_all_changed": 1000 * max(costs),
        "tick_cpu_ms_quiet": 1000 * max(quiet),
        **({"action_ms": 1000 * acted} if acted is not None else {}),
        **visits,
    }


def watch_drawing(app: Any) -> list[Any]:
    """The screens the desk has drawn, in order (one entry per frame written), through App._display."""
    drawn: list[Any] = []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            drawn.append(screen)
        display(screen, renderable)

    app._display = spy
    return drawn


async def first_visit(app: Any, pilot: Any, drawn: list[Any], key: str, mode: str) -> dict[str, float]:
    """From the key to the screen drawn (its rows, or saying it is reading them), and to its data drawn."""
    queue, before = app.screen, len(drawn)
    began = time.perf_counter()
    app.simulate_key(key)
    while app.screen is queue or not any(s is app.screen for s in drawn[before:]):
        await asyncio.sleep(0.0005)
    shown = time.perf_counter() - began
    screen = app.screen
    mark = len(drawn)
    if not has_data(screen):
        while not has_data(screen):
            await asyncio.sleep(0.0005)
        mark = len(drawn)
        while len(drawn) == mark:  # the frame that shows it
            await asyncio.sleep(0.0005)
    data = time.perf_counter() - began
    await pilot.press("1")  # back to the queue (the next visit starts from it)
    await pilot.pause(0.3)
    return {f"visit_{mode}": shown, f"visit_{mode}_data": data}


def has_data(screen: Any) -> bool:
    """The screen shows what it read: My cases its first page, each pane of the split view its caseload. The
    reports screen shows a form (a report is read when run)."""
    name = type(screen).__name__
    if name == "MyCasesScreen":
        return bool(screen.shown_once)
    if name == "SplitScreen":
        from triage_tui.ui.split.pane import Pane

        return not any(pane.waiting for pane in screen.query(Pane))
    return True


async def classify(app: Any, pilot: Any, table: Any) -> float:
    """Classify the most urgent new contact as corporate: from the key press to the committed event and the
    repainted row."""
    from triage_tui.domain.codes import Status
    from triage_tui.services.cases import get_case

    target = next(ref for ref, case in table.cases.items() if case.status is Status.NEW)
    table.focus_case(target)
    await pilot.pause(0.2)
    await pilot.press("c")
    while app.screen.__class__.__name__ != "ClassifyDialog":
        await pilot.pause(0.005)
    # The key goes in as a terminal would send it (pilot.press also waits for the CPU to go idle, which
    # would be counted here); the loop yields to the app until the row shows the change.
    began = time.perf_counter()
    app.simulate_key("3")
    while table.cell_text(target, "type") != "Corporate":
        await asyncio.sleep(0.0005)
    await asyncio.sleep(0)  # the repaint the change scheduled
    acted = time.perf_counter() - began
    stored = get_case(app.session.ctx, target)
    assert stored.type.value == "corporate" and stored.events[-1].action == "classify"
    return acted


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent at fork)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    mode, started = sys.argv[1], float(sys.argv[2])
    flags = set(sys.argv[4:])
    if mode == "empty":
        result = asyncio.run(empty(started))
    else:
        result = asyncio.run(
            desk(started, sys.argv[3], act="--no-action" not in flags, prebuild="--no-prebuild" not in flags)
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
