"""The split view's own dialogs: what a pane shows, a cohort filter, the reason for a move."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from triage_tui.domain.split import Source
from triage_tui.ui.dialogs.base import ActionDialog, MarkedOptionList, TextDialog
from triage_tui.ui.text import line


class SourceDialog(ActionDialog[Source]):
    """Choose what a pane shows."""

    heading = "Show in this pane"
    confirm = "Show"

    def __init__(self, officers: list[str], teams: list[str], cohorts: list[str]) -> None:
        super().__init__(None)
        self.choices = (
            [Source("pool")]
            + [Source("officer", o) for o in officers]
            + [Source("team", t) for t in teams]
            + [Source("cohort", c) for c in cohorts]
        )

    def body(self) -> ComposeResult:
        yield MarkedOptionList(
            *(Option(line(s.label().capitalize() if s.kind == "pool" else s.label())) for s in self.choices),
            id="sources",
        )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> Source | None:
        index = self.query_one(OptionList).highlighted
        return self.choices[index] if index is not None else None


class NarrowDialog(TextDialog):
    heading = "Show only one cohort in this pane"
    confirm = "Filter"
    prompt = "Cohort (leave empty to show every case again)"
    placeholder = "e.g. backlog-2021"
    missing = None

    def __init__(self, cohort: str | None) -> None:
        super().__init__(value=cohort or "")


class ReasonDialog(TextDialog):
    heading = "Reason for the move"
    confirm = "Move"
    placeholder = "e.g. Kieran on leave until Monday"
    missing = "Give a reason"

    def __init__(self, count: int, target: str) -> None:
        super().__init__(
            prompt=f"Move {count} case{'s' if count != 1 else ''} to {target}. The reason goes in each case's history."
        )
