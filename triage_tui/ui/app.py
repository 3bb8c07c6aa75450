"""The desk's App: thin; it knows who is acting and pushes the queue."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from triage_tui.domain.clock import Band
from triage_tui.domain.codes import Status
from triage_tui.domain.views import CaseView, OfficerView
from triage_tui.services import cases as case_services
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import get_officer

QUEUE_LIMIT = 500
LONDON = ZoneInfo("Europe/London")
BAND_STYLES = {Band.OK: "green", Band.DUE_SOON: "yellow", Band.OVERDUE: "bold dark_orange", Band.BREACHED: "bold red"}


class DeskApp(App[None]):
    TITLE = "Complaints triage desk"
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, ctx: ServiceContext, officer: OfficerView) -> None:
        super().__init__()
        self.ctx = ctx
        self.officer = officer
        self._cases: list[CaseView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.officer.name} ({self.officer.role.value})"
        table = self.query_one(DataTable)
        table.add_column("Reference", key="reference")
        table.add_column("Received", key="received")
        table.add_column("Channel", key="channel")
        table.add_column("Customer", key="customer")
        table.add_column("Summary", key="summary")
        table.add_column("Status", key="status")
        table.add_column("Triage", key="countdown")
        self._cases = case_services.list_cases(self.ctx, statuses=[Status.NEW], limit=QUEUE_LIMIT)
        now = self.ctx.now()
        for case in self._cases:
            table.add_row(
                case.reference,
                case.received_at.astimezone(LONDON).strftime("%d/%m %H:%M"),
                case.channel,
                case.customer_name,
                case.summary,
                case.status.value,
                self._countdown(case, now),
                key=case.reference,
            )
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        table = self.query_one(DataTable)
        now = self.ctx.now()
        for case in self._cases:
            table.update_cell(case.reference, "countdown", self._countdown(case, now))

    def _countdown(self, case: CaseView, now) -> Text:  # type: ignore[no-untyped-def]
        clock = case.clocks(self.ctx.policy).triage
        band = clock.band(now)
        return Text(clock.countdown(now), style=BAND_STYLES.get(band, ""), justify="right")


def run_desk(ctx: ServiceContext, username: str) -> None:
    officer = get_officer(ctx, username)
    DeskApp(ctx, officer).run()
