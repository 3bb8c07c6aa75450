"""The supervisor's dialogs: the team's workload, tagging a cohort, distributing a cohort with a preview."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label, Select

from triage_tui.domain.codes import Team
from triage_tui.domain.queue import OfficerLoad
from triage_tui.ui.dialogs.base import ActionDialog, TextDialog
from triage_tui.ui.text import line, rich_line
from triage_tui.ui.widgets.literal_input import LiteralInput

SORTS = (
    ("breached", "breached"),
    ("overdue", "overdue"),
    ("due_soon", "due soon"),
    ("open", "open"),
    ("closed_this_week", "closed this week"),
    ("name", "name"),
)


class WorkloadDialog(ActionDialog[str]):
    """Every officer's load; s changes the order; enter opens the officer in the left pane."""

    heading = "Workload"
    confirm = "Open in left pane"
    DEFAULT_CSS = """
    WorkloadDialog #dialog { width: 104; }
    WorkloadDialog #loads { height: auto; max-height: 20; }
    """
    BINDINGS = [*ActionDialog.BINDINGS, Binding("s", "sort", "Sort", id="workload.sort")]

    def __init__(self, loads: list[OfficerLoad]) -> None:
        super().__init__(None)
        self.loads = loads
        self.sort_index = 0

    def body(self) -> ComposeResult:
        yield Label("", id="sorted-by", classes="hint")
        yield DataTable(id="loads", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in ("Officer", "Team", "Open", "Due soon", "Overdue", "Breached", "Closed this week"):
            table.add_column(rich_line(name))
        self.fill()
        table.focus()

    def ordered(self) -> list[OfficerLoad]:
        key = SORTS[self.sort_index][0]
        if key == "name":
            return sorted(self.loads, key=lambda x: x.officer.username)
        return sorted(self.loads, key=lambda x: (-getattr(x, key), x.officer.username))

    def fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for load in self.ordered():
            o = load.officer
            # A DataTable parses a plain string cell as markup: every cell goes in as literal Rich Text.
            table.add_row(
                rich_line(f"{o.name} ({o.username})"),
                rich_line(o.team.value),
                *(rich_line(n) for n in (load.open, load.due_soon, load.overdue, load.breached, load.closed_this_week)),
                key=o.username,
            )
        self.query_one("#sorted-by", Label).update(line(f"Sorted by {SORTS[self.sort_index][1]} (s to change)"))

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.fill()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self.ordered()[table.cursor_row].officer.username


class CohortDialog(TextDialog):
    heading = "Tag with a cohort"
    confirm = "Tag"
    placeholder = "e.g. backlog-2021"
    missing = None  # empty takes the tag off

    def __init__(self, count: int) -> None:
        super().__init__(prompt=f"Tag {count} case{'s' if count != 1 else ''} (leave empty to take the tag off)")


class DistributeDialog(ActionDialog[tuple[str, Team, str]]):
    """Which cohort, to which team, how: the plan is shown before anything is allocated."""

    heading = "Distribute a cohort's unallocated cases"
    confirm = "Preview"

    def __init__(self, cohort: str | None) -> None:
        super().__init__(None)
        self.cohort = cohort

    def body(self) -> ComposeResult:
        yield Label("Cohort")
        yield LiteralInput(value=self.cohort or "", placeholder="e.g. backlog-2021", id="cohort")
        yield Label("Team")
        yield Select(
            [(t.value.capitalize(), t.value) for t in Team], value=Team.RECOVERY.value, allow_blank=False, id="team"
        )
        yield Label("Strategy")
        yield Select(
            [("Round-robin", "round-robin"), ("Least loaded", "least-loaded")],
            value="round-robin",
            allow_blank=False,
            id="strategy",
        )

    def on_mount(self) -> None:
        self.query_one("#cohort", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def result(self) -> tuple[str, Team, str] | None:
        cohort = self.query_one("#cohort", Input).value.strip()
        if not cohort:
            self.problem("Name the cohort")
            return None
        team = Team(str(self.query_one("#team", Select).value))
        return cohort, team, str(self.query_one("#strategy", Select).value)


class PlanDialog(ActionDialog[bool]):
    heading = "Allocate as planned?"
    confirm = "Allocate"

    def __init__(self, plan: list[tuple[str, str]]) -> None:
        super().__init__(None)
        self.plan = plan

    def body(self) -> ComposeResult:
        counts: dict[str, int] = {}
        for _, officer in self.plan:
            counts[officer] = counts.get(officer, 0) + 1
        summary = ", ".join(f"{officer} {n}" for officer, n in sorted(counts.items()))
        yield Label(line(f"{len(self.plan)} cases: {summary}"))
        table: DataTable[object] = DataTable(id="plan", cursor_type="row")
        table.add_columns(rich_line("Case"), rich_line("To"))
        for reference, officer in self.plan:
            table.add_row(rich_line(reference), rich_line(officer))
        yield table

    def result(self) -> bool | None:
        return True
