"""The council briefing's history (fixtures/briefing.csv) loaded through the same import as any spreadsheet."""

from __future__ import annotations

from pathlib import Path

from triage_tui.domain.codes import Role, Team
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.context import ServiceContext
from triage_tui.services.demo import STAFF, at_time, is_empty
from triage_tui.services.officers import add_officer
from triage_tui.store import queries


def briefing_file() -> Path:
    """fixtures/briefing.csv: in the source checkout, or packaged inside a wheel."""
    packaged = Path(__file__).resolve().parent.parent / "_fixtures" / "briefing.csv"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "fixtures" / "briefing.csv"


def fill_briefing(ctx: ServiceContext, actor: str) -> str:
    """The demo's staff (the recovery team among them) first on an empty database, then the briefing's cases."""
    if is_empty(ctx):
        add_officer(
            at_time(ctx, ctx.now()), actor, actor, actor.replace(".", " ").title(), Role.SUPERVISOR, Team.TRIAGE
        )
    with ctx.store.read() as session:
        existing = {o.username for o in queries.officers(session)}
    for person in STAFF:
        if person.username not in existing:
            add_officer(ctx, actor, person.username, person.name, person.role, person.team)
    result = run_import(ctx, actor, briefing_file(), ImportOptions(create_officers=True))
    return (
        f"loaded the briefing's history into {ctx.store.path or 'the database'}: {result.imported} cases imported, "
        f"{result.duplicates} already there (try `triage report position --as-of 2021-12-01T00:00 "
        f"--cohort backlog-2021`)"
    )
