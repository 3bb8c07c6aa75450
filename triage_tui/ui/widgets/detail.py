"""The highlighted case in full beside the list: customer, text, each clock, history."""

from __future__ import annotations

from datetime import datetime

from textual.containers import VerticalScroll
from textual.widgets import Static

from triage_tui.domain.policy import Policy
from triage_tui.domain.views import CaseView
from triage_tui.ui import format as fmt


class CaseDetail(VerticalScroll):
    DEFAULT_CSS = """
    CaseDetail { padding: 0 1; }
    """

    def __init__(self, policy: Policy, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.policy = policy
        self.case: CaseView | None = None
        self._body = Static("Highlight a case to see it here.", id="detail-body")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, case: CaseView | None, now: datetime) -> None:
        if case is not None and self.case is not None and case.id != self.case.id:
            self.scroll_home(animate=False)
        self.case = case
        self.refresh_body(now)

    def refresh_body(self, now: datetime) -> None:
        if self.case is None:
            self._body.update("No case highlighted.")
        else:
            self._body.update(fmt.case_detail(self.case, self.policy, now))
