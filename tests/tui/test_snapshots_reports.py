"""The annual complaints performance report and the SLA by stage on the report screen, wide and at 80x24, over a
generated year with time frozen on the service clock (as tests/tui/test_snapshots.py).

Refresh after a deliberate change with `make snapshots-update`, then look at the SVGs in __snapshots__.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.conftest import Clock
from tests.reports.generated_year import a_year_at_the_desk
from tests.tui.conftest import desk, settle
from triage_tui.services.context import ServiceContext

SIZES = pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["wide", "80x24"])


@pytest.fixture
def year_desk(desk_ctx: ServiceContext, clock: Clock) -> ServiceContext:
    return a_year_at_the_desk(desk_ctx, clock)


def report(kind: str, **boxes: str):  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#kind").value = kind
        await settle(pilot)
        for name, value in boxes.items():
            screen.query_one(f"#{name}").value = value
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)

    return run


@SIZES
def test_annual_form(snap_compare, year_desk, size) -> None:
    """Chosen, not yet run: the year of the desk's clock and what it covers."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        pilot.app.screen.query_one("#kind").value = "annual"
        await settle(pilot)

    assert snap_compare(desk(year_desk, "boss"), terminal_size=size, run_before=run)


@SIZES
def test_annual_report(snap_compare, year_desk, size) -> None:
    assert snap_compare(desk(year_desk, "boss"), terminal_size=size, run_before=report("annual", year="2023"))


@SIZES
def test_sla_by_stage(snap_compare, year_desk, size) -> None:
    run = report("sla", first="2023-04-01", last="2024-03-31")
    assert snap_compare(desk(year_desk, "boss"), terminal_size=size, run_before=run)
