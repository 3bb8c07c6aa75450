"""The import fuzzer: random and damaged files through the import, in process. Whatever the file, the exit is
0, 2 or 3 (never 1, never an uncaught exception), an exit 2 or a dry run leaves the database exactly as it was,
and a rejects file exists only after a run that succeeded, private to its owner.

TRIAGE_FUZZ_RUNS files per database (60 by default; `make fuzz` runs 3000), from TRIAGE_FUZZ_SEED (random by
default, printed on failure so the case reproduces: TRIAGE_FUZZ_SEED=... TRIAGE_FUZZ_RUNS=... pytest tests/fuzz).
"""

from __future__ import annotations

import os
import random
import stat
import time
import traceback
from collections import Counter
from pathlib import Path

import pendulum
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import Clock
from tests.fuzz.mutations import bases, generate
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.errors import TriageError
from triage_tui.domain.text import visible_line
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.tables import Case, CaseState, Event, Officer

RUNS = int(os.environ.get("TRIAGE_FUZZ_RUNS", "60"))
SEED = int(os.environ.get("TRIAGE_FUZZ_SEED", str(random.SystemRandom().randrange(2**32))))


def state(ctx: ServiceContext) -> tuple[int, ...]:
    """What any write moves: row counts and the highest event id."""
    with ctx.store.read() as s:
        return (
            s.exec(select(func.count()).select_from(Case)).one(),
            s.exec(select(func.count()).select_from(Event)).one(),
            s.exec(select(func.count()).select_from(Officer)).one(),
            s.exec(select(func.count()).select_from(CaseState)).one(),
            s.exec(select(func.max(Event.id))).one() or 0,
        )


def exit_code(ctx: ServiceContext, path: Path, options: ImportOptions) -> int:
    """The command's exit code for this import (cli/importing.py), its output lines rendered as it would."""
    try:
        result = run_import(ctx, "boss", path, options)
    except TriageError as exc:
        assert "\n" not in " ".join(str(exc).split()) and str(exc), "a refusal says why"
        return 2
    for line, column, message in result.errors:
        assert isinstance(line, int) and column and message
        visible_line(f"line {line}: {column}: {message}")
    if result.rejected and not options.skip_invalid:
        return 2
    return 3 if result.rejected else 0


def test_no_file_makes_the_import_fail_or_write_when_it_refuses(
    ctx: ServiceContext, clock: Clock, tmp_path: Path
) -> None:
    clock.set(pendulum.datetime(2022, 12, 1, 9, tz="Europe/London"))
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "jnowak", "Jan Nowak", Role.OFFICER, Team.COMPLAINTS)
    rng = random.Random(SEED)
    workbooks = bases()
    codes: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    began = time.monotonic()
    for run in range(RUNS):
        content, suffix, kind = generate(rng, workbooks)
        source = tmp_path / f"case{suffix}"
        source.write_bytes(content)
        rejects = tmp_path / f"rejects-{run}.csv"
        options = ImportOptions(
            dry_run=rng.random() < 0.2,
            skip_invalid=rng.random() < 0.5,
            rejects=rejects if rng.random() < 0.7 else None,
            create_officers=rng.random() < 0.5,
            ignore_unknown=rng.random() < 0.3,
            chunk=rng.choice((1, 3, 10_000)),
        )
        before = state(ctx)
        try:
            code = exit_code(ctx, source, options)
            if code == 2 or options.dry_run:
                assert state(ctx) == before, f"exit {code} (dry run: {options.dry_run}) changed the database"
            wrote_rejects = code in (0, 3) and options.skip_invalid and options.rejects and not options.dry_run
            assert rejects.exists() == bool(wrote_rejects), "a rejects file after a refused run, or none after one"
            if rejects.exists():
                assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
            assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "a temporary file left behind"
        except BaseException as exc:
            kept = tmp_path.parent / f"fuzz-failure-{SEED}-{run}{suffix}"
            kept.write_bytes(content)
            raise AssertionError(
                f"fuzz case {run} (TRIAGE_FUZZ_SEED={SEED} TRIAGE_FUZZ_RUNS={run + 1}), a {kind} file kept at "
                f"{kept}, options {options}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
            ) from None
        codes[code] += 1
        kinds[kind] += 1
    took = time.monotonic() - began
    print(
        f"\nfuzz: {RUNS} files, exit 0: {codes[0]}, exit 2: {codes[2]}, exit 3: {codes[3]} "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}; seed {SEED}; {took:.1f}s)"
    )
    assert set(codes) <= {0, 2, 3}
