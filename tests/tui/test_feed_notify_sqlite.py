"""On SQLite the desk polls as before: there is nothing to listen to."""

from __future__ import annotations

from tests.tui.conftest import desk, settle, until
from triage_tui.services import cases
from triage_tui.ui.widgets.case_table import CaseTable


async def test_on_sqlite_the_desk_polls_as_before(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, poll_seconds=0.2)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.feed._watch is None and not app.feed.listening
        assert app.feed._interval() == 0.2
        ref = cases.intake(desk_ctx, "bob", customer_name="New Person", summary="Streetlight out").reference
        await until(pilot, lambda: ref in app.screen.query_one(CaseTable).cases, "the polled row")
        assert app.feed._watch is None and not app.feed.listening
