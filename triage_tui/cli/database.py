"""The database itself: `triage db ...`."""

from __future__ import annotations

import click

from triage_tui.cli.base import common, main, services
from triage_tui.cli.output import emit_json

# database and demo --------------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database itself."""


@db.command("upgrade")
@common
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema (PostgreSQL needs this; SQLite does it by itself).

    Open to anyone while the database has no officers; after that, an active officer.
    """
    from triage_tui.services.database import upgrade_database

    where, before, after = upgrade_database(ctx.find_root().meta.get("triage.db"))
    if before == after:
        click.echo(f"{where}: schema already at {after}")
    else:
        click.echo(f"{where}: schema upgraded from {before or 'empty'} to {after}")


@db.command("verify")
@common
@click.option(
    "--expect-head",
    metavar="HASH",
    help="The head an earlier verify printed, kept elsewhere: exit 2 if the head is now different.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def db_verify(ctx: click.Context, expect_head: str | None, as_json: bool) -> None:
    """Walk the audit trail and recompute every event's hash: exit 0 when intact (printing the number of events
    and the head to note down), exit 2 naming the first event altered, removed or inserted."""
    from triage_tui.services.integrity import AuditTrailBroken, verify_chain

    try:
        report = verify_chain(services(ctx), expect_head)
    except AuditTrailBroken as exc:
        if as_json:
            emit_json(exc.to_json())
        raise
    if as_json:
        emit_json(report.to_json())
    else:
        noun = "event" if report.events == 1 else "events"
        click.echo(f"audit trail intact: {report.events:,} {noun}; head {report.head}")
