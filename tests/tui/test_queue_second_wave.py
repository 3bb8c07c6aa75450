"""The queue and My cases: ordered by any column and back, the filter and order kept per officer, several cases
ticked and acted on at once. Every test asserts what the database holds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select
from textual.widgets import Select

from tests.tui.conftest import desk, settle, until
from triage_tui.domain.codes import CaseType, CloseReason
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Case, Event, Officer, OfficerPreference
from triage_tui.ui.screens import case_list
from triage_tui.ui.widgets.case_table import CaseTable


def stored(ctx: ServiceContext, ref: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == ref)).one()


def actions(ctx: ServiceContext, ref: str) -> list[tuple[str, str]]:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == ref)).one()
        return [
            (e.actor, e.action) for e in s.exec(select(Event).where(Event.case_id == case.id).order_by(col(Event.id)))
        ]


def kept(ctx: ServiceContext, username: str) -> dict[str, object]:
    with ctx.store.read() as s:
        officer = s.exec(select(Officer).where(Officer.username == username)).one()
        rows = s.exec(select(OfficerPreference).where(OfficerPreference.officer_id == officer.id))
        return {p.name: p.value for p in rows}


def table(app: Any) -> CaseTable:
    return app.screen.query_one(CaseTable)


def customers(app: Any) -> list[str]:
    t = table(app)
    return [t.cases[ref].customer_name for ref in t.order]


def heading(app: Any) -> str:
    return table(app).render_line(0).text


def status(app: Any) -> str:
    return str(app.screen.query_one("#list-status").render())


async def click_heading(pilot: Any, column: str) -> None:
    t = table(pilot.app)
    x = next(x for x in range(t.size.width) if t.column_at(x) == column)
    await pilot.click(CaseTable, offset=(x + 1, 0))
    await settle(pilot)


# The queue's columns as the order chooser numbers them: 1 reference, 2 due, 3 received, 4 channel, 5 customer.
CUSTOMER, RECEIVED = "5", "3"
ALPHABETICAL = ["Aisha Khan", "Grace Wood", "John Patel", "Margaret Smith", "Peter Jones", "Ruth Hughes"]


async def test_order_by_a_column_both_ways_and_back_from_the_keyboard(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        most_urgent = list(table(app).order)
        await pilot.press("o", CUSTOMER)
        await settle(pilot)
        assert customers(app) == ALPHABETICAL
        assert "Customer ▲" in heading(app) and "by customer ▲" in status(app)
        await pilot.press("o", CUSTOMER)
        await settle(pilot)
        assert customers(app) == ALPHABETICAL[::-1]
        assert "Customer ▼" in heading(app)
        # The chooser opens on the column sorted by, so enter chooses it again: back to the default order.
        await pilot.press("o", "enter")
        await settle(pilot)
        assert table(app).order == most_urgent
        assert "▲" not in heading(app) and "▼" not in heading(app) and "by customer" not in status(app)


async def test_clicking_a_heading_sorts_by_it_then_reverses_then_goes_back(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        most_urgent = list(table(app).order)
        oldest_first = [seeded[k] for k in ("50h", "30h", "triaged", "20.5h", "9h", "2h")]
        await click_heading(pilot, "received")
        assert table(app).order == oldest_first
        assert "Received ▲" in heading(app)
        await click_heading(pilot, "received")
        assert table(app).order == oldest_first[::-1]
        await click_heading(pilot, "received")
        assert table(app).order == most_urgent
    # Ordering is a view: nothing was written about a case.
    assert all(stored(desk_ctx, ref).version == 1 for key, ref in seeded.items() if key != "triaged")


async def test_the_order_is_right_over_every_match_not_only_the_page_shown(desk_ctx, seeded, monkeypatch) -> None:
    monkeypatch.setattr(case_list, "PAGE", 3)  # six cases match; three are shown
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert "Grace Wood" not in customers(app)  # the triaged complaint is not among the three most urgent
        await pilot.press("o", CUSTOMER)
        await settle(pilot)
        assert customers(app) == ALPHABETICAL[:3]
        await pilot.press("o", CUSTOMER)
        await settle(pilot)
        assert customers(app) == ALPHABETICAL[::-1][:3]
        assert "Queue: 6 cases" in status(app) and "showing the 3 first" in status(app)


async def test_the_filter_and_order_come_back_next_time_for_the_same_officer_only(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#type", Select).value = CaseType.UNCLASSIFIED.value
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o", RECEIVED, "o", RECEIVED)  # received, newest first
        await settle(pilot)
        shown = list(table(app).order)
        assert shown == [seeded[k] for k in ("2h", "9h", "20.5h", "30h", "50h")]
    assert kept(desk_ctx, "alice") == {
        "queue.filter": {"statuses": None, "types": ["unclassified"], "bands": [], "officer": None, "cohort": None},
        "queue.sort": {"column": "received", "descending": True},
    }
    # Preferences are not case changes: no event for any case.
    assert all(len(actions(desk_ctx, ref)) == 1 for key, ref in seeded.items() if key != "triaged")

    again = desk(desk_ctx, "alice")
    async with again.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert list(table(again).order) == shown
        assert "Received ▼" in heading(again) and "type unclassified" in status(again)
    other = desk(desk_ctx, "bob")
    async with other.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert len(table(other).order) == 6 and "▼" not in heading(other)
    assert kept(desk_ctx, "bob") == {}


async def test_a_kept_setting_that_no_longer_reads_gives_the_default(desk_ctx, seeded) -> None:
    from triage_tui.services import preferences

    preferences.save(desk_ctx, "alice", "queue.sort", {"column": "gone", "descending": True})
    preferences.save(desk_ctx, "alice", "queue.filter", {"types": ["a type no longer kept"]})
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert len(table(app).order) == 6 and "by customer" not in status(app)


async def test_ticked_cases_classified_at_once_one_changed_meanwhile_is_reported(desk_ctx, seeded) -> None:
    first, second, third = seeded["50h"], seeded["30h"], seeded["20.5h"]
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert table(app).order[:3] == [first, second, third]
        await pilot.press("space", "space", "space")  # each tick moves on to the next case
        await settle(pilot)
        assert table(app).marks == {first, second, third}
        assert "3 ticked" in status(app)
        assert table(app).render_line(1).text.startswith("✓ ")  # the mark reads without colour
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "BatchClassifyDialog"
        # Meanwhile, at another desk, bob classifies one of them.
        cases.classify(desk_ctx, "bob", second, CaseType.ADULTS)
        await pilot.press("3")  # corporate, for all
        await settle(pilot)
        assert app.screen.__class__.__name__ == "BatchReport"
        await pilot.press("escape")
        await settle(pilot)
        # What was done is unticked; the one not overwritten stays ticked, now showing bob's type.
        assert table(app).marks == {second}
        assert table(app).cell_text(second, "type") == "Adults"
    for ref in (first, third):
        assert (stored(desk_ctx, ref).type, stored(desk_ctx, ref).status) == ("corporate", "triaged")
        assert actions(desk_ctx, ref) == [("alice", "intake"), ("alice", "classify")]
    assert stored(desk_ctx, second).type == "adults"
    assert actions(desk_ctx, second) == [("alice", "intake"), ("bob", "classify")]
    said = next(n for n in app.notices if "classified" in n)
    assert said == f"2 classified; 1 changed by someone else meanwhile ({second}), not overwritten"


async def test_ticked_cases_allocated_at_once(desk_ctx, seeded) -> None:
    refs = [seeded["triaged"], seeded["9h"], seeded["2h"]]
    for ref in refs[1:]:
        cases.classify(desk_ctx, "bob", ref, CaseType.OTHER)
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        for ref in refs:
            table(app).focus_case(ref)
            await pilot.press("space")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "BatchAllocateDialog"
        await pilot.press("enter")  # the least loaded complaint officer: carol
        await settle(pilot)
        assert not any(ref in table(app).cases for ref in refs)  # allocated cases leave the queue
        assert not table(app).marks
    for ref in refs:
        case = stored(desk_ctx, ref)
        assert case.status == "allocated" and actions(desk_ctx, ref)[-1] == ("alice", "allocate")
    assert "3 allocated" in app.notices


async def test_ticked_cases_closed_at_once_and_a_refusal_does_not_stop_the_others(desk_ctx, seeded) -> None:
    refs = [seeded["2h"], seeded["9h"], seeded["triaged"]]
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        for ref in refs:
            table(app).focus_case(ref)
            await pilot.press("space")
        await pilot.press("x")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "BatchCloseDialog"
        # Meanwhile bob closes one (the desk has not polled: it still shows it open).
        cases.close(desk_ctx, "bob", refs[1], CloseReason.OUT_OF_TIME)
        await pilot.press("enter")  # withdrawn, the first reason
        await settle(pilot)
        assert app.screen.__class__.__name__ == "BatchReport"
        await pilot.press("enter")
        await settle(pilot)
    for ref in (refs[0], refs[2]):
        assert (stored(desk_ctx, ref).status, stored(desk_ctx, ref).close_reason) == ("closed", "withdrawn")
    assert stored(desk_ctx, refs[1]).close_reason == "out_of_time"
    assert any(n.startswith("2 closed; 1 changed by someone else meanwhile") for n in app.notices)


async def test_ticks_survive_a_refresh_from_the_feed_and_leave_with_their_cases(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        a, b = seeded["9h"], seeded["2h"]
        for ref in (a, b):
            table(app).focus_case(ref)
            await pilot.press("space")
        await settle(pilot)
        # Another desk changes one ticked case (it stays in the queue) and closes another case altogether.
        cases.add_note(desk_ctx, "bob", a, "Customer rang again")
        cases.close(desk_ctx, "bob", seeded["30h"], CloseReason.WITHDRAWN)
        app.feed.refresh_now()
        await until(pilot, lambda: seeded["30h"] not in table(app).cases, "the poll's changes")
        await settle(pilot)
        assert table(app).marks == {a, b}
        assert table(app).cases[a].version == stored(desk_ctx, a).version
        # A ticked case that leaves the list is no longer ticked.
        cases.close(desk_ctx, "bob", b, CloseReason.WITHDRAWN)
        app.feed.refresh_now()
        await until(pilot, lambda: b not in table(app).cases, "the closed case to leave")
        assert table(app).marks == {a}
        assert "1 ticked" in status(app)
        # Escape clears the ticks; without ticks, c acts on the highlighted case alone, as before.
        await pilot.press("escape")
        await settle(pilot)
        assert not table(app).marks and "ticked" not in status(app)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ClassifyDialog"


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["wide", "80x24"])
async def test_my_cases_order_and_ticks(desk_ctx, seeded, size) -> None:
    refs = [seeded["triaged"], seeded["9h"]]
    cases.classify(desk_ctx, "bob", refs[1], CaseType.ADULTS)
    for ref in refs:
        cases.allocate(desk_ctx, "boss", ref, "carol")
    app = desk(desk_ctx, "carol")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("o", "1", "o", "1")  # reference, descending
        await settle(pilot)
        assert table(app).order == sorted(refs, reverse=True)
        await pilot.press("home", "space", "space", "x")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert not table(app).cases
    assert {stored(desk_ctx, ref).status for ref in refs} == {"closed"}
    assert kept(desk_ctx, "carol") == {
        "my_cases.filter": {"statuses": None, "types": [], "bands": [], "officer": None, "cohort": None},
        "my_cases.sort": {"column": "reference", "descending": True},
    }
