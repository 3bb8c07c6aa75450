"""Officers and supervisors: `triage officer ...`."""

from __future__ import annotations

import click

from triage_tui.cli.base import actor, choice, common, emit_json, main, services
from triage_tui.domain.codes import Role, Team
from triage_tui.services.lazy import officers as officer_services

# officers ------------------------------------------------------------------------------------------------------


@main.group()
def officer() -> None:
    """Officers and supervisors."""


@officer.command("add")
@common
@click.argument("username")
@click.option("--name", required=True, help='Full name, e.g. "Priya Shah".')
@click.option("--role", type=choice([r.value for r in Role]), default=Role.OFFICER.value, show_default=True)
@click.option("--team", type=choice([t.value for t in Team]), default=Team.TRIAGE.value, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the new officer as JSON.")
@click.pass_context
def officer_add(ctx: click.Context, username: str, name: str, role: str, team: str, as_json: bool) -> None:
    """Add an officer (supervisors only, except for the first officer of a new database)."""
    added = officer_services.add_officer(services(ctx), actor(ctx), username, name, Role(role), Team(team))
    if as_json:
        emit_json(added.to_json())
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
        emit_json([p.to_json() for p in people])
        return
    if not people:
        click.echo(
            "no officers yet: add the first supervisor with `triage officer add USERNAME --name ... --role supervisor`"
        )
        return
    for p in people:
        flag = "" if p.active else "  (inactive)"
        click.echo(f"{p.username:<16} {p.name:<28} {p.role.value:<11} {p.team.value}{flag}")
