"""The attacks that worked on the desk, replayed: each is shown as text and does nothing else.

Notices are drawn (run_test(notifications=True)): a notice was one way in, and Textual's test mode leaves
them out by default."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pendulum
import pytest
from sqlmodel import select

from tests.conftest import Clock
from tests.tui.conftest import desk, settle, until
from tests.tui.reading import assert_healthy, assert_terminal_safe, screen_lines, screen_text, toast_texts
from triage_tui.domain.codes import Role, Team
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.tables import Case, Event
from triage_tui.ui.app import make_desk
from triage_tui.ui.screens.case import CaseScreen
from triage_tui.ui.widgets.case_table import CaseTable

CLICK_QUIT = "[@click=app.quit]quit[/]"
CLICK_SHOT = "[@click=app.screenshot('pwned.svg','.')]shot[/]"


def stored(ctx: ServiceContext, ref: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == ref)).one()


def actions(ctx: ServiceContext, ref: str) -> list[str]:
    with ctx.store.read() as s:
        case = stored(ctx, ref)
        return [e.action for e in s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.id))]


async def wait_for(pilot, condition) -> None:  # type: ignore[no-untyped-def]
    """Let the desk run until `condition()` holds (a poll, then the notice it posts)."""
    await until(pilot, condition, "the desk to show it")


async def test_a_note_that_would_quit_when_clicked_is_only_text(desk_ctx, seeded, tmp_path: Path, monkeypatch) -> None:
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)  # where a screenshot would land
    ref = seeded["2h"]
    cases.add_note(desk_ctx, "alice", ref, f"{CLICK_QUIT} {CLICK_SHOT}")
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settle(pilot)
        assert app.screen.query_one(CaseTable).focus_case(ref)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        lines = screen_lines(app)
        for attack in (CLICK_QUIT, CLICK_SHOT):
            found = [i for i, line in enumerate(lines) if attack in line]
            assert found, f"{attack} is not shown as text"
            y = found[0]
            x = lines[y].index(attack)
            for dx in range(len(attack)):  # every cell of it: no part is a link
                await pilot.click(offset=(x + dx, y))
            await settle(pilot)
        assert_healthy(app)
        assert isinstance(app.screen, CaseScreen)
    assert list(here.iterdir()) == []  # no screenshot written


async def test_a_contact_named_like_markup_arrives_while_the_desk_is_open(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, poll_seconds=0.2)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settle(pilot)
        ref = cases.intake(
            desk_ctx, "bob", customer_name="Mallory [/]", summary="[bold red]Urgent[/] call me"
        ).reference
        table = app.screen.query_one(CaseTable)
        await wait_for(pilot, lambda: ref in table.cases and any("Mallory" in n for n in app.notices))
        await pilot.pause(0)  # the notice is drawn once its toast is mounted
        await settle(pilot)
        text = screen_text(app)
        assert "Mallory [/]" in text  # the row
        assert f"{ref} from Mallory [/]" in text  # the notice's first line
        assert f"New contact\n{ref} from Mallory [/]: [bold red]Urgent[/] call me" in toast_texts(app)
        assert_healthy(app)
        assert_terminal_safe(app)


async def test_a_desk_starts_with_markup_names_already_stored(desk_ctx, seeded, clock: Clock) -> None:
    add_officer(desk_ctx, "boss", "mallory", "Mallory [/] [@click=app.quit]x[/]", Role.OFFICER, Team.TRIAGE)
    # The most urgent contact: highlighted, and so shown in full, as the desk starts.
    received = clock.now.subtract(hours=60)  # type: ignore[attr-defined]
    cases.intake(desk_ctx, "mallory", customer_name="Mallory [/]", summary="[/][/] [bold red]x", received_at=received)
    app = make_desk(desk_ctx, "mallory", prefetch=True, poll_seconds=0)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Mallory [/] [@click=app.quit]x[/] · officer" in text  # the header names the officer literally
        assert "[/][/] [bold red]x" in text
        assert "Customer Mallory [/]" in text  # the highlighted case in full
        assert_healthy(app)


async def test_escape_sequences_in_a_summary_reach_no_terminal_and_press_no_key(desk_ctx, seeded) -> None:
    summary = "Call back \x1b[5n now \x1b[2J \x1b]0;PWNED\x07 \x9b5n \u202eevil"
    app = desk(desk_ctx, poll_seconds=0.2)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settle(pilot)
        ref = cases.intake(desk_ctx, "bob", customer_name="Eve \x1b[5n", summary=summary).reference
        table = app.screen.query_one(CaseTable)
        await wait_for(pilot, lambda: any(ref in n for n in app.notices))
        await settle(pilot)
        assert_terminal_safe(app)  # the queue and the notice
        assert table.focus_case(ref)
        await pilot.press("enter")
        await settle(pilot)
        assert_terminal_safe(app)  # the case in full
        text = screen_text(app)
        assert "Call back ␛[5n now ␛[2J ␛]0;PWNED␇ <U+009B>5n <U+202E>evil" in text
        assert_healthy(app)
    case = stored(desk_ctx, ref)
    assert case.claimed_by_id is None and case.version == 1
    assert actions(desk_ctx, ref) == ["intake"]


async def test_a_markup_cohort_on_the_report_screen_and_a_safe_export(
    desk_ctx, clock: Clock, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    add_officer(desk_ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    cohort = '=HYPERLINK("http://x")[/]'
    ref = cases.intake(desk_ctx, "boss", customer_name="A", summary="B").reference
    cases.set_cohort(desk_ctx, "boss", ref, cohort)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#kind").value = "position"
        await settle(pilot)
        screen.query_one("#first").value = "2022-03-10"
        screen.query_one("#cohort").value = cohort
        screen.query_one("#cohort").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert f"cohort {cohort}" in screen_text(app)
        await pilot.press("escape", "e")
        await settle(pilot)
        exported = next(tmp_path.glob("triage-report-position-*.csv"))
        assert stat.S_IMODE(os.stat(exported).st_mode) == 0o600
        rows = list(csv.reader(exported.open()))
        assert rows[0][0] == "Cohort" and rows[1][0] == "'" + cohort  # a spreadsheet shows it, never runs it
        before = exported.read_bytes()
        await pilot.press("e")  # the same name again: refused, said so, the file left alone
        await settle(pilot)
        assert any("already exists" in n for n in app.notices)
        assert exported.read_bytes() == before
        assert_healthy(app)


async def test_a_crash_says_so_in_one_line_without_customers_words(
    desk_ctx: ServiceContext, seeded: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Textual's own crash report shows every frame's local variables: a customer's name would be on screen.
    secret = "Mallory Secret-Surname"
    app = desk(desk_ctx)

    def explode() -> None:
        customer = secret  # a local a traceback with locals would print
        raise RuntimeError(f"bad row for {customer}")

    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await settle(pilot)
            app.call_later(explode)
            await pilot.pause()
    shown = " ".join(capsys.readouterr().err.split())
    assert "the desk stopped on an unexpected error (RuntimeError)" in shown
    assert secret not in shown
