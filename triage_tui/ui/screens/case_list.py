"""A list of cases with the highlighted one in detail beside it: the base of the queue and of My cases.

The officer orders it by any column (a click on the heading, or `o`), filters it (`f`), and finds both as they
left them next time (kept per officer through services/preferences.py). Space ticks cases; with ticks,
classify, allocate and close open one dialog for all of them (services/batch.py runs it case by case)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Header, Input, Label

from triage_tui.domain.queue import QueuePage, QueueQuery, urgency_key
from triage_tui.domain.sorting import (
    SORTABLE,
    Sort,
    case_sort_key,
    filter_from_json,
    filter_to_json,
    next_sort,
    sort_from_json,
)
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import LazyModule
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.screens.actions import CaseActions
from triage_tui.ui.session import Session
from triage_tui.ui.text import line
from triage_tui.ui.widgets.case_table import CaseTable, ClockColumn, Column
from triage_tui.ui.widgets.detail import CaseDetail
from triage_tui.ui.widgets.key_bar import KeyBar
from triage_tui.ui.widgets.literal_input import LiteralInput
from triage_tui.ui.work import off_thread

if TYPE_CHECKING:
    from triage_tui.services.batch import BatchResult
    from triage_tui.ui.dialogs.base import ActionDialog

# Imported on first use, like the other services (services/lazy.py).
sorted_queue = LazyModule("triage_tui.services.sorted_queue")
preferences = LazyModule("triage_tui.services.preferences")
batch_services = LazyModule("triage_tui.services.batch")
# The filter, order and batch dialogs too: not needed for the first frame.
batch_dialogs = LazyModule("triage_tui.ui.dialogs.batch")
filter_dialogs = LazyModule("triage_tui.ui.dialogs.filter")

PAGE = 500
# The actions that act on every ticked case at once, when some are ticked.
BATCH_ACTIONS = ("classify", "allocate", "close")
# Wait this long after the cursor stops before reading the highlighted case's history.
DETAIL_DELAY = 0.12


class CaseListScreen(CaseActions):
    """Subclasses set the columns, the clocks shown, and the query."""

    BINDINGS = [
        Binding("enter", "open_case", "Open", id="open"),
        Binding("slash", "search", "Search", id="search"),
        Binding("f", "filter", "Filter", id="filter"),
        Binding("o", "order", "Order", id="order"),
        Binding("space", "tick", "Tick", id="tick"),
        Binding("p", "open_duplicate", "Open duplicate", id="case.duplicate"),
        Binding("escape", "clear", "Clear ticks or search", show=False, id="clear"),
    ]
    # The list has the focus from the start (on_screen_resume gives it back on each return): not the search box,
    # Textual's first focusable widget, which would take it and lose it again and cost the first frame a restyle.
    AUTO_FOCUS = "#cases"
    list_name = ""
    settings_name = ""  # the name its filter and sort are kept under, per officer ("queue": queue.filter...)
    columns: tuple[Column, ...] = ()
    clock_columns: tuple[ClockColumn, ...] = ()

    def __init__(self, session: Session, feed: ChangeFeed, first_page: QueuePage | None = None) -> None:
        super().__init__(session, feed)
        self.query_state = self.base_query()
        self.sort: Sort | None = None
        # Whether the kept filter and sort have been read (once, when the list first loads), and whether the
        # officer changed either meanwhile (then what they chose stands).
        self._settings_read = False
        self._settings_touched = False
        self._from_top = False
        self.first_page = first_page  # read before the desk started (the queue's first frame)
        self.shown_once = False  # a page has been shown (until then the status says "Loading…")
        self.total = 0
        self.page_bands: dict[str, int] = {}  # bands over every match, when more match than are shown
        self._detail_timer: Timer | None = None
        self._move_off: tuple[str, str] | None = None  # (case acted on, case to highlight next): see acted
        self._meanwhile: list[CaseView] | None = None  # changes published while a page is being read (reload)

    # --- what each list is ---------------------------------------------------------------------------------------

    def base_query(self) -> QueueQuery:
        return QueueQuery()

    def make_table(self) -> CaseTable:
        return CaseTable(self.columns, self.clock_columns, self.session.policy, id="cases")

    @property
    def sortable(self) -> list[tuple[str, str]]:
        """The list's columns it can be ordered by, left to right as shown: (key, heading)."""
        first, *rest = self.columns
        keys = [(first.key, first.label), *((key, label) for key, label, _ in self.clock_columns)]
        keys += [(c.key, c.label) for c in rest]
        return [(key, label) for key, label in keys if key in SORTABLE]

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
            yield CaseDetail(self.session.policy, id="detail", duplicate_key=self.duplicate_key())
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
            self._show_page(self.query_state, None, first)
            if self.session.ctx is not None:
                self._read_settings()
        elif self.session.ctx is not None:
            self.reload(with_settings=True)
        # Else the status says "Loading…" until the store is open: connected() reads the list then.

    def on_screen_resume(self) -> None:
        self.table.focus()
        self.tick(self.session.now())

    def on_resize(self) -> None:
        # Side by side on a wide terminal, the detail under the list on a narrow one.
        self.query_one("#split").set_class(self.size.width < 200, "stacked")

    # --- reading ----------------------------------------------------------------------------------------------------

    def reload(self, *, with_settings: bool = False) -> None:
        """Read the list afresh (a new search, filter or sort); first the officer's kept filter and sort, when
        the list first loads with the store open (one read, not the default list and then theirs)."""
        query, sort = self.query_state, self.sort
        ctx = self.ready()
        if ctx is None:
            return
        if with_settings:
            self._settings_read = True
        who, name, base = self.session.username, self.settings_name, self.base_query()

        def read() -> tuple[QueueQuery, Sort | None, QueuePage]:
            kept_query, kept_sort = query, sort
            if with_settings and name:
                kept_query, kept_sort = kept_settings(ctx, who, name, base, self._sortable_keys())
            return kept_query, kept_sort, sorted_queue.sorted_queue_page(ctx, kept_query, kept_sort, limit=PAGE)

        # Changes published while the page is being read (this desk's own save, a poll) may be newer than the
        # page: they are applied again once it is shown, so a read begun before them cannot hide them.
        meanwhile: list[CaseView] = []
        self._meanwhile = meanwhile

        def show(answer: tuple[QueueQuery, Sort | None, QueuePage]) -> None:
            kept_query, kept_sort, page = answer
            if with_settings and not self._settings_touched:
                self.query_state, self.sort = kept_query, kept_sort
            self._show_page(kept_query, kept_sort, page)
            if self._meanwhile is meanwhile:
                self._meanwhile = None
                shown = {row.id: row.version for row in page.rows}
                newer = [row for row in meanwhile if row.version > shown.get(row.id, 0)]
                if newer and (kept_query, kept_sort) == (self.query_state, self.sort):
                    self.cases_changed(newer)

        off_thread(self, read, show, group="list", exclusive=True)

    def _sortable_keys(self) -> set[str]:
        return {key for key, _ in self.sortable}

    def _read_settings(self) -> None:
        """The officer's kept filter and sort, once; the list is read again only if they differ from it."""
        if self._settings_read or not self.settings_name:
            return
        self._settings_read = True
        ctx = self.session.ctx
        if ctx is None:
            return
        who, name, base, keys = self.session.username, self.settings_name, self.base_query(), self._sortable_keys()

        def adopt(kept: tuple[QueueQuery, Sort | None]) -> None:
            if self._settings_touched or kept == (self.query_state, self.sort):
                return
            self.query_state, self.sort = kept
            self._from_top = True  # a different list from the one first shown: start at its top
            self.reload()

        off_thread(
            self,
            lambda: kept_settings(ctx, who, name, base, keys),
            adopt,
            group="settings",
            refused=lambda message: None,  # the desk shows its defaults; the officer's own reads say what is wrong
        )

    def _keep_settings(self) -> None:
        """Save the filter and sort as they are now for next time, off the UI thread."""
        self._settings_touched = True
        ctx = self.session.ctx
        if ctx is None or not self.settings_name:
            return
        who, name = self.session.username, self.settings_name
        kept_filter = filter_to_json(self.query_state, self.base_query())
        kept_sort = self.sort.to_json() if self.sort is not None else None

        def save() -> None:
            preferences.save(ctx, who, f"{name}.filter", kept_filter)
            preferences.save(ctx, who, f"{name}.sort", kept_sort)

        off_thread(
            self.app,
            save,
            lambda _: None,
            group=f"settings-{name}",
            refused=lambda message: self.notify(f"Your filter and order were not kept: {message}", severity="warning"),
        )

    def _show_page(self, query: QueueQuery, sort: Sort | None, page: QueuePage) -> None:
        if query != self.query_state or sort != self.sort:
            return  # a newer search is on its way
        now = self.session.now()
        self.shown_once = True
        self.total = page.total
        self.page_bands = {band.value.replace("_", " "): n for band, n in page.bands.items()}
        ranks = page.ranks
        policy = self.session.policy
        self.table.show_sort(sort)
        self.table.load(
            page.rows,
            lambda case: case_sort_key(sort, case, policy, now, ranks.get(case.id) or self._urgency(case)),
            now,
        )
        if self._from_top:
            self._from_top = False
            self.table.move_cursor(0)
        self._update_status()
        self._schedule_detail()
        settled = getattr(self.app, "settled", None)
        if settled is not None:
            settled()  # the first list is on screen
        self.post_message(self.Loaded())

    def _urgency(self, case: CaseView) -> tuple[datetime, int]:
        return urgency_key(case, self.session.policy, self.session.now())

    def _rank(self, case: CaseView) -> Any:
        """The case's place in the list as it is sorted now."""
        now = self.session.now()
        return case_sort_key(self.sort, case, self.session.policy, now, urgency_key(case, self.session.policy, now))

    def cases_changed(self, rows: list[CaseView]) -> None:
        """Live changes from the poll (or this desk's own action)."""
        if self._meanwhile is not None:
            self._meanwhile.extend(rows)
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
        # What the officer is about to act on comes first, so it shows on the narrowest terminal too.
        ticked = len(self.table.marks or ())
        if ticked:
            text += f" · {ticked} ticked"
        # All matches are on screen: count live from the rows; else the counts read with the page.
        bands = self.table.band_counts() if shown >= self.total else self.page_bands
        counts = ", ".join(
            f"{bands.get(band, 0)} {band}" for band in ("breached", "overdue", "due soon") if bands.get(band)
        )
        if counts:
            text += f" · {counts}"
        if self.sort is not None:
            text += f" · {self.sort.describe()}"
        if shown < self.total:
            first = "most urgent" if self.sort is None else "first"
            text += f" · showing the {shown} {first} (search or filter to narrow)"
        if ticked:
            text += " · c, l, x act on every ticked case; escape clears the ticks"
        # The description quotes the search and the cohort as typed: literal content, like every typed text.
        status = self.query_one("#list-status", Label)
        drawn = line(text)
        if str(status.content) != drawn.plain:
            status.update(drawn, layout=False)  # one line, always: no layout pass needed

    # --- the highlighted case in detail -------------------------------------------------------------------------

    def connected(self, session: Session) -> None:
        """The full store is open: read the list if it could not be read before (shown before the store was
        open), else the history of the highlighted case and the officer's kept settings."""
        if not self._settings_read and not self.shown_once:
            self.reload(with_settings=True)
            return
        self._schedule_detail()
        self._read_settings()

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
        tables = self.query(CaseTable)
        if not tables:  # the screen's widgets are being taken down (the desk closing): nobody to show it to
            return
        current = tables.first().current
        if current is not None and current.id == case.id:
            self.query_one(CaseDetail).show(case, self.session.now())
            self.refresh_bindings()  # the duplicate's key is offered while the case shown has one

    def shown_case(self) -> CaseView | None:
        """The highlighted case as read whole for the pane beside the list (with its related cases)."""
        shown = self.query_one(CaseDetail).case
        current = self.current_case()
        if shown is None or current is None or shown.id != current.id:
            return None
        return shown

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
        self._settings_touched = True
        if text is None:
            event.input.display = False
        self.table.focus()
        self.reload()

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        if self.table.marks and not box.has_focus:
            self.clear_ticks()
            return
        if box.display or self.query_state != self.base_query():
            box.value = ""
            box.display = False
            filtered = replace(self.query_state, search=None) != self.base_query()
            self.query_state = self.base_query()
            self.table.focus()
            if filtered:
                self._keep_settings()
            self._settings_touched = True
            self.reload()

    def action_filter(self) -> None:
        def chosen(query: QueueQuery | None) -> None:
            if query is not None:
                self.query_state = query
                self._keep_settings()
                self.reload()

        self.app.push_screen(
            filter_dialogs.FilterDialog(self.query_state, self.base_query(), self.session.roster.names), chosen
        )

    # --- order ------------------------------------------------------------------------------------------------------

    def on_case_table_header_clicked(self, event: CaseTable.HeaderClicked) -> None:
        event.stop()
        if event.column in self._sortable_keys():
            self.order_by(event.column)

    def action_order(self) -> None:
        def chosen(column: str | None) -> None:
            if column is not None:
                self.order_by(column)

        self.app.push_screen(filter_dialogs.OrderDialog(self.sortable, self.sort), chosen)

    def order_by(self, column: str) -> None:
        """Order by `column`: ascending, then descending, then back to the default (most urgent first)."""
        self.sort = None if column == filter_dialogs.DEFAULT_ORDER else next_sort(self.sort, column)
        self._keep_settings()
        self.table.show_sort(self.sort)
        if len(self.table.cases) >= self.total:
            # Every match is on screen: ordered here at once, exactly as the services would.
            self.table.resort(self._rank)
            self._update_status()
        else:
            self.reload()

    # --- ticks and the actions on all of them ---------------------------------------------------------------------

    def action_tick(self) -> None:
        """Tick or untick the highlighted case, and go to the next, so a run of cases is ticked key by key."""
        table = self.table
        if table.current is None:
            return
        if table.marks is None:
            table.set_marks(set())
        table.toggle_mark()
        if not table.marks:
            table.set_marks(None)
        table.action_cursor(1)
        self._update_status()

    def clear_ticks(self) -> None:
        self.table.set_marks(None)
        self._update_status()

    def ticked(self) -> list[CaseView]:
        """The ticked cases, in the list's order, as the desk last read them."""
        marks = self.table.marks or set()
        return [self.table.cases[ref] for ref in self.table.order if ref in marks]

    def action_case(self, name: str) -> None:
        ticked = self.ticked()
        if not ticked or name not in BATCH_ACTIONS:
            super().action_case(name)
            return
        ctx = self.ready()
        if ctx is None:
            return
        if name == "allocate":
            off_thread(
                self,
                lambda: desk_services.officer_loads(ctx),
                lambda loads: self._ask_batch(batch_dialogs.BatchAllocateDialog(ticked, loads), name),
                group="dialog-data",
                exclusive=True,
            )
        elif name == "classify":
            self._ask_batch(batch_dialogs.BatchClassifyDialog(ticked), name)
        else:
            self._ask_batch(batch_dialogs.BatchCloseDialog(ticked), name)

    def _ask_batch(self, dialog: ActionDialog[Any], name: str) -> None:
        # The versions the officer chose at: a case changed since is reported, not overwritten.
        chosen = [(case.reference, case.version) for case in dialog.cases]  # type: ignore[attr-defined]
        dialog.tz = self.session.policy.timezone  # a typed "When" is read in the desk's time zone

        def save(answer: Any) -> None:
            ctx = self.session.ctx
            if ctx is None:
                dialog.refused("The database is still opening; try again in a moment.")
                return
            who = self.session.username

            asked = dialog.asked  # the reason (a correction) and when it happened, read with the answer

            def call() -> BatchResult:
                if name == "classify":
                    return batch_services.classify(ctx, who, chosen, answer, reason=asked.reason, at=asked.at)
                if name == "allocate":
                    return batch_services.allocate(ctx, who, chosen, answer, at=asked.at)
                return batch_services.close(
                    ctx, who, chosen, answer.reason, duplicate_of=answer.duplicate_of, note=answer.note, at=asked.at
                )

            def ended() -> None:
                dialog.saving = False

            off_thread(
                self.app,
                call,
                lambda result: self._batch_done(dialog, result),
                group="save",
                refused=dialog.refused,
                waiting=self.wait_notice(),
                always=ended,
            )

        dialog.save = save
        self.app.push_screen(dialog)

    def _batch_done(self, dialog: ActionDialog[Any], result: BatchResult) -> None:
        dialog.saved(None)
        self.feed.publish(result.saved)
        done = {r.reference for r in result.results if r.outcome == "done"}
        marks = self.table.marks
        if marks is not None:
            # What was done is unticked; what was not stays ticked, to look at and try again.
            marks -= done
            self.table.set_marks(marks or None)
        self._update_status()
        if len(done) == len(result.results):
            self.notify(result.summary())
            return
        self.feed.refresh_now()  # the rows show what the database holds now
        self.notify(result.summary(), severity="warning", title="Not every case", timeout=15)
        self.app.push_screen(batch_dialogs.BatchReport(result))

    def action_open_case(self) -> None:
        case = self._target()
        if case is not None:
            from triage_tui.ui.screens.case import CaseScreen

            self.app.push_screen(CaseScreen(self.session, self.feed, case.reference))

    class Loaded(Message):
        """The list has been read afresh."""


def kept_settings(
    ctx: ServiceContext, who: str, name: str, base: QueueQuery, columns: set[str]
) -> tuple[QueueQuery, Sort | None]:
    """The officer's kept filter and sort for a list (off the UI thread); anything that no longer reads gives
    the list's default instead."""
    query = filter_from_json(preferences.load(ctx, who, f"{name}.filter"), base) or base
    return query, sort_from_json(preferences.load(ctx, who, f"{name}.sort"), columns)
