"""One pane of the split view: a caseload's cases with a header of its load; cases are ticked in it."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from triage_tui.domain.policy import Policy
from triage_tui.domain.queue import QueuePage, urgency_key
from triage_tui.domain.split import Source
from triage_tui.ui.text import line
from triage_tui.ui.widgets.case_table import CaseTable, pick

# The same columns, read the same way, as the queue: labels, UK times, giving way by priority when narrow.
SPLIT_COLUMNS = pick("reference", "status", "type", "customer", "received")


class Pane(Vertical):
    DEFAULT_CSS = """
    Pane { width: 1fr; height: 1fr; border: round $panel; }
    Pane:focus-within { border: round $accent; }
    Pane > .pane-head { height: 2; padding: 0 1; }
    """

    def __init__(self, source: Source, policy: Policy, *, id: str) -> None:
        super().__init__(id=id)
        self.source = source
        self.policy = policy
        # Until its first page is shown the pane says it is reading, not "0 open": an empty caseload and one
        # not read yet look alike otherwise.
        self.waiting = True

    def compose(self) -> ComposeResult:
        yield Label(line("Reading the caseloads…"), classes="pane-head")
        table = CaseTable(SPLIT_COLUMNS, (("due", "Nearest due", lambda c: c.nearest()),), self.policy)
        table.marks = set()
        yield table

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    def reading(self) -> None:
        """A new caseload is being read: the head says so until it is shown (the rows of the last stay)."""
        self.waiting = True
        self.query_one(".pane-head", Label).update(line((self.source.label(), "bold"), " · reading its cases…"))

    def show(self, page: QueuePage, now: datetime) -> None:
        self.waiting = False
        self.table.marks = set()
        self.table.load(page.rows, lambda c: page.ranks.get(c.id) or urgency_key(c, self.policy, now), now)
        self.update_head()

    def update_head(self) -> None:
        if self.waiting:
            return  # the head says the pane is reading until its page is shown
        table = self.table
        by_status: dict[str, int] = {}
        for case in table.cases.values():
            by_status[case.status.value] = by_status.get(case.status.value, 0) + 1
        states = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items()))
        bands = table.band_counts()
        ticked = f" · {len(table.marks)} ticked" if table.marks else ""
        head = line(
            (self.source.label(), "bold"), f" · {len(table.cases)} open{': ' + states if states else ''}{ticked}"
        )
        counts = f"{bands['due soon']} due soon · {bands['overdue']} overdue · {bands['breached']} breached"
        self.query_one(".pane-head", Label).update(head + "\n" + counts)
