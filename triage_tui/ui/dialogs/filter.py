"""Filter a list by type, band, officer and cohort."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from triage_tui.domain.clock import Band
from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, Status
from triage_tui.domain.queue import QueueQuery
from triage_tui.ui.dialogs.base import ActionDialog, FormSelect
from triage_tui.ui.text import rich_line
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
