"""The headless commands of CONTRACT.md, over the same services as the desk.

Every refusal is one `error:` line on stderr with exit 2 and nothing written; exit 1 is reserved for bugs,
which are also reported in one line (set TRIAGE_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, CloseReason, Outcome, Role, Status, Team
from triage_tui.domain.errors import TriageError
from triage_tui.domain.timeparse import parse_date, parse_time
from triage_tui.domain.views import CaseView
from triage_tui.services.context import ServiceContext, current_username, open_context
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import officers as officer_services

F = TypeVar("F", bound=Callable[..., Any])
LOCAL = ZoneInfo("Europe/London")


# --- the command group and its error handling ------------------------------------------------------------------


class ReaderGone(Exception):
    """The program reading our output closed it (`triage case list | head`)."""


class TriageGroup(click.Group):
    """Turns every failure into one line on stderr and the contract's exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # Click would turn this into exit 1 before main() sees it.
            raise ReaderGone from None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any) -> Any:
        try:
            result = super().main(args=args, prog_name=prog_name or "triage", standalone_mode=False, **extra)
            sys.stdout.flush()  # here, so a reader that went away is caught below and not at exit
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc.format_message())}", err=True)
            sys.exit(2)
        except TriageError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except (BrokenPipeError, ReaderGone):
            # The reader went away (`triage case list | head`): not an error of ours. What is still buffered
            # for it goes nowhere, so the exit does not fail flushing it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:
            if os.environ.get("TRIAGE_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"error: internal error ({type(exc).__name__}: {_one_line(str(exc))}); "
                "please report it with the command you ran",
                err=True,
            )
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _store_option(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            ctx.find_root().meta[f"triage.{name}"] = value

    return callback


def common(func: F) -> F:
    """`--db` and `--as` on every subcommand as well as on the group."""
    func = click.option(
        "--as",
        "as_user",
        metavar="USERNAME",
        expose_value=False,
        callback=_store_option("as"),
        help="Who acts (else TRIAGE_USER, else the login name).",
    )(func)
    func = click.option(
        "--db",
        metavar="URL_OR_PATH",
        expose_value=False,
        callback=_store_option("db"),
        help="SQLite file or database URL (else TRIAGE_DB, else db/triage.sqlite).",
    )(func)
    return func


def services(ctx: click.Context) -> ServiceContext:
    """The service context, opened on first use and closed when the command ends."""
    root = ctx.find_root()
    svc = root.meta.get("triage.services")
    if svc is None:
        svc = open_context(root.meta.get("triage.db"))
        root.meta["triage.services"] = svc
        root.call_on_close(svc.store.dispose)
    return svc


def actor(ctx: click.Context) -> str:
    return current_username(ctx.find_root().meta.get("triage.as"))


class TimeType(click.ParamType):
    name = "TIME"

    def __init__(self, end_of_day: bool = False) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value), end_of_day=self.end_of_day)
        except TriageError as exc:
            self.fail(str(exc), param, ctx)


def _choice(values: Sequence[str]) -> click.Choice:
    return click.Choice(list(values), case_sensitive=False)


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M") if moment is not None else "-"


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# --- the commands ----------------------------------------------------------------------------------------------


@click.group(cls=TriageGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common
@click.version_option(package_name="triage-tui", prog_name="triage")
@click.pass_context
def main(ctx: click.Context) -> None:
    """The complaints triage desk. With no command, opens the desk (the terminal UI)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@main.command()
@common
@click.pass_context
def tui(ctx: click.Context) -> None:
    """Open the desk (the same as plain `triage`)."""
    from triage_tui.ui.app import run_desk

    run_desk(ctx.find_root().meta.get("triage.db"), actor(ctx))


# officers ------------------------------------------------------------------------------------------------------


@main.group()
def officer() -> None:
    """Officers and supervisors."""


@officer.command("add")
@common
@click.argument("username")
@click.option("--name", required=True, help='Full name, e.g. "Priya Shah".')
@click.option("--role", type=_choice([r.value for r in Role]), default=Role.OFFICER.value, show_default=True)
@click.option("--team", type=_choice([t.value for t in Team]), default=Team.TRIAGE.value, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the new officer as JSON.")
@click.pass_context
def officer_add(ctx: click.Context, username: str, name: str, role: str, team: str, as_json: bool) -> None:
    """Add an officer (supervisors only, except for the first officer of a new database)."""
    added = officer_services.add_officer(services(ctx), actor(ctx), username, name, Role(role), Team(team))
    if as_json:
        _emit_json(added.to_json())
    else:
        click.echo(f"added {added.username} ({added.name}), {added.role.value} in the {added.team.value} team")


@officer.command("list")
@common
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def officer_list(ctx: click.Context, as_json: bool) -> None:
    """List officers."""
    people = officer_services.list_officers(services(ctx))
    if as_json:
        _emit_json([p.to_json() for p in people])
        return
    if not people:
        click.echo(
            "no officers yet: add the first supervisor with `triage officer add USERNAME --name ... --role supervisor`"
        )
        return
    for p in people:
        flag = "" if p.active else "  (inactive)"
        click.echo(f"{p.username:<16} {p.name:<28} {p.role.value:<11} {p.team.value}{flag}")


# intake --------------------------------------------------------------------------------------------------------


@main.group()
def intake() -> None:
    """New contacts."""


@intake.command("add")
@common
@click.option("--customer-name", required=True)
@click.option("--summary", required=True)
@click.option("--received-at", type=TimeType(), help="When it arrived (default now); local time unless an offset.")
@click.option("--channel", default="email", show_default=True, help="email, phone, web, letter or in_person.")
@click.option("--details", help="The full text of the contact.")
@click.option("--reference", help="Keep an existing reference (default: the next CMP-nnnnnn).")
@click.option("--customer-email")
@click.option("--customer-phone")
@click.option("--cohort", help="A tag such as backlog-2021.")
@click.option("--json", "as_json", is_flag=True, help="Print the new case as JSON instead of its reference.")
@click.pass_context
def intake_add(ctx: click.Context, as_json: bool, **fields: Any) -> None:
    """Record a new contact; prints its reference."""
    svc = services(ctx)
    case = case_services.intake(svc, actor(ctx), **fields)
    if as_json:
        _emit_json(case.to_json(svc.now(), svc.policy))
    else:
        click.echo(case.reference)


# cases ---------------------------------------------------------------------------------------------------------


@main.group()
def case() -> None:
    """Look at and act on cases."""


def _done(ctx: click.Context, case_view: CaseView, message: str, as_json: bool) -> None:
    svc = services(ctx)
    if as_json:
        _emit_json(case_view.to_json(svc.now(), svc.policy))
    else:
        click.echo(f"{case_view.reference}: {message}")


json_flag = click.option("--json", "as_json", is_flag=True, help="Print the case afterwards as JSON.")
version_option = click.option(
    "--expect-version", type=int, help="Refuse if the case is no longer at this version (someone changed it)."
)


@case.command("list")
@common
@click.option("--status", "statuses", multiple=True, type=_choice([s.value for s in Status]))
@click.option("--type", "types", multiple=True, type=_choice([t.value for t in CaseType]))
@click.option("--officer", metavar="USERNAME")
@click.option("--cohort", metavar="TAG")
@click.option("--limit", type=int, help="At most N cases (default: all matches).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def case_list(
    ctx: click.Context,
    statuses: tuple[str, ...],
    types: tuple[str, ...],
    officer: str | None,
    cohort: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List cases, oldest first."""
    svc = services(ctx)
    found = case_services.list_cases(
        svc,
        statuses=[Status(s) for s in statuses],
        types=[CaseType(t) for t in types],
        officer=officer,
        cohort=cohort,
        limit=limit,
    )
    now = svc.now()
    if as_json:
        _emit_json([c.to_json(now, svc.policy, events=False) for c in found])
        return
    for c in found:
        clock = c.clocks(svc.policy).nearest()
        countdown = f"{clock.name} {clock.countdown(now)}" if clock else ""
        click.echo(
            f"{c.reference:<12} {_local(c.received_at)}  {c.status.value:<12} {c.type.value:<15} "
            f"{(c.officer or '-'):<12} {c.customer_name[:24]:<24} {countdown}"
        )
    click.echo(f"{len(found)} case{'s' if len(found) != 1 else ''}", err=True)


@case.command("show")
@common
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def case_show(ctx: click.Context, reference: str, as_json: bool) -> None:
    """A case with its clocks and its history."""
    svc = services(ctx)
    c = case_services.get_case(svc, reference)
    now = svc.now()
    if as_json:
        _emit_json(c.to_json(now, svc.policy))
        return
    lines = [
        f"{c.reference}  {c.type.label} · {c.status.label}" + (f" · {c.officer}" if c.officer else ""),
        f"  received   {_local(c.received_at)} by {c.channel}",
        f"  customer   {c.customer_name}" + "".join(f" · {v}" for v in (c.customer_email, c.customer_phone) if v),
        f"  summary    {c.summary}",
    ]
    if c.details:
        lines.append(f"  details    {c.details}")
    for extra, value in (
        ("service", c.service),
        ("signposted", c.signposted_to),
        ("closed", c.close_reason),
        ("duplicate", c.duplicate_of),
        ("outcome", c.outcome),
        ("cohort", c.cohort),
    ):
        if value:
            lines.append(f"  {extra:<10} {value}")
    lines.append("  clocks")
    for clock in c.clocks(svc.policy).all():
        if clock.due_at is None:
            state = "not started"
        elif clock.running:
            state = f"{clock.countdown(now)} ({clock.band(now)})"
        else:
            state = "met" if clock.met() else "missed"
        lines.append(f"    {clock.name:<16} due {_local(clock.due_at)}  {state}")
    lines.append("  history")
    for e in c.events:
        move = f"{e.from_status or '-'} -> {e.to_status}" if e.from_status != e.to_status else ""
        extra = ", ".join(f"{k}: {v}" for k, v in e.details.items() if v not in (None, ""))
        lines.append(f"    {_local(e.at)}  {e.actor:<12} {e.action:<12} {move:<26} {extra}".rstrip())
    click.echo("\n".join(lines))


@case.command("classify")
@common
@click.argument("reference")
@click.argument("kind", metavar="TYPE", type=_choice([t.value for t in COMPLAINT_TYPES]))
@version_option
@json_flag
@click.pass_context
def case_classify(ctx: click.Context, reference: str, kind: str, expect_version: int | None, as_json: bool) -> None:
    """Classify a contact as adults, children, corporate or other."""
    svc = services(ctx)
    c = case_services.classify(svc, actor(ctx), reference, CaseType(kind), expected_version=expect_version)
    ack = c.clocks(svc.policy).acknowledgement.due_at
    _done(ctx, c, f"classified as {c.type.label}; acknowledgement due {_local(ack)}", as_json)


@case.command("acknowledge")
@common
@click.argument("reference")
@click.option("--channel", help="How the customer was told (email, phone, letter...).")
@click.option("--note")
@version_option
@json_flag
@click.pass_context
def case_acknowledge(
    ctx: click.Context,
    reference: str,
    channel: str | None,
    note: str | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Record the acknowledgement to the customer."""
    svc = services(ctx)
    c = case_services.acknowledge(
        svc, actor(ctx), reference, channel=channel, note=note, expected_version=expect_version
    )
    due = c.clocks(svc.policy).response.due_at
    _done(ctx, c, f"acknowledged; response due {_local(due)}", as_json)


@case.command("signpost")
@common
@click.argument("reference")
@click.option("--to", "to", metavar="ORGANISATION", help="Another organisation (NHS trust, police, a school...).")
@click.option("--service-request", metavar="SERVICE", help="A council service, as a service request.")
@click.option("--note")
@version_option
@json_flag
@click.pass_context
def case_signpost(
    ctx: click.Context,
    reference: str,
    to: str | None,
    service_request: str | None,
    note: str | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Not a council complaint: signpost it, or pass it on as a service request."""
    c = case_services.signpost(
        services(ctx),
        actor(ctx),
        reference,
        to=to,
        service_request=service_request,
        note=note,
        expected_version=expect_version,
    )
    where = f"signposted to {c.signposted_to}" if c.signposted_to else f"service request to {c.service}"
    _done(ctx, c, f"{where}; closed", as_json)


@case.command("allocate")
@common
@click.argument("reference")
@click.argument("officer_username", metavar="OFFICER")
@version_option
@json_flag
@click.pass_context
def case_allocate(
    ctx: click.Context, reference: str, officer_username: str, expect_version: int | None, as_json: bool
) -> None:
    """Allocate a triaged complaint to a complaint officer."""
    c = case_services.allocate(services(ctx), actor(ctx), reference, officer_username, expected_version=expect_version)
    _done(ctx, c, f"allocated to {c.officer}", as_json)


@case.command("send")
@common
@click.argument("reference")
@click.option("--service", required=True, metavar="NAME", help="The service that must investigate and reply.")
@version_option
@json_flag
@click.pass_context
def case_send(ctx: click.Context, reference: str, service: str, expect_version: int | None, as_json: bool) -> None:
    """Send the complaint to the service."""
    c = case_services.send_to_service(services(ctx), actor(ctx), reference, service, expected_version=expect_version)
    _done(ctx, c, f"sent to {c.service}", as_json)


@case.command("respond")
@common
@click.argument("reference")
@click.option("--outcome", type=_choice([o.value for o in Outcome]))
@version_option
@json_flag
@click.pass_context
def case_respond(
    ctx: click.Context, reference: str, outcome: str | None, expect_version: int | None, as_json: bool
) -> None:
    """Record that the response has been sent: the case is complete."""
    c = case_services.respond(
        services(ctx),
        actor(ctx),
        reference,
        outcome=Outcome(outcome) if outcome else None,
        expected_version=expect_version,
    )
    _done(ctx, c, "response sent; complete" + (f" ({c.outcome})" if c.outcome else ""), as_json)


@case.command("close")
@common
@click.argument("reference")
@click.option("--reason", required=True, type=_choice(["withdrawn", "duplicate", "out_of_time"]))
@click.option("--duplicate-of", metavar="REF", help="The original case, with --reason duplicate.")
@click.option("--note")
@version_option
@json_flag
@click.pass_context
def case_close(
    ctx: click.Context,
    reference: str,
    reason: str,
    duplicate_of: str | None,
    note: str | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Close a case as withdrawn, a duplicate, or out of time."""
    c = case_services.close(
        services(ctx),
        actor(ctx),
        reference,
        CloseReason(reason),
        duplicate_of=duplicate_of,
        note=note,
        expected_version=expect_version,
    )
    _done(ctx, c, f"closed ({c.close_reason})", as_json)


@case.command("reassign")
@common
@click.argument("reference")
@click.argument("officer_username", metavar="OFFICER")
@click.option("--reason", required=True, help="Kept in the case's history.")
@version_option
@json_flag
@click.pass_context
def case_reassign(
    ctx: click.Context,
    reference: str,
    officer_username: str,
    reason: str,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Move a case to another officer (supervisors only)."""
    c = case_services.reassign(
        services(ctx), actor(ctx), reference, officer_username, reason=reason, expected_version=expect_version
    )
    _done(ctx, c, f"reassigned to {c.officer}", as_json)


@case.command("note")
@common
@click.argument("reference")
@click.argument("text")
@json_flag
@click.pass_context
def case_note(ctx: click.Context, reference: str, text: str, as_json: bool) -> None:
    """Add a note to the case's history."""
    c = case_services.add_note(services(ctx), actor(ctx), reference, text)
    _done(ctx, c, "note added", as_json)


# import ------------------------------------------------------------------------------------------------------


@main.command("import")
@common
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Check everything and count what would happen; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; report the bad ones (exit 3).")
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --skip-invalid: write the bad rows here, with an error column, to fix and import again.",
)
@click.option(
    "--create-officers", is_flag=True, help="Add officers the file names that do not exist yet (supervisors only)."
)
@click.option(
    "--ignore-unknown", is_flag=True, help="Skip columns this program does not know instead of refusing the file."
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts and every problem as JSON.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=10_000, hidden=True)
@click.pass_context
def import_file(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    create_officers: bool,
    ignore_unknown: bool,
    as_json: bool,
    chunk_size: int,
) -> int:
    """Import cases from a CSV file or the first sheet of an XLSX workbook (see the README for the columns)."""
    from triage_tui.importer.progress import progress_reporter
    from triage_tui.importer.run import ImportOptions, run_import

    if rejects is not None and not skip_invalid:
        raise click.UsageError("--rejects goes with --skip-invalid (without it, a bad row stops the import)")
    options = ImportOptions(
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        rejects=rejects,
        create_officers=create_officers,
        ignore_unknown=ignore_unknown,
        chunk=chunk_size,
    )
    with progress_reporter(enabled=not as_json and sys.stderr.isatty()) as progress:
        result = run_import(services(ctx), actor(ctx), file, options, progress)
    if as_json:
        _emit_json(result.to_json())
    if result.rejected and not skip_invalid:
        if not as_json:
            noun = "row has a problem" if result.rejected == 1 else "rows have problems"
            click.echo(f"error: {file.name}: {result.rejected} {noun}; nothing was imported", err=True)
            for line, column, message in result.errors:
                click.echo(f"line {line}: {column}: {message}", err=True)
        return 2
    if not as_json:
        read_as = " (read as Windows-1252: not UTF-8)" if result.encoding == "cp1252" else ""
        verb = "would import" if dry_run else "imported"
        parts = [f"{result.rows} rows", f"{result.imported} {verb}", f"{result.duplicates} duplicates"]
        if result.rejected:
            parts.append(f"{result.rejected} rejected" + (f" (written to {rejects})" if rejects else ""))
        if result.created_officers:
            parts.append(f"officers {'to create' if dry_run else 'created'}: {', '.join(result.created_officers)}")
        click.echo(f"{file.name}: " + ", ".join(parts) + read_as + ("; dry run, nothing written" if dry_run else ""))
        for line, column, message in result.errors:
            click.echo(f"line {line}: {column}: {message}", err=True)
    return 3 if result.rejected else 0


# supervisors' bulk moves -------------------------------------------------------------------------------------


@main.group()
def bulk() -> None:
    """Move many cases at once (supervisors only): each case its own transaction."""


def _bulk_outcome(result: Any, as_json: bool, verb: str) -> int:
    if as_json:
        _emit_json(result.to_json())
    else:
        for reference, officer in result.moved:
            click.echo(f"{reference}: {verb} {officer}")
        click.echo(f"{len(result.moved)} moved, {len(result.refused)} refused", err=True)
    for reference, why in result.refused:
        click.echo(f"refused: {reference}: {why}", err=True)
    return 2 if result.refused and not result.moved else 0


@bulk.command("reassign")
@common
@click.option("--from", "source", required=True, metavar="OFFICER")
@click.option("--to", "target", required=True, metavar="OFFICER")
@click.option("--cohort", metavar="TAG", help="Only cases of this cohort.")
@click.option("--overdue", is_flag=True, help="Only cases past a deadline (overdue or breached).")
@click.option("--reason", required=True, help="Kept in each case's history.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def bulk_reassign(
    ctx: click.Context,
    source: str,
    target: str,
    cohort: str | None,
    overdue: bool,
    reason: str,
    as_json: bool,
) -> int:
    """Move an officer's open cases to another officer."""
    from triage_tui.services.supervision import bulk_reassign as move

    result = move(services(ctx), actor(ctx), source, target, reason=reason, cohort=cohort, overdue=overdue)
    return _bulk_outcome(result, as_json, "reassigned to")


@bulk.command("distribute")
@common
@click.option("--cohort", required=True, metavar="TAG")
@click.option("--team", type=_choice([t.value for t in Team]), default=Team.RECOVERY.value, show_default=True)
@click.option("--strategy", type=_choice(["round-robin", "least-loaded"]), default="round-robin", show_default=True)
@click.option("--dry-run", is_flag=True, help="Show who would take each case; allocate nothing.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def bulk_distribute(ctx: click.Context, cohort: str, team: str, strategy: str, dry_run: bool, as_json: bool) -> int:
    """Allocate a cohort's unallocated cases across a team's officers."""
    from triage_tui.services.supervision import distribute, plan_distribution

    svc = services(ctx)
    who = actor(ctx)
    if dry_run:
        # The plan needs no rights; the run does, and is refused the same way whether planned first or not.
        plan = plan_distribution(svc, cohort, Team(team), strategy)
        if as_json:
            _emit_json({"dry_run": True, "plan": [{"reference": r, "officer": o} for r, o in plan]})
        else:
            for reference, officer in plan:
                click.echo(f"{reference}: would go to {officer}")
            click.echo(f"{len(plan)} cases would be allocated; dry run, nothing changed", err=True)
        return 0
    plan = plan_distribution(svc, cohort, Team(team), strategy)
    return _bulk_outcome(distribute(svc, who, plan), as_json, "allocated to")


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


format_option = click.option(
    "--format", "fmt", type=_choice(["table", "csv", "json"]), default="table", show_default=True
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


@report.command("trend")
@common
@click.option("--from", "first", required=True, type=DateType())
@click.option("--to", "last", required=True, type=DateType())
@click.option("--cohort", metavar="TAG")
@click.option("--every", type=_choice(["day", "week"]), default="day", show_default=True)
@format_option
@click.pass_context
def report_trend(ctx: click.Context, first: date, last: date, cohort: str | None, every: str, fmt: str) -> None:
    """Open cases by status at each date of a period (a backlog's burn-down)."""
    from triage_tui.reports.compute import trend

    _print_report(trend(services(ctx), first, last, every=every, cohort=cohort), fmt)


@case.command("cohort")
@common
@click.argument("reference")
@click.argument("tag", required=False)
@json_flag
@click.pass_context
def case_cohort(ctx: click.Context, reference: str, tag: str | None, as_json: bool) -> None:
    """Tag a case with a cohort, such as a backlog to recover; no TAG takes it off (supervisors only)."""
    c = case_services.set_cohort(services(ctx), actor(ctx), reference, tag)
    _done(ctx, c, f"cohort {c.cohort}" if c.cohort else "no cohort", as_json)


# database and demo --------------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database itself."""


@db.command("upgrade")
@common
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema (PostgreSQL needs this; SQLite does it by itself)."""
    from triage_tui.services.database import upgrade_database

    where, before, after = upgrade_database(ctx.find_root().meta.get("triage.db"))
    if before == after:
        click.echo(f"{where}: schema already at {after}")
    else:
        click.echo(f"{where}: schema upgraded from {before or 'empty'} to {after}")


@main.command()
@common
@click.option(
    "--size",
    type=_choice(["small", "briefing", "large"]),
    default="small",
    show_default=True,
    help="small: a few hundred live contacts; briefing: the council briefing's history (its four tables); "
    "large: adds 100,000 cases of history, 5,000 open.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has cases.")
@click.option("--seed", type=int, default=2021, show_default=True, help="The same seed gives the same desk.")
@click.pass_context
def demo(ctx: click.Context, size: str, if_empty: bool, seed: int) -> None:
    """Fill the database with a realistic desk: officers, supervisors and contacts in every state."""
    from triage_tui.importer.briefing import fill_briefing
    from triage_tui.services.demo import fill_demo, fill_large

    svc = services(ctx)
    if size == "briefing":
        summary = None if if_empty and not _database_is_empty(svc) else fill_briefing(svc, actor(ctx))
    elif size == "large":
        summary = None if if_empty and not _database_is_empty(svc) else fill_large(svc, actor(ctx), seed=seed)
    else:
        summary = fill_demo(svc, actor(ctx), size=size, seed=seed, if_empty=if_empty)
    if summary is not None:
        click.echo(summary, err=True)


def _database_is_empty(svc: ServiceContext) -> bool:
    return not case_services.list_cases(svc, limit=1)


if __name__ == "__main__":  # pragma: no cover
    main()
