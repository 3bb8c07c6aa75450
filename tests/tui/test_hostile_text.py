"""Text from the public, generated to be hostile, goes through the services into the desk: every field is shown
as literal text (control characters as their placeholders), nothing reaches the terminal but the desk's own
drawing, and the desk keeps running.

The hypothesis tests drive a whole desk per example, so their example counts are kept small; each example adds
its own cases to the test's database (shared by the examples on purpose: a fresh one each time costs more than
the examples themselves) and acts only on those.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import unicodedata
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from sqlmodel import select
from textual.widgets import Input, Label, OptionList, Static

from tests.conftest import Clock
from tests.tui.conftest import desk, settle, workers_done
from tests.tui.reading import (
    assert_healthy,
    assert_terminal_safe,
    screen_lines,
    toast_texts,
    widget_text,
)
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.text import visible_line
from triage_tui.domain.views import CaseView
from triage_tui.services import cases, preferences
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.tables import Case, Event
from triage_tui.ui.format import HIDDEN
from triage_tui.ui.screens.case import CaseScreen
from triage_tui.ui.text import LINE_LIMIT, NOTICE_LIMIT, block, fit, line, lines, notice, one_line, rich_line
from triage_tui.ui.widgets.case_table import CaseTable
from triage_tui.ui.widgets.detail import CaseDetail

ATTACKS = (
    "[/]",
    "[bold red]x",
    "[@click=app.quit]x[/]",
    "[@click=app.screenshot('pwned.svg','.')]y[/]",
    "[link=file:///etc/passwd]z[/link]",
    "\\[b]",
    "\x1b[2J",
    "\x1b]0;PWNED\x07",
    "\x1b[5n",
    "\x9b5n",
    "\x1b[?1049l",
    "\u202e",
    "\u2066",
    "\u200f",
    "\x00",
    "\x7f",
    "\x08",
    "\r",
    "\t",
    "\n",
    "\u2028",
    "e\u0301",
    "\u0301",
    "漢字",
    "🙂",
    "=1+2",
    "@SUM(A1)",
)
piece = st.one_of(st.sampled_from(ATTACKS), st.text(max_size=6))


def hostile(limit: int) -> st.SearchStrategy[str]:
    """Text within a field's limit, never blank (a blank field is refused before it is stored)."""
    return st.lists(piece, min_size=1, max_size=8).map(lambda parts: "".join(parts)[:limit]).filter(str.strip)


def storable(limit: int) -> st.SearchStrategy[str]:
    """Hostile text the services store as given: all but NUL, which they refuse (PostgreSQL cannot hold it).
    Typed into the desk, a NUL becomes its placeholder before it reaches them."""
    return hostile(limit).map(lambda text: text.replace("\x00", "")).filter(str.strip)


def flat(text: str) -> str:
    """Text without its blanks: what a reader sees in order, however a widget wraps or pads it."""
    return re.sub(r"\s+", "", text)


def seen(text: str) -> str:
    """As flat, without combining marks: a mark that combines with a blank is lost with it where a line wraps."""
    return "".join(c for c in flat(text) if not unicodedata.combining(c))


def region_text(app, widget) -> str:  # type: ignore[no-untyped-def]
    """What the screen shows inside `widget`'s region, cut by cells from the frame as drawn."""
    strips = app.screen._compositor.render_strips()
    region = widget.region
    return "\n".join(strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom))


HYPOTHESIS = settings(
    max_examples=12,
    deadline=None,
    # The database fixture is shared by the examples on purpose (see the module's docstring).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_usernames = itertools.count(1)


# --- the one way text reaches the screen, on its own ------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(hostile(500), st.text()), width=st.integers(min_value=2, max_value=40))
def test_literal_text_keeps_every_character_and_no_control(text: str, width: int) -> None:
    assert line(text).plain == one_line(text) == rich_line(text).plain
    assert lines(text).plain == block(text)
    assert one_line(text) == visible_line(text)[:LINE_LIMIT] or one_line(text).endswith("…")
    for shown in (one_line(text), block(text).replace("\n", "").replace("\t", ""), fit(text, width)):
        assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", shown)
    assert cell_len(fit(text, width)) == width
    assert visible_line(text).startswith(fit(text, width).rstrip(" …"))  # a start of the text, padded or cut


@settings(max_examples=10, deadline=None)
@given(seed=hostile(50), size=st.integers(min_value=100_000, max_value=300_000))
def test_huge_text_is_cut_to_a_recognisable_start(seed: str, size: int) -> None:
    huge = (seed * (size // len(seed) + 1))[:size]
    assert one_line(huge).startswith(visible_line(huge)[:100]) and len(one_line(huge)) == LINE_LIMIT
    assert len(notice(huge)) == NOTICE_LIMIT and notice(huge).endswith("…")


# --- a hostile contact, through the services, everywhere in the desk -------------------------------------------


def new_contact(ctx: ServiceContext, clock: Clock, contact: dict[str, str]) -> str:
    """A contact received long ago (first in the queue) with every field hostile; its reference."""
    return cases.intake(
        ctx,
        "alice",
        customer_name=contact["name"],
        summary=contact["summary"],
        details=contact["details"],
        customer_email=contact["email"],
        customer_phone=contact["phone"],
        cohort=contact["cohort"],
        received_at=clock.now.subtract(hours=70),  # type: ignore[attr-defined]
    ).reference


contacts = st.fixed_dictionaries(
    {
        "name": storable(200),
        "summary": storable(500),
        "details": storable(2_000),
        "email": storable(254),
        "phone": storable(40),
        "cohort": storable(64),
        "note": storable(1_000),
        "typed": hostile(1_000),
        "message": hostile(2_000),
    }
)


def assert_case_shown(detail: CaseDetail, stored: CaseView) -> None:
    head = flat(widget_text(detail.query_one("#detail-head", Static)))
    rest = flat(widget_text(detail.query_one("#detail-rest", Static)))
    customer = " · ".join(v for v in (stored.customer_name, stored.customer_email, stored.customer_phone) if v)
    for expected in (one_line(customer), block(stored.summary), one_line(stored.cohort)):
        assert flat(expected) in head
    assert flat(block(stored.details)) in rest
    for event in stored.events:
        for key, value in event.details.items():
            if isinstance(value, str) and key not in HIDDEN:
                assert flat(block(value)) in rest


@HYPOTHESIS
@given(contact=contacts)
def test_a_hostile_contact_is_shown_literally_in_the_queue_the_case_and_a_dialog(
    desk_ctx: ServiceContext, seeded: dict[str, str], clock: Clock, contact: dict[str, str]
) -> None:
    ref = new_contact(desk_ctx, clock, contact)
    cases.add_note(desk_ctx, "bob", ref, contact["note"])
    stored = cases.get_case(desk_ctx, ref)

    async def scenario() -> None:
        app = desk(desk_ctx)
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await settle(pilot)
            table = app.screen.query_one(CaseTable)
            assert table.focus_case(ref)
            await settle(pilot)
            row = next(text for text in screen_lines(app) if text.startswith(f" {ref} "))
            customer, summary = table.column_width("customer"), table.column_width("summary")
            assert fit(stored.customer_name, customer) in row and fit(stored.summary, summary) in row
            assert_case_shown(app.screen.query_one(CaseDetail), stored)
            assert_terminal_safe(app)

            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert_case_shown(app.screen.query_one(CaseDetail), stored)
            assert_terminal_safe(app)

            await pilot.press("t")  # the note dialog names the case, then takes a hostile note
            await settle(pilot)
            case_line = app.screen.query_one("#dialog-case", Static)
            expected = line(stored.reference, " · ", stored.customer_name, " · ", stored.summary).plain
            assert case_line.visual.plain == expected  # type: ignore[attr-defined]
            # Wrapped over at most three lines: what is drawn is the line's start, literally, reference first.
            drawn = seen(region_text(app, case_line))
            assert drawn.startswith(seen(stored.reference)) and seen(expected).startswith(drawn)
            app.screen.query_one(Input).value = contact["typed"]
            await settle(pilot)
            assert_terminal_safe(app)  # the text box shows what was typed, controls as placeholders
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen)
            assert_case_shown(app.screen.query_one(CaseDetail), cases.get_case(desk_ctx, ref))

            app.notify(contact["message"], title=contact["name"])
            await settle(pilot)
            assert f"{one_line(contact['name'])}\n{notice(contact['message'])}" in toast_texts(app)
            assert_terminal_safe(app)
            assert_healthy(app)

    asyncio.run(scenario())
    with desk_ctx.store.read() as s:
        case_id = s.exec(select(Case.id).where(Case.reference == ref)).one()
        last = s.exec(select(Event).where(Event.case_id == case_id).order_by(Event.id.desc())).first()  # type: ignore[union-attr]
    assert last is not None and last.action == "note"
    assert last.details["text"] == visible_line(contact["typed"]).strip()  # what the box showed is what was saved


# --- the dialogs of a complaint's life, each with hostile text -------------------------------------------------


dialog_texts = st.fixed_dictionaries(
    {
        "contact": contacts,
        "officer": storable(200),
        "ack_note": hostile(1_000),
        "service": hostile(200),
        "where": hostile(200),
        "close_note": hostile(1_000),
        "reason": hostile(1_000),
        "cohort": hostile(64),
    }
)


async def quick(pilot) -> None:  # type: ignore[no-untyped-def]
    """As settle, without waiting for the detail pane's delayed read: for steps between dialogs."""
    for _ in range(3):
        await pilot.pause(0)
        await workers_done(pilot)


async def submit(pilot, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Fill the open dialog's text boxes and submit it with enter from the last one."""
    screen = pilot.app.screen
    case_line = screen.query("#dialog-case")
    if case_line:
        assert_case_line(pilot.app, case_line.first(Static))
    for selector, value in values.items():
        box = screen.query_one(selector, Input)
        box.disabled = False
        box.value = value
        box.focus()
    await quick(pilot)
    assert_terminal_safe(pilot.app)
    await pilot.press("enter")
    await quick(pilot)


def assert_case_line(app, widget: Static) -> None:  # type: ignore[no-untyped-def]
    case = app.screen.case
    expected = line(case.reference, " · ", case.customer_name, " · ", case.summary).plain
    assert widget.visual.plain == expected  # type: ignore[attr-defined]


@settings(HYPOTHESIS, max_examples=6)
@given(texts=dialog_texts)
def test_each_dialog_shows_and_saves_hostile_text_literally(
    desk_ctx: ServiceContext, seeded: dict[str, str], clock: Clock, texts: dict
) -> None:
    username = f"hostile{next(_usernames)}"
    add_officer(desk_ctx, "boss", username, texts["officer"], Role.OFFICER, Team.COMPLAINTS)
    ref, other, third = (new_contact(desk_ctx, clock, texts["contact"]) for _ in range(3))
    cases.classify(desk_ctx, "boss", third, CaseType.CORPORATE)

    # The filter the last example set is kept for boss (as a desk keeps it); each example starts without one.
    preferences.save(desk_ctx, "boss", "queue.filter", None)

    async def scenario() -> None:
        app = desk(desk_ctx, "boss")
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await quick(pilot)
            assert app.screen.query_one(CaseTable).focus_case(ref)
            await quick(pilot)
            await pilot.press("enter")  # the case screen offers every action
            await quick(pilot)
            await pilot.press("c")
            await quick(pilot)
            assert_case_line(app, app.screen.query_one("#dialog-case", Static))
            await pilot.press("3")  # corporate
            await quick(pilot)
            await pilot.press("l")  # the allocation list names each officer literally
            await quick(pilot)
            options = app.screen.query_one(OptionList)
            prompts = [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]
            mine = next(i for i, p in enumerate(prompts) if p.startswith(fit(username, 10)))
            assert fit(texts["officer"].strip(), 18) in prompts[mine]
            assert_terminal_safe(app)
            options.highlighted = mine
            await pilot.press("enter")
            await quick(pilot)
            await pilot.press("a")
            await quick(pilot)
            await submit(pilot, {"#note": texts["ack_note"]})
            await pilot.press("d")
            await quick(pilot)
            await submit(pilot, {"#text": texts["service"]})
            await pilot.press("r")
            await quick(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert_case_shown(app.screen.query_one(CaseDetail), cases.get_case(desk_ctx, ref))
            assert_terminal_safe(app)
            await pilot.press("escape")
            await quick(pilot)

            assert app.screen.query_one(CaseTable).focus_case(other)
            await quick(pilot)
            await pilot.press("s")
            await quick(pilot)
            await submit(pilot, {"#note": texts["close_note"], "#where": texts["where"]})
            assert app.screen.query_one(CaseTable).focus_case(third)
            await quick(pilot)
            await pilot.press("x")
            await quick(pilot)
            await submit(pilot, {"#note": texts["close_note"]})

            await pilot.press("f")  # a hostile cohort typed in the filter is quoted literally above the list
            await quick(pilot)
            await submit(pilot, {"#cohort": texts["cohort"]})
            status = app.screen.query_one("#list-status", Static)
            assert one_line(visible_line(texts["cohort"]).strip()) in status.visual.plain  # type: ignore[attr-defined]
            assert_terminal_safe(app)
            assert_healthy(app)

    asyncio.run(scenario())
    kept = preferences.load(desk_ctx, "boss", "queue.filter")  # the hostile cohort, kept as typed
    assert kept is not None and kept["cohort"] == visible_line(texts["cohort"]).strip()
    done, signposted, closed = (cases.get_case(desk_ctx, r) for r in (ref, other, third))
    saved = lambda key: visible_line(texts[key]).strip()  # noqa: E731 - what each box showed is what was saved
    assert (done.status.value, done.officer, done.service) == ("responded", username, saved("service"))
    assert done.events[3].details["note"] == saved("ack_note")
    assert signposted.signposted_to == saved("where") and signposted.events[-1].details["note"] == saved("close_note")
    assert closed.status.value == "closed" and closed.events[-1].details["note"] == saved("close_note")


# --- the supervisor's split view with hostile officers and cohorts ----------------------------------------------


@settings(HYPOTHESIS, max_examples=5)
@given(name=storable(200), cohort=storable(64), reason=hostile(1_000), contact=contacts)
def test_the_split_view_shows_hostile_officers_and_cohorts_literally(
    desk_ctx: ServiceContext, seeded: dict[str, str], clock: Clock, name: str, cohort: str, reason: str, contact
) -> None:
    username = f"hostile{next(_usernames)}"
    add_officer(desk_ctx, "boss", username, name, Role.OFFICER, Team.COMPLAINTS)
    # Its own cohort (shrinking repeats values): the pane then shows this example's case alone.
    ref = new_contact(desk_ctx, clock, {**contact, "cohort": cohort[:50] + username})
    cases.classify(desk_ctx, "boss", ref, CaseType.CORPORATE)
    cases.allocate(desk_ctx, "boss", ref, "carol")
    tag = cases.get_case(desk_ctx, ref).cohort

    async def scenario() -> None:
        app = desk(desk_ctx, "boss")
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await quick(pilot)
            await pilot.press("3")
            await quick(pilot)
            left, right = app.screen.query("Pane")
            left.source = replace(left.source, kind="cohort", value=tag, cohort=None)
            right.source = replace(right.source, kind="officer", value=username, cohort=None)
            app.screen.reload(left)
            app.screen.reload(right)
            await quick(pilot)
            head = left.query_one(".pane-head", Static)
            assert head.visual.plain.startswith(f"cohort {one_line(tag)} · 1 open")  # type: ignore[attr-defined]
            assert left.table.cell_text(ref, "customer") == one_line(contact["name"].strip())
            assert ref in left.table.cases
            assert_terminal_safe(app)
            await pilot.press("w")  # every officer's load, named literally
            await quick(pilot)
            loads = app.screen.query_one("#loads")
            row = [str(cell) for cell in loads.get_row(username)]
            # Literal, and shortened to its column (the name gives way before the username does).
            shown = row[0].rstrip()
            full = one_line(f"{name.strip()} ({username})")
            assert shown == full or (shown.endswith(f"({one_line(username)})") and "…" in shown), (shown, full)
            assert_terminal_safe(app)
            await pilot.press("escape")
            await quick(pilot)
            left.table.focus()
            await pilot.press("m")  # move to the hostile officer, with a hostile reason
            await quick(pilot)
            await submit(pilot, {"#text": reason})
            assert_terminal_safe(app)
            assert_healthy(app)

    asyncio.run(scenario())
    moved = cases.get_case(desk_ctx, ref)
    assert moved.officer == username
    assert moved.events[-1].details["reason"] == visible_line(reason).strip()


# --- text far beyond any limit, arriving anyway ------------------------------------------------------------------


@settings(HYPOTHESIS, max_examples=3)
@given(seed=hostile(40))
def test_huge_text_from_elsewhere_shows_its_start_and_a_huge_note_is_refused(
    desk_ctx: ServiceContext, seeded: dict[str, str], seed: str
) -> None:
    huge = (seed * (150_000 // len(seed) + 1))[:150_000]
    ref = seeded["2h"]

    async def scenario() -> None:
        app = desk(desk_ctx)
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await settle(pilot)
            # A case as another program might have stored it, with no limits: shown by its start.
            case = replace(cases.get_case(desk_ctx, ref), customer_name=huge, summary=huge, details=huge)
            app.feed.publish([case])
            table = app.screen.query_one(CaseTable)
            assert table.focus_case(ref)
            await settle(pilot)
            row = next(text for text in screen_lines(app) if text.startswith(f" {ref} "))
            assert fit(huge, table.column_width("customer")) in row and fit(huge, table.column_width("summary")) in row
            assert_terminal_safe(app)
            await pilot.press("t")  # a pasted essay as a note: refused, said so, the desk carries on
            await settle(pilot)
            app.screen.query_one(Input).value = huge
            await pilot.press("enter")
            await settle(pilot)
            # Refused inside the dialog, which stays open with the text as typed (control characters as placeholders).
            assert "longer than" in widget_text(app.screen.query_one("#dialog-error", Label))
            assert len(app.screen.query_one(Input).value) >= len(huge)
            await pilot.press("escape")
            await settle(pilot)
            app.notify(huge)
            await settle(pilot)
            assert notice(huge) in toast_texts(app)
            assert_terminal_safe(app)
            assert_healthy(app)

    asyncio.run(scenario())
