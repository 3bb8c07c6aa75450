"""Desk fixtures: a SQLite database with staff and contacts at known ages, time frozen on the service clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.ui.app import DeskApp, make_desk

# Hours since receipt of the queue's contacts: fresh, comfortable, due soon, overdue, breached.
AGES = (2, 9, 20.5, 30, 50)
CUSTOMERS = ("Margaret Smith", "John Patel", "Aisha Khan", "Peter Jones", "Ruth Hughes")
SUMMARIES = (
    "Bins missed three weeks running",
    "Care package reduced without a reassessment",
    "Social worker not returning calls",
    "Council tax charged twice this month",
    "Pothole reported in March still not repaired",
)


@pytest.fixture
def desk_ctx(sqlite_url: str, clock: Clock) -> Iterator[ServiceContext]:
    store = Store(sqlite_url)
    yield ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    store.dispose()


@pytest.fixture
def seeded(desk_ctx: ServiceContext, clock: Clock) -> dict[str, str]:
    """Staff, five new contacts of the AGES above, and one triaged corporate complaint. Returns references."""
    ctx = desk_ctx
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    add_officer(ctx, "boss", "bob", "Bob Brown", Role.OFFICER, Team.TRIAGE)
    add_officer(ctx, "boss", "carol", "Carol Cole", Role.OFFICER, Team.COMPLAINTS)
    refs: dict[str, str] = {}
    for age, name, summary in zip(AGES, CUSTOMERS, SUMMARIES, strict=True):
        refs[f"{age}h"] = cases.intake(
            ctx,
            "alice",
            customer_name=name,
            summary=summary,
            received_at=clock.now.subtract(hours=age),  # type: ignore[attr-defined]
            channel="email",
            customer_email=f"{name.split()[0].lower()}@example.org",
            details=f"Dear council,\n\n{summary}. Please call me back.\n\n{name}",
        ).reference
    triaged = cases.intake(
        ctx,
        "alice",
        customer_name="Grace Wood",
        summary="Library closed without notice again",
        received_at=clock.now.subtract(hours=26),  # type: ignore[attr-defined]
        channel="web",
    ).reference
    cases.classify(ctx, "alice", triaged, CaseType.CORPORATE)
    refs["triaged"] = triaged
    return refs


def desk(ctx: ServiceContext, who: str = "alice", **options: object) -> DeskApp:
    options.setdefault("poll_seconds", 0)  # no background polling unless a test asks for it
    return make_desk(ctx, who, **options)


async def settle(pilot: Pilot) -> None:
    """Let dialogs, worker threads and the callbacks they post finish.

    pause(0) processes pending messages without Textual's wait for an idle CPU, which costs a few hundred
    milliseconds a call on a busy screen; the workers are awaited explicitly instead.
    """
    for _ in range(3):
        await pilot.pause(0)
        await workers_done(pilot)
    await pilot.pause(0.15)  # the detail pane reads the highlighted case after a short delay
    await workers_done(pilot)
    await pilot.pause(0)


async def workers_done(pilot: Pilot) -> None:
    # An exclusive worker replaced by a newer one (the detail of a row the cursor left) counts as done.
    for _ in range(10):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue
