"""A contact this desk recorded is announced once, when it is saved: the poll that reads it back says nothing
more, while a contact recorded elsewhere is still announced by the poll."""

from __future__ import annotations

import asyncio
import threading

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
        # The notice is said as the poll ends; the list hears of the change once its own queue is done.
        await until(pilot, lambda: other in app.screen.query_one(CaseTable).cases, "the contact in the list")


async def test_a_change_published_while_the_list_is_read_is_not_hidden_by_the_older_read(
    desk_ctx: ServiceContext, seeded, monkeypatch
) -> None:
    from triage_tui.services import sorted_queue

    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        real = sorted_queue.sorted_queue_page
        read, release = threading.Event(), threading.Event()

        def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
            page = real(*args, **kwargs)  # read before the contact below exists
            read.set()
            release.wait(10)
            return page

        monkeypatch.setattr(sorted_queue, "sorted_queue_page", slow)
        screen = app.screen
        screen.reload()  # type: ignore[attr-defined]
        await asyncio.get_running_loop().run_in_executor(None, read.wait, 10)
        late = cases.intake(desk_ctx, "bob", customer_name="Eve Ellis", summary="Streetlight out")
        app.feed.publish([late])  # as this desk's own save would (subscribers hear it once their queue is done)
        table = screen.query_one(CaseTable)
        await until(pilot, lambda: late.reference in table.cases, "the published contact in the list")
        release.set()
        await settle(pilot)
        assert late.reference in screen.query_one(CaseTable).cases  # the older page did not take it away
