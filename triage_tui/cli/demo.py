"""`triage demo`: a realistic desk to try the program on."""

from __future__ import annotations

import click

from triage_tui.cli.base import actor, check_actor, choice, common, main, services


@main.command()
@common
@click.option(
    "--size",
    type=choice(["small", "briefing", "large"]),
    default="small",
    show_default=True,
    help="small: a few hundred live contacts; briefing: the council briefing's history (its four tables); "
    "large: adds 100,000 cases of history, 5,000 open.",
)
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (and say nothing) if the database is already in use: for `make run`."
)
@click.option(
    "--force", is_flag=True, help="Add demo data to a database in use (an active supervisor, acting with --as)."
)
@click.option("--seed", type=int, default=2021, show_default=True, help="The same seed gives the same desk.")
@click.pass_context
def demo(ctx: click.Context, size: str, if_empty: bool, force: bool, seed: int) -> None:
    """Fill the database with a realistic desk: officers, supervisors and contacts in every state.

    Only into an empty database (no cases, no officers), where whoever runs it becomes the first supervisor;
    a database in use takes demo data only with --force, from an active supervisor. The demo's contacts are
    worked by its own made-up staff, never by real officers.
    """
    from triage_tui.importer.briefing import fill_briefing
    from triage_tui.services.demo import fill_demo, fill_large, is_empty

    svc = services(ctx)
    if is_empty(svc):
        force = False  # nothing to force: anyone may fill an empty database
    elif if_empty and not force:
        return  # in use already: `make run` goes straight on to the desk
    else:
        check_actor(ctx)  # in use: an active officer, as for any command (the demo then wants a supervisor)
    who = actor(ctx)
    summary: str | None
    if size == "briefing":
        summary = fill_briefing(svc, who, force=force)
    elif size == "large":
        summary = fill_large(svc, who, seed=seed, force=force)
    else:
        summary = fill_demo(svc, who, size=size, seed=seed, force=force)
    if summary is not None:
        click.echo(summary, err=True)
