"""Reports for managers and the committee: `triage report ...`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from triage_tui.cli.base import TimeType, choice, common, main, services
from triage_tui.domain.errors import TriageError
from triage_tui.domain.timeparse import parse_date

# reports -----------------------------------------------------------------------------------------------------


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except TriageError as exc:
            self.fail(str(exc), param, ctx)


class YearType(click.ParamType):
    """The year a financial year starts in: 2023 is 1 April 2023 to 31 March 2024."""

    name = "YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from triage_tui.reports.annual import check_year

        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not (text.isascii() and text.isdigit() and len(text) == 4):
                said = f"{text[:40]!r} is not a year: give the year the financial year starts in, as 2023"
                self.fail(said, param, ctx)
            number = int(text)
        try:
            return check_year(number)
        except TriageError as exc:
            self.fail(str(exc), param, ctx)


format_option = click.option(
    "--format", "fmt", type=choice(["table", "csv", "json"]), default="table", show_default=True
)


@main.group()
def report() -> None:
    """Reports for managers and the committee, computed from the history of every case."""


def _print_report(built: Any, fmt: str) -> None:
    from triage_tui.reports.render import render

    click.echo(render(built, fmt), nl=fmt == "json")


@report.command("position")
@common
@click.option("--as-of", required=True, type=TimeType(end_of_day=True), help="A date (its end) or a time.")
@click.option("--cohort", metavar="TAG")
@click.option("--all", "all_buckets", is_flag=True, help="Add complete and closed cases to the open ones.")
@format_option
@click.pass_context
def report_position(ctx: click.Context, as_of: datetime, cohort: str | None, all_buckets: bool, fmt: str) -> None:
    """Cases by type and status as they stood at a moment."""
    from triage_tui.reports.compute import position, quick_position

    # A SQLite file is read directly, without loading the store (most of the time a report would take).
    built = quick_position(ctx.find_root().meta.get("triage.db"), as_of, cohort=cohort, all_buckets=all_buckets)
    if built is None:
        built = position(services(ctx), as_of, cohort=cohort, all_buckets=all_buckets)
    _print_report(built, fmt)


@report.command("received")
@common
@click.option("--from", "first", required=True, type=DateType())
@click.option("--to", "last", required=True, type=DateType())
@click.option("--as-of", type=TimeType(end_of_day=True), help="The moment their state is read at (default now).")
@format_option
@click.pass_context
def report_received(ctx: click.Context, first: date, last: date, as_of: datetime | None, fmt: str) -> None:
    """Contacts received in a period by type and status, and the share that were not complaints."""
    from triage_tui.reports.compute import quick_received, received

    built = quick_received(ctx.find_root().meta.get("triage.db"), first, last, as_of)
    if built is None:
        built = received(services(ctx), first, last, as_of)
    _print_report(built, fmt)


@report.command("sla")
@common
@click.option("--from", "first", required=True, type=DateType())
@click.option("--to", "last", required=True, type=DateType())
@format_option
@click.pass_context
def report_sla(ctx: click.Context, first: date, last: date, fmt: str) -> None:
    """Triage, acknowledgement and response deadlines met, by type."""
    from triage_tui.reports.compute import sla

    _print_report(sla(services(ctx), first, last), fmt)


@report.command("annual")
@common
@click.option(
    "--year",
    type=YearType(),
    help="The year the financial year starts in: 2023 is 1 April 2023 to 31 March 2024 (default: the current one).",
)
@format_option
@click.pass_context
def report_annual(ctx: click.Context, year: int | None, fmt: str) -> None:
    """The annual complaints performance report: contacts, complaints by stage and type, responses in time,
    outcomes, ombudsman enquiries and remedies, complaints by service. Counted from the history of every case
    up to the year's end, so a past year reads the same whenever it is run."""
    from triage_tui.reports.annual import annual, current_year
    from triage_tui.reports.quick_annual import quick_annual

    # A SQLite file is read directly, and mostly counted by SQLite itself (see reports/quick_annual.py).
    built = quick_annual(ctx.find_root().meta.get("triage.db"), year)
    if built is None:
        svc = services(ctx)
        built = annual(svc, year if year is not None else current_year(svc))
    _print_report(built, fmt)


@report.command("trend")
@common
@click.option("--from", "first", required=True, type=DateType())
@click.option("--to", "last", required=True, type=DateType())
@click.option("--cohort", metavar="TAG")
@click.option("--every", type=choice(["day", "week"]), default="day", show_default=True)
@format_option
@click.pass_context
def report_trend(ctx: click.Context, first: date, last: date, cohort: str | None, every: str, fmt: str) -> None:
    """Open cases by status at each date of a period (a backlog's burn-down)."""
    from triage_tui.reports.compute import trend

    _print_report(trend(services(ctx), first, last, every=every, cohort=cohort), fmt)
