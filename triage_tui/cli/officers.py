"""Officers and supervisors: `triage officer ...`."""

from __future__ import annotations

import click

from triage_tui.cli.base import actor, choice, common, main, services
from triage_tui.cli.output import emit_json, local
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.text import visible_line
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
    """Add an officer (supervisors only, except for the first officer of a new database).

    Usernames are unique regardless of letter case: with JNowak there, jnowak is refused (and --as jnowak
    acts as JNowak).
    """
    added = officer_services.add_officer(services(ctx), actor(ctx), username, name, Role(role), Team(team))
    if as_json:
        emit_json(added.to_json())
    else:
        click.echo(
            f"added {added.username} ({visible_line(added.name)}), {added.role.value} in the {added.team.value} team"
        )


@officer.command("list")
@common
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def officer_list(ctx: click.Context, as_json: bool) -> None:
    """List officers; deactivated ones (leavers) are marked."""
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
        flag = "" if p.active else "  (deactivated: can no longer read or act)"
        click.echo(f"{p.username:<16} {visible_line(p.name):<28} {p.role.value:<11} {p.team.value}{flag}")


@officer.command("deactivate")
@common
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the history), e.g. 'left the council 31/03/2022'.")
@click.option("--json", "as_json", is_flag=True, help="Print the officer and their open cases as JSON.")
@click.pass_context
def officer_deactivate(ctx: click.Context, username: str, reason: str, as_json: bool) -> None:
    """A leaver: they can no longer read or act; their history stays (supervisors only).

    Their claims on new contacts are given back at once; the cases allocated to them are listed, to move with
    `triage bulk reassign --from USERNAME --to OTHER --reason ...`. The last active supervisor cannot be
    deactivated. `triage officer reactivate` undoes it.
    """
    done = officer_services.deactivate_officer(services(ctx), actor(ctx), username, reason=reason)
    if as_json:
        emit_json(done.to_json())
        return
    who = done.officer
    click.echo(f"deactivated {who.username} ({visible_line(who.name)}): they can no longer read or act")
    if done.released:
        click.echo(f"claims given back on {len(done.released)} new contact(s): {', '.join(done.released)}")
    if not done.open_cases:
        click.echo(f"{who.username} has no open cases")
        return
    click.echo(
        f"{who.username} still has {len(done.open_cases)} open case(s); move them with "
        f"`triage bulk reassign --from {who.username} --to USERNAME --reason ...` or `triage case reassign`:"
    )
    for c in done.open_cases:
        click.echo(f"  {c.reference:<16} {c.status.value:<13} {c.type.value:<16} received {local(c.received_at)}")


@officer.command("reactivate")
@common
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the history), e.g. 'deactivated by mistake'.")
@click.pass_context
def officer_reactivate(ctx: click.Context, username: str, reason: str) -> None:
    """Undo a deactivation: the officer may read and act again (supervisors only)."""
    who = officer_services.reactivate_officer(services(ctx), actor(ctx), username, reason=reason)
    click.echo(f"reactivated {who.username} ({visible_line(who.name)}): they may read and act again")


@officer.command("update")
@common
@click.argument("username")
@click.option("--role", type=choice([r.value for r in Role]), help="officer or supervisor.")
@click.option("--team", type=choice([t.value for t in Team]), help="triage, complaints or recovery.")
@click.option("--name", help='Full name, e.g. "Priya Shah".')
@click.option("--json", "as_json", is_flag=True, help="Print the officer as JSON.")
@click.pass_context
def officer_update(
    ctx: click.Context, username: str, role: str | None, team: str | None, name: str | None, as_json: bool
) -> None:
    """Change an officer's role, team or name (supervisors only; the last active supervisor stays one)."""
    who, changes = officer_services.update_officer(
        services(ctx),
        actor(ctx),
        username,
        role=Role(role) if role else None,
        team=Team(team) if team else None,
        name=name,
    )
    if as_json:
        emit_json(who.to_json())
        return
    said = "; ".join(f"{key} {visible_line(old)} -> {visible_line(new)}" for key, (old, new) in changes.items())
    click.echo(f"updated {who.username}: {said}")
