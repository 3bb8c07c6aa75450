"""One case in full (enter): every field, each clock, the whole history, and every action."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header

from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import cases as case_services
from triage_tui.ui.screens.actions import CASEWORK_BINDINGS, TRIAGE_BINDINGS, CaseActions
from triage_tui.ui.text import one_line
from triage_tui.ui.widgets.detail import CaseDetail
from triage_tui.ui.widgets.key_bar import KeyBar


class CaseScreen(CaseActions):
    BINDINGS = [
        *TRIAGE_BINDINGS,
        *CASEWORK_BINDINGS,
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference
        self.case: CaseView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield CaseDetail(self.desk.policy, id="case-full")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = one_line(self.reference)
        self.desk.live_views.add(self)
        self.load()

    def on_unmount(self) -> None:
        self.desk.live_views.discard(self)

    def current_case(self) -> CaseView | None:
        return self.case

    def connected(self) -> None:
        self.load()

    def load(self) -> None:
        app = self.desk
        reference = self.reference
        if app.ctx is None:
            return  # read once the store is open (connected)

        app.off_thread(
            self,
            lambda: case_services.get_case(app.ctx, reference),
            self._show,
            group="case",
            exclusive=True,
        )

    def _show(self, case: CaseView) -> None:
        self.case = case
        self.query_one(CaseDetail).show(case, self.desk.now())

    def cases_changed(self, rows: list[CaseView]) -> None:
        if any(r.reference == self.reference for r in rows):
            self.load()

    def tick(self, now: datetime) -> None:
        self.query_one(CaseDetail).refresh_body(now)

    def action_back(self) -> None:
        self.app.pop_screen()
