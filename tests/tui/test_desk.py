"""The desk driven from the keyboard; every action asserts what the database holds afterwards."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.command import CommandList
from textual.widgets import Label

from tests.conftest import Clock
from tests.tui.conftest import desk, settle, until
from tests.tui.reading import widget_text
from triage_tui.domain.codes import CaseType
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Case, Event
from triage_tui.ui.screens.case import CaseScreen
from triage_tui.ui.widgets.case_table import CaseTable


def stored(ctx: ServiceContext, ref: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == ref)).one()


def events(ctx: ServiceContext, ref: str) -> list[tuple[str, str, str | None, str | None]]:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == ref)).one()
        rows = s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.id))
        return [(e.actor, e.action, e.from_status, e.to_status) for e in rows]


def cell(app, ref: str, column: str) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one(CaseTable).cell_text(ref, column)


def dialog_error(app) -> str:  # type: ignore[no-untyped-def]
    """What the open dialog says is wrong (a refusal is shown there, with the dialog kept open)."""
    return widget_text(app.screen.query_one("#dialog-error", Label))


async def highlight(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    assert pilot.app.screen.query_one(CaseTable).focus_case(ref)
    await settle(pilot)


async def test_the_queue_is_most_urgent_first_with_countdowns(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        order = table.order
        assert order == [seeded["50h"], seeded["30h"], seeded["20.5h"], seeded["9h"], seeded["2h"], seeded["triaged"]]
        assert cell(app, seeded["2h"], "countdown") == "22h 00m"
        assert cell(app, seeded["9h"], "countdown") == "15h 00m"
        assert cell(app, seeded["20.5h"], "countdown") == "due 3h 30m"
        assert cell(app, seeded["30h"], "countdown") == "overdue 6h 00m"
        assert cell(app, seeded["50h"], "countdown") == "breached 2h 00m"
        # The triaged complaint counts down to its acknowledgement (5 working days for corporate).
        assert cell(app, seeded["triaged"], "countdown").endswith("h")
        status = str(app.screen.query_one("#list-status").render())
        assert "Queue: 6 cases" in status and "1 breached, 1 overdue, 1 due soon" in status


async def test_countdowns_tick_without_moving_the_cursor(desk_ctx, seeded, clock: Clock) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, seeded["9h"])
        row = app.screen.query_one(CaseTable).cursor_row
        clock.advance(minutes=61)
        app.feed.tick()
        await pilot.pause()
        assert cell(app, seeded["9h"], "countdown") == "13h 59m"
        assert cell(app, seeded["20.5h"], "countdown") == "due 2h 29m"
        assert app.screen.query_one(CaseTable).cursor_row == row


async def test_classify_from_the_keyboard(desk_ctx, seeded) -> None:
    ref = seeded["50h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.query_one("#types")  # the dialog is open
        await pilot.press("3")
        await settle(pilot)
        assert (stored(desk_ctx, ref).type, stored(desk_ctx, ref).status) == ("corporate", "triaged")
        assert events(desk_ctx, ref)[-1] == ("alice", "classify", "new", "triaged")
        assert cell(app, ref, "type") == "Corporate"
        # The highlight moves on to the next case: the keys now act on one that still needs work.
        assert app.screen.query_one(CaseTable).current.reference != ref


async def test_escape_leaves_a_dialog_and_changes_nothing(desk_ctx, seeded) -> None:
    ref = seeded["2h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        for key in ("c", "s", "x", "t"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.__class__.__name__.endswith("Dialog")
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen.__class__.__name__ == "QueueScreen"
        assert stored(desk_ctx, ref).version == 1
        assert len(events(desk_ctx, ref)) == 1


async def test_signpost_takes_the_contact_off_the_queue(desk_ctx, seeded) -> None:
    ref = seeded["30h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"Thames Valley Police")
        await pilot.press("enter")
        await settle(pilot)
        case = stored(desk_ctx, ref)
        assert (case.status, case.close_reason, case.signposted_to) == ("closed", "signposted", "Thames Valley Police")
        assert ref not in app.screen.query_one(CaseTable).cases


async def test_signpost_as_a_service_request(desk_ctx, seeded) -> None:
    ref = seeded["9h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("s")
        await settle(pilot)
        await pilot.click("#service")
        await pilot.click("#where")
        await pilot.press(*"Highways", "enter")
        await settle(pilot)
        case = stored(desk_ctx, ref)
        assert (case.close_reason, case.service, case.type) == ("service_request", "Highways", "service_request")


async def test_signpost_as_a_service_request_from_the_keyboard(desk_ctx, seeded) -> None:
    """Down chooses a service request while the text box keeps the focus; up goes back."""
    ref = seeded["9h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down")
        assert str(app.screen.query_one("#where-label").render()) == "Council service"
        await pilot.press("up", "down", *"Waste", "enter")
        await settle(pilot)
        case = stored(desk_ctx, ref)
        # The completion shown ("Waste and Recycling") is what enter saves.
        assert (case.close_reason, case.service, case.signposted_to) == (
            "service_request",
            "Waste and Recycling",
            None,
        )


async def test_allocate_shows_each_officers_load(desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("l")
        await settle(pilot)
        options = app.screen.query_one("#officers")
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith("carol") and "complaints" in first  # the complaint officer, least loaded
        await pilot.press("enter")
        await settle(pilot)
        case = stored(desk_ctx, ref)
        assert case.status == "allocated"
        assert events(desk_ctx, ref)[-1] == ("alice", "allocate", "triaged", "allocated")
        assert ref not in app.screen.query_one(CaseTable).cases  # allocated cases leave the queue


async def test_allocate_on_a_new_contact_says_why_not_without_a_dialog(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, seeded["2h"])
        await pilot.press("l")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "QueueScreen"
        assert any("allocate is not allowed" in n for n in app.notices)


async def test_acknowledge_on_an_acknowledged_case_is_refused_before_its_dialog(desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    cases.allocate(desk_ctx, "boss", ref, "carol")
    cases.acknowledge(desk_ctx, "carol", ref, channel="email")
    app = desk(desk_ctx, "carol")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "MyCasesScreen"  # no dialog to fill in for nothing
        assert any(f"{ref} was already acknowledged on" in n for n in app.notices)
    assert [e[1] for e in events(desk_ctx, ref)].count("acknowledge") == 1


async def test_close_as_duplicate_asks_for_the_original(desk_ctx, seeded) -> None:
    ref, original = seeded["20.5h"], seeded["30h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#duplicate")
        await settle(pilot)
        await pilot.press("enter")  # no original yet: the dialog says so and stays
        await settle(pilot)
        assert "original" in str(app.screen.query_one("#dialog-error").render())
        await pilot.click("#original")
        await pilot.press(*original, "enter")
        await settle(pilot)
        case = stored(desk_ctx, ref)
        assert (case.status, case.close_reason, case.duplicate_of) == ("closed", "duplicate", original)


async def test_casework_from_my_cases_and_the_case_screen(desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    cases.allocate(desk_ctx, "boss", ref, "carol")
    app = desk(desk_ctx, "carol")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        assert list(table.cases) == [ref]
        await pilot.press("a")
        await settle(pilot)
        assert "Acknowledgement due" in str(app.screen.query_one("#due").render())
        await pilot.press(*"Rang Mrs Wood", "enter")
        await settle(pilot)
        assert stored(desk_ctx, ref).acknowledged_at is not None
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("t", *"Customer sent photos", "enter")
        await settle(pilot)
        await pilot.press("d", *"Libraries", "enter")
        await settle(pilot)
        assert stored(desk_ctx, ref).status == "with_service"
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("down", "enter")  # partly upheld
        await settle(pilot)
        case = stored(desk_ctx, ref)
        assert (case.status, case.outcome, case.service) == ("responded", "partly_upheld", "Libraries")
        assert [e[1] for e in events(desk_ctx, ref)] == [
            "intake",
            "classify",
            "allocate",
            "acknowledge",
            "note",
            "send",
            "respond",
        ]
        await pilot.press("escape")
        await settle(pilot)
        assert ref not in app.screen.query_one(CaseTable).cases  # complete: off My cases


async def test_take_next_claims_different_contacts_for_different_officers(desk_ctx, seeded) -> None:
    first = desk(desk_ctx, "alice")
    async with first.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert first.screen.query_one(CaseTable).current.reference == seeded["50h"]
        assert cell(first, seeded["50h"], "holder") == "alice (claim)"
    second = desk(desk_ctx, "bob")
    async with second.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert second.screen.query_one(CaseTable).current.reference == seeded["30h"]
        # Bob cannot triage Alice's claimed contact; the refusal names her and nothing changes.
        await highlight(pilot, seeded["50h"])
        await pilot.press("c", "1")
        await settle(pilot)
        assert stored(desk_ctx, seeded["50h"]).type == "unclassified"
        # The refusal is said inside the dialog, which stays open with the choice made.
        assert "claimed by alice" in dialog_error(second)
        await pilot.press("escape")
    assert stored(desk_ctx, seeded["50h"]).claimed_by_id != stored(desk_ctx, seeded["30h"]).claimed_by_id


async def test_two_desks_acting_on_the_same_case(desk_ctx, seeded) -> None:
    """Both desks show the case; the first to act wins, the second is told and its row refreshed."""
    ref = seeded["9h"]
    one, two = desk(desk_ctx, "alice"), desk(desk_ctx, "bob")
    async with one.run_test(size=(160, 45)) as p1, two.run_test(size=(160, 45)) as p2:
        await settle(p1)
        await settle(p2)
        await highlight(p1, ref)
        await highlight(p2, ref)
        await p1.press("c", "3")
        await settle(p1)
        await p2.press("c", "1")
        await settle(p2)
        case = stored(desk_ctx, ref)
        assert case.type == "corporate"
        assert [e[:2] for e in events(desk_ctx, ref)] == [("alice", "intake"), ("alice", "classify")]
        assert "changed by someone else" in dialog_error(two)
        await p2.press("escape")
        await settle(p2)
        assert cell(two, ref, "type") == "Corporate"  # refreshed from the database


async def test_a_contact_added_elsewhere_appears_without_a_restart(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, poll_seconds=0.2)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        ref = cases.intake(desk_ctx, "bob", customer_name="New Person", summary="Streetlight out").reference
        # The next poll finds it: the row appears and a notice names the customer.
        await until(
            pilot,
            lambda: ref in app.screen.query_one(CaseTable).cases and any("New Person" in n for n in app.notices),
            "the new contact's row and notice",
        )
        assert ref in app.screen.query_one(CaseTable).cases
        assert any(f"{ref} from New Person: Streetlight out" in n for n in app.notices)


async def test_search_and_filter(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"pothole", "enter")
        await settle(pilot)
        assert list(app.screen.query_one(CaseTable).cases) == [seeded["50h"]]
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen.query_one(CaseTable).cases) == 6
        app.screen.query_state = app.screen.query_state.__class__(types=(CaseType.CORPORATE,))
        app.screen.reload()
        await settle(pilot)
        assert list(app.screen.query_one(CaseTable).cases) == [seeded["triaged"]]


async def test_help_names_the_actions(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "HelpScreen"
        keys = dict(app.screen.keys)
        assert keys["c"] == "Classify" and keys["n"] == "Take next" and keys["?"] == "Help"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "QueueScreen"


async def test_keys_can_be_remapped(desk_ctx, seeded, tmp_path, monkeypatch) -> None:
    config = tmp_path / "config" / "triage"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('[keys]\nclassify = "k"\n')
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, seeded["2h"])
        await pilot.press("k")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ClassifyDialog"


@pytest.mark.parametrize("size", [(100, 30), (200, 50)], ids=["100x30", "200x50"])
async def test_the_layout_at_small_and_wide_sizes(desk_ctx, seeded, size) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        detail = app.screen.query_one("#detail")
        assert table.region.width > 0 and detail.region.height > 0
        stacked = app.screen.query_one("#split").has_class("stacked")
        assert stacked == (size[0] < 200)
        # The countdown stays in view even when the right-hand columns scroll off.
        # reference (11) + gap, then the countdown (16): on screen without scrolling
        assert table.region.width >= 1 + 11 + 2 + 16


async def test_the_command_palette_offers_the_screens_actions(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, seeded["2h"])
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"classify")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0, "the palette's hits")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ClassifyDialog"


async def test_the_split_view_is_for_supervisors(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "QueueScreen"
        assert any("split view is for supervisors" in n for n in app.notices)


async def test_the_command_palette_lists_the_desks_actions_only(desk_ctx, seeded) -> None:
    from textual.command import CommandList

    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        listed = app.screen.query_one(CommandList)
        for _ in range(200):  # discovery fills the list from a worker of the palette's own: wait for it
            if listed.option_count:
                break
            await pilot.pause()
            await app.screen.workers.wait_for_complete()
        shown = [str(listed.get_option_at_index(i).prompt).lower() for i in range(listed.option_count)]
        assert any("classify" in s for s in shown), shown
        for foreign in ("theme", "screenshot", "cursor", "scroll", "keys", "first", "last", "page"):
            assert not any(foreign in s for s in shown), (foreign, shown)


async def test_a_list_key_on_a_case_goes_back_to_that_list(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("1")  # the queue, from a case opened over it
        await settle(pilot)
        assert app.current_mode == "queue" and app.screen.query(CaseTable)
        await pilot.press("enter", "2")  # a case opened from the queue, then My cases
        await settle(pilot)
        assert app.current_mode == "mine" and not isinstance(app.screen, CaseScreen)
        await pilot.press("1")  # the case left open over the queue is closed too
        await settle(pilot)
        assert app.current_mode == "queue" and app.screen.query(CaseTable)
        await pilot.press("enter", "t")  # in a dialog a digit is the dialog's
        await settle(pilot)
        dialog = app.screen
        await pilot.press("1")
        await settle(pilot)
        assert app.screen is dialog and isinstance(app.screen_stack[-2], CaseScreen)
