"""One case in full (enter, or g to find any case): every field, each stage with its clocks and extensions, the
ombudsman's enquiry, the customer's other cases (a possible duplicate flagged at the top, p opens it), the whole
history, and every action: the Complaint Handling Code's later steps (E escalate, W extend, O ombudsman, P the
review panel) are here, where the stages they change are shown."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Header

from triage_tui.domain.lifecycle import step_allowed
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import LazyModule
from triage_tui.services.lazy import cases as case_services
from triage_tui.ui.actions import ACTIONS, CASEWORK_BINDINGS, STAGE_BINDINGS, TRIAGE_BINDINGS
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.screens.actions import CaseActions
from triage_tui.ui.session import Session
from triage_tui.ui.text import one_line
from triage_tui.ui.widgets.detail import CaseDetail
from triage_tui.ui.widgets.key_bar import KeyBar
from triage_tui.ui.work import off_thread

related_services = LazyModule("triage_tui.services.related")


def read_case(ctx: ServiceContext, reference: str) -> CaseView:
    """The case whole, with the customer's other cases."""
    return case_services.get_case(ctx, reference)


class CaseScreen(CaseActions):
    BINDINGS = [
        *TRIAGE_BINDINGS,
        *CASEWORK_BINDINGS,
        *STAGE_BINDINGS,
        Binding("p", "open_duplicate", "Open duplicate", id="case.duplicate"),
        Binding("escape", "back", "Back", id="back"),
    ]

    HELP_NOTES = (
        "Stages: E escalates a responded complaint to its next stage (the customer's request starts the stage's "
        "own clocks, and someone other than the earlier stage's officer takes it). W extends the running "
        "response deadline by working days, never past the stage's limit, with the reason the customer is "
        "told. O records the ombudsman's enquiry: opened (their reference, the date to answer by), answered, "
        "decided (with any remedy and its due date), remedy carried out. P records that the review panel sat "
        "(children's complaints at stage 3; the key shows there only)."
    )

    def __init__(self, session: Session, feed: ChangeFeed, reference: str) -> None:
        super().__init__(session, feed)
        self.reference = reference
        self.case: CaseView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield CaseDetail(self.session.policy, id="case-full", duplicate_key=self.duplicate_key())
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = one_line(self.reference)
        self.feed.listen(self, changed=self.cases_changed, ticked=self.tick, opened=self.connected)
        self.load()

    def current_case(self) -> CaseView | None:
        return self.case

    def connected(self, session: Session) -> None:
        self.load()

    def load(self) -> None:
        reference = self.reference
        ctx = self.session.ctx
        if ctx is None:
            return  # read once the store is open (connected)
        off_thread(
            self,
            lambda: read_case(ctx, reference),
            self._show,
            group="case",
            exclusive=True,
        )

    def _show(self, case: CaseView) -> None:
        self.case = case
        self.query_one(CaseDetail).show(case, self.session.now())
        self.refresh_bindings()  # p only while there is a duplicate to open, P only at a review panel's stage

    def shown_case(self) -> CaseView | None:
        return self.case

    def key_applies(self, action: str) -> bool:
        """Whether the key bar offers a case action: the case's status allows its step and nothing about the case
        refuses it (a responded case shows escalate and the ombudsman, not classify and allocate). At 80 columns
        that is what makes room for every key that applies; the others still answer with why not."""
        case = self.case
        if case is None or not action.startswith("case("):
            return True
        spec = ACTIONS.get(action.removeprefix("case('").removesuffix("')"))
        if spec is None:
            return True
        if spec.step is not None and not step_allowed(spec.step, case.status):
            return False
        return spec.refuse is None or spec.refuse(case, self.session.policy) is None

    def cases_changed(self, rows: list[CaseView]) -> None:
        if any(r.reference == self.reference for r in rows):
            self.load()

    def tick(self, now: datetime) -> None:
        if not self.is_current:
            return
        self.query_one(CaseDetail).refresh_body(now)

    def action_back(self) -> None:
        self.app.pop_screen()
