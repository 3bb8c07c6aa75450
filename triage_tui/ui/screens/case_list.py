"""A list of cases with the highlighted one in detail beside it: the base of the queue and of My cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Header, Input, Label

from triage_tui.domain.errors import TriageError
from triage_tui.domain.queue import QueuePage, QueueQuery, urgency_key
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui.dialogs.filter import FilterDialog
from triage_tui.ui.screens.actions import CaseActions
from triage_tui.ui.text import line
from triage_tui.ui.widgets.case_table import CaseTable, ClockColumn, Column
from triage_tui.ui.widgets.detail import CaseDetail
from triage_tui.ui.widgets.key_bar import KeyBar
from triage_tui.ui.widgets.literal_input import LiteralInput

PAGE = 500
# Wait this long after the cursor stops before reading the highlighted case's history.
DETAIL_DELAY = 0.12


class CaseListScreen(CaseActions):
    """Subclasses set the columns, the clocks shown, and the query."""

    BINDINGS = [
        Binding("enter", "open_case", "Open", id="open"),
        Binding("slash", "search", "Search", id="search"),
        Binding("f", "filter", "Filter", id="filter"),
        Binding("escape", "clear", "Clear search", show=False, id="clear"),
    ]
    list_name = ""
    columns: tuple[Column, ...] = ()
    clock_columns: tuple[ClockColumn, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.query_state = QueueQuery()  # set from base_query() once mounted, when the officer is known
        self.total = 0
        self.page_bands: dict[str, int] = {}  # bands over every match, when more match than are shown
        self._detail_timer: Timer | None = None

    # --- what each list is ---------------------------------------------------------------------------------------

    def base_query(self) -> QueueQuery:
        return QueueQuery()

    def make_table(self) -> CaseTable:
        return CaseTable(self.columns, self.clock_columns, self.desk.policy, id="cases")

    # --- layout ---------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield LiteralInput(
            placeholder="Search reference, customer or summary; enter to search, escape to clear", id="search"
        )
        yield Label("Loading…", id="list-status")
        with Horizontal(id="split"):
            with Vertical(id="list-pane"):
                yield self.make_table()
            yield CaseDetail(self.desk.policy, id="detail")
        yield KeyBar()

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    def current_case(self) -> CaseView | None:
        return self.table.current

    def on_mount(self) -> None:
        self.query_state = self.base_query()
        self.query_one("#search", Input).display = False
        self.desk.live_views.add(self)
        first = self.desk.first_page
        if first is not None and self.query_state == QueueQuery():
            self.desk.first_page = None
            self._show_page(self.query_state, first)
        else:
            self.reload()

    def on_unmount(self) -> None:
        self.desk.live_views.discard(self)

    def on_screen_resume(self) -> None:
        self.table.focus()
        self.tick(self.desk.now())

    def on_resize(self) -> None:
        # Side by side on a wide terminal, the detail under the list on a narrow one.
        self.query_one("#split").set_class(self.size.width < 200, "stacked")

    # --- reading ----------------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list afresh (a new search or filter)."""
        app = self.desk
        query = self.query_state
        if not app.ready():
            return

        app.off_thread(
            self,
            lambda: desk_services.queue_page(app.ctx, query, limit=PAGE),
            lambda page: self._show_page(query, page),
            group="list",
            exclusive=True,
        )

    def _show_page(self, query: QueueQuery, page: QueuePage) -> None:
        if query != self.query_state:
            return  # a newer search is on its way
        now = self.desk.now()
        self.total = page.total
        self.page_bands = {band.value.replace("_", " "): n for band, n in page.bands.items()}
        ranks = page.ranks
        self.table.load(page.rows, lambda case: ranks.get(case.id) or self._rank(case), now)
        self._update_status()
        self._schedule_detail()
        self.desk.settled()
        self.post_message(self.Loaded())

    def _rank(self, case: CaseView) -> tuple[datetime, int]:
        return urgency_key(case, self.desk.policy, self.desk.now())

    def cases_changed(self, rows: list[CaseView]) -> None:
        """Live changes from the poll (or this desk's own action)."""
        now = self.desk.now()
        policy = self.desk.policy
        before = len(self.table.cases)
        added, removed = self.table.apply(rows, lambda c: self.query_state.matches(c, policy, now), self._rank, now)
        self.total = max(0, self.total + len(added) - len(removed)) if before < PAGE else self.total
        self._update_status()
        current = self.current_case()
        detail = self.query_one(CaseDetail)
        if current is not None and any(r.id == current.id for r in rows):
            self._schedule_detail()
        elif current is None:
            detail.show(None, now)

    def tick(self, now: datetime) -> None:
        if self.table.tick(now):
            self._update_status()
        self.query_one(CaseDetail).refresh_body(now)

    def _update_status(self) -> None:
        shown = len(self.table.cases)
        base = self.base_query()
        shown_query = replace(self.query_state, officer=None) if self.query_state.officer == base.officer else None
        described = (shown_query or self.query_state).describe()
        text = f"{self.list_name}: {self.total} case{'s' if self.total != 1 else ''}"
        if described:
            text += f" {described}"
        # All matches are on screen: count live from the rows; else the counts read with the page.
        bands = self.table.band_counts() if shown >= self.total else self.page_bands
        counts = ", ".join(
            f"{bands.get(band, 0)} {band}" for band in ("breached", "overdue", "due soon") if bands.get(band)
        )
        if counts:
            text += f" · {counts}"
        if shown < self.total:
            text += f" · showing the {shown} most urgent (search or filter to narrow)"
        # The description quotes the search and the cohort as typed: literal content, like every typed text.
        status = self.query_one("#list-status", Label)
        drawn = line(text)
        if str(status.content) != drawn.plain:
            status.update(drawn, layout=False)  # one line, always: no layout pass needed

    # --- the highlighted case in detail -------------------------------------------------------------------------

    def connected(self) -> None:
        """The full store is open: read the history of the highlighted case."""
        self._schedule_detail()

    def on_case_table_highlighted(self, event: CaseTable.Highlighted) -> None:
        self._schedule_detail()

    def on_case_table_selected(self, event: CaseTable.Selected) -> None:
        # The list takes enter itself (as "select"); selecting a row opens it.
        event.stop()
        self.action_open_case()

    def _schedule_detail(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._load_detail)

    def _load_detail(self) -> None:
        case = self.current_case()
        app = self.desk
        if case is None or app.ctx is None:
            # Until the store is open, show what the list holds; the history follows (connected).
            self.query_one(CaseDetail).show(case, app.now())
            return
        reference = case.reference

        def work() -> None:
            try:
                full = case_services.get_case(app.ctx, reference)
            except TriageError:
                return  # gone meanwhile; the next poll removes the row
            app.call_from_thread(self._show_detail, full)

        self.run_worker(work, thread=True, group="detail", exclusive=True, exit_on_error=False)

    def _show_detail(self, case: CaseView) -> None:
        current = self.current_case()
        if current is not None and current.id == case.id:
            self.query_one(CaseDetail).show(case, self.desk.now())

    # --- search, filter, open --------------------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        event.stop()
        text = event.value.strip() or None
        self.query_state = replace(self.query_state, search=text)
        if text is None:
            event.input.display = False
        self.table.focus()
        self.reload()

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        if box.display or self.query_state != self.base_query():
            box.value = ""
            box.display = False
            self.query_state = self.base_query()
            self.table.focus()
            self.reload()

    def action_filter(self) -> None:
        def chosen(query: QueueQuery | None) -> None:
            if query is not None:
                self.query_state = query
                self.reload()

        self.app.push_screen(FilterDialog(self.query_state, self.base_query(), self.desk.officer_names), chosen)

    def action_open_case(self) -> None:
        case = self._target()
        if case is not None:
            from triage_tui.ui.screens.case import CaseScreen

            self.app.push_screen(CaseScreen(case.reference))

    class Loaded(Message):
        """The list has been read afresh."""
