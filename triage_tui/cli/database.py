"""The database itself: `triage db ...`."""

from __future__ import annotations

import click

from triage_tui.cli.base import common, main

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
