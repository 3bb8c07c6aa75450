"""An error nobody planned for, wherever the desk meets it (a save, a read for the detail pane, a screen's own
read, the poll), is shown as "Something went wrong" and the desk works on: the next action goes through.

And the test harness itself: an unexpected error fails the pilot test that met it, unless the test says it
provokes one on purpose (see the guard in conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from textual.screen import ModalScreen

from tests.tui.conftest import EXPECTED, Messages, Unexpected, desk, settle, until
from tests.tui.test_desk import highlight, stored
from triage_tui.services import cases as case_services
from triage_tui.services import desk as desk_services
from triage_tui.services import screens_data
from triage_tui.services.context import ServiceContext
from triage_tui.ui.feed import Polled
from triage_tui.ui.screens.queue import QueueScreen
from triage_tui.ui.widgets.case_table import CaseTable

REPO = Path(__file__).resolve().parents[2]
expected_error = pytest.mark.unexpected_error_expected


class Broken:
    """Stands in for a service function: raises while `broken`, else calls the real one."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.broken = True
        self.calls = 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        if self.broken:
            raise RuntimeError("a defect in the service")
        return self.real(*args, **kwargs)  # type: ignore[operator]


def went_wrong(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n for n in app.notices if "went wrong" in n]


async def classify_corporate(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    """Classify `ref` as a corporate complaint from the queue, as an officer would after a failure: in the dialog
    still open, or by opening it again."""
    if not isinstance(pilot.app.screen, ModalScreen):
        await highlight(pilot, ref)
        await pilot.press("c")
        await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


# --- the desk meets an unexpected error ------------------------------------------------------------------------------


@expected_error
async def test_a_save_that_fails_unexpectedly_is_reported_and_the_desk_works_on(
    desk_ctx: ServiceContext, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch, unexpected: Unexpected
) -> None:
    classify = Broken(case_services.classify)
    monkeypatch.setattr(case_services, "classify", classify)
    ref = seeded["50h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await classify_corporate(pilot, ref)
        assert classify.calls == 1
        assert went_wrong(app), list(app.notices)
        assert stored(desk_ctx, ref).version == 1
        classify.broken = False
        # The same keys again: the dialog, if it stayed open, saves; else it opens and saves.
        left = app.screen
        await classify_corporate(pilot, ref)
        assert (stored(desk_ctx, ref).type, stored(desk_ctx, ref).status) == ("corporate", "triaged"), (
            f"after the failure the desk showed {type(left).__name__} (saving: {getattr(left, 'saving', None)})"
        )
        assert app.is_running and isinstance(app.screen, QueueScreen)
    assert unexpected.notices  # the guard saw it too


@expected_error
async def test_a_read_for_the_detail_pane_that_fails_is_reported_and_the_desk_works_on(
    desk_ctx: ServiceContext, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    get_case = Broken(case_services.get_case)
    monkeypatch.setattr(case_services, "get_case", get_case)
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)  # the detail pane reads the highlighted case
        assert get_case.calls >= 1
        assert went_wrong(app), list(app.notices)
        get_case.broken = False
        ref = seeded["50h"]
        await classify_corporate(pilot, ref)
        assert stored(desk_ctx, ref).type == "corporate"
        await pilot.press("down")
        await settle(pilot)
        current = app.screen.query_one(CaseTable).current
        assert current is not None and get_case.calls >= 2


@expected_error
async def test_a_split_view_read_that_fails_is_reported_and_the_desk_works_on(
    desk_ctx: ServiceContext, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The split view's first read: each officer's open cases, to choose its panes by.
    loads = Broken(screens_data.open_counts)
    monkeypatch.setattr(screens_data, "open_counts", loads)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert loads.calls >= 1
        assert went_wrong(app), list(app.notices)
        loads.broken = False
        await pilot.press("1")
        await settle(pilot)
        ref = seeded["50h"]
        await classify_corporate(pilot, ref)
        assert stored(desk_ctx, ref).type == "corporate"


@expected_error
async def test_a_poll_that_fails_unexpectedly_is_reported_and_polling_goes_on(
    desk_ctx: ServiceContext, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    changes = Broken(desk_services.changes_since)
    monkeypatch.setattr(desk_services, "changes_since", changes)
    monkeypatch.setattr("triage_tui.ui.feed.POLL_RETRY_SECONDS", 0.05)
    messages = Messages()
    app = desk(desk_ctx, poll_seconds=0.05)
    async with app.run_test(size=(160, 45), message_hook=messages.hook) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(went_wrong(app)), "a notice that the poll went wrong")
        changes.broken = False
        ref = case_services.intake(desk_ctx, "bob", customer_name="New Person", summary="Streetlight out").reference
        await messages.wait(Polled, messages.seen[Polled] + 1)
        await settle(pilot)
        assert ref in app.screen.query_one(CaseTable).cases


# --- the harness ---------------------------------------------------------------------------------------------------


async def test_an_exception_in_a_key_handler_fails_the_pilot_test(
    desk_ctx: ServiceContext, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual stops the app on an exception in a handler and App.run_test raises it when its block ends."""

    def take_next(self: QueueScreen) -> None:
        raise RuntimeError("a defect in a key's action")

    monkeypatch.setattr(QueueScreen, "action_take_next", take_next)
    app = desk(desk_ctx)
    with pytest.raises(RuntimeError, match="a defect in a key's action"):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            assert not app.is_running
    assert app.return_code == 1


INNER = """
import pytest
from tests.tui.conftest import desk, settle
from triage_tui.ui.screens.queue import QueueScreen

WRONG = "Something went wrong (RuntimeError); nothing was lost. Please report it."


def boom(*args):
    raise RuntimeError("planted")


async def test_quiet(desk_ctx, seeded):
    async with desk(desk_ctx).run_test() as pilot:
        await settle(pilot)


async def test_notice(desk_ctx, seeded):
    app = desk(desk_ctx)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.notify(WRONG, severity="error")


@pytest.mark.{marker}
async def test_notice_expected(desk_ctx, seeded):
    app = desk(desk_ctx)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.notify(WRONG, severity="error")


async def test_lost_worker(desk_ctx, seeded):
    app = desk(desk_ctx)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.screen.run_worker(boom, thread=True, exit_on_error=False)
        await settle(pilot)


async def test_subscriber(desk_ctx, seeded):
    app = desk(desk_ctx)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.feed.changed.subscribe(app.screen, boom)
        app.feed.publish([app.screen.table.current])
        await settle(pilot)


async def test_handler(desk_ctx, seeded, monkeypatch):
    monkeypatch.setattr(QueueScreen, "action_take_next", boom)
    app = desk(desk_ctx)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
"""


def test_the_guard_fails_a_test_that_met_an_unexpected_error(tmp_path: Path) -> None:
    """Run a few pilot tests in a pytest of their own, with this directory's fixtures and guard: each that meets
    an unexpected error fails, the one that expects it and the quiet one pass."""
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER.replace("{marker}", EXPECTED)))
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    report = tmp_path / "report.xml"
    plugins = ["-p", "no:randomly", "-p", "no:cacheprovider", "-p", "tests.conftest", "-p", "tests.tui.conftest"]
    where = ["-c", str(ini), "--rootdir", str(tmp_path), f"--junitxml={report}", str(tmp_path / "test_inner.py")]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins, *where],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outcomes = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[case.get("name")] = "failed" if failed else "passed"
    assert outcomes == {
        "test_quiet": "passed",
        "test_notice": "failed",
        "test_notice_expected": "passed",
        "test_lost_worker": "failed",
        "test_subscriber": "failed",
        "test_handler": "failed",
    }, run.stdout[-3000:]
