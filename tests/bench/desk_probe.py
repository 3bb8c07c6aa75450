"""Run in a child process by test_desk_bench.py: start something, report how long until it was on screen.

    python desk_probe.py empty START_EPOCH
    python desk_probe.py desk START_EPOCH DB_PATH

Prints one JSON object. START_EPOCH is the parent's time.time() just before it started this process, so the
figures include the interpreter starting and the imports, as a person starting the program would wait.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time


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


async def desk(started: float, db: str) -> dict[str, float]:
    from datetime import timedelta

    from triage_tui.domain.codes import Status
    from triage_tui.ui.app import build_desk
    from triage_tui.ui.widgets.case_table import CaseTable

    # The way `triage` starts the desk: the first page read directly, the full store opened behind it.
    app = build_desk(db, "boss", poll_seconds=0)
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
        rss_mb = peak_rss_mb()
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

        # An action: classify the most urgent new contact as corporate; from the key press to the committed
        # event and the repainted row.
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
        from triage_tui.services.cases import get_case

        stored = get_case(ctx, target)
        assert stored.type.value == "corporate" and stored.events[-1].action == "classify"
    return {
        "to_screen": painted - started,
        "store_open": store_open - started,
        "rows_shown": rows,
        "rss_mb": rss_mb,
        "tick_cpu_ms_all_changed": 1000 * max(costs),
        "tick_cpu_ms_quiet": 1000 * max(quiet),
        "action_ms": 1000 * acted,
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent at fork)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    mode, started = sys.argv[1], float(sys.argv[2])
    result = asyncio.run(empty(started) if mode == "empty" else desk(started, sys.argv[3]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
