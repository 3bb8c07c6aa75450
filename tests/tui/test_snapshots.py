"""What each screen and dialog looks like, with time frozen on the service clock.

Refresh after a deliberate change with `make snapshots-update`, then look at the SVGs in __snapshots__.
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import desk, settle, until
from triage_tui.services import cases
from triage_tui.ui.widgets.case_table import CaseTable


def before(*keys: str, focus: str | None = None, prebuilt: bool = False):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        if prebuilt:  # the other screens built out of sight before the key (DeskApp prebuild)
            await until(pilot, lambda: pilot.app.screens_built, "the other screens built")
            await settle(pilot)
        if focus is not None:
            pilot.app.screen.query_one(CaseTable).focus_case(focus)
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_queue(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(160, 45), run_before=before())


def test_queue_narrow(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(100, 30), run_before=before())


def test_queue_wide(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(210, 45), run_before=before())


def test_case_screen(snap_compare, desk_ctx, seeded) -> None:
    cases.add_note(desk_ctx, "bob", seeded["9h"], "Customer rang to add photos of the care plan")
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("enter", focus=seeded["9h"]))


@pytest.mark.parametrize(
    ("key", "target"),
    [("c", "2h"), ("s", "2h"), ("x", "2h"), ("t", "2h"), ("l", "triaged")],
    ids=["classify", "signpost", "close", "note", "allocate"],
)
def test_queue_dialogs(snap_compare, desk_ctx, seeded, key: str, target: str) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before(key, focus=seeded[target]))


@pytest.mark.parametrize("key", ["a", "d"], ids=["acknowledge", "send"])
def test_my_cases_dialogs(snap_compare, desk_ctx, seeded, key: str) -> None:
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "carol")
    assert snap_compare(desk(desk_ctx, "carol"), terminal_size=(120, 40), run_before=before("2", key))


def test_respond_dialog(snap_compare, desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    cases.allocate(desk_ctx, "boss", ref, "carol")
    cases.send_to_service(desk_ctx, "carol", ref, "Libraries")
    assert snap_compare(desk(desk_ctx, "carol"), terminal_size=(120, 40), run_before=before("2", "r"))


def test_my_cases(snap_compare, desk_ctx, seeded) -> None:
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "carol")
    cases.acknowledge(desk_ctx, "carol", seeded["triaged"], channel="email")
    assert snap_compare(desk(desk_ctx, "carol"), terminal_size=(160, 40), run_before=before("2"))


def test_my_cases_prebuilt(snap_compare, desk_ctx, seeded) -> None:
    """The same as test_my_cases (the same picture), the screen built before its key."""
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "carol")
    cases.acknowledge(desk_ctx, "carol", seeded["triaged"], channel="email")
    app = desk(desk_ctx, "carol", prebuild=True)
    assert snap_compare(app, terminal_size=(160, 40), run_before=before("2", prebuilt=True))


def test_filter_dialog(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("f"))


def test_help(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(120, 40), run_before=before("question_mark"))


# The smallest terminal the desk is used in: the queue keeps reference, countdown, customer and type, and the
# key line still shows ? and q; a dialog fits with its buttons on screen.
def test_queue_80x24(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(80, 24), run_before=before())


@pytest.mark.parametrize("key", ["s", "x"], ids=["signpost", "close"])
def test_dialog_80x24(snap_compare, desk_ctx, seeded, key: str) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(80, 24), run_before=before(key, focus=seeded["2h"]))


def test_split_view_80x24(snap_compare, desk_ctx, seeded) -> None:
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "alice")
    assert snap_compare(desk(desk_ctx, "boss"), terminal_size=(80, 24), run_before=before("3"))


def test_split_view_80x24_prebuilt(snap_compare, desk_ctx, seeded) -> None:
    """The same as test_split_view_80x24 (the same picture), the screen built before its key."""
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "alice")
    app = desk(desk_ctx, "boss", prebuild=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before("3", prebuilt=True))


def test_reports_80x24(snap_compare, desk_ctx, seeded) -> None:
    assert snap_compare(desk(desk_ctx), terminal_size=(80, 24), run_before=before("4"))


def test_reports_80x24_prebuilt(snap_compare, desk_ctx, seeded) -> None:
    """The same as test_reports_80x24 (the same picture), the screen built before its key."""
    assert snap_compare(desk(desk_ctx, prebuild=True), terminal_size=(80, 24), run_before=before("4", prebuilt=True))
