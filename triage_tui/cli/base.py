"""The command group, its error handling, and what every command shares (options, types); output formatting
is in cli/output.py.

Every refusal is one `error:` line on stderr with exit 2 and nothing written; exit 1 is reserved for bugs,
which are also reported in one line (set TRIAGE_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import click

from triage_tui.cli.output import is_utf8, one_line, shown_bytes
from triage_tui.domain.errors import InvalidInput, TriageError
from triage_tui.domain.timeparse import parse_date, parse_time
from triage_tui.services.context import ServiceContext, current_username, open_context
from triage_tui.services.lazy import officers as officer_services

F = TypeVar("F", bound=Callable[..., Any])


# --- the command group and its error handling ------------------------------------------------------------------


class ReaderGone(Exception):
    """The program reading our output closed it (`triage case list | head`)."""


class TriageCommand(click.Command):
    """Every command checks who is acting before it does anything, reads included (see `require_actor`)."""

    def invoke(self, ctx: click.Context) -> Any:
        require_actor(ctx)
        return super().invoke(ctx)


class TriageGroup(click.Group):
    """Turns every failure into one line on stderr and the contract's exit codes."""

    # Subgroups are TriageGroups too, and every command under them a TriageCommand.
    command_class = TriageCommand
    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # Click would turn this into exit 1 before main() sees it.
            raise ReaderGone from None

    def main(  # type: ignore[override]  # always standalone_mode=False: exits are ours
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        if args is None:
            # Run as the program (not called with arguments, as tests call it), the process ends with the command.
            # Python's last act would be a collection that walks every object still alive, only to free what the
            # exit gives back anyway: a third of a second after a large import. Frozen first, they are skipped.
            atexit.register(gc.freeze)
        args = list(sys.argv[1:] if args is None else args)
        undecodable = next((arg for arg in args if not is_utf8(arg)), None)
        if undecodable is not None:
            # Python hands bytes that are not UTF-8 over as lone surrogates, which no database or terminal can
            # take: refuse before anything is opened, showing the bytes escaped.
            click.echo(f"error: argument is not valid UTF-8: {shown_bytes(undecodable)}; nothing was done", err=True)
            sys.exit(2)
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
            click.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(2)
        except TriageError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
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
                f"error: internal error ({type(exc).__name__}: {one_line(str(exc))}); "
                "please report it with the command you ran",
                err=True,
            )
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


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
        help="Who acts, an active officer, for reads too; any letter case (else TRIAGE_USER, else the login name).",
    )(func)
    func = click.option(
        "--db",
        metavar="URL_OR_PATH",
        expose_value=False,
        callback=_store_option("db"),
        help="SQLite file or database URL (else TRIAGE_DB, else db/triage.sqlite).",
    )(func)
    return func


# --- who is acting ----------------------------------------------------------------------------------------------

# Every command needs an active officer, for reads as well as writes, except these, which say why:
OPEN_WHEN_EMPTY = "open while the database has no officers"  # checked as usual once there are officers
BEFORE_SCHEMA = "open while the database has no officers, asked before any migration"
OWN_CHECK = "checks for itself"
ACTOR_RULES: dict[tuple[str, ...], str] = {
    ("officer", "add"): OPEN_WHEN_EMPTY,  # how the first supervisor of a new database is made
    ("db", "upgrade"): BEFORE_SCHEMA,  # a new PostgreSQL database has no table to hold an officer yet
    ("demo",): OWN_CHECK,  # an empty database is anyone's to fill; else --force, for a supervisor
    ("tui",): OWN_CHECK,  # the desk refuses at startup with the same message (plain `triage` goes that way)
}


def command_path(ctx: click.Context) -> tuple[str, ...]:
    """The command's names below the group, e.g. ("officer", "add")."""
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return tuple(reversed(names))


def require_actor(ctx: click.Context) -> None:
    """Refuse an unknown or deactivated user (exit 2, one line saying what to do) before the command reads
    anything, by the command's rule above."""
    rule = ACTOR_RULES.get(command_path(ctx))
    if rule == OWN_CHECK:
        return
    if rule == BEFORE_SCHEMA:
        from triage_tui.services.database import check_upgrader

        check_upgrader(ctx.find_root().meta.get("triage.db"), actor(ctx))
        return
    check_actor(ctx, open_when_empty=rule == OPEN_WHEN_EMPTY)


def check_actor(ctx: click.Context, *, open_when_empty: bool = False) -> None:
    """The acting user must be an active officer. On a current SQLite file this is one read through sqlite3,
    so the reports' quick path stays quick; otherwise the services decide over the full store, which the
    command then reuses."""
    from triage_tui.services.identity import quick_check

    username = actor(ctx)
    if not quick_check(ctx.find_root().meta.get("triage.db"), username, open_when_empty=open_when_empty):
        officer_services.check_actor(services(ctx), username, open_when_empty=open_when_empty)


def services(ctx: click.Context) -> ServiceContext:
    """The service context, opened on first use and closed when the command ends. (Who is acting has been
    checked already: see TriageCommand.)"""
    root = ctx.find_root()
    svc = root.meta.get("triage.services")
    if svc is None:
        svc = open_context(root.meta.get("triage.db"))
        root.meta["triage.services"] = svc
        root.call_on_close(svc.store.dispose)
    return svc


def actor(ctx: click.Context) -> str:
    username = current_username(ctx.find_root().meta.get("triage.as"))
    if not is_utf8(username):  # from TRIAGE_USER: arguments were checked on the way in
        raise InvalidInput(f"the user name is not valid UTF-8: {shown_bytes(username)} (see --as and TRIAGE_USER)")
    return username


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


class DateType(click.ParamType):
    """A calendar date (a deadline such as the ombudsman's respond-by), ISO or UK style."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return parse_date(str(value))
        except TriageError as exc:
            self.fail(str(exc), param, ctx)


def choice(values: Sequence[str]) -> click.Choice:
    return click.Choice(list(values), case_sensitive=False)


# --- the commands ----------------------------------------------------------------------------------------------


@click.group(cls=TriageGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common
@click.version_option(package_name="triage-tui", prog_name="triage")
@click.pass_context
def main(ctx: click.Context) -> None:
    """The complaints triage desk. With no command, opens the desk (the terminal UI).

    Every command, reads included, acts as an active officer (--as, else TRIAGE_USER, else the login name).
    On a database with no officers yet, `officer add` (to make the first supervisor), `db upgrade` and `demo`
    are open to anyone; once there are officers, `db upgrade` too needs an active officer.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@main.command()
@common
@click.pass_context
def tui(ctx: click.Context) -> None:
    """Open the desk (the same as plain `triage`)."""
    from triage_tui.ui.app import run_desk

    run_desk(ctx.find_root().meta.get("triage.db"), actor(ctx))
