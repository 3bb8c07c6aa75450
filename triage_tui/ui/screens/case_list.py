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

from triage_tui.domain.queue import QueuePage, QueueQuery, urgency_key
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui.dialogs.filter import FilterDialog
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.screens.actions import CaseActions
from triage_tui.ui.session import Session
from triage_tui.ui.text import line
from triage_tui.ui.widgets.case_table import CaseTable, ClockColumn, Column
from triage_tui.ui.widgets.detail import CaseDetail
from triage_tui.ui.widgets.key_bar import KeyBar
from triage_tui.ui.widgets.literal_input import LiteralInput
from triage_tui.ui.work import off_thread

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

    def __init__(self, session: Session, feed: ChangeFeed, first_page: QueuePage | None = None) -> None:
        super().__init__(session, feed)
        self.query_state = self.base_query()
        self.first_page = first_page  # read before the desk started (the queue's first frame)
        self.total = 0
        self.page_bands: dict[str, int] = {}  # bands over every match, when more match than are shown
        self._detail_timer: Timer | None = None
        self._move_off: tuple[str, str] | None = None  # (case acted on, case to highlight next): see acted

    # --- what each list is ---------------------------------------------------------------------------------------

    def base_query(self) -> QueueQuery:
        return QueueQuery()

    def make_table(self) -> CaseTable:
        return CaseTable(self.columns, self.clock_columns, self.session.policy, id="cases")

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
            yield CaseDetail(self.session.policy, id="detail")
        yield KeyBar()

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    def current_case(self) -> CaseView | None:
        return self.table.current

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        self.feed.listen(self, changed=self.cases_changed, ticked=self.tick, opened=self.connected)
        first, self.first_page = self.first_page, None
        if first is not None and self.query_state == QueueQuery():
            self._show_page(self.query_state, first)
        else:
            self.reload()

    def on_screen_resume(self) -> None:
        self.table.focus()
        self.tick(self.session.now())

    def on_resize(self) -> None:
        # Side by side on a wide terminal, the detail under the list on a narrow one.
        self.query_one("#split").set_class(self.size.width < 200, "stacked")

    # --- reading ----------------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list afresh (a new search or filter)."""
        query = self.query_state
        ctx = self.ready()
        if ctx is None:
            return
        off_thread(
            self,
            lambda: desk_services.queue_page(ctx, query, limit=PAGE),
            lambda page: self._show_page(query, page),
            group="list",
            exclusive=True,
        )

    def _show_page(self, query: QueueQuery, page: QueuePage) -> None:
        if query != self.query_state:
            return  # a newer search is on its way
        now = self.session.now()
        self.total = page.total
        self.page_bands = {band.value.replace("_", " "): n for band, n in page.bands.items()}
        ranks = page.ranks
        self.table.load(page.rows, lambda case: ranks.get(case.id) or self._rank(case), now)
        self._update_status()
        self._schedule_detail()
        settled = getattr(self.app, "settled", None)
        if settled is not None:
            settled()  # the first list is on screen
        self.post_message(self.Loaded())

    def _rank(self, case: CaseView) -> tuple[datetime, int]:
        return urgency_key(case, self.session.policy, self.session.now())

    def cases_changed(self, rows: list[CaseView]) -> None:
        """Live changes from the poll (or this desk's own action)."""
        now = self.session.now()
        policy = self.session.policy
        before = len(self.table.cases)
        added, removed = self.table.apply(rows, lambda c: self.query_state.matches(c, policy, now), self._rank, now)
        self.total = max(0, self.total + len(added) - len(removed)) if before < PAGE else self.total
        self._update_status()
        self._moved_off()
        current = self.current_case()
        detail = self.query_one(CaseDetail)
        if current is not None and any(r.id == current.id for r in rows):
            self._schedule_detail()
        elif current is None:
            detail.show(None, now)

    def acted(self, view: CaseView, message: str) -> None:
        # The case below the one acted on (or above, at the end), as the list is now: once the change is in,
        # the highlight goes there, so the keys act on a case that still needs work, not the one just done.
        order, row = self.table.order, self.table.cursor_row
        current = self.current_case()
        if current is not None and current.id == view.id and len(order) > 1:
            self._move_off = (view.reference, order[row + 1] if row + 1 < len(order) else order[row - 1])
        super().acted(view, message)

    def _moved_off(self) -> None:
        if self._move_off is None:
            return
        done, following = self._move_off
        self._move_off = None
        current = self.current_case()
        if current is not None and current.reference == done:
            self.table.focus_case(following)

    def tick(self, now: datetime) -> None:
        if not self.is_current:
            return  # a screen out of sight catches up when it is shown again (on_screen_resume)
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

    def connected(self, session: Session) -> None:
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
        self._detail_timer = None
        case = self.current_case()
        ctx = self.session.ctx
        if case is None or ctx is None:
            # Until the store is open, show what the list holds; the history follows (connected).
            self.query_one(CaseDetail).show(case, self.session.now())
            return
        reference = case.reference
        off_thread(
            self,
            lambda: case_services.get_case(ctx, reference),
            self._show_detail,
            group="detail",
            exclusive=True,
            refused=lambda message: None,  # gone meanwhile; the next poll removes the row
        )

    def _show_detail(self, case: CaseView) -> None:
        current = self.current_case()
        if current is not None and current.id == case.id:
            self.query_one(CaseDetail).show(case, self.session.now())

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

        self.app.push_screen(FilterDialog(self.query_state, self.base_query(), self.session.roster.names), chosen)

    def action_open_case(self) -> None:
        case = self._target()
        if case is not None:
            from triage_tui.ui.screens.case import CaseScreen

            self.app.push_screen(CaseScreen(self.session, self.feed, case.reference))

    class Loaded(Message):
        """The list has been read afresh."""
