"""The import itself: check every row first, then write in chunks, each chunk one transaction.

Pass one reads the whole file and checks every row (codes, times, lifecycle, officers, references repeated
in the file); with any problem and no --skip-invalid it stops there and nothing is written. Pass two reads
the file again and writes the good rows a chunk at a time: cases with Core inserts, then one event per
milestone at its own time. A stored reference (or, for a row without one, the same receipt time, customer
and summary) is a duplicate and is skipped, so an import run twice, or run again after it was interrupted,
stores every row exactly once. Neither pass holds the file in memory.
"""

from __future__ import annotations

import csv
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from triage_tui.domain.codes import Role, Team
from triage_tui.domain.errors import InvalidInput, RoleRefused, StoreUnavailable
from triage_tui.domain.lifecycle import Action
from triage_tui.importer.rows import RowChecker
from triage_tui.importer.source import Cell, read_rows
from triage_tui.services.context import ServiceContext
from triage_tui.services.history import HistoryWriter, Prepared, write_prepared
from triage_tui.services.officers import add_officer, require_officer
from triage_tui.store import bulk, queries
from triage_tui.store.tables import Event

CHUNK = 10_000
Progress = Callable[[str, int, int | None], None]  # (stage, rows done, rows in all if known)


@dataclass
class ImportOptions:
    dry_run: bool = False
    skip_invalid: bool = False
    rejects: Path | None = None
    create_officers: bool = False
    ignore_unknown: bool = False
    chunk: int = CHUNK


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    encoding: str | None = None
    created_officers: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False  # False when problems stopped the import before anything was written

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [{"line": line, "column": column, "message": message} for line, column, message in self.errors],
            "dry_run": self.dry_run,
            "created_officers": self.created_officers,
        }


def _cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def run_import(
    ctx: ServiceContext,
    actor: str,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportResult:
    if not path.exists():
        raise InvalidInput(f"no such file: {path}")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder, not a file")
    now = ctx.now()
    with ctx.store.read() as session:
        importer = require_officer(session, actor)
        officers = {o.username: o.id for o in queries.officers(session) if o.id is not None}
    checker = RowChecker(officers, create_officers=options.create_officers, now=now)
    result = ImportResult(file=path.name, dry_run=options.dry_run)
    sheet, rows = read_rows(path, ignore_unknown=options.ignore_unknown)
    result.encoding = sheet.encoding
    rejects = _Rejects(options.rejects, sheet.columns) if options.skip_invalid and not options.dry_run else None
    # Checked rows wait here, ready to insert, between the two passes: memory holds one chunk at a time.
    with tempfile.TemporaryFile(prefix="triage-import-") as spool:
        try:
            bad = _check_all(ctx, actor, sheet.path.name, rows, checker, result, rejects, spool, options, now, progress)
        finally:
            if rejects is not None:
                rejects.close()
        result.errors.sort()
        result.rejected = len(bad)
        if bad and not options.skip_invalid:
            return result  # nothing written
        names = _create_officers(ctx, actor, importer.role, checker, result, options.dry_run)
        spool.seek(0)
        to_write, done = result.rows - len(bad), 0
        while True:
            try:
                chunk: list[Spooled] = pickle.load(spool)
            except EOFError:
                break
            chunk = [row for row in chunk if row[0] not in bad]
            try:
                imported, duplicates = _write(ctx, chunk, names, options.dry_run)
            except StoreUnavailable as exc:
                if result.imported == 0:
                    raise
                # Earlier chunks are committed: say what is kept and how to finish, not "nothing was written".
                raise StoreUnavailable(
                    f"import stopped after {result.imported} rows were stored, at line {chunk[0][0]}: {exc}. "
                    "Run the same import again: the stored rows count as duplicates"
                ) from None
            result.imported += imported
            result.duplicates += duplicates
            done += len(chunk)
            if progress is not None:
                progress("importing", done, to_write)
    result.written = not options.dry_run
    if not options.dry_run:
        _record_run(ctx, actor, result, now)
    return result


# (line, reference given?, officer, case row, event rows, state rows): ready for the database, see HistoryWriter
Spooled = tuple[int, bool, str | None, list[Any], list[list[Any]], list[list[Any]]]
REF, RECEIVED, CUSTOMER, SUMMARY = (
    bulk.CASE_FIELDS.index(name) for name in ("reference", "received_at", "customer_name", "summary")
)


class _Rejects:
    """The rows that could not be imported, with the reason, in a CSV to fix and import again."""

    def __init__(self, path: Path | None, columns: list[str]) -> None:
        self.columns = columns
        self.handle = None
        if path is not None:
            try:
                self.handle = path.open("w", newline="", encoding="utf-8")
            except OSError as exc:
                raise InvalidInput(f"cannot write the rejects file {path}: {exc.strerror}") from None
            self.writer = csv.writer(self.handle)
            self.writer.writerow([*columns, "error"])

    def write(self, cells: dict[str, Cell], problems: list[tuple[str, str]]) -> None:
        if self.handle is not None:
            message = "; ".join(f"{column}: {text}" for column, text in problems)
            self.writer.writerow([*(_cell_text(cells.get(c)) for c in self.columns), message])

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def _check_all(
    ctx: ServiceContext,
    actor: str,
    source: str,
    rows: Iterator[tuple[int, dict[str, Cell]]],
    checker: RowChecker,
    result: ImportResult,
    rejects: _Rejects | None,
    spool: IO[bytes],
    options: ImportOptions,
    now: datetime,
    progress: Progress | None,
) -> set[int]:
    """Pass one: every row checked; good rows prepared and spooled; returns the lines of bad rows."""
    writer = HistoryWriter(ctx.store.dialect, actor, now, source)
    first_line: dict[str, int] = {}
    bad: set[int] = set()
    named: dict[int, tuple[str, dict[str, Cell]]] = {}  # duplicate_of naming a case not seen (yet) in the file
    chunk: list[Spooled] = []
    for line, cells in rows:
        result.rows += 1
        row, problems = checker.check(line, cells)
        if row is not None:
            history = row.history
            earlier = first_line.get(history.reference)
            if earlier is not None:
                column = "reference" if row.keyed else "row"
                what = "the same reference" if row.keyed else "the same received_at, customer_name and summary"
                problems = [(column, f"{what} as line {earlier}")]
            else:
                first_line[history.reference] = line
                if history.duplicate_of and history.duplicate_of not in first_line:
                    named[line] = (history.duplicate_of, cells)
                prepared = writer.prepare(history, line)
                chunk.append((line, row.keyed, history.officer, prepared.case, prepared.events, prepared.states))
                if len(chunk) >= options.chunk:
                    pickle.dump(chunk, spool, pickle.HIGHEST_PROTOCOL)
                    chunk = []
        if problems:
            bad.add(line)
            result.errors.extend((line, column, message) for column, message in problems)
            if rejects is not None:
                rejects.write(cells, problems)
        if progress is not None and result.rows % 1000 == 0:
            progress("checking", result.rows, None)
    if chunk:
        pickle.dump(chunk, spool, pickle.HIGHEST_PROTOCOL)
    # A duplicate must name a case that exists, later in the file or already stored.
    unknown = {line: pair for line, pair in named.items() if pair[0] not in first_line}
    if unknown:
        with ctx.store.read() as session:
            stored = bulk.ids_by_reference(session, sorted({ref for ref, _ in unknown.values()}))
        for line, (ref, cells) in unknown.items():
            if ref not in stored:
                problem = ("duplicate_of", f"no case {ref!r} in the file or the database")
                bad.add(line)
                result.errors.append((line, *problem))
                if rejects is not None:
                    rejects.write(cells, [problem])
    return bad


def _create_officers(
    ctx: ServiceContext, actor: str, role: str, checker: RowChecker, result: ImportResult, dry_run: bool
) -> dict[str, int]:
    """Officers the file names that do not exist yet (--create-officers); returns every officer's id."""
    if checker.new_officers:
        result.created_officers = sorted(checker.new_officers)
        if not dry_run:
            if role != Role.SUPERVISOR.value:
                raise RoleRefused(f"{actor} is an officer: only supervisors may create officers (--create-officers)")
            for username in result.created_officers:
                name = username.replace(".", " ").replace("_", " ").title()
                add_officer(ctx, actor, username, name, Role.OFFICER, Team.COMPLAINTS)
    with ctx.store.read() as session:
        return {o.username: o.id for o in queries.officers(session) if o.id is not None}


def _write(ctx: ServiceContext, chunk: list[Spooled], officers: dict[str, int], dry_run: bool) -> tuple[int, int]:
    """One chunk in one transaction: skip what is stored already, insert the rest with their events.
    Returns (imported, duplicates), counted only once the transaction has committed."""
    if not chunk:
        return 0, 0
    with ctx.store.read() if dry_run else ctx.store.write() as session:
        fmt = bulk.time_formatter(ctx.store.dialect)
        stored = bulk.ids_by_reference(session, [row[3][REF] for row in chunk])
        keyless = [row[3] for row in chunk if not row[1] and row[3][REF] not in stored]
        same = {
            (fmt(received), customer, summary)
            for received, customer, summary in bulk.existing_contents(
                session, [(bulk.parse_stored_time(c[RECEIVED]), c[CUSTOMER], c[SUMMARY]) for c in keyless]
            )
        }
        fresh = [
            row
            for row in chunk
            if row[3][REF] not in stored
            and (row[1] or (row[3][RECEIVED], row[3][CUSTOMER], row[3][SUMMARY]) not in same)
        ]
        if not dry_run and fresh:
            for row in fresh:
                if row[2] is not None and row[3][bulk.OFFICER_SLOT] is None:
                    row[3][bulk.OFFICER_SLOT] = officers[row[2]]  # created after the row was checked
            write_prepared(session, [Prepared(row[3][REF], row[3], row[4], row[5]) for row in fresh])
    return len(fresh), len(chunk) - len(fresh)


def _record_run(ctx: ServiceContext, actor: str, result: ImportResult, now: datetime) -> None:
    """The import itself goes into the audit trail: who imported what, and what came of it."""
    with ctx.store.write() as session:
        session.add(
            Event(
                case_id=None,
                at=now,
                actor=actor,
                action=Action.IMPORT.value,
                details={
                    "file": result.file,
                    "rows": result.rows,
                    "imported": result.imported,
                    "duplicates": result.duplicates,
                    "rejected": result.rejected,
                },
            )
        )
