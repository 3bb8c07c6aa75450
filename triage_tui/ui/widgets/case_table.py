"""A list of cases that stays put while it changes underneath the officer.

Rows are keyed by reference and never cleared while live: changed rows are updated cell by cell, new ones added,
gone ones removed, and the rows re-sorted only when the order really changed, with the cursor kept on the same
case. The countdown column is recomputed each second from deadlines derived once per row, and only cells whose
text changed are touched (the text changes once a minute, so most ticks touch nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from triage_tui.domain.clock import CaseClocks, Clock
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import Policy
from triage_tui.domain.views import CaseView
from triage_tui.ui import format as fmt


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int | None
    cell: Callable[[CaseView, datetime], str | Text]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# (column key, heading, which clock of the case it counts down)
ClockColumn = tuple[str, str, Callable[[CaseClocks], Clock | None]]

TYPE_SHORT = {
    CaseType.ADULTS: "Adults",
    CaseType.CHILDREN: "Children",
    CaseType.CORPORATE: "Corporate",
    CaseType.OTHER: "Other",
    CaseType.SERVICE_REQUEST: "Service req",
    CaseType.UNCLASSIFIED: "-",
}

# The countdown columns come right after the reference (see CaseTable.on_mount), so they stay in view on a
# narrow terminal where the right-hand columns scroll off.
QUEUE_COLUMNS: tuple[Column, ...] = (
    Column("reference", "Reference", 11, lambda c, now: c.reference),
    Column("received", "Received", 11, lambda c, now: fmt.short(c.received_at)),
    Column("channel", "Channel", 7, lambda c, now: _clip(c.channel.replace("_", " "), 7)),
    Column("customer", "Customer", 16, lambda c, now: _clip(c.customer_name, 16)),
    Column("summary", "Summary", 30, lambda c, now: _clip(c.summary, 30)),
    Column("type", "Type", 10, lambda c, now: TYPE_SHORT[c.type]),
    Column("status", "Status", 9, lambda c, now: c.status.value),
    Column("holder", "Claim/officer", 14, lambda c, now: _clip(fmt.holder(c, now), 14)),
)
MY_COLUMNS: tuple[Column, ...] = (
    Column("reference", "Reference", 11, lambda c, now: c.reference),
    Column("received", "Received", 11, lambda c, now: fmt.short(c.received_at)),
    Column("customer", "Customer", 16, lambda c, now: _clip(c.customer_name, 16)),
    Column("summary", "Summary", 30, lambda c, now: _clip(c.summary, 30)),
    Column("type", "Type", 10, lambda c, now: TYPE_SHORT[c.type]),
    Column("status", "Status", 12, lambda c, now: c.status.value),
    Column("acked", "Acknowledged", 12, lambda c, now: fmt.short(c.acknowledged_at) if c.acknowledged_at else ""),
)


class CaseTable(DataTable[str | Text]):
    """Cases, one row each, with live countdowns in the last columns."""

    DEFAULT_CSS = """
    CaseTable { height: 1fr; }
    """

    def __init__(
        self,
        columns: tuple[Column, ...],
        clocks: tuple[ClockColumn, ...],
        policy: Policy,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.case_columns = columns
        self.clock_columns = clocks
        self.policy = policy
        self.cases: dict[str, CaseView] = {}
        self._clocks: dict[str, CaseClocks] = {}
        self._shown: dict[tuple[str, str], str] = {}  # (reference, clock column) -> text on screen
        self._rank: dict[str, tuple[datetime, int]] = {}
        self._claims: dict[str, datetime] = {}  # live claims, to clear from the row when they lapse
        self._column_keys = {c.key for c in columns}

    def on_mount(self) -> None:
        first, *rest = self.case_columns
        self.add_column(first.label, key=first.key, width=first.width)
        for key, label, _ in self.clock_columns:
            self.add_column(label, key=key, width=16)
        for column in rest:
            self.add_column(column.label, key=column.key, width=column.width)

    # --- what is highlighted -------------------------------------------------------------------------------------

    @property
    def current(self) -> CaseView | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor is outside the rows (an empty table)
            return None
        return self.cases.get(key) if key is not None else None

    def focus_case(self, reference: str) -> bool:
        if reference not in self.cases:
            return False
        self.move_cursor(row=self.get_row_index(reference))
        return True

    # --- loading and live changes --------------------------------------------------------------------------------

    def load(self, rows: list[CaseView], rank: Callable[[CaseView], tuple[datetime, int]], now: datetime) -> None:
        """Show a new result (a new query): rows in the given order, the cursor on the same case if it is there."""
        keep = self.current.reference if self.current else None
        self.clear()
        self.cases.clear()
        self._clocks.clear()
        self._shown.clear()
        self._rank.clear()
        self._claims.clear()
        for case in rows:
            self._add(case, rank(case), now)
        if keep and keep in self.cases:
            self.focus_case(keep)

    def apply(
        self,
        changed: Iterable[CaseView],
        belongs: Callable[[CaseView], bool],
        rank: Callable[[CaseView], tuple[datetime, int]],
        now: datetime,
    ) -> tuple[list[str], list[str]]:
        """Bring changed cases into the table; returns (added, removed) references."""
        keep = self.current.reference if self.current else None
        keep_row = self.cursor_row
        added: list[str] = []
        removed: list[str] = []
        resort = False
        for case in changed:
            ref = case.reference
            if not belongs(case):
                if ref in self.cases:
                    self.remove_row(ref)
                    self._forget(ref)
                    removed.append(ref)
                continue
            key = rank(case)
            if ref in self.cases:
                self._update(case, now)
                resort = resort or key != self._rank[ref]
                self._rank[ref] = key
            else:
                resort = resort or (bool(self._rank) and key < max(self._rank.values()))
                self._add(case, key, now)
                added.append(ref)
        if resort:
            self.sort("reference", key=lambda ref: self._rank[ref])
        if keep is not None and keep in self.cases:
            if self.get_row_index(keep) != self.cursor_row:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
        elif self.row_count:
            self.move_cursor(row=min(keep_row, self.row_count - 1), animate=False)
        return added, removed

    def tick(self, now: datetime) -> int:
        """Refresh the countdown cells whose text changed (and lapsed claims); returns how many changed."""
        changed = 0
        for ref, clocks in self._clocks.items():
            for key, _, pick in self.clock_columns:
                text = fmt.countdown(pick(clocks), now)
                if self._shown.get((ref, key)) != text.plain:
                    self._shown[(ref, key)] = text.plain
                    self.update_cell(ref, key, text)
                    changed += 1
        for ref in [r for r, until in self._claims.items() if until <= now]:
            del self._claims[ref]
            if "holder" in self._column_keys:
                self.update_cell(ref, "holder", fmt.holder(self.cases[ref], now))
                changed += 1
        return changed

    def _cells(self, case: CaseView, now: datetime) -> list[str | Text]:
        """The row's cells in column order: reference, the countdowns, then the rest."""
        clocks = self._clocks[case.reference]
        first, *rest = self.case_columns
        cells: list[str | Text] = [first.cell(case, now)]
        for key, _, pick in self.clock_columns:
            text = fmt.countdown(pick(clocks), now)
            self._shown[(case.reference, key)] = text.plain
            cells.append(text)
        cells.extend(column.cell(case, now) for column in rest)
        return cells

    def band_counts(self) -> dict[str, int]:
        """How many countdowns on the list read breached, overdue and due soon."""
        counts = {"breached": 0, "overdue": 0, "due soon": 0}
        for text in self._shown.values():
            if text.startswith("breached"):
                counts["breached"] += 1
            elif text.startswith("overdue"):
                counts["overdue"] += 1
            elif text.startswith("due "):
                counts["due soon"] += 1
        return counts

    def _track_claim(self, case: CaseView, now: datetime) -> None:
        if case.claimed_by and case.claimed_until is not None and case.claimed_until > now:
            self._claims[case.reference] = case.claimed_until
        else:
            self._claims.pop(case.reference, None)

    def _add(self, case: CaseView, key: tuple[datetime, int], now: datetime) -> None:
        self._track_claim(case, now)
        self.cases[case.reference] = case
        self._clocks[case.reference] = case.clocks(self.policy)
        self._rank[case.reference] = key
        self.add_row(*self._cells(case, now), key=case.reference)

    def _update(self, case: CaseView, now: datetime) -> None:
        old = self.cases[case.reference]
        self._track_claim(case, now)
        self.cases[case.reference] = case
        self._clocks[case.reference] = case.clocks(self.policy)
        if old == case:
            return
        keys = [
            self.case_columns[0].key,
            *(k for k, _, _ in self.clock_columns),
            *(c.key for c in self.case_columns[1:]),
        ]
        for key, value in zip(keys, self._cells(case, now), strict=True):
            self.update_cell(case.reference, key, value)

    def _forget(self, ref: str) -> None:
        self.cases.pop(ref, None)
        self._clocks.pop(ref, None)
        self._rank.pop(ref, None)
        self._claims.pop(ref, None)
        for key, _, _ in self.clock_columns:
            self._shown.pop((ref, key), None)
