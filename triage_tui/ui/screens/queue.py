"""The queue (key 1): new contacts and complaints awaiting allocation, most urgent first."""

from __future__ import annotations

from textual.binding import Binding

from triage_tui.domain.queue import QueueQuery
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui.actions import TRIAGE_BINDINGS
from triage_tui.ui.screens.case_list import CaseListScreen
from triage_tui.ui.widgets.case_table import QUEUE_COLUMNS
from triage_tui.ui.work import off_thread


class QueueScreen(CaseListScreen):
    BINDINGS = [
        *TRIAGE_BINDINGS,
        Binding("n", "take_next", "Take next", id="take_next"),
        *CaseListScreen.BINDINGS,
    ]
    list_name = "Queue"
    settings_name = "queue"
    columns = QUEUE_COLUMNS
    # The clock that matters now: triage while new, then the acknowledgement deadline.
    clock_columns = (("countdown", "Due", lambda clocks: clocks.nearest()),)

    def base_query(self) -> QueueQuery:
        return QueueQuery()

    def action_take_next(self) -> None:
        ctx = self.ready()
        if ctx is None:
            return
        who = self.session.username
        off_thread(
            self.app,
            lambda: desk_services.take_next(ctx, who),
            self._took,
            group="actions",
            refused=self.refused,
            waiting=self.wait_notice(),
        )

    def _took(self, case: CaseView | None) -> None:
        if case is None:
            self.notify("Nothing to take: every new contact is triaged or claimed")
            return
        self.feed.publish([case])
        if not self.table.focus_case(case.reference):
            # Outside the current search or filter: show the whole queue so the claimed case is in view.
            self.query_state = self.base_query()
            self.reload()
        until = self.session.local(case.claimed_until).strftime("%H:%M") if case.claimed_until else ""
        self.notify(f"{case.reference} is yours until {until}: {case.customer_name}, {case.summary}")
