"""The desk while another program holds the database: the officer is told it is waiting, the action goes
through when the lock is let go, and if it never is, the desk says so, writes nothing and works on."""

from __future__ import annotations

from pathlib import Path

from textual.screen import ModalScreen

from tests.conftest import Clock
from tests.faults.conditions import held, read_only
from tests.tui.conftest import Messages, desk, settle, until
from tests.tui.test_desk import dialog_error, highlight, stored
from triage_tui.domain.codes import CaseType
from triage_tui.domain.errors import StoreUnavailable
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.store.engine import Store
from triage_tui.ui.app import DeskApp
from triage_tui.ui.feed import Polled
from triage_tui.ui.widgets.case_table import CaseTable


def said(app, fragment: str) -> bool:  # type: ignore[no-untyped-def]
    return any(fragment in n for n in app.notices)


def refused_in_dialog(app, fragment: str) -> bool:  # type: ignore[no-untyped-def]
    """A refusal of a save is shown inside the dialog, which stays open with the answer kept."""
    return isinstance(app.screen, ModalScreen) and fragment in dialog_error(app)


async def classify_corporate(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    await highlight(pilot, ref)
    await pilot.press("c")
    await settle(pilot)
    await pilot.press("3")


def waiting_desk(sqlite_url: str, clock: Clock, lock_wait: float) -> tuple[ServiceContext, DeskApp]:
    """A desk whose writes wait `lock_wait` seconds for a lock, and which says so after 0.2 s."""
    ctx = ServiceContext(store=Store(sqlite_url, lock_wait=lock_wait), policy=DEFAULT_POLICY, clock=clock)
    app = desk(ctx)
    app.session.wait_notice_seconds = 0.2
    return ctx, app


async def test_the_desk_waits_for_a_brief_lock_and_says_so(desk_ctx, seeded, sqlite_url: str, clock: Clock) -> None:
    ctx, app = waiting_desk(sqlite_url, clock, lock_wait=10)
    ref = seeded["50h"]
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        with held(sqlite_url, ref, 3.0):  # let go well inside the desk's 10 s wait
            await classify_corporate(pilot, ref)
            waiting = "Waiting for the database: another desk or program is writing to it"
            await until(pilot, lambda: said(app, waiting), "the notice that the desk is waiting")
            assert stored(desk_ctx, ref).status == "new"  # still waiting
        await settle(pilot)
        assert (stored(desk_ctx, ref).type, stored(desk_ctx, ref).status) == ("corporate", "triaged")
        assert said(app, f"{ref}: classified")
        assert not said(app, "stayed locked")
    ctx.store.dispose()


async def test_the_desk_gives_up_on_a_long_lock_clearly_and_works_on(
    desk_ctx, seeded, sqlite_url: str, clock: Clock
) -> None:
    ctx, app = waiting_desk(sqlite_url, clock, lock_wait=1)
    ref = seeded["50h"]
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        with held(sqlite_url, ref, 2.5):
            await classify_corporate(pilot, ref)
            await settle(pilot)
            locked = "stayed locked by another program for 1s; nothing was written, try again"
            assert refused_in_dialog(app, locked), (app.screen, list(app.notices))
            assert stored(desk_ctx, ref).version == 1
        assert app.is_running
        await pilot.press("3")  # the lock is gone: the same answer, saved again from the dialog still open
        await settle(pilot)
        assert app.screen.__class__.__name__ == "QueueScreen"
        assert (stored(desk_ctx, ref).type, stored(desk_ctx, ref).version) == ("corporate", 2)
    ctx.store.dispose()


async def test_the_desk_on_a_read_only_file_shows_the_queue_and_refuses_writes(
    desk_ctx, seeded, sqlite_url: str, clock: Clock
) -> None:
    desk_ctx.store.dispose()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    ref = seeded["50h"]
    with read_only(path):
        ctx = ServiceContext(store=Store(sqlite_url), policy=DEFAULT_POLICY, clock=clock)
        app = desk(ctx)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            await classify_corporate(pilot, ref)
            await settle(pilot)
            read_only_said = "is read-only: nothing was written; ask for write access to the file and its folder"
            assert refused_in_dialog(app, read_only_said), (app.screen, list(app.notices))
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running and app.screen.__class__.__name__ == "QueueScreen"
            await pilot.press("enter")  # reading goes on: the case screen opens with its history
            await settle(pilot)
            assert app.screen.__class__.__name__ == "CaseScreen"
        ctx.store.dispose()
    assert stored(desk_ctx, ref).version == 1


async def test_a_failing_poll_is_reported_once_and_its_recovery_once(desk_ctx, seeded, monkeypatch) -> None:
    """The database stops answering reads for a while (a server restarting): the desk says so once, keeps
    trying, and says when it reads changes again, which it then shows."""
    from triage_tui.services import desk as desk_services
    from triage_tui.ui import feed

    real = desk_services.changes_since
    down = {"now": True, "tries": 0}

    def flaky(ctx, watermark):  # type: ignore[no-untyped-def]
        if down["now"]:
            down["tries"] += 1
            raise StoreUnavailable("cannot connect to database: the server is restarting")
        return real(ctx, watermark)

    monkeypatch.setattr(desk_services, "changes_since", flaky)
    monkeypatch.setattr(feed, "POLL_RETRY_SECONDS", 0.05)
    messages = Messages()
    app = desk(desk_ctx, poll_seconds=0.05)
    async with app.run_test(size=(160, 45), message_hook=messages.hook) as pilot:
        await settle(pilot)
        await until(pilot, lambda: down["tries"] >= 5, "five failed polls")
        await settle(pilot)
        assert sum("Could not read changes" in n for n in app.notices) == 1
        ref = cases.intake(desk_ctx, "bob", customer_name="New Person", summary="Streetlight out").reference
        down["now"] = False
        await messages.wait(Polled, 1)  # the first poll that came through
        await settle(pilot)
        assert ref in app.screen.query_one(CaseTable).cases
        assert sum("Reading changes from the database again" in n for n in app.notices) == 1


async def test_a_desk_that_does_not_poll_reads_changes_once_after_a_refusal(desk_ctx, seeded) -> None:
    """Without background polling (poll_seconds 0), a refusal reads what changed once; it does not start
    polling without a pause (every 10 ms, which keeps the desk busy and every key slow)."""
    messages = Messages()
    app = desk(desk_ctx)  # poll_seconds=0
    ref = seeded["2h"]
    async with app.run_test(size=(160, 45), message_hook=messages.hook) as pilot:
        await settle(pilot)
        cases.classify(desk_ctx, "bob", ref, CaseType.CORPORATE)  # changed since the desk read it
        await highlight(pilot, ref)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("1")
        await messages.wait(Polled, 1)  # the refusal's own read
        await settle(pilot)
        assert app.feed._timer is None, f"polling goes on after the refusal's read ({messages.seen[Polled]} polls)"
