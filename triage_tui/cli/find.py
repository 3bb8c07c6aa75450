"""`triage case find TEXT`: any case in any status, by reference, part of a name, email, phone or summary words."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from triage_tui.cli.base import common, services
from triage_tui.cli.cases import case
from triage_tui.cli.output import emit_json, local
from triage_tui.domain.policy import Policy
from triage_tui.domain.text import visible_line
from triage_tui.domain.views import CaseView


@case.command("find")
@common
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 1_000), default=50, show_default=True, help="At most N cases.")
@click.option("--json", "as_json", is_flag=True, help="Print the cases as a JSON list (as `case list --json`).")
@click.pass_context
def case_find(ctx: click.Context, text: str, limit: int, as_json: bool) -> None:
    """Find any case, most relevant first: the reference (or its start), part of the customer's name, their
    email or phone, or words of the summary. Closed cases and everyone's cases included."""
    from triage_tui.services.find import find_cases, quick_find

    # A SQLite file is searched directly, without loading the store (most of the time this would take).
    found = quick_find(ctx.find_root().meta.get("triage.db"), text, limit=limit)
    if found is None:
        svc = services(ctx)
        found, now, policy = find_cases(svc, text, limit=limit), svc.now(), svc.policy
    else:
        now, policy = datetime.now(UTC), _policy()
    if as_json:
        emit_json([c.to_json(now, policy, events=False) for c in found])
    else:
        for c in found:
            click.echo(_row(c, now, policy))
    click.echo(f"{len(found)} case{'s' if len(found) != 1 else ''} found", err=True)


def _row(c: CaseView, now: datetime, policy: Policy) -> str:
    """As `case list` writes a case: cells cut first, then made visible, so no control character reaches the
    terminal and no cut falls inside a placeholder."""
    clock = c.clocks(policy).nearest()
    countdown = f"{clock.name} {clock.countdown(now)}" if clock else ""
    return (
        f"{visible_line(c.reference):<12} {local(c.received_at)}  {c.status.value:<12} {c.type.value:<15} "
        f"{visible_line(c.officer or '-'):<12} {visible_line(c.customer_name[:24]):<24} "
        f"{visible_line(c.summary[:40]):<40} {countdown}".rstrip()
    )


def _policy() -> Policy:
    """The policy in force, as open_context reads it, for the quick path (which opens no store)."""
    from triage_tui.domain.clock import use_holiday_cache
    from triage_tui.domain.policy import load_policy
    from triage_tui.services.context import cache_dir, policy_path

    use_holiday_cache(cache_dir())
    return load_policy(policy_path())
