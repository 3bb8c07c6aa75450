"""What the second wave's screens and dialogs look like, with time frozen on the service clock (as in
test_snapshots.py): the search, a new contact, an edit, a correction, a reopen, and a case with the customer's
other cases and a possible duplicate flagged.

Refresh after a deliberate change with `make snapshots-update`, then look at the SVGs in __snapshots__.
"""

from __future__ import annotations

from tests.tui.conftest import desk, settle, until
from tests.tui.test_snapshots import before
from triage_tui.domain.codes import CloseReason
from triage_tui.services import cases
from triage_tui.ui.screens.find import FindScreen


def typed_in_find(text: str):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("g", *text)
        await until(pilot, lambda: getattr(pilot.app.screen, "shown_for", None) == text, "the results")
        await pilot.press("down")
        await settle(pilot)
        assert isinstance(pilot.app.screen, FindScreen)

    return run


def test_find_with_results(snap_compare, desk_ctx, seeded) -> None:
    cases.close(desk_ctx, "bob", seeded["50h"], CloseReason.WITHDRAWN)
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=typed_in_find("example.org"))


def test_find_80x24(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(80, 24), run_before=typed_in_find("example.org"))


def test_record_contact_dialog(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("i"))


def test_edit_dialog(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("e", focus=seeded["9h"]))


def test_correction_dialog(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("c", focus=seeded["triaged"]))


def test_reopen_dialog(snap_compare, desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    cases.allocate(desk_ctx, "boss", ref, "carol")
    cases.send_to_service(desk_ctx, "carol", ref, "Libraries")
    cases.respond(desk_ctx, "carol", ref)

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await typed_in_find(ref)(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)

    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(120, 40), run_before=run)


def test_case_with_related_cases_and_a_duplicate(snap_compare, desk_ctx, seeded, clock) -> None:
    again = cases.intake(
        desk_ctx,
        "alice",
        customer_name="Aisha Khan",
        customer_email="aisha@example.org",
        customer_address="4 Mill Lane\nAnytown AB1 2CD",
        summary="Social worker still not returning my calls",
        channel="phone",
    ).reference
    cases.intake(
        desk_ctx,
        "alice",
        customer_name="A. Khan",
        customer_email="aisha@example.org",
        summary="Blue badge application lost",
        received_at=clock.now.subtract(days=200),
    )
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("enter", focus=again))


def test_case_with_a_duplicate_80x24(snap_compare, desk_ctx, seeded) -> None:
    again = cases.intake(
        desk_ctx,
        "alice",
        customer_name="Aisha Khan",
        customer_email="aisha@example.org",
        summary="Social worker still not returning my calls",
        channel="phone",
    ).reference
    assert snap_compare(desk(desk_ctx), terminal_size=(80, 24), run_before=before("enter", focus=again))
