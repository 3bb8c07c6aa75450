"""A list of cases drawn line by line, that stays put while it changes underneath the officer.

Textual's DataTable renders every cell through Rich and re-renders whole rows on any change; for a queue whose
countdowns change every minute that cost more than a frame. This widget keeps the cases as plain objects and
builds each visible line from a handful of segments when it is drawn, so:
- loading a page of cases costs next to nothing (no per-cell objects);
- a countdown tick recomputes only the rows on screen, and repaints only when some text changed;
- changes are applied by reference: updated in place, added, removed, re-sorted only when the order changed,
  with the cursor kept on the same case and the scroll position kept.
Segments go to the terminal as they are, so every cell is made literal and fitted to its column first (text.fit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from triage_tui.domain.clock import Band, CaseClocks, Clock
from triage_tui.domain.policy import Policy
from triage_tui.domain.sorting import Sort
from triage_tui.domain.views import CaseView
from triage_tui.ui import format as fmt
from triage_tui.ui.text import fit, one_line


def fit_right(text: str, width: int) -> str:
    """A countdown right-aligned in its column (or cut with an ellipsis, never silently)."""
    return text.rjust(width) if len(text) <= width else fit(text, width)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # what it needs to read well
    cell: Callable[[CaseView, datetime], str]
    least: int = 0  # the narrowest it may be squeezed to before it gives way (0: its width)


# (column key, heading, which clock of the case it counts down)
ClockColumn = tuple[str, str, Callable[[CaseClocks], Clock | None]]


# How the columns every list shares read, by key. A list that names one of these keys gets this definition
# (labels, never codes; widths that fit the longest label), whatever it passed: the lists read alike.
STANDARD: dict[str, Column] = {
    column.key: column
    for column in (
        Column("reference", "Reference", 11, lambda c, now: c.reference),
        Column("received", "Received", 11, lambda c, now: fmt.short(c.received_at)),
        Column("channel", "Channel", 9, lambda c, now: fmt.channel_label(c.channel)),
        Column("customer", "Customer", 16, lambda c, now: c.customer_name, least=12),
        Column("summary", "Summary", 30, lambda c, now: c.summary, least=12),
        # A later stage after the type ("Corporate · 2"); a stage-1 case reads as before.
        Column("type", "Type", 13, lambda c, now: fmt.type_cell(c)),
        Column("status", "Status", 12, lambda c, now: c.status.label, least=9),
        Column("holder", "Officer", 14, lambda c, now: fmt.holder(c, now), least=10),
        Column("acked", "Acknowledged", 12, lambda c, now: fmt.short(c.acknowledged_at) if c.acknowledged_at else ""),
    )
}

# Which columns give way first as the list narrows: a lower number stays longer. The reference, the countdowns,
# the customer and the type always stay; a column not named here goes before the named ones.
PRIORITY = {
    "reference": 0,
    "customer": 0,
    "type": 0,
    "summary": 1,
    "holder": 2,
    "status": 3,
    "acked": 4,
    "received": 5,
    "channel": 6,
}
ALWAYS = 0
UNNAMED = 7
# Room left once every column that fits has its width goes to the first of these shown (a longer summary reads
# better than blank space); the customer stops growing at CUSTOMER_MOST.
GROWS = ("summary", "customer")
CUSTOMER_MOST = 30
SQUEEZE = ("customer", "type")
FLOOR = 8


def pick(*keys: str) -> tuple[Column, ...]:
    """The shared columns by key, in the order given."""
    return tuple(STANDARD[key] for key in keys)


# The countdown columns come right after the reference, so they stay in view beside it.
QUEUE_COLUMNS = pick("reference", "received", "channel", "customer", "summary", "type", "status", "holder")
MY_COLUMNS = pick("reference", "received", "customer", "summary", "type", "status", "acked")
CLOCK_WIDTH = 16
# Between columns: two spaces where there is room, one on a narrow list.
GAP = 2
NARROW_GAP = 1
ROOMY = 120

Slot = tuple[str, str, int]  # (column key, heading, width)


def rank(key: str) -> int:
    return PRIORITY.get(key, UNNAMED)


def arrange(columns: list[tuple[str, str, int, int, int]], room: int) -> tuple[list[Slot], int]:
    """The columns that fit in `room` cells and their widths, and the gap between them.

    `columns` are (key, heading, width, least, priority) in the order shown. Columns give way in priority
    order, lowest first and never the ALWAYS ones, so what is shown never depends on which narrow column happens
    to fit. A column comes in only if the columns before it in priority keep their full widths: a readable
    summary is worth more than one more squeezed column. Each shown column is then widened towards its own
    width, the higher priorities first, and what is left goes to the summary (or the customer).
    """
    gap = GAP if room >= ROOMY else NARROW_GAP
    least = [lo or width for _, _, width, lo, _ in columns]
    order = sorted(range(len(columns)), key=lambda i: (columns[i][4], i))
    shown = {i for i in order if columns[i][4] == ALWAYS}
    used = sum(least[i] + gap for i in shown)
    # Too narrow even for the columns that always stay (a pane of the split view): the customer, then the type,
    # give up more before anything is cut off at the edge.
    for key in SQUEEZE:
        for i in shown:
            if columns[i][0] == key and used > room:
                less = min(used - room, least[i] - FLOOR)
                if less > 0:
                    least[i] -= less
                    used -= less
    full = sum(columns[i][2] + gap for i in shown)
    for i in order:
        if i in shown:
            continue
        if full + least[i] + gap > room:
            break
        shown.add(i)
        used += least[i] + gap
        full += columns[i][2] + gap
    widths = {i: least[i] for i in shown}
    spare = room - used
    for i in order:
        if i in shown and spare > 0:
            more = min(spare, columns[i][2] - widths[i])
            widths[i] += more
            spare -= more
    for key in GROWS:
        grower = next((i for i in shown if columns[i][0] == key), None)
        if grower is not None and spare > 0:
            most = CUSTOMER_MOST if key == "customer" else widths[grower] + spare
            more = max(0, min(spare, most - widths[grower]))
            widths[grower] += more
            spare -= more
            break
    return [(columns[i][0], columns[i][1], widths[i]) for i in sorted(shown)], gap


# A row's place in the list: any key that orders (the default is (due, id), most urgent first).
Rank = Callable[[CaseView], Any]

BAND_STYLE = {band: Style.parse(style) for band, style in fmt.BAND_STYLES.items() if band is not None}


class _LazyClocks(dict[str, CaseClocks]):
    """Each case's clocks, derived the first time the row is drawn or counted, not for every row on load."""

    def __init__(self, cases: dict[str, CaseView], policy: Policy) -> None:
        super().__init__()
        self.cases = cases
        self.policy = policy

    def __missing__(self, ref: str) -> CaseClocks:
        clocks = self[ref] = self.cases[ref].clocks(self.policy)
        return clocks


class CaseTable(ScrollView, can_focus=True):
    """Cases, one line each, with live countdowns beside the reference."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES = {"case-table--header", "case-table--cursor", "case-table--odd", "case-table--even"}
    DEFAULT_CSS = """
    CaseTable {
        height: 1fr;
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    CaseTable > .case-table--header { background: $panel; text-style: bold; }
    CaseTable > .case-table--even { background: $surface; }
    CaseTable > .case-table--odd { background: $surface-lighten-1; }
    CaseTable > .case-table--cursor { background: $secondary 40%; text-style: bold; }
    CaseTable:focus > .case-table--cursor { background: $accent; color: $text; text-style: bold; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        def __init__(self, table: CaseTable, case: CaseView | None) -> None:
            super().__init__()
            self.table = table
            self.case = case

    class Selected(Message):
        def __init__(self, table: CaseTable, case: CaseView) -> None:
            super().__init__()
            self.table = table
            self.case = case

    class HeaderClicked(Message):
        """A column's heading was clicked (the list sorts by it)."""

        def __init__(self, table: CaseTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

    def __init__(
        self,
        columns: tuple[Column, ...],
        clocks: tuple[ClockColumn, ...],
        policy: Policy,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        columns = tuple(STANDARD.get(column.key, column) for column in columns)
        self.case_columns = columns
        self.clock_columns = clocks
        self.policy = policy
        self.order: list[str] = []  # references, top to bottom
        self.cases: dict[str, CaseView] = {}
        self._clocks = _LazyClocks(self.cases, policy)
        self._rank: dict[str, Any] = {}
        self._drawn: dict[str, tuple[str, ...]] = {}  # the countdown texts last drawn for rows on screen
        self._static: dict[str, tuple[CaseView, bool, list[str]]] = {}  # the other cells, per case as last seen
        self._styles: dict[str, Style] = {}
        self.marks: set[str] | None = None  # references ticked for a bulk action; None: no tick column
        self.sort: Sort | None = None  # the column the rows are sorted by, marked ▲/▼ in its heading
        self.now = datetime.min
        first, *rest = columns
        # Every column the list could show, in the order shown: (key, heading, width, least, priority); the
        # countdowns always stay.
        self._columns = [(first.key, first.label, first.width, first.least, rank(first.key))]
        self._columns += [(key, label, CLOCK_WIDTH, 0, ALWAYS) for key, label, _ in clocks]
        self._columns += [(c.key, c.label, c.width, c.least, rank(c.key)) for c in rest]
        self._layout: list[Slot] = [(key, label, width) for key, label, width, _, _ in self._columns]
        self._gap = GAP
        self._room = -1
        self._by_key = {c.key: c for c in columns}
        self._clock_by_key = {key: pick for key, _, pick in clocks}
        self.virtual_size = Size(self._line_width(), 1)

    def _line_width(self) -> int:
        return sum(width + self._gap for _, _, width in self._layout) + self._lead_width()

    def _lead_width(self) -> int:
        return 1 if self.marks is None else 2

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns drawn at the current width, left to right."""
        return [key for key, _, _ in self._layout]

    def column_width(self, key: str) -> int:
        """How wide a shown column is drawn (0: left out at this width)."""
        return next((width for k, _, width in self._layout if k == key), 0)

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Choose the columns and their widths for the list's width: nothing is cut off at the right edge."""
        room = self.scrollable_content_region.width - self._lead_width()
        if room <= 0 or room == self._room:
            return
        self._room = room
        self._layout, self._gap = arrange(self._columns, room)
        self._static.clear()
        self._drawn.clear()
        self._resize()
        self.refresh()

    def set_marks(self, marks: set[str] | None) -> None:
        """Show the tick column (a set, maybe empty) or take it away (None); the columns fit the room left."""
        if (marks is None) != (self.marks is None):
            self.marks = marks
            self._room = -1
            self._fit_columns()
        else:
            self.marks = marks
        self.refresh()

    def show_sort(self, sort: Sort | None) -> None:
        if sort != self.sort:
            self.sort = sort
            self.refresh()

    def column_at(self, x: int) -> str | None:
        """The column under cell `x` of the heading, if any."""
        left = self._lead_width() - int(self.scroll_x)
        for key, _, width in self._layout:
            if left <= x < left + width + self._gap:
                return key
            left += width + self._gap
        return None

    def toggle_mark(self) -> None:
        """Tick or untick the highlighted case."""
        case = self.current
        if self.marks is None or case is None:
            return
        self.marks.symmetric_difference_update({case.reference})
        self.refresh()

    def mark_late(self) -> int:
        """Tick every case whose first countdown is overdue or breached; returns how many."""
        if self.marks is None or not self.clock_columns:
            return 0
        pick = self.clock_columns[0][2]
        late = set()
        for ref in self.order:
            clock = pick(self._clocks[ref])
            if clock is not None and clock.band(self.now) in (Band.OVERDUE, Band.BREACHED):
                late.add(ref)
        self.marks |= late
        self.refresh()
        return len(late)

    # --- reading what is shown -----------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.order)

    @property
    def current(self) -> CaseView | None:
        if not self.order:
            return None
        return self.cases[self.order[min(self.cursor_row, len(self.order) - 1)]]

    def index_of(self, reference: str) -> int:
        return self.order.index(reference)

    def cell_text(self, reference: str, key: str) -> str:
        """What the cell shows, unclipped (tests and the status line read it)."""
        case = self.cases[reference]
        if key in self._clock_by_key:
            clock = self._clock_by_key[key](self._clocks[reference])
            return clock.countdown(self.now) if clock is not None and clock.running else "-"
        return one_line(self._by_key[key].cell(case, self.now))

    def band_counts(self) -> dict[str, int]:
        """How many rows' first countdown is breached, overdue and due soon."""
        counts = {"breached": 0, "overdue": 0, "due soon": 0}
        if not self.clock_columns:
            return counts
        pick = self.clock_columns[0][2]
        names = {Band.BREACHED: "breached", Band.OVERDUE: "overdue", Band.DUE_SOON: "due soon"}
        for ref in self.order:
            clock = pick(self._clocks[ref])
            band = clock.band(self.now) if clock is not None else None
            if band in names:
                counts[names[band]] += 1
        return counts

    # --- loading and live changes ----------------------------------------------------------------------------------

    def load(self, rows: list[CaseView], rank: Rank, now: datetime) -> None:
        """Show a new result (a new query), keeping the cursor on the same case if it is there."""
        keep = self.current.reference if self.current else None
        self.now = now
        self.order = [case.reference for case in rows]
        self.cases = {case.reference: case for case in rows}
        self._clocks = _LazyClocks(self.cases, self.policy)
        self._rank = {case.reference: rank(case) for case in rows}
        if self.marks:
            self.marks &= set(self.cases)  # ticked cases the new result leaves out are no longer ticked
        self._drawn.clear()
        self._static.clear()
        self._resize()
        self._move_to(self.order.index(keep) if keep in self.cases else 0, scroll=True)

    def apply(
        self,
        changed: Iterable[CaseView],
        belongs: Callable[[CaseView], bool],
        rank: Rank,
        now: datetime,
    ) -> tuple[list[str], list[str]]:
        """Bring changed cases into the list; returns (added, removed) references."""
        self.now = now
        keep = self.current.reference if self.current else None
        keep_row = self.cursor_row
        added: list[str] = []
        removed: list[str] = []
        resort = False
        for case in changed:
            ref = case.reference
            if not belongs(case):
                if ref in self.cases:
                    del self.cases[ref], self._rank[ref]
                    self._clocks.pop(ref, None)
                    self._drawn.pop(ref, None)
                    self._static.pop(ref, None)
                    removed.append(ref)
                continue
            key = rank(case)
            if ref not in self.cases:
                added.append(ref)
                resort = resort or (bool(self._rank) and key < max(self._rank.values()))
            else:
                resort = resort or key != self._rank[ref]
            self.cases[ref] = case
            self._clocks.pop(ref, None)  # derived again from the new version when next needed
            self._rank[ref] = key
        if removed:
            gone = set(removed)
            self.order = [ref for ref in self.order if ref not in gone]
            if self.marks:
                self.marks -= gone  # a ticked case that leaves the list is no longer ticked
        if resort:
            self.order = sorted(self.cases, key=self._rank.__getitem__)
        else:
            self.order.extend(added)
        self._resize()
        if keep is not None and keep in self.cases:
            self._move_to(self.order.index(keep), scroll=False)
        elif self.order:
            self._move_to(min(keep_row, len(self.order) - 1), scroll=False)
        else:
            self._move_to(0, scroll=False)
        self.refresh()
        return added, removed

    def resort(self, rank: Rank) -> None:
        """Order the rows afresh by `rank` (a new sort), keeping the cursor on the same case."""
        keep = self.current.reference if self.current else None
        self._rank = {ref: rank(case) for ref, case in self.cases.items()}
        self.order = sorted(self.cases, key=self._rank.__getitem__)
        if keep is not None:
            self._move_to(self.order.index(keep), scroll=True)
        self.refresh()

    def tick(self, now: datetime) -> int:
        """Recompute the countdowns on screen; repaint if any text changed. Returns how many rows changed."""
        self.now = now
        changed = 0
        for ref in self._visible_refs():
            texts = self._countdowns(ref)
            if self._drawn.get(ref) != texts:
                changed += 1
        if changed:
            self.refresh()
        return changed

    # --- cursor ----------------------------------------------------------------------------------------------------

    def focus_case(self, reference: str) -> bool:
        if reference not in self.cases:
            return False
        self._move_to(self.order.index(reference), scroll=True)
        return True

    def move_cursor(self, row: int) -> None:
        self._move_to(row, scroll=True)

    def _move_to(self, row: int, *, scroll: bool) -> None:
        row = max(0, min(row, len(self.order) - 1)) if self.order else 0
        previous = self.cursor_row
        self.set_reactive(CaseTable.cursor_row, row)
        if scroll or row != previous:
            self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current))

    def _scroll_to_cursor(self) -> None:
        rows_on_screen = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows_on_screen:
            self.scroll_to(y=self.cursor_row - rows_on_screen + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor_row + step, scroll=True)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_row + direction * max(1, self.size.height - 2), scroll=True)

    def action_edge(self, end: int) -> None:
        self._move_to(len(self.order) - 1 if end else 0, scroll=True)

    def action_select(self) -> None:
        case = self.current
        if case is not None:
            self.post_message(self.Selected(self, case))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self.column_at(event.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.order) and event.y >= 1:
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            else:
                self._move_to(row, scroll=False)

    def _resize(self) -> None:
        width = self._line_width() if self._room < 0 else self.scrollable_content_region.width
        self.virtual_size = Size(width, len(self.order) + 1)

    # --- drawing ------------------------------------------------------------------------------------------------------

    def _visible_refs(self) -> list[str]:
        top = int(self.scroll_y)
        return self.order[top : top + max(0, self.size.height - 1)]

    def _countdowns(self, ref: str) -> tuple[str, ...]:
        clocks = self._clocks[ref]
        texts = []
        for _, _, pick in self.clock_columns:
            clock = pick(clocks)
            texts.append(clock.countdown(self.now) if clock is not None and clock.running else "-")
        return tuple(texts)

    def _static_cells(self, ref: str, case: CaseView) -> list[str]:
        """The cells that do not count down, formatted once per version of the case (and per claim lapsing)."""
        claim_live = case.claimed_until is not None and case.claimed_until > self.now
        cached = self._static.get(ref)
        if cached is not None and cached[0] is case and cached[1] == claim_live:
            return cached[2]
        cells = [
            fit(self._by_key[key].cell(case, self.now), w) + " " * self._gap
            for key, _, w in self._layout
            if key not in self._clock_by_key
        ]
        self._static[ref] = (case, claim_live, cells)
        return cells

    def render_lines(self, crop):
        # Component styles depend on focus and theme; read them once per paint, not once per line.
        self._styles = {
            name: self.get_component_rich_style(name)
            for name in ("case-table--header", "case-table--cursor", "case-table--odd", "case-table--even")
        }
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        styles = self._styles or {
            name: self.get_component_rich_style(name)
            for name in ("case-table--header", "case-table--cursor", "case-table--odd", "case-table--even")
        }
        if y == 0:
            style = styles["case-table--header"]
            segments = [Segment(" " if self.marks is None else "  ", style)]
            sort = self.sort
            for key, label, w in self._layout:
                if sort is not None and key == sort.column:
                    # The arrow always shows: the heading gives way to it, never the other way round.
                    marked = f"{label} {sort.arrow}"
                    heading = fit(marked if len(marked) <= w else f"{fit(label, max(1, w - 2))} {sort.arrow}", w)
                    segments.append(Segment(heading + " " * self._gap, style))
                else:
                    segments.append(Segment(fit(label, w) + " " * self._gap, style))
            return Strip(segments).crop_extend(scroll_x, scroll_x + width, style)
        row = int(self.scroll_y) + y - 1
        if row >= len(self.order):
            return Strip.blank(width, self.rich_style)
        ref = self.order[row]
        case = self.cases[ref]
        on_cursor = row == self.cursor_row
        if on_cursor:
            base = styles["case-table--cursor"]
        else:
            base = styles["case-table--odd" if row % 2 else "case-table--even"]
        texts = self._countdowns(ref)
        self._drawn[ref] = texts
        static = iter(self._static_cells(ref, case))
        clocks = self._clocks[ref]
        lead = " " if self.marks is None else ("✓ " if ref in self.marks else "  ")
        segments = [Segment(lead, base)]
        clock_index = 0
        for key, _, w in self._layout:
            pick = self._clock_by_key.get(key)
            if pick is None:
                segments.append(Segment(next(static), base))
                continue
            text = texts[clock_index]
            clock_index += 1
            clock = pick(clocks)
            band = clock.band(self.now) if clock is not None and not on_cursor else None
            style = base + BAND_STYLE[band] if band is not None else base
            segments.append(Segment(fit_right(text, w) + " " * self._gap, style))
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, base)
