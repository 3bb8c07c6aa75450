"""The desk opens on the queue of new contacts, and its countdowns tick from the stored times."""

from __future__ import annotations

from tests.conftest import Clock
from triage_tui.services import cases
from triage_tui.services.officers import get_officer
from triage_tui.ui.app import DeskApp


async def test_queue_lists_new_contacts_with_live_countdowns(ctx, staff, clock: Clock) -> None:
    now = clock.now
    fresh = cases.intake(ctx, "alice", customer_name="A", summary="S", received_at=now.subtract(hours=2)).reference
    late = cases.intake(ctx, "alice", customer_name="B", summary="S", received_at=now.subtract(hours=30)).reference
    gone = cases.intake(ctx, "alice", customer_name="C", summary="S", received_at=now.subtract(hours=50)).reference
    done = cases.intake(ctx, "alice", customer_name="D", summary="S").reference
    cases.signpost(ctx, "alice", done, to="NHS")

    app = DeskApp(ctx, get_officer(ctx, "alice"))
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one("#queue")
        assert table.row_count == 3  # the signposted one has left the queue
        assert str(table.get_cell(fresh, "countdown")) == "22h 00m"
        assert str(table.get_cell(late, "countdown")) == "overdue 6h 00m"
        assert str(table.get_cell(gone, "countdown")) == "breached 2h 00m"
        clock.advance(minutes=61)
        app._tick()
        await pilot.pause()
        assert str(table.get_cell(fresh, "countdown")) == "20h 59m"
        assert table.cursor_row == 0
        await pilot.press("q")
