"""My cases (key 2): the officer's allocated cases with acknowledgement and response countdowns."""

from __future__ import annotations

from triage_tui.domain.queue import QueueQuery, my_cases_query
from triage_tui.ui.actions import CASEWORK_BINDINGS, TRIAGE_BINDINGS
from triage_tui.ui.screens.case_list import CaseListScreen
from triage_tui.ui.widgets.case_table import MY_COLUMNS


class MyCasesScreen(CaseListScreen):
    BINDINGS = [*TRIAGE_BINDINGS, *CASEWORK_BINDINGS, *CaseListScreen.BINDINGS]
    list_name = "My cases"
    settings_name = "my_cases"
    columns = MY_COLUMNS
    clock_columns = (
        ("ack", "Acknowledge", lambda clocks: clocks.acknowledgement),
        ("response", "Respond", lambda clocks: clocks.response),
    )

    def base_query(self) -> QueueQuery:
        return my_cases_query(self.session.username)
