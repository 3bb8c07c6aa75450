"""The rules every action dialog keeps, each from a defect a new officer met.

Each dialog is pushed onto a small App of its own, styled by the desk's real dialogs.tcss, so these tests read the
dialogs alone: focus starts on the first field, enter saves from any field, what a field shows is what is saved, a
refusal keeps the dialog and its text, Close and Signpost say what saving will do, choices are marked by a sign,
and Save and Cancel are on screen from 80x24 up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Static

import triage_tui.ui.dialogs.triage as triage_dialogs
from tests.tui.reading import screen_lines, screen_text, widget_text
from triage_tui.domain.codes import CaseType, CloseReason, Outcome, Role, Status, Team
from triage_tui.domain.queue import OfficerLoad, QueueQuery
from triage_tui.domain.timeparse import parse_time
from triage_tui.domain.views import CaseView, OfficerView
from triage_tui.ui.dialogs.base import ActionDialog
from triage_tui.ui.dialogs.casework import (
    AcknowledgeDialog,
    Acknowledgement,
    AllocateDialog,
    NoteDialog,
    RespondDialog,
    Response,
    SendDialog,
)
from triage_tui.ui.dialogs.filter import FilterDialog
from triage_tui.ui.dialogs.supervision import CohortDialog, DistributeDialog, PlanDialog, WorkloadDialog
from triage_tui.ui.dialogs.triage import ClassifyDialog, CloseChoice, CloseDialog, SignpostChoice, SignpostDialog

DIALOGS_CSS = Path(triage_dialogs.__file__).resolve().parent.parent / "dialogs.tcss"
SIZES = [(80, 24), (120, 40), (200, 50)]
NOT_DONE = object()


def a_case(reference: str = "CMP-000123", **changes: Any) -> CaseView:
    given: dict[str, Any] = {f.name: None for f in fields(CaseView)}
    given.update(
        id=123,
        reference=reference,
        received_at=parse_time("2026-11-30T09:00"),
        channel="email",
        customer_name="Margaret Smith",
        customer_email="margaret@example.org",
        summary="Bins missed three weeks running",
        type=CaseType.UNCLASSIFIED,
        status=Status.NEW,
    )
    given.update(changes)
    return CaseView(**given)


def loads() -> list[OfficerLoad]:
    people = [
        ("carol", "Carol Cole", Team.COMPLAINTS, 6),
        ("hmorgan", "Helen Morgan-Llewellyn", Team.COMPLAINTS, 3),
        ("kwright", "Kieran Wright", Team.RECOVERY, 2),
        ("alice", "Alice Adams", Team.TRIAGE, 0),
    ]
    return [
        OfficerLoad(OfficerView(username, name, Role.OFFICER, team), open_, 1, 0, 0, closed_this_week=4)
        for username, name, team, open_ in people
    ]


# Every dialog the desk opens, made as its opener makes it, with the field that must have the focus first.
DIALOGS: dict[str, tuple[Callable[[], ActionDialog[Any]], str]] = {
    "classify": (lambda: ClassifyDialog(a_case()), "types"),
    "signpost": (lambda: SignpostDialog(a_case()), "where"),
    "close": (lambda: CloseDialog(a_case()), "reason"),
    "allocate": (lambda: AllocateDialog(a_case(type=CaseType.CORPORATE), loads()), "officers"),
    "acknowledge": (lambda: AcknowledgeDialog(a_case(), "Fri 04/12/2026 17:00"), "channel"),
    "send": (lambda: SendDialog(a_case()), "text"),
    "respond": (lambda: RespondDialog(a_case()), "outcome"),
    "note": (lambda: NoteDialog(a_case()), "text"),
    "workload": (lambda: WorkloadDialog(loads()), "loads"),
    "cohort": (lambda: CohortDialog(3), "text"),
    "distribute": (lambda: DistributeDialog("backlog-2021"), "cohort"),
    "plan": (lambda: PlanDialog([(f"CMP-{i:06d}", "kwright" if i % 2 else "rbailey") for i in range(30)]), "plan"),
    "filter": (lambda: FilterDialog(QueueQuery(), QueueQuery(), ["alice", "carol"]), "type"),
}


class DialogApp(App[object]):
    """Shows one dialog, styled as the desk styles it, and keeps what it closed with."""

    CSS_PATH = [DIALOGS_CSS]

    def __init__(self, dialog: ActionDialog[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answer: Any = NOT_DONE

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.keep)

    def keep(self, answer: Any) -> None:
        self.answer = answer


async def settle(pilot: Pilot[object], until: Callable[[], bool] | None = None) -> None:
    """Let the dialog draw; with `until`, keep going (a bounded number of times) until it holds."""
    for _ in range(40):
        await pilot.pause()
        if until is None or until():
            return
    raise AssertionError("the dialog never got there")


def is_open(app: DialogApp) -> bool:
    return app.screen is app.dialog and app.answer is NOT_DONE


def error_text(app: DialogApp) -> str:
    error = app.dialog.query_one("#dialog-error", Label)
    return widget_text(error) if error.display else ""


def effect_text(app: DialogApp) -> str:
    effect = app.dialog.query_one("#dialog-effect", Static)
    return widget_text(effect).strip() if effect.display else ""


def value_of(app: DialogApp, selector: str) -> str:
    return app.dialog.query_one(selector, Input).value


# --- 1. focus starts on the first thing to fill -------------------------------------------------------------------


@pytest.mark.parametrize("name", DIALOGS)
async def test_focus_starts_on_the_first_field(name: str) -> None:
    make, first = DIALOGS[name]
    app = DialogApp(make())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused is not None and app.focused.id == first


async def test_acknowledge_tab_then_typing_goes_into_the_note() -> None:
    """The defect: focus opened in Note, so Tab then typing put the words on the button and no note was saved."""
    app = DialogApp(AcknowledgeDialog(a_case(), "Fri 04/12/2026 17:00"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right", "tab", *"Rang her at 10", "enter")
        await settle(pilot)
    assert app.answer == Acknowledgement("phone", "Rang her at 10")


# --- 2. enter saves from any field; Tab follows what is shown ----------------------------------------------------


async def test_enter_saves_from_a_set_of_choices() -> None:
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
    assert app.answer == CloseChoice(CloseReason.OUT_OF_TIME, None, None)


async def test_enter_saves_from_a_closed_drop_down_and_down_opens_it() -> None:
    app = DialogApp(FilterDialog(QueueQuery(), QueueQuery(), ["alice", "carol"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # opens the list of types; enter there chooses, it does not save
        await settle(pilot)
        assert "▸ Any type" in screen_text(app)  # the open list marks its highlighted option
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert "▸ Statutory Children Stage 1" in screen_text(app) and "▸ Any type" not in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert is_open(app)
        await pilot.press("enter")  # on the closed drop-down: saves
        await settle(pilot)
    assert isinstance(app.answer, QueueQuery) and app.answer.types == (CaseType.CHILDREN,)


async def test_enter_saves_from_the_distribution_choices() -> None:
    app = DialogApp(DistributeDialog("backlog-2021"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "left", "tab", "right", "enter")  # team: complaints; strategy: least loaded
        await settle(pilot)
    assert app.answer == ("backlog-2021", Team.COMPLAINTS, "least-loaded")


async def test_distribution_plan_takes_enter_and_says_so() -> None:
    app = DialogApp(PlanDialog([("CMP-000001", "kwright"), ("CMP-000002", "rbailey")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Enter allocates them all as shown" in screen_text(app)
        await pilot.press("down", "enter")
        await settle(pilot)
    assert app.answer is True


async def test_choosing_duplicate_leaves_the_focus_and_tab_reaches_the_original() -> None:
    """The defect: choosing Duplicate moved the focus, so the next Tab put the original's reference into Note."""
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "reason"
        await pilot.press("space")  # pressing the chosen one again changes nothing either
        await pilot.press("tab", *"CMP-000045")
        await pilot.press("tab", *"Same bins, same street")
        await settle(pilot)
        assert value_of(app, "#original") == "CMP-000045"
        await pilot.press("enter")
        await settle(pilot)
    assert app.answer == CloseChoice(CloseReason.DUPLICATE, "CMP-000045", "Same bins, same street")


async def test_tab_skips_the_original_unless_the_case_is_a_duplicate() -> None:
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "note"
        assert "Original case" not in screen_text(app)


# --- 3. what a field shows is what is saved; problems are shown in the dialog ------------------------------------


async def test_signpost_saves_the_completion_it_shows() -> None:
    """The defect: the box showed "Highways" and enter saved "Hig"."""
    app = DialogApp(SignpostDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", *"Hig")
        await settle(pilot, until=lambda: any("Highways" in line for line in screen_lines(app)))
        assert "passed to Highways as a service request" in effect_text(app)
        await pilot.press("enter")
        await settle(pilot)
    assert app.answer == SignpostChoice(None, "Highways", None)


async def test_send_saves_the_completion_it_shows() -> None:
    app = DialogApp(SendDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"adult social care f")
        await settle(pilot, until=lambda: any("adult social care finance" in line for line in screen_lines(app)))
        await pilot.press("enter")
        await settle(pilot)
    assert app.answer == "Adult Social Care Finance"


async def test_text_without_a_completion_is_saved_as_typed() -> None:
    app = DialogApp(SignpostDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"Parish council", "tab", *"Gave the clerk's number", "enter")
        await settle(pilot)
    assert app.answer == SignpostChoice("Parish council", None, "Gave the clerk's number")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "needs the reference of the original case"),
        ("CMP 45", "one word"),
        ("cmp-000123", "cannot be a duplicate of itself"),
    ],
)
async def test_a_bad_original_is_said_in_the_dialog(typed: str, problem: str) -> None:
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "tab", *typed, "tab", *"kept note", "enter")
        await settle(pilot)
        assert is_open(app)
        assert problem in error_text(app)
        assert value_of(app, "#original") == typed and value_of(app, "#note") == "kept note"
        assert app.focused is not None and app.focused.id == "original"


async def test_an_empty_signpost_is_said_in_the_dialog() -> None:
    app = DialogApp(SignpostDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert is_open(app)
        assert error_text(app) == "Name the organisation"


# --- the opener saves: a refusal keeps the dialog and what was typed ---------------------------------------------


async def test_a_refusal_keeps_the_dialog_open_with_its_text_and_says_why() -> None:
    app = DialogApp(CloseDialog(a_case()))
    asked: list[CloseChoice] = []

    def refuse(answer: CloseChoice) -> None:
        asked.append(answer)
        app.dialog.refused("unknown case 'CMP-000999' (the original of the duplicate)")

    app.dialog.save = refuse
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "tab", *"CMP-000999", "tab", *"Same bins", "enter")
        await settle(pilot)
        assert asked == [CloseChoice(CloseReason.DUPLICATE, "CMP-000999", "Same bins")]
        assert is_open(app)
        assert "unknown case 'CMP-000999'" in error_text(app)
        assert "unknown case 'CMP-000999'" in screen_text(app)
        assert (value_of(app, "#original"), value_of(app, "#note")) == ("CMP-000999", "Same bins")

        def accept(answer: CloseChoice) -> None:
            asked.append(answer)
            app.dialog.saved(answer)

        app.dialog.save = accept
        app.dialog.query_one("#original", Input).focus()
        await pilot.press("end", "backspace", "5", "enter")  # focusing a box selects its text: end keeps it
        await settle(pilot)
    assert app.answer == CloseChoice(CloseReason.DUPLICATE, "CMP-000995", "Same bins")
    assert len(asked) == 2


async def test_a_refused_completion_stays_as_it_was_shown() -> None:
    app = DialogApp(SendDialog(a_case()))
    app.dialog.save = lambda answer: app.dialog.refused("case CMP-000123 is closed")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"Highw")
        await settle(pilot, until=lambda: any("Highways" in line for line in screen_lines(app)))
        await pilot.press("enter")
        await settle(pilot)
        assert is_open(app)
        assert value_of(app, "#text") == "Highways"
        assert error_text(app) == "case CMP-000123 is closed"


# --- 4. Close and Signpost say what saving will do ---------------------------------------------------------------


async def test_close_says_what_saving_does_as_the_reason_changes() -> None:
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = [effect_text(app)]
        await pilot.press("down")
        await settle(pilot)
        said.append(effect_text(app))
        await pilot.press("tab", *"CMP-000045")
        await settle(pilot)
        said.append(effect_text(app))
        await pilot.press("shift+tab", "down")
        await settle(pilot)
        said.append(effect_text(app))
    assert said == [
        "Saving closes CMP-000123 as withdrawn by the customer. It leaves the open lists.",
        "Type the original's reference. Saving then closes CMP-000123 as its duplicate.",
        "Saving closes CMP-000123 as a duplicate of CMP-000045. It leaves the open lists.",
        "Saving closes CMP-000123 as out of time. It leaves the open lists.",
    ]


async def test_signpost_says_what_saving_does_as_the_officer_types() -> None:
    app = DialogApp(SignpostDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = [effect_text(app)]
        await pilot.press(*"Citizens")
        await settle(pilot)
        said.append(effect_text(app))
        await pilot.press("down")
        await settle(pilot)
        said.append(effect_text(app))
    assert said == [
        "Name the organisation. Saving then closes CMP-000123, and it leaves the queue.",
        "Saving closes CMP-000123: signposted to Citizens Advice. It leaves the queue.",
        "Saving closes CMP-000123: passed to Citizens as a service request. It leaves the queue.",
    ]


@pytest.mark.parametrize("name", [n for n in DIALOGS if n not in ("close", "signpost")])
async def test_other_dialogs_add_no_result_line(name: str) -> None:
    app = DialogApp(DIALOGS[name][0]())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert effect_text(app) == ""


# --- 5. choices are marked by a sign, not only by colour ---------------------------------------------------------


def drawn(app: DialogApp, label: str) -> str:
    """The screen line that shows `label`, from the start of the label's mark."""
    line = next(line for line in screen_lines(app) if label in line)
    return line[line.index(label) - 2 : line.index(label) + len(label)]


async def test_radio_choices_are_marked_by_a_sign() -> None:
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = [drawn(app, CLOSE) for CLOSE in ("Withdrawn by the customer", "Duplicate of another case")]
        await pilot.press("down")
        await settle(pilot)
        after = [drawn(app, CLOSE) for CLOSE in ("Withdrawn by the customer", "Duplicate of another case")]
    assert before == ["◉ Withdrawn by the customer", "○ Duplicate of another case"]
    assert after == ["○ Withdrawn by the customer", "◉ Duplicate of another case"]


async def test_choices_laid_across_are_marked_too() -> None:
    app = DialogApp(AcknowledgeDialog(a_case(customer_email=None), "Fri 04/12/2026 17:00"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert [drawn(app, channel) for channel in ("Email", "Letter")] == ["○ Email", "◉ Letter"]


async def test_lists_mark_the_highlighted_option() -> None:
    app = DialogApp(RespondDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert drawn(app, "Partly upheld") == "▸ Partly upheld"
        assert drawn(app, "Upheld") == "  Upheld"
        await pilot.press("enter")
        await settle(pilot)
    assert app.answer == Response(Outcome.PARTLY_UPHELD)


# --- layout: Save and Cancel on screen at every size ---------------------------------------------------------------


def on_screen(app: DialogApp, button: Button, size: tuple[int, int]) -> bool:
    """The button lies within the terminal and its label is drawn where it lies (nothing covers or clips it)."""
    region = button.region
    if region.area == 0 or not Region(0, 0, *size).contains_region(region):
        return False
    middle = screen_lines(app)[region.y + region.height // 2]
    return str(button.label) in middle[region.x : region.right]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", DIALOGS)
async def test_save_and_cancel_are_on_screen(name: str, size: tuple[int, int]) -> None:
    app = DialogApp(DIALOGS[name][0]())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for selector in ("#confirm", "#cancel"):
            assert on_screen(app, app.dialog.query_one(selector, Button), size), (name, selector)
        # The officer's way through the form: down to the last field, the buttons stay where they were.
        for _ in range(8):
            await pilot.press("tab")
        await settle(pilot)
        assert on_screen(app, app.dialog.query_one("#confirm", Button), size)


async def test_the_last_field_scrolls_into_view_at_80x24() -> None:
    app = DialogApp(CloseDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "tab", "tab")
        await settle(pilot)
        note = app.dialog.query_one("#note", Input)
        assert app.focused is note
        head, foot = app.dialog.query_one("#dialog-head").region, app.dialog.query_one("#dialog-foot").region
        # Scrolled into view between the dialog's fixed head and foot, not drawn under them.
        assert head.bottom <= note.region.y and note.region.bottom <= foot.y


# --- words and columns --------------------------------------------------------------------------------------------


async def test_the_workload_headings_read_in_full_at_120() -> None:
    app = DialogApp(WorkloadDialog(loads()))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for words in ("Officer", "Team", "Open", "Due", "soon", "Overdue", "Breached", "Closed", "this week"):
            assert words in text, words
        assert "Helen Morgan-Llewellyn (hmorgan)" in text
        assert "Complaints" in text and "complaints" not in text  # a label, not the code


async def test_the_workload_gives_way_at_80_by_shortening_names_not_counts() -> None:
    app = DialogApp(WorkloadDialog(loads()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        text = "\n".join(lines)
        for words in ("Overdue", "Breached", "this week"):
            assert words in text, words
        helen = next(line for line in lines if "(hmorgan)" in line)
        assert "…" in helen  # the name is cut, the username kept
        assert max(len(line.rstrip()) for line in lines) <= 80
        await pilot.press("s", "s", "s", "enter")  # by open cases: carol first
        await settle(pilot)
    assert app.answer == "carol"


async def test_the_distribution_speaks_of_teams_by_their_labels() -> None:
    app = DialogApp(DistributeDialog(None))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "◉ Recovery" in text and "○ Complaints" in text and "Round-robin" in text
        await pilot.press("enter")
        await settle(pilot)
        assert is_open(app) and error_text(app) == "Name the cohort"


async def test_classify_lists_the_types_by_their_labels() -> None:
    app = DialogApp(ClassifyDialog(a_case()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "2  Statutory Children Stage 1" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
    assert app.answer == CaseType.CHILDREN
