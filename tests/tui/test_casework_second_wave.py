"""Putting mistakes right and recording what came in by other ways, from the keyboard: a new contact (i), an edit
of the customer's details (e), a corrected classification, a reopened case (R), a released claim (u), steps
dated when they happened (the When box), and the customer's other cases on the case screen (p opens a
duplicate). Each asserts what the database holds afterwards; each refusal is said inside the dialog, which
keeps what was typed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from textual.widgets import Label

from tests.conftest import Clock
from tests.tui.conftest import desk, settle, until
from tests.tui.reading import assert_terminal_safe, screen_text, widget_text
from triage_tui.domain.codes import CaseType, CloseReason
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Case, Event
from triage_tui.ui.dialogs.base import ActionDialog, LiteralTextArea
from triage_tui.ui.dialogs.contact import EditDialog, RecordContactDialog
from triage_tui.ui.dialogs.triage import ClassifyDialog
from triage_tui.ui.screens.case import CaseScreen
from triage_tui.ui.widgets.case_table import CaseTable
from triage_tui.ui.widgets.key_bar import KeyBar


def stored(ctx: ServiceContext, ref: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == ref)).one()


def events(ctx: ServiceContext, ref: str) -> list[Event]:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == ref)).one()
        return list(s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.id)))


def dialog_error(app) -> str:  # type: ignore[no-untyped-def]
    label = app.screen.query_one("#dialog-error", Label)
    return widget_text(label) if label.display else ""


def keys(app) -> str:  # type: ignore[no-untyped-def]
    """The key bar as drawn."""
    return app.screen.query_one(KeyBar).render().plain


def box(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    return widget.text if isinstance(widget, LiteralTextArea) else widget.value


async def focus(pilot, selector: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(selector).focus()
    await settle(pilot)


async def highlight(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    assert pilot.app.screen.query_one(CaseTable).focus_case(ref)
    await settle(pilot)


async def open_case(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    await highlight(pilot, ref)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- i: a new contact ---------------------------------------------------------------------------------------------


async def test_a_phone_call_recorded_with_i_is_in_the_queue_at_once_and_on_another_desk(desk_ctx, seeded) -> None:
    one, two = desk(desk_ctx, "alice"), desk(desk_ctx, "bob", poll_seconds=0.2)
    async with one.run_test(size=(160, 45)) as p1, two.run_test(size=(160, 45)) as p2:
        await settle(p1)
        await settle(p2)
        await p1.press("i")
        await settle(p1)
        assert isinstance(one.screen, RecordContactDialog)
        assert one.focused is not None and one.focused.id == "channel"  # phone, chosen already
        await p1.press("tab", "tab", *"Dora Diaz", "tab", *"dora@example.org", "tab", *"01632 960123", "tab")
        await p1.press(*"1 High Street", "enter", *"Anytown AB1 2CD", "tab", *"Blue badge renewal lost")
        await p1.press("tab", *"Rang twice; posted the form in May.", "ctrl+s")
        await settle(p1)
        case = stored(desk_ctx, one.notices[-1].split(" ")[0])
        assert (case.customer_name, case.customer_email, case.customer_phone, case.channel, case.status) == (
            "Dora Diaz",
            "dora@example.org",
            "01632 960123",
            "phone",
            "new",
        )
        assert case.customer_address == "1 High Street\nAnytown AB1 2CD"
        assert case.summary == "Blue badge renewal lost" and case.details == "Rang twice; posted the form in May."
        assert case.received_at.replace(tzinfo=UTC) == desk_ctx.now()  # blank: now
        ref = case.reference
        assert one.notices[-1].startswith(f"{ref} recorded: Dora Diaz, Blue badge renewal lost")
        # At once on this desk, which does not poll: the list hears of its own save.
        await until(p1, lambda: ref in one.screen.query_one(CaseTable).cases, "the contact on this desk")
        await until(p2, lambda: ref in two.screen.query_one(CaseTable).cases, "the contact on the second desk")
        assert [e.action for e in events(desk_ctx, ref)] == ["intake"]


async def test_a_contact_received_yesterday_takes_that_time(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("right", "tab", *"24/11/2021 16:45", "tab", *"Ed Evans", "tab", "tab", "tab", "tab")
        await pilot.press(*"Letter about a missed collection", "enter")
        await settle(pilot)
        ref = app.notices[-1].split(" ")[0]
    case = stored(desk_ctx, ref)
    assert (case.channel, case.received_at.replace(tzinfo=UTC)) == ("letter", utc("2021-11-24T16:45"))


async def test_a_new_contact_refused_keeps_the_dialog_and_what_was_typed(desk_ctx, seeded) -> None:
    before = len(events_all(desk_ctx))
    app = desk(desk_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("tab", *"last tuesday", "tab", *"Fay Ford", "enter")
        await settle(pilot)
        # No summary: said in the dialog, the summary box focused, nothing saved.
        assert isinstance(app.screen, RecordContactDialog)
        assert dialog_error(app) == "The summary is required"
        assert app.focused is not None and app.focused.id == "summary"
        await pilot.press(*"Fence blown down", "enter")
        await settle(pilot)
        # Unreadable: said with the accepted formats, the box focused.
        assert "Received: not a time: 'last tuesday' (use 2022-01-14" in dialog_error(app)
        assert app.focused is not None and app.focused.id == "when"
        await pilot.press(*["backspace"] * 12, *"26/11/2021 09:00", "enter")
        await settle(pilot)
        # In the future: the service refuses; the dialog says so and keeps every box as typed.
        assert isinstance(app.screen, RecordContactDialog)
        assert "future" in dialog_error(app)
        assert (box(app, "#when"), box(app, "#customer_name"), box(app, "#summary")) == (
            "26/11/2021 09:00",
            "Fay Ford",
            "Fence blown down",
        )
        await pilot.press("escape")
        await settle(pilot)
    assert len(events_all(desk_ctx)) == before


def events_all(ctx: ServiceContext) -> list[Event]:
    with ctx.store.read() as s:
        return list(s.exec(select(Event)))


# --- e: edit the customer's details -------------------------------------------------------------------------------


async def test_edit_sends_only_the_changed_fields_with_the_reason(desk_ctx, seeded) -> None:
    ref = seeded["9h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await open_case(pilot, ref)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)
        assert box(app, "#customer_name") == "John Patel"  # filled as stored
        await pilot.press("end", *"-Singh", "tab", "tab", *"07700 900456")
        await pilot.press("enter")
        await settle(pilot)
        assert "Say why they are changed" in dialog_error(app)  # the reason is required
        assert app.focused is not None and app.focused.id == "reason"
        await pilot.press(*"Customer rang to correct the spelling", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.notices[-1] == f"{ref}: customer's name and phone changed"
        assert "John Patel-Singh" in screen_text(app)  # the case screen shows the change
    case = stored(desk_ctx, ref)
    assert (case.customer_name, case.customer_phone, case.customer_email) == (
        "John Patel-Singh",
        "07700 900456",
        "john@example.org",
    )
    edit = events(desk_ctx, ref)[-1]
    assert edit.action == "edit"
    assert edit.details == {
        "reason": "Customer rang to correct the spelling",
        "changes": {
            "customer_name": {"old": "John Patel", "new": "John Patel-Singh"},
            "customer_phone": {"old": None, "new": "07700 900456"},
        },
    }


async def test_edit_with_nothing_changed_is_said_and_saves_nothing(desk_ctx, seeded) -> None:
    ref = seeded["2h"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("e")
        await settle(pilot)
        await focus(pilot, "#reason")
        await pilot.press(*"typo", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)
        assert dialog_error(app).startswith("Nothing has changed")
        assert box(app, "#reason") == "typo"
    assert [e.action for e in events(desk_ctx, ref)] == ["intake"]


# --- c on a triaged case: a correction ----------------------------------------------------------------------------


async def test_a_correction_asks_why_and_records_the_previous_type(desk_ctx, seeded) -> None:
    ref = seeded["triaged"]
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ClassifyDialog) and "Correct the classification" in screen_text(app)
        await pilot.press("1")  # Statutory Adults, without a reason
        await settle(pilot)
        assert "Say why the type is being corrected" in dialog_error(app)
        assert app.focused is not None and app.focused.id == "reason"
        assert stored(desk_ctx, ref).type == "corporate"
        await pilot.press(*"Care package complaint, not the library", "enter")
        await settle(pilot)
        assert app.notices[-1] == f"{ref}: classification corrected: Corporate → Statutory Adults"
        await open_case(pilot, ref)
        text = screen_text(app)
        assert "Reclassified" in text and "Reason: Care package complaint, not the library" in text
    assert stored(desk_ctx, ref).type == "adults"
    last = events(desk_ctx, ref)[-1]
    assert (last.action, last.details["previous_type"], last.details["reason"]) == (
        "classify",
        "corporate",
        "Care package complaint, not the library",
    )


# --- R: reopen (supervisors) --------------------------------------------------------------------------------------


async def test_a_supervisor_reopens_a_closed_case_with_a_reason(desk_ctx, seeded) -> None:
    ref = seeded["2h"]
    cases.close(desk_ctx, "alice", ref, CloseReason.WITHDRAWN)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g", *ref)
        await until(pilot, lambda: getattr(app.screen, "shown_for", None) == ref, "the case found")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "R Reopen" in keys(app)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Say why the case is reopened" in dialog_error(app)
        await pilot.press(*"Customer did not withdraw: a misheard call", "enter")
        await settle(pilot)
        assert app.notices[-1] == f"{ref}: reopened: closed → new"
    case = stored(desk_ctx, ref)
    assert (case.status, case.close_reason) == ("new", None)
    last = events(desk_ctx, ref)[-1]
    assert (last.action, last.actor, last.details["reason"]) == (
        "reopen",
        "boss",
        "Customer did not withdraw: a misheard call",
    )


async def test_reopen_is_hidden_from_officers_and_refused_in_words(desk_ctx, seeded) -> None:
    ref = seeded["2h"]
    cases.close(desk_ctx, "alice", ref, CloseReason.WITHDRAWN)
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g", *ref)
        await until(pilot, lambda: getattr(app.screen, "shown_for", None) == ref, "the case found")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Reopen" not in keys(app)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)  # no dialog
        assert app.notices[-1] == "Reopening a case is for supervisors: ask one to reopen it."
    assert stored(desk_ctx, ref).status == "closed"


async def test_reopen_on_an_open_case_is_refused_before_its_dialog(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, seeded["triaged"])
        await pilot.press("R")
        await settle(pilot)
        assert not isinstance(app.screen, ActionDialog)
        assert app.notices[-1] == f"{seeded['triaged']} is triaged: only a responded or closed case can be reopened"


# --- u: release a claim -------------------------------------------------------------------------------------------


async def test_u_releases_the_claim_taken_with_n(desk_ctx, seeded) -> None:
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        ref = seeded["50h"]
        assert stored(desk_ctx, ref).claimed_by_id is not None
        await pilot.press("u")
        await settle(pilot)
        assert app.notices[-1] == f"{ref}: claim released; anyone may take it now"
        assert stored(desk_ctx, ref).claimed_by_id is None
        await highlight(pilot, ref)  # the highlight moved on to the next case to work on
        await pilot.press("u")  # nothing to release now: said, nothing written
        await settle(pilot)
        assert app.notices[-1] == f"{ref} is not claimed: nothing to release"
    assert [e.action for e in events(desk_ctx, ref)] == ["intake", "claim", "release"]


# --- When: a step recorded after it happened ----------------------------------------------------------------------


async def test_a_step_takes_the_time_typed_in_when(desk_ctx, seeded) -> None:
    ref = seeded["9h"]  # received 01:00 today
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, ref)
        await pilot.press("c")
        await settle(pilot)
        await focus(pilot, "#when")
        await pilot.press(*"25/11/2021 03:30", "enter")
        await settle(pilot)
        assert app.notices[-1] == f"{ref}: classified as Statutory Adults (as at 25/11/2021 03:30)"
        await open_case(pilot, ref)
        text = screen_text(app)
        assert "25/11/21 03:30" in text and "recorded 25/11/2021 10:00" in text
    case = stored(desk_ctx, ref)
    assert case.triaged_at is not None and case.triaged_at.replace(tzinfo=UTC) == utc("2021-11-25T03:30")
    assert events(desk_ctx, ref)[-1].at.replace(tzinfo=UTC) == utc("2021-11-25T03:30")


async def test_an_unreadable_or_refused_when_keeps_the_dialog(desk_ctx, seeded, clock: Clock) -> None:
    ref = seeded["triaged"]
    cases.allocate(desk_ctx, "boss", ref, "carol")
    app = desk(desk_ctx, "carol")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("2", "a")
        await settle(pilot)
        await focus(pilot, "#when")
        await pilot.press(*"yesterday", "enter")
        await settle(pilot)
        assert dialog_error(app).startswith("When: not a time: 'yesterday' (use 2022-01-14, 2022-01-14T09:30")
        await pilot.press(*["backspace"] * 9, *"24/11/2021 09:00", "enter")  # before the allocation (now)
        await settle(pilot)
        assert "before its last step" in dialog_error(app)
        assert box(app, "#when") == "24/11/2021 09:00"
        await pilot.press(*["backspace"] * 16, *"26/11/2021 09:00", "enter")  # tomorrow
        await settle(pilot)
        assert "is in the future" in dialog_error(app)
        await pilot.press("escape")
        await settle(pilot)
    assert stored(desk_ctx, ref).acknowledged_at is None


# --- the case screen: address, the customer's other cases, a possible duplicate -----------------------------------

# Markup, a terminal title sequence and a right-to-left override (a NUL is refused when stored).
HOSTILE = "[bold red]Loud[/] \x1b]0;pwned\x07 [@click=app.quit]q[/] \u202eend"


async def test_the_case_screen_flags_a_duplicate_and_p_opens_it(desk_ctx, seeded, clock: Clock) -> None:
    first = seeded["20.5h"]  # Aisha Khan: "Social worker not returning calls", aisha@example.org
    again = cases.intake(
        desk_ctx,
        "alice",
        customer_name="Aisha Khan",
        customer_email="aisha@example.org",
        customer_address="4 Mill Lane\nAnytown AB1 2CD",
        summary="Social worker still not returning my calls",
        channel="phone",
    ).reference
    other = cases.intake(
        desk_ctx,
        "alice",
        customer_name="A. Khan",
        customer_email="aisha@example.org",
        summary=HOSTILE,
        received_at=clock.now.subtract(days=200),  # type: ignore[attr-defined]
    ).reference
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await open_case(pilot, again)
        text = screen_text(app)
        assert f"⚠ Possible duplicate of {first}" in text and "press p to open it" in text
        assert "4 Mill Lane" in text and "Anytown AB1 2CD" in text
        assert "Customer's other cases" in text
        assert other in text and "same email" in text
        assert "[bold red]Loud[/]" in text and "[@click=app.quit]q[/]" in text and "<U+202E>end" in text
        assert_terminal_safe(app)
        assert "p Open duplicate" in keys(app)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.reference == first
        assert app.screen.case is not None and app.screen.case.type is CaseType.UNCLASSIFIED
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.reference == again


async def test_the_queue_flags_a_duplicate_at_triage_and_p_opens_it(desk_ctx, seeded) -> None:
    first = seeded["20.5h"]
    again = cases.intake(
        desk_ctx,
        "alice",
        customer_name="Aisha Khan",
        customer_email="aisha@example.org",
        summary="Social worker still not returning my calls",
    ).reference
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await highlight(pilot, seeded["2h"])  # no other case of this customer: no flag, no key
        assert "Possible duplicate" not in screen_text(app) and "Open duplicate" not in keys(app)
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.query(CaseTable)  # nothing opened
        await highlight(pilot, again)  # the pane beside the queue flags it, and p opens the other case
        assert f"⚠ Possible duplicate of {first}" in screen_text(app) and "p Open duplicate" in keys(app)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.reference == first


async def test_history_says_what_an_edit_and_a_reopen_changed(desk_ctx, seeded) -> None:
    ref = seeded["2h"]
    cases.edit(desk_ctx, "alice", ref, customer_name="Margaret Smyth", reason="Spelling, from her letter")
    cases.close(desk_ctx, "alice", ref, CloseReason.WITHDRAWN)
    cases.reopen(desk_ctx, "boss", ref, reason="Closed in error")
    app = desk(desk_ctx)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await open_case(pilot, ref)
        text = screen_text(app)
    assert "Name: 'Margaret Smith' → 'Margaret Smyth' · Reason: Spelling, from her letter" in text
    assert "Reopened" in text and "Status: Closed → New · Reason: Closed in error" in text
