"""Go to any case (g): type a reference, part of a name, an email, a phone number or words of the summary, and
the matching cases (any status, anyone's) are listed as you type; enter opens one.

The search runs off the UI thread a moment after the last key (FIND_DELAY), each one replacing the one before,
so a fast typist waits for one search, not one per key. Every word shown comes from the database and goes to
the list as literal content.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import LazyModule
from triage_tui.ui import format as fmt
from triage_tui.ui.dialogs.base import MarkedOptionList
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.session import Session
from triage_tui.ui.text import fit, line, one_line
from triage_tui.ui.widgets.literal_input import LiteralInput
from triage_tui.ui.work import off_thread

find_services = LazyModule("triage_tui.services.find")

# Wait this long after a key before searching: typing "smith" searches once, not five times.
FIND_DELAY = 0.1
LIMIT = 25
PROMPT = "Type a reference, part of a name, an email, a phone number or words of the summary"


def search_cases(ctx: ServiceContext, text: str) -> list[CaseView]:
    """The search, read straight from the SQLite file where it can be: the plain reader does its work inside
    SQLite, leaving the desk's own thread free to draw while it runs; elsewhere, the full service."""
    path = ctx.store.path
    found = find_services.quick_find(str(path), text, limit=LIMIT) if path is not None else None
    return found if found is not None else find_services.find_cases(ctx, text, limit=LIMIT)


def result_option(case: CaseView) -> Option:
    """Two lines: the case (reference, status, type, received), then who and what, each literal."""
    first = line(
        (fit(case.reference, 14), "bold"),
        " ",
        fit(fmt.status_label(case.status), 13),
        " ",
        fit(fmt.type_cell(case), 16),
        " received ",
        fmt.local(case.received_at, "%d/%m/%Y"),
    )
    second = line("  ", (one_line(case.customer_name, 80), "bold"), " · ", one_line(case.summary, 300))
    return Option(Content("\n").join([first, second]), id=case.reference)


class FindScreen(ModalScreen[None]):
    """The search box and its results; the focus stays in the box, the arrows move through the results."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="find.close"),
        Binding("down", "move(1)", "Next result", show=False),
        Binding("up", "move(-1)", "Previous result", show=False),
        Binding("pagedown", "move(10)", "Results down a page", show=False),
        Binding("pageup", "move(-10)", "Results up a page", show=False),
    ]

    def __init__(self, session: Session, feed: ChangeFeed) -> None:
        super().__init__()
        self.session = session
        self.feed = feed
        self.results: list[CaseView] = []
        self.shown_for: str | None = None  # the text the results on screen were found for
        self._timer: Timer | None = None
        self._open_when_found = False  # enter was pressed before the results for the text had come

    def compose(self) -> ComposeResult:
        with Vertical(id="find"):
            yield Label("Go to any case", id="find-title")
            yield LiteralInput(placeholder=PROMPT, id="find-text")
            yield Label(line(PROMPT), id="find-status")
            yield MarkedOptionList(id="find-results")
            yield Label("↑↓ choose · enter opens · escape closes", classes="hint")

    def on_mount(self) -> None:
        results = self.query_one("#find-results", OptionList)
        results.can_focus = False  # the focus stays in the box; the arrows reach the list through the screen
        results.display = False
        self.query_one("#find-text", Input).focus()

    # --- searching -------------------------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(FIND_DELAY, self.search)

    def typed(self) -> str:
        return self.query_one("#find-text", Input).value.strip()

    def search(self) -> None:
        self._timer = None
        text = self.typed()
        if not text:
            self._show(text, [])
            return
        ctx = self.session.ctx
        if ctx is None:
            self._status("Opening the database… the search follows in a moment.")
            self._timer = self.set_timer(0.5, self.search)
            return
        off_thread(
            self,
            lambda: search_cases(ctx, text),
            lambda found: self._show(text, found),
            group="find",
            exclusive=True,  # a newer search replaces an older one still running: its answer is dropped
            refused=lambda message: self._refused(text, message),
        )

    def _show(self, text: str, found: list[CaseView]) -> None:
        if text != self.typed():
            return  # typed on meanwhile: the search for the newer text is on its way
        self.results = found
        self.shown_for = text
        results = self.query_one("#find-results", OptionList)
        with self.app.batch_update():
            results.clear_options()
            results.add_options([result_option(case) for case in found])
            results.display = bool(found)
            if found:
                results.highlighted = 0
        if not text:
            self._status(PROMPT)
        elif not found:
            self._status(line("No case matches ", (repr(one_line(text, 80)), "bold")))
        else:
            more = f" (the {LIMIT} most relevant)" if len(found) >= LIMIT else ""
            self._status(f"{len(found)} case{'s' if len(found) != 1 else ''}{more}; enter opens the one marked ▸")
        self.post_message(self.Shown(text))
        if self._open_when_found:
            self._open_when_found = False
            self.open_chosen()

    def _refused(self, text: str, message: str) -> None:
        if text == self.typed():
            self._open_when_found = False
            self._status(message)

    def _status(self, text: str | Content) -> None:
        self.query_one("#find-status", Label).update(line(text) if isinstance(text, str) else text)

    # --- choosing --------------------------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        results = self.query_one("#find-results", OptionList)
        if not self.results:
            return
        current = results.highlighted or 0
        results.highlighted = max(0, min(len(self.results) - 1, current + step))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click on a result
        self.open_case(self.results[event.option_index].reference)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = self.typed()
        if not text:
            return
        if self.shown_for != text or self._timer is not None:
            # The results on screen are for other text: search now and open when they come.
            self._open_when_found = True
            if self._timer is not None:
                self._timer.stop()
            self.search()
            return
        self.open_chosen()

    def open_chosen(self) -> None:
        """The case whose reference was typed exactly, else the highlighted one."""
        text = self.typed().casefold()
        exact = next((case for case in self.results if case.reference.casefold() == text), None)
        if exact is not None:
            self.open_case(exact.reference)
            return
        index = self.query_one("#find-results", OptionList).highlighted
        if self.results and index is not None:
            self.open_case(self.results[index].reference)

    def open_case(self, reference: str) -> None:
        from triage_tui.ui.screens.case import CaseScreen

        self.dismiss(None)
        self.app.push_screen(CaseScreen(self.session, self.feed, reference))

    def action_close(self) -> None:
        self.dismiss(None)

    class Shown(Message):
        """Results are on screen for `text` (tests and the benchmark wait for it)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text
