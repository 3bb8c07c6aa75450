"""The highlighted case in full beside the list: customer, text, each clock (each stage's, and the ombudsman's),
history.

The clocks sit in their own small widget: they change once a minute, and redrawing only them keeps a tick
cheap; the rest is drawn when another case is shown or the case changes.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from triage_tui.domain.policy import Policy
from triage_tui.domain.views import CaseView
from triage_tui.ui import format as fmt


class CaseDetail(VerticalScroll):
    DEFAULT_CSS = """
    CaseDetail { padding: 0 1; }
    CaseDetail > Static { width: 1fr; }
    """

    def __init__(self, policy: Policy, *, id: str | None = None, duplicate_key: str | None = None) -> None:
        super().__init__(id=id)
        self.policy = policy
        # The key that opens a possible duplicate where the detail is shown, named in its flag (None: no key).
        self.duplicate_key = duplicate_key
        self.case: CaseView | None = None
        self._clock_key: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("Highlight a case to see it here.", id="detail-head")
        yield Static("", id="detail-clocks")
        yield Static("", id="detail-rest")

    def show(self, case: CaseView | None, now: datetime) -> None:
        if case is not None and self.case is not None and case.id != self.case.id:
            self.scroll_home(animate=False)
        changed = case != self.case
        self.case = case
        if changed:
            head: RenderableType
            rest: RenderableType
            if case is None:
                head, rest = "No case highlighted.", ""
            else:
                head, rest = fmt.case_head(case, now, self.duplicate_key), fmt.case_story(case)
            self.query_one("#detail-head", Static).update(head)
            self.query_one("#detail-rest", Static).update(rest)
            self._clock_key = ()
        self.refresh_body(now)

    def refresh_body(self, now: datetime) -> None:
        """Redraw the clocks, only when what they say has changed."""
        if self.case is None:
            key: tuple[object, ...] = (None,)
        else:
            clocks = [*self.case.clocks(self.policy).all()]
            if self.case.ombudsman is not None:  # the council's answer and any remedy count down too
                clocks += self.case.ombudsman.clocks(self.policy)
            key = (self.case.id, self.case.version, *(clock.countdown(now) or clock.met() for clock in clocks))
        if key == self._clock_key:
            return
        # Only the countdown text moved (same case, same version): the block keeps its size, so skip the
        # screen-wide layout pass an update would otherwise cost.
        same_shape = bool(self._clock_key) and self._clock_key[:2] == key[:2]
        self._clock_key = key
        body = "" if self.case is None else fmt.case_clocks(self.case, self.policy, now)
        self.query_one("#detail-clocks", Static).update(body, layout=not same_shape)
