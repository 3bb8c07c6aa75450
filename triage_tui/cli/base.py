"""The command group, its error handling, and what every command shares (options, types, output).

Every refusal is one `error:` line on stderr with exit 2 and nothing written; exit 1 is reserved for bugs,
which are also reported in one line (set TRIAGE_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from triage_tui.domain.errors import TriageError
from triage_tui.domain.text import json_text
from triage_tui.domain.timeparse import parse_time
from triage_tui.services.context import ServiceContext, current_username, open_context

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


def one_line(text: str) -> str:
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


def choice(values: Sequence[str]) -> click.Choice:
    return click.Choice(list(values), case_sensitive=False)


def local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M") if moment is not None else "-"


def emit_json(data: Any) -> None:
    click.echo(json_text(data))


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
