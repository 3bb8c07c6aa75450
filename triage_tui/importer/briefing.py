"""The council briefing's history (fixtures/briefing.csv) loaded through the same import as any spreadsheet."""

from __future__ import annotations

from pathlib import Path

from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.context import ServiceContext
from triage_tui.services.demo import at_time, prepare


def briefing_file() -> Path:
    """fixtures/briefing.csv: in the source checkout, or packaged inside a wheel."""
    packaged = Path(__file__).resolve().parent.parent / "_fixtures" / "briefing.csv"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "fixtures" / "briefing.csv"


def fill_briefing(ctx: ServiceContext, actor: str, *, force: bool = False) -> str:
    """The demo's staff (the recovery team among them) first, by the demo's rule (an empty database, or
    `force` for a supervisor), then the briefing's cases, allocated to those staff."""
    prepare(at_time(ctx, ctx.now()), actor, force=force, everyone=True)
    result = run_import(ctx, actor, briefing_file(), ImportOptions(create_officers=True))
    return (
        f"loaded the briefing's history into {ctx.store.path or 'the database'}: {result.imported} cases imported, "
        f"{result.duplicates} already there (try `triage report position --as-of 2021-12-01T00:00 "
        f"--cohort backlog-2021`)"
    )
