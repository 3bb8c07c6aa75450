"""The supervisor's dialogs: the team's workload, tagging a cohort, distributing a cohort with a preview."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label

from triage_tui.domain.codes import Team
from triage_tui.domain.queue import OfficerLoad
from triage_tui.ui.dialogs.base import ActionDialog, Choice, ChoiceSet, TextDialog
from triage_tui.ui.text import fit, line, one_line, rich_line
from triage_tui.ui.widgets.literal_input import LiteralInput

SORTS = (
    ("breached", "breached"),
    ("overdue", "overdue"),
    ("due_soon", "due soon"),
    ("open", "open"),
    ("closed_this_week", "closed this week"),
    ("name", "name"),
)
# The count columns: key, heading (on the lower of two lines, or over both), and width (the heading's widest line,
# so that it reads in full).
COUNTS = (
    ("open", "\nOpen", 4),
    ("due_soon", "Due\nsoon", 4),
    ("overdue", "\nOverdue", 7),
    ("breached", "\nBreached", 8),
    ("closed_this_week", "Closed\nthis week", 9),
)
TEAM_WIDTH = len("Complaints")
# Around the table: the frame's border and padding, its scroll bar, the table's own scroll bar, and one cell of
# padding either side of each of the table's columns.
FRAME = 2 + 2 + 1 + 1
CELL_PADDING = 2
WIDEST = 112  # the dialog's width in dialogs.tcss, where the terminal allows


def team_label(team: Team) -> str:
    return team.value.capitalize()


def officer_cell(name: str, username: str, width: int) -> str:
    """ "Name (username)" in at most `width` cells; a long name is shortened before the username is."""
    full = one_line(f"{name} ({username})")
    if cell_len(full) <= width:
        return full
    tail = one_line(f" ({username})")
    if cell_len(tail) + 4 <= width:
        return fit(name, width - cell_len(tail)) + tail
    return fit(full, width)


class WorkloadDialog(ActionDialog[str]):
    """Every officer's load; s changes the order; enter opens the officer in the left pane.

    The counts' headings take two lines so that their columns stay narrow; the officer column takes what is
    left of the width, so on a narrow terminal long names are shortened rather than the counts pushed off."""

    heading = "Workload"
    confirm = "Open in left pane"
    BINDINGS = [*ActionDialog.BINDINGS, Binding("s", "sort", "Sort", id="workload.sort")]

    def __init__(self, loads: list[OfficerLoad]) -> None:
        super().__init__(None)
        self.loads = loads
        self.sort_index = 0
        self.officer_width = 0

    def body(self) -> ComposeResult:
        yield Label("", id="sorted-by", classes="hint")
        yield DataTable(id="loads", cursor_type="row", zebra_stripes=True, header_height=2)

    def on_mount(self) -> None:
        self.fill()

    def on_resize(self, event: events.Resize) -> None:
        if self.officer_width and self.officer_width != self.officer_room():
            self.fill()

    def officer_room(self) -> int:
        counts = sum(width for _, _, width in COUNTS)
        columns = 2 + len(COUNTS)
        room = min(WIDEST, self.app.size.width) - FRAME - TEAM_WIDTH - counts - columns * CELL_PADDING
        longest = max((cell_len(one_line(f"{x.officer.name} ({x.officer.username})")) for x in self.loads), default=7)
        return max(12, min(room, longest))

    def ordered(self) -> list[OfficerLoad]:
        key = SORTS[self.sort_index][0]
        if key == "name":
            return sorted(self.loads, key=lambda x: x.officer.username)
        return sorted(self.loads, key=lambda x: (-getattr(x, key), x.officer.username))

    def fill(self) -> None:
        table = self.query_one(DataTable)
        chosen = self.result() if table.row_count else None
        self.officer_width = width = self.officer_room()
        table.clear(columns=True)
        table.add_column(rich_line("Officer"), width=width, key="officer")
        table.add_column(rich_line("Team"), width=TEAM_WIDTH, key="team")
        for key, heading, column_width in COUNTS:
            table.add_column(Text(heading, justify="right"), width=column_width, key=key)
        rows = self.ordered()
        for load in rows:
            o = load.officer
            # A DataTable parses a plain string cell as markup: every cell goes in as literal Rich Text.
            table.add_row(
                rich_line(officer_cell(o.name, o.username, width)),
                rich_line(team_label(o.team)),
                *(Text(str(getattr(load, key)), justify="right") for key, _, _ in COUNTS),
                key=o.username,
            )
        if chosen is not None:
            table.move_cursor(row=next(i for i, x in enumerate(rows) if x.officer.username == chosen))
        sort = SORTS[self.sort_index][1]
        order = "by username" if sort == "name" else f"by {sort}, most first"
        self.query_one("#sorted-by", Label).update(
            line(f"Sorted {order}. s sorts by the next column; enter opens the officer in the left pane.")
        )

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self.fill()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            self.problem("Nobody to open")
            return None
        return self.ordered()[table.cursor_row].officer.username


class CohortDialog(TextDialog):
    heading = "Tag with a cohort"
    confirm = "Tag"
    placeholder = "e.g. backlog-2021"
    missing = None  # empty takes the tag off

    def __init__(self, count: int) -> None:
        super().__init__(prompt=f"Tag {count} case{'s' if count != 1 else ''} (leave empty to take the tag off)")


STRATEGIES = (("Round-robin (in turn)", "round-robin"), ("Least loaded first", "least-loaded"))


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
        yield Label("Team (arrows choose)")
        with ChoiceSet(id="team", classes="across"):
            for team in Team:
                yield Choice(team_label(team), value=team is Team.RECOVERY, id=team.value)
        yield Label("Strategy (arrows choose)")
        with ChoiceSet(id="strategy", classes="across"):
            for i, (label, value) in enumerate(STRATEGIES):
                yield Choice(label, value=i == 0, id=value)
        yield Label("Saving shows the plan first; nothing is allocated until you confirm it.", classes="hint")

    def result(self) -> tuple[str, Team, str] | None:
        cohort = self.query_one("#cohort", Input).value.strip()
        if not cohort:
            self.problem("Name the cohort")
            return None
        team = self.query_one("#team", ChoiceSet).pressed_button
        strategy = self.query_one("#strategy", ChoiceSet).pressed_button
        if team is None or team.id is None or strategy is None or strategy.id is None:
            self.problem("Choose a team and a strategy")
            return None
        return cohort, Team(team.id), strategy.id


class PlanDialog(ActionDialog[bool]):
    """The distribution's plan, case by case. Enter allocates as shown (from the plan as from the button)."""

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
        yield Label(line(f"{len(self.plan)} case{'s' if len(self.plan) != 1 else ''}: {summary}"))
        yield Label("Enter allocates them all as shown; escape cancels. Arrows scroll the plan.", classes="hint")
        table: DataTable[object] = DataTable(id="plan", cursor_type="row")
        table.add_columns(rich_line("Case"), rich_line("To officer"))
        for reference, officer in self.plan:
            table.add_row(rich_line(reference), rich_line(officer))
        yield table

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> bool | None:
        return True
