"""A contact this desk recorded is announced once, when it is saved: the poll that reads it back says nothing
more, while a contact recorded elsewhere is still announced by the poll."""

from __future__ import annotations

from tests.tui.conftest import Messages, desk, settle, until
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.ui.feed import Polled
from triage_tui.ui.widgets.case_table import CaseTable


async def test_a_contact_recorded_here_is_announced_once(desk_ctx: ServiceContext, seeded) -> None:
    app = desk(desk_ctx, "alice", poll_seconds=0.05)
    seen = Messages()
    async with app.run_test(size=(160, 45), message_hook=seen.hook) as pilot:
        await settle(pilot)
        await pilot.press("i", "tab", "tab", *"Dora Diaz", "tab", "tab", "tab", "tab", *"Blue badge renewal lost")
        await pilot.press("enter")
        await settle(pilot)
        ref = app.notices[-1].split(" ")[0]
        assert app.notices[-1].startswith(f"{ref} recorded: Dora Diaz")
        # Two polls after the save: the second began after it, so it has read the new row back.
        await seen.wait(Polled, seen.seen[Polled] + 2)
        assert [n for n in app.notices if ref in n] == [n for n in app.notices if n.startswith(f"{ref} recorded")]
        assert sum(ref in n for n in app.notices) == 1
        other = cases.intake(desk_ctx, "bob", customer_name="Eve Ellis", summary="Streetlight out").reference
        await until(pilot, lambda: any(n.startswith(f"{other} from Eve Ellis") for n in app.notices), "the notice")
        assert other in app.screen.query_one(CaseTable).cases
