"""The queue sorted by a column with cases ticked, and the dialog that acts on every ticked case; wide and at
80x24, with time frozen on the service clock (as tests/tui/test_snapshots.py).

Refresh after a deliberate change with `make snapshots-update`, then look at the SVGs in __snapshots__.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import desk, settle
from tests.tui.test_snapshots import before
from triage_tui.services import cases

SIZES = pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["wide", "80x24"])
# Ordered by customer, then the first three ticked (space ticks and moves on).
SORTED_AND_TICKED = ("o", "5", "home", "space", "space", "space")


@SIZES
def test_queue_sorted_with_ticks(snap_compare, desk_ctx, seeded, size) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=size, run_before=before(*SORTED_AND_TICKED))


@SIZES
def test_batch_classify_dialog(snap_compare, desk_ctx, seeded, size) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=size, run_before=before(*SORTED_AND_TICKED, "c"))


@SIZES
def test_batch_report(snap_compare, desk_ctx, seeded, size) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await before(*SORTED_AND_TICKED, "x")(pilot)
        cases.add_note(desk_ctx, "bob", seeded["20.5h"], "Rang again")  # changed meanwhile: not overwritten
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(desk(desk_ctx), terminal_size=size, run_before=run)
