"""What the later stages look like, with time frozen on the service clock (as in test_snapshots.py): a case at
stage 2 with an extension and the ombudsman's enquiry, at 80x24 and wide, and the dialogs of E, W, O and P.

Refresh after a deliberate change with `make snapshots-update`, then look at the SVGs in __snapshots__.
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import desk, settle
from tests.tui.test_snapshots_second_wave import typed_in_find
from tests.tui.test_stages_desk import ago, at_stage_two, responded_complaint
from triage_tui.domain.codes import CaseType, OmbudsmanDecision, Outcome
from triage_tui.services import cases, stages


def on_case(ref: str, *keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await typed_in_find(ref)(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def decided_case(ctx, clock) -> str:  # type: ignore[no-untyped-def]
    """Stage 2 extended and answered; the ombudsman's enquiry answered and upheld, a remedy due."""
    ref = at_stage_two(ctx, clock)
    stages.extend(ctx, "boss", ref, working_days=5, reason="Waiting for the facilities report", at=ago(clock, 13))
    cases.respond(ctx, "boss", ref, outcome=Outcome.UPHELD, at=ago(clock, 6))
    stages.ombudsman_open(ctx, "boss", ref, ombudsman_reference="25 001 234", at=ago(clock, 4))
    stages.ombudsman_answer(ctx, "boss", ref, at=ago(clock, 2))
    stages.ombudsman_decide(
        ctx,
        "boss",
        ref,
        decision=OmbudsmanDecision.UPHELD,
        remedy="Apologise in writing and pay £150 for the time and trouble",
        remedy_due=clock.now.add(days=1).date(),  # type: ignore[attr-defined]
        at=ago(clock, 1),
    )
    return ref


@pytest.mark.parametrize("size", [(80, 24), (150, 45)], ids=["80x24", "wide"])
def test_case_with_stages_and_the_ombudsman(snap_compare, desk_ctx, seeded, clock, size) -> None:
    ref = decided_case(desk_ctx, clock)
    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=size, run_before=on_case(ref))


def test_escalate_dialog(snap_compare, desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock)
    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(80, 24), run_before=on_case(ref, "E"))


def test_extend_dialog(snap_compare, desk_ctx, seeded, clock) -> None:
    ref = at_stage_two(desk_ctx, clock)
    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(80, 24), run_before=on_case(ref, "W", *"12"))


def test_ombudsman_open_dialog(snap_compare, desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, responded=3)
    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(80, 24), run_before=on_case(ref, "O"))


def test_ombudsman_decision_dialog(snap_compare, desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, responded=3)
    stages.ombudsman_open(desk_ctx, "boss", ref, ombudsman_reference="25 001 234")
    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(120, 40), run_before=on_case(ref, "O", "right"))


def test_panel_dialog(snap_compare, desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, CaseType.CHILDREN)
    stages.escalate(desk_ctx, "boss", ref, reason="Wants an investigation", at=ago(clock, 19))
    cases.allocate(desk_ctx, "boss", ref, "boss", at=ago(clock, 19))
    cases.acknowledge(desk_ctx, "boss", ref, channel="email", at=ago(clock, 18))
    cases.send_to_service(desk_ctx, "boss", ref, "Children's Social Care", at=ago(clock, 18))
    cases.respond(desk_ctx, "boss", ref, outcome=Outcome.PARTLY_UPHELD, at=ago(clock, 10))
    stages.escalate(desk_ctx, "bob", ref, reason="Asks for a review panel", at=ago(clock, 5))
    assert snap_compare(desk(desk_ctx, "alice"), terminal_size=(80, 24), run_before=on_case(ref, "P"))
