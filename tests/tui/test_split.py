"""The supervisor's split view: two caseloads, cases ticked and moved with one reason, the database after."""

from __future__ import annotations

from tests.tui.conftest import desk, settle
from triage_tui.domain.codes import CaseType
from triage_tui.domain.split import Source
from triage_tui.services import cases
from triage_tui.ui.split.pane import Pane


def six_for_carol(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    refs = []
    for i in range(6):
        ref = cases.intake(ctx, "alice", customer_name=f"Customer {i}", summary="Bins missed").reference
        cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
        cases.allocate(ctx, "boss", ref, "carol")
        refs.append(ref)
    return refs


async def show(pilot, pane_id: str, source: Source) -> None:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    pane = screen.query_one(f"#{pane_id}", Pane)
    pane.source = source
    screen.reload(pane)
    await settle(pilot)


async def test_move_three_cases_with_one_reason(desk_ctx, seeded) -> None:
    refs = six_for_carol(desk_ctx)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "SplitScreen"
        await show(pilot, "left", Source("officer", "carol"))
        await show(pilot, "right", Source("officer", "bob"))
        left = app.screen.query_one("#left", Pane)
        assert sorted(left.table.cases) == sorted(refs)
        head = str(left.query_one(".pane-head").render())
        assert "carol" in head and "6 open" in head
        left.table.focus()
        await pilot.press("space", "down", "space", "down", "space")
        await settle(pilot)
        ticked = sorted(left.table.marks)
        assert len(ticked) == 3
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"Carol on leave", "enter")
        await settle(pilot)
        right = app.screen.query_one("#right", Pane)
        assert sorted(right.table.cases) == ticked
        assert len(left.table.cases) == 3 and "3 open" in str(left.query_one(".pane-head").render())
    for ref in ticked:
        case = cases.get_case(desk_ctx, ref)
        assert case.officer == "bob"
        assert case.events[-1].details == {"from_officer": "carol", "to_officer": "bob", "reason": "Carol on leave"}
    assert sum(cases.get_case(desk_ctx, r).officer == "carol" for r in refs) == 3


async def test_a_case_changed_meanwhile_is_reported_not_moved(desk_ctx, seeded) -> None:
    six_for_carol(desk_ctx)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await show(pilot, "left", Source("officer", "carol"))
        await show(pilot, "right", Source("officer", "bob"))
        left = app.screen.query_one("#left", Pane)
        left.table.focus()
        await pilot.press("space", "down", "space")
        ticked = sorted(left.table.marks)
        cases.add_note(desk_ctx, "carol", ticked[0], "Rang the customer")  # changed after it was shown
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"Balance", "enter")
        await settle(pilot)
        assert any("1 refused" in n and "changed by someone else" in n for n in app.notices)
    assert cases.get_case(desk_ctx, ticked[0]).officer == "carol"
    assert cases.get_case(desk_ctx, ticked[1]).officer == "bob"


def test_split_view_snapshot(snap_compare, desk_ctx, seeded) -> None:
    six_for_carol(desk_ctx)

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await show(pilot, "left", Source("officer", "carol"))
        await show(pilot, "right", Source("pool"))
        pilot.app.screen.query_one("#left", Pane).table.focus()
        await pilot.press("space", "down", "space")
        await settle(pilot)

    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(160, 40), run_before=run)


async def test_workload_tag_and_distribute(desk_ctx, seeded) -> None:
    from triage_tui.domain.codes import Role, Team
    from triage_tui.services.officers import add_officer

    add_officer(desk_ctx, "boss", "kwright", "Kieran Wright", Role.OFFICER, Team.RECOVERY)
    add_officer(desk_ctx, "boss", "rbailey", "Rachel Bailey", Role.OFFICER, Team.RECOVERY)
    six_for_carol(desk_ctx)
    waiting = []
    for i in range(4):
        ref = cases.intake(desk_ctx, "alice", customer_name=f"Backlog {i}", summary="Old complaint").reference
        cases.classify(desk_ctx, "alice", ref, CaseType.ADULTS)
        waiting.append(ref)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        # The workload: carol holds the most open cases; enter opens her in the left pane.
        await pilot.press("w")
        await settle(pilot)
        table = app.screen.query_one("#loads")
        await pilot.press("s", "s", "s")  # sorted by open
        await settle(pilot)
        assert str(table.get_row_at(0)[0]).endswith("(carol)") and str(table.get_row_at(0)[2]) == "6"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#left", Pane).source == Source("officer", "carol")
        # Tag the waiting cases as a cohort from the unallocated pool.
        await show(pilot, "right", Source("pool"))
        right = app.screen.query_one("#right", Pane)
        right.table.focus()
        for ref in waiting:
            right.table.focus_case(ref)
            await pilot.press("space")
        await pilot.press("k")
        await settle(pilot)
        await pilot.press(*"backlog-2021", "enter")
        await settle(pilot)
        assert all(cases.get_case(desk_ctx, r).cohort == "backlog-2021" for r in waiting)
        # Distribute it to the recovery team, previewed first.
        await pilot.press("d")
        await settle(pilot)
        await pilot.press(*"backlog-2021", "enter")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "PlanDialog"
        assert all(cases.get_case(desk_ctx, r).officer is None for r in waiting)  # nothing yet
        await pilot.press("enter")  # the plan as shown: enter confirms it
        await settle(pilot)
    assert sorted(cases.get_case(desk_ctx, r).officer for r in waiting) == ["kwright", "kwright", "rbailey", "rbailey"]


def test_workload_overview_snapshot(snap_compare, desk_ctx, seeded) -> None:
    six_for_carol(desk_ctx)

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(120, 36), run_before=run)


async def test_panes_open_on_the_busiest_officer_and_show_teams_and_cohorts(desk_ctx, seeded) -> None:
    refs = six_for_carol(desk_ctx)
    cases.set_cohort(desk_ctx, "boss", refs[0], "backlog-2021")
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        left, right = app.screen.query_one("#left", Pane), app.screen.query_one("#right", Pane)
        assert left.source == Source("officer", "carol") and sorted(left.table.cases) == sorted(refs)
        assert right.source.kind == "officer" and right.source.value != "carol"
        await show(pilot, "right", Source("team", "complaints"))
        assert sorted(right.table.cases) == sorted(refs)  # carol is in the complaints team
        left.table.focus()
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*"backlog-2021", "enter")
        await settle(pilot)
        assert list(left.table.cases) == [refs[0]]
        assert "cohort backlog-2021" in str(left.query_one(".pane-head").render())


async def test_enter_opens_the_highlighted_case_and_escape_comes_back(desk_ctx, seeded) -> None:
    refs = six_for_carol(desk_ctx)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await show(pilot, "left", Source("officer", "carol"))
        left = app.screen.query_one("#left", Pane)
        left.table.focus()
        await settle(pilot)
        highlighted = left.table.current
        assert highlighted is not None and highlighted.reference in refs
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "CaseScreen"
        assert app.screen.reference == highlighted.reference  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "SplitScreen"
