"""Supervisors' bulk moves: `triage bulk ...`."""

from __future__ import annotations

from typing import Any

import click

from triage_tui.cli.base import actor, choice, common, main, services
from triage_tui.cli.output import emit_json
from triage_tui.domain.codes import Team
from triage_tui.domain.text import visible_line

# supervisors' bulk moves -------------------------------------------------------------------------------------


@main.group()
def bulk() -> None:
    """Move many cases at once (supervisors only): each case its own transaction."""


def _bulk_outcome(result: Any, as_json: bool, verb: str) -> int:
    if as_json:
        emit_json(result.to_json())
    else:
        for reference, officer in result.moved:
            click.echo(visible_line(f"{reference}: {verb} {officer}"))
        click.echo(f"{len(result.moved)} moved, {len(result.refused)} refused", err=True)
    for reference, why in result.refused:
        click.echo(visible_line(f"refused: {reference}: {why}"), err=True)
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
@click.option("--team", type=choice([t.value for t in Team]), default=Team.RECOVERY.value, show_default=True)
@click.option("--strategy", type=choice(["round-robin", "least-loaded"]), default="round-robin", show_default=True)
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
            emit_json({"dry_run": True, "plan": [{"reference": r, "officer": o} for r, o in plan]})
        else:
            for reference, officer in plan:
                click.echo(visible_line(f"{reference}: would go to {officer}"))
            click.echo(f"{len(plan)} cases would be allocated; dry run, nothing changed", err=True)
        return 0
    plan = plan_distribution(svc, cohort, Team(team), strategy)
    return _bulk_outcome(distribute(svc, who, plan), as_json, "allocated to")
