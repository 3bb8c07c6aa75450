"""Reports (key 4): choose the report and its dates (or, for the annual report, its financial year) with the
keyboard, read its tables, see the trend plotted, export what is shown to CSV.

A report of several tables (the annual report; the SLA, by type and by stage) shows its first table at the top
and the others below it, each under its title. Dates default to today on the service clock.

A cohort is text someone typed: the title, every cell and every label go to their widgets as literal text,
and the CSV neutralises cells a spreadsheet would run. The export never replaces a file (nor the database)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Select, Static
from textual_plotext import PlotextPlot

from triage_tui.domain.errors import InvalidInput, TriageError
from triage_tui.domain.timeparse import parse_date, parse_time
from triage_tui.services.outfiles import database_files, write_new_file
from triage_tui.ui.session import Session
from triage_tui.ui.text import line, one_line, rich_line
from triage_tui.ui.widgets.key_bar import KeyBar
from triage_tui.ui.widgets.literal_input import LiteralInput
from triage_tui.ui.work import off_thread

if TYPE_CHECKING:
    from triage_tui.reports.render import Report

T = TypeVar("T")
DATE_FORMATS = "Type a date as 2022-01-14 or 14/01/2022 (a time may follow: 2022-01-14T09:30, 14/01/2022 09:30)"
SERIES = (
    ("total", "open", "*"),
    ("unallocated", "unallocated", "o"),
    ("complaints_team", "with complaints team", "+"),
    ("service", "with service", "x"),
)

REPORTS = [
    ("Position at a date (open cases by type and status)", "position"),
    ("Contacts received in a period", "received"),
    ("Deadlines met (SLA), by type and by stage", "sla"),
    ("Trend: open cases at each date", "trend"),
    ("Annual complaints performance report (financial year)", "annual"),
]
# The boxes each kind of report reads: a moment or a period (and a cohort), or a financial year.
DATE_BOXES = ("#first-label", "#first", "#cohort-label", "#cohort")
PERIOD_BOXES = ("#to-label", "#last")
YEAR_BOXES = ("#year-label", "#year", "#year-span")


class ReportScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="report.run"),
        Binding("e", "export", "Export CSV", id="report.export"),
        Binding("escape", "leave_form", "Leave the form", show=False, id="report.leave"),
    ]
    # The form is two rows so that it fits an 80-column terminal: the report, then its dates, cohort and Run.
    DEFAULT_CSS = """
    ReportScreen #report-form { height: auto; padding: 0 1; }
    ReportScreen #report-form > Horizontal { height: auto; }
    ReportScreen #report-form Select { width: 1fr; max-width: 64; }
    ReportScreen #report-form Input { width: 16; }
    ReportScreen #report-form #cohort { width: 1fr; max-width: 24; }
    ReportScreen #report-form #year { width: 10; }
    ReportScreen #report-form #year-span { padding: 1 1 0 1; color: $text-muted; }
    ReportScreen #report-form Button { margin-left: 1; min-width: 7; }
    ReportScreen #report-form Label { padding: 1 1 0 0; }
    ReportScreen #report-form #to-label { padding: 1 1 0 1; }
    ReportScreen #report-title { padding: 0 1; text-style: bold; }
    ReportScreen #report-table { height: auto; max-height: 50%; }
    ReportScreen #report-plot { height: 1fr; min-height: 12; }
    ReportScreen #report-more { height: 1fr; }
    ReportScreen #report-more > Static { padding: 1 1 0 1; text-style: bold; }
    ReportScreen #report-more > DataTable { height: auto; }
    ReportScreen #report-note { padding: 0 1; color: $text-muted; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.shown: Any = None

    def today(self) -> date:
        """Today's date where the desk is (on the service clock, so a frozen test clock fixes it too)."""
        return self.session.local(self.session.now()).date()

    def compose(self) -> ComposeResult:
        from triage_tui.reports.annual import financial_year

        today = self.today()
        yield Header()
        with Vertical():
            with Vertical(id="report-form"):
                with Horizontal():
                    yield Label("Report")
                    yield Select(REPORTS, value="position", allow_blank=False, id="kind")
                with Horizontal():
                    yield Label("As of", id="first-label")
                    yield LiteralInput(value=today.isoformat(), placeholder="2022-01-14", id="first")
                    yield Label("to", id="to-label")
                    yield LiteralInput(value=today.isoformat(), placeholder="2022-02-28", id="last")
                    yield Label(" Cohort", id="cohort-label")
                    yield LiteralInput(placeholder="any", id="cohort")
                    yield Label("Year from 1 April", id="year-label")
                    yield LiteralInput(value=str(financial_year(today)), placeholder="2023", id="year")
                    yield Label("", id="year-span")
                    yield Button("Run", variant="primary", id="run")
            yield Static("Choose a report and press enter (or ctrl+r) to run it.", id="report-title")
            yield DataTable(id="report-table", zebra_stripes=True, cursor_type="row")
            yield Static("", id="report-note")
            yield PlotextPlot(id="report-plot")
            yield VerticalScroll(id="report-more")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#report-plot").display = False
        self.query_one("#report-more").display = False
        self._show_year_span()
        self._show_dates("position")
        self.query_one("#kind", Select).focus()

    def _show_dates(self, kind: object) -> None:
        """A position is at one moment (no end date); the annual report covers a financial year; the others a
        period."""
        yearly = kind == "annual"
        period = kind != "position"
        self.query_one("#first-label", Label).update("From" if period else "As of")
        for box in DATE_BOXES:
            self.query_one(box).display = not yearly
        for box in PERIOD_BOXES:
            self.query_one(box).display = period and not yearly
        for box in YEAR_BOXES:
            self.query_one(box).display = yearly

    def _show_year_span(self) -> None:
        """What the typed year means, beside it: 2023 is 1 April 2023 to 31 March 2024."""
        text = self.query_one("#year", Input).value.strip()
        span = ""
        if text.isascii() and text.isdigit() and len(text) == 4:
            span = f"1 April {text} to 31 March {int(text) + 1}"
        self.query_one("#year-span", Label).update(span)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "year":
            self._show_year_span()

    def on_select_changed(self, event: Select.Changed) -> None:
        from triage_tui.reports.annual import financial_year

        self._show_dates(event.value)
        today = self.today()
        if event.value == "annual":
            self.query_one("#year", Input).value = str(financial_year(today))
            return
        first = self.query_one("#first", Input)
        last = self.query_one("#last", Input)
        if event.value == "trend":
            first.value = (today - timedelta(days=90)).isoformat()
        elif event.value in ("received", "sla"):
            first.value = today.replace(day=1).isoformat()
        else:
            first.value = today.isoformat()
        last.value = today.isoformat()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        ctx = self.session.ctx
        if ctx is None:
            self.notify("Opening the database… try again in a moment.", timeout=3)
            return
        kind = str(self.query_one("#kind", Select).value)
        cohort = self.query_one("#cohort", Input).value.strip() or None
        # The dates are read here, before any work starts, so a mistyped one is named and its box focused.
        try:
            if kind == "annual":
                year = self._read("#year", "The financial year", _year)
            elif kind == "position":
                moment = self._read("#first", "The date", lambda text: parse_time(text, end_of_day=True))
            else:
                first = self._read("#first", "The first date", parse_date)
                last = self._read("#last", "The last date", parse_date)
        except InvalidInput:
            return

        def build() -> Report:
            from triage_tui.reports import annual, compute

            if kind == "annual":
                return annual.annual(ctx, year)
            if kind == "position":
                return compute.position(ctx, moment, cohort=cohort, all_buckets=True)
            if kind == "received":
                return compute.received(ctx, first, last)
            if kind == "sla":
                return compute.sla(ctx, first, last)
            every = "week" if (last - first).days > 62 else "day"
            return compute.trend(ctx, first, last, every=every, cohort=cohort)

        def refused(message: str) -> None:
            self.notify(message, severity="error", title="Report")

        off_thread(self, build, self.show, group="report", exclusive=True, refused=refused)

    def _read(self, box_id: str, what: str, parse: Callable[[str], T]) -> T:
        """A date from its box; a mistake is said with the formats accepted, and the box is focused to fix it."""
        box = self.query_one(box_id, Input)
        try:
            return parse(box.value)
        except InvalidInput as exc:
            said = str(exc)
            # Some refusals name the formats already; the others get them added.
            message = f"{what}: {said}" if "2022-01-14" in said else f"{what}: {said}. {DATE_FORMATS}"
            self.notify(message, severity="error", title="Report not run", timeout=10)
            box.focus()
            raise

    def show(self, report: Any) -> None:
        from triage_tui.reports.render import sections, title

        self.shown = report
        first, *others = sections(report)
        self.query_one("#report-title", Static).update(line(title(report)))
        table = self.query_one("#report-table", DataTable)
        _fill(table, first.header, first.body)
        more = self.query_one("#report-more", VerticalScroll)
        more.remove_children()
        for section in others:
            # Each further table under its title; a title someone could have typed goes in as literal text.
            below: DataTable[Any] = DataTable(zebra_stripes=True, cursor_type="row", classes="report-section")
            more.mount(Static(line(section.title)), below)
            _fill(below, section.header, section.body)
        more.display = bool(others)
        note = ""
        if getattr(report, "not_complaint_share", None) is not None and report.totals["total"]:
            others = sum(r["total"] for r in report.rows if r["type"] == "service_request")
            note = f"Not council complaints: {others} of {report.totals['total']} ({report.not_complaint_share:.1%})"
        self.query_one("#report-note", Static).update(line(note))
        plot = self.query_one("#report-plot", PlotextPlot)
        plot.display = hasattr(report, "points")
        if hasattr(report, "points"):
            self._plot(plot, report)
        # Out of the form onto the result: the keys (1 to 4, e to export) act again instead of typing.
        table.focus()

    def _plot(self, plot: PlotextPlot, report: Any) -> None:
        points = report.points
        # plotext draws with escape sequences that the widget then reads back: labels must hold none of their own.
        labels = [one_line(p["date"][5:]) for p in points]
        xs = [float(i) for i in range(len(points))]
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Open cases")
        # Each series its own mark, so the lines differ without colour (and in a black-and-white print).
        for key, name, mark in SERIES:
            plt.plot(xs, [p[key] for p in points], label=name, marker=mark)
        step = max(1, len(xs) // 8)
        plt.xticks(xs[::step], labels[::step])
        plot.refresh()

    def action_leave_form(self) -> None:
        """Out of the inputs, so the keys (1, 2, e, q...) act again instead of typing."""
        self.query_one("#report-table", DataTable).focus()

    def action_export(self) -> None:
        if self.shown is None:
            self.notify("Run a report first", severity="warning")
            return
        from triage_tui.reports.render import file_stem

        # Named by the report and its dates, not today's: two exports of different dates never collide.
        path = Path.cwd() / f"{file_stem(self.shown)}.csv"
        if os.path.lexists(path):
            self.notify(
                f"{path} already exists and was left as it is. Move or rename it, then export again.",
                severity="warning",
                title="Not exported",
                timeout=10,
            )
            return
        ctx = self.session.ctx
        protected = database_files(ctx.store.path) if ctx is not None else []
        try:
            write_new_file(path, report_csv(self.shown), protected=protected)
        except TriageError as exc:
            self.notify(str(exc), severity="error", title="Not exported", timeout=10)
            return
        self.notify(f"Saved {path}", title="Exported")


def report_csv(report: Report) -> str:
    """The report as CSV, each row saying its moment or period, the cohort in its own column, each further
    table after a blank line under its title; no cell starts like a spreadsheet formula."""
    from triage_tui.reports.render import export_csv

    return export_csv(report)


def _fill(table: DataTable[Any], header: list[str], body: list[list[Any]]) -> None:
    table.clear(columns=True)
    # A DataTable parses plain string cells and headings as markup: they go in as literal Rich Text.
    for name in header:
        table.add_column(rich_line(name))
    for row in body:
        table.add_row(*(rich_line(cell) for cell in row))


def _year(text: str) -> int:
    """A financial year typed in the form: the year it starts in."""
    from triage_tui.reports.annual import check_year

    said = text.strip()
    if not (said.isascii() and said.isdigit() and len(said) == 4):
        raise InvalidInput(f"{one_line(said, 20)!r} is not a year: type the year the financial year starts in, as 2023")
    return check_year(int(said))
