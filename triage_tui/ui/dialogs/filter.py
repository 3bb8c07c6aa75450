"""Filter a list by type, band, officer and cohort; order it by a column."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from triage_tui.domain.clock import Band
from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, Status
from triage_tui.domain.queue import QueueQuery
from triage_tui.domain.sorting import Sort
from triage_tui.ui.dialogs.base import ActionDialog, FormSelect, MarkedOptionList
from triage_tui.ui.text import line, rich_line
from triage_tui.ui.widgets.literal_input import LiteralInput

ANY = "any"


class FilterDialog(ActionDialog[QueueQuery]):
    """Narrow the list. Each drop-down opens with down or space; enter applies from any field."""

    heading = "Filter"
    confirm = "Apply"

    def __init__(self, query: QueueQuery, base: QueueQuery, officers: list[str]) -> None:
        super().__init__(None)
        self.current = query
        self.base = base  # the list's own query: what "any" comes back to
        self.officers = officers

    def body(self) -> ComposeResult:
        q = self.current
        types = [(kind.label, kind.value) for kind in (CaseType.UNCLASSIFIED, *COMPLAINT_TYPES)]
        yield Label("Type")
        yield FormSelect(types, value=q.types[0].value if q.types else Select.NULL, prompt="Any type", id="type")
        statuses = [(s.label, s.value) for s in (Status.NEW, Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE)]
        status_value = q.statuses[0].value if len(q.statuses) == 1 else Select.NULL
        yield Label("Status")
        yield FormSelect(statuses, value=status_value, prompt="As the list shows", id="status")
        bands = [
            ("Breached", Band.BREACHED.value),
            ("Overdue", Band.OVERDUE.value),
            ("Due soon", Band.DUE_SOON.value),
            ("OK", Band.OK.value),
        ]
        yield Label("Deadline band")
        yield FormSelect(bands, value=q.bands[0].value if q.bands else Select.NULL, prompt="Any band", id="band")
        yield Label("Officer")
        # Officers' usernames are shown as literal text; the option's value stays the username itself.
        officers = [(rich_line(o), o) for o in self.officers]
        yield FormSelect(officers, value=q.officer or Select.NULL, prompt="Anyone", id="officer")
        yield Label("Cohort")
        yield LiteralInput(value=q.cohort or "", placeholder="e.g. backlog-2021", id="cohort")

    def result(self) -> QueueQuery | None:
        def value(widget_id: str) -> str | None:
            chosen = self.query_one(f"#{widget_id}", Select).value
            return None if chosen is Select.NULL else str(chosen)

        kind, status, band, officer = value("type"), value("status"), value("band"), value("officer")
        return replace(
            self.current,
            statuses=(Status(status),) if status else self.base.statuses,
            types=(CaseType(kind),) if kind else (),
            bands=(Band(band),) if band else (),
            officer=officer or self.base.officer,
            cohort=self.query_one("#cohort", Input).value.strip() or None,
        )


DEFAULT_ORDER = ""  # the chooser's answer for "most urgent first"


class OrderDialog(ActionDialog[str]):
    """Order the list by one of its columns: a digit picks at once, or arrows and enter. Choosing the column it
    is sorted by already reverses it; choosing it a third time goes back to the default order, as clicking the
    column's heading does."""

    heading = "Order the list by"
    confirm = "Order"

    def __init__(self, columns: list[tuple[str, str]], sort: Sort | None) -> None:
        super().__init__(None)
        self.columns = columns[:9]  # (key, heading): one digit each
        self.sort = sort

    BINDINGS = [
        *ActionDialog.BINDINGS,
        *(Binding(str(i), f"pick({i})", show=False) for i in range(10)),
    ]

    def body(self) -> ComposeResult:
        yield Label("A digit picks; again reverses; a third time, most urgent first", classes="hint")
        options = [Option(line("0  Most urgent first (the usual order)"), id="-")]
        for i, (key, label) in enumerate(self.columns):
            now = ""
            if self.sort is not None and self.sort.column == key:
                now = f"  {self.sort.arrow} now: choose again to {'go back' if self.sort.descending else 'reverse'}"
            options.append(Option(line(f"{i + 1}  {label}{now}"), id=key))
        yield MarkedOptionList(*options, id="columns")

    def on_mount(self) -> None:
        keys = [key for key, _ in self.columns]
        current = self.sort.column if self.sort is not None else None
        self.query_one(OptionList).highlighted = keys.index(current) + 1 if current in keys else 0

    def action_pick(self, index: int) -> None:
        if index <= len(self.columns):
            self.query_one(OptionList).highlighted = index
            self.submit()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        if index is None:
            self.problem("Choose a column")
            return None
        return DEFAULT_ORDER if index == 0 else self.columns[index - 1][0]
