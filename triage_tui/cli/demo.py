"""`triage demo`: a realistic desk to try the program on."""

from __future__ import annotations

import click

from triage_tui.cli.base import actor, choice, common, main, services
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import cases as case_services


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
