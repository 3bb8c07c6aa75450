"""The import itself: check every row first, then write in chunks, each chunk one transaction.

Pass one reads the whole file and checks every row (codes, times, lifecycle, officers, references repeated in
the file, duplicates that name themselves or go round in a circle); with any problem and no --skip-invalid it
stops there and nothing is written. Whatever the input can get wrong is found in pass one, so pass two, which
writes the good rows a chunk at a time (cases with Core inserts, then one event per milestone at its own time),
can fail only when the database does: then whole chunks are kept, and running the import again finishes it.
Officers the file names (--create-officers) are added in the transaction of the first chunk that needs them,
and the import's own audit event goes in the last chunk's, so neither outlives a failed run.

A dry run is the same run with every transaction rolled back instead of committed: it refuses exactly what
the real run would, and counts exactly what it would write.

A large file into a small SQLite database is the exception (see _BulkLoad): its first rows are written while
pass one still checks the rest, in one transaction committed only if pass one finds the file good, with the
indexes built once at its end; stopped part way, it keeps nothing of them.

A stored reference (or, for a row without one, the same receipt time, customer and summary) is a duplicate and
is skipped, so an import run twice, or run again after it was interrupted, stores every row exactly once.
Neither pass holds the file in memory: checked rows wait in a temporary spool between the passes.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import marshal
import pickle
import queue
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from triage_tui.domain.codes import Role
from triage_tui.domain.errors import InvalidInput, RoleRefused, StoreUnavailable
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.text import safe_cell
from triage_tui.importer import stages
from triage_tui.importer.duplicates import duplicate_problems
from triage_tui.importer.rows import LIFECYCLE_COLUMNS, ImportRow, RowChecker
from triage_tui.importer.scratch import Scratch
from triage_tui.importer.source import PROBLEMS, Cell, read_rows
from triage_tui.services.context import ServiceContext
from triage_tui.services.history import HistoryWriter, Prepared, add_officers, stored_cases, write_prepared
from triage_tui.services.officers import require_officer
from triage_tui.services.outfiles import check_target, database_files, new_file, same_file
from triage_tui.store import bulk, queries
from triage_tui.store.tables import Event

CHUNK = 10_000
# A load into a database holding fewer cases than this is written in one transaction with its indexes built
# once at the end (see _BulkLoad); at most BULK_ROWS rows are written that way, the rest chunk by chunk.
BULK_BELOW = 50_000
BULK_ROWS = 200_000
# A history row brings its whole lifecycle (five or so events, its states), and a bulk load's memory grows with
# what its one transaction holds (about 1.3 KB a history row, against 0.4 KB a new contact): a history file
# loads this many rows in bulk, so an import's peak stays the same whatever the file's length.
BULK_HISTORY_ROWS = 40_000
BULK_SWITCH_SECONDS = 0.0005  # see _BulkLoad
GC_THRESHOLD = 50_000  # allocations between runs of the cycle collector's youngest generation (see below)
Progress = Callable[[str, int, int | None], None]  # (stage, rows done, rows in all if known)


@dataclass
class ImportOptions:
    dry_run: bool = False
    skip_invalid: bool = False
    rejects: Path | None = None
    force: bool = False  # replace an existing rejects file
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
    # Everything that can be refused without reading the file is refused first.
    if not path.exists():
        raise InvalidInput(f"no such file: {path}")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder, not a file")
    if any(same_file(path, kept) for kept in database_files(ctx.store.path)):
        # Never read: closing a database file outside SQLite would drop this process's locks on it.
        raise InvalidInput(f"{path} is the database itself, not a file to import")
    protected = [*database_files(ctx.store.path), path]
    rejects_path = options.rejects if options.skip_invalid else None
    if rejects_path is not None:
        check_target(rejects_path, force=options.force, protected=protected)
    now = ctx.now()
    with ctx.store.read() as session:
        importer = require_officer(session, actor)
        officers = {o.username.lower(): (o.username, o.id) for o in queries.officers(session) if o.id is not None}
    checker = RowChecker(officers, create_officers=options.create_officers, now=now, policy=ctx.policy)
    result = ImportResult(file=path.name, dry_run=options.dry_run)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_fewer_collections())
        # The rejects file appears, complete, only if the whole run succeeds (see outfiles.new_file).
        out = None
        if rejects_path is not None and not options.dry_run:
            out = stack.enter_context(new_file(rejects_path, force=options.force, protected=protected))
        sheet, rows = read_rows(path, ignore_unknown=options.ignore_unknown)
        stack.callback(getattr(rows, "close", lambda: None))  # the file is closed however pass one ends
        result.encoding = sheet.encoding
        checker.stage_two = any(column in stages.COLUMNS for column in sheet.columns)
        checker.lifecycle = checker.stage_two or any(column in LIFECYCLE_COLUMNS for column in sheet.columns)
        spool = stack.enter_context(tempfile.TemporaryFile(prefix="triage-import-"))
        scratch = Scratch()
        stack.callback(scratch.close)
        known = {key: officer_id for key, (_, officer_id) in officers.items()}
        loads: list[_BulkLoad] = []

        @stack.callback
        def _abandon() -> None:  # a bulk load not committed by now is rolled back, however the run ends
            for load in loads:
                load.abandon()

        def hand(chunk: list[Spooled], index: int) -> None:
            """Each chunk as pass one spools it: the first decides whether the import loads in bulk."""
            if index == 0 and len(chunk) >= options.chunk and _loads_in_bulk(ctx, options):
                loads.append(_BulkLoad(ctx, actor, now, known))
            if loads and index < (BULK_HISTORY_ROWS if checker.lifecycle else BULK_ROWS) // options.chunk:
                loads[0].put(chunk)

        checked = _check_all(
            ctx,
            actor,
            sheet.path.name,
            rows,
            checker,
            result,
            _Rejects(out, sheet.columns),
            spool,
            scratch,
            options,
            now,
            progress,
            hand,
        )
        scratch.close()  # what it held is settled: give back its disk now, not after the writing
        result.errors.sort()
        if result.rejected and not options.skip_invalid:
            return result  # nothing written (a bulk load begun is rolled back on the way out)
        if checked.new_officers and importer.role != Role.SUPERVISOR.value:
            raise RoleRefused(f"{actor} is an officer: only supervisors may create officers (--create-officers)")
        created: set[str] = set()
        spool.seek(0)
        to_write, done, first = result.rows - result.rejected, 0, 0
        if loads and checked.dropped:
            loads.pop().abandon()  # rows it holds were refused after all: written chunk by chunk instead
        if loads:
            load = loads[0]
            last = load.handed >= checked.chunks
            imported, duplicates = load.commit(result if last else None)
            known.update(load.added)
            created.update(load.created)
            result.imported += imported
            result.duplicates += duplicates
            for _ in range(load.handed):  # written already: passed over
                _Spool.skip(spool)
            done, first = load.rows, load.handed
            if progress is not None:
                progress("importing", done, to_write)
        for index in range(first, max(checked.chunks, 1)):
            chunk: list[Spooled] = _Spool.load(ctx.store.dialect, spool) if checked.chunks else []
            if checked.dropped:
                chunk = [row for row in chunk if row[0] not in checked.dropped]
            last = index == max(checked.chunks, 1) - 1
            try:
                imported, duplicates, added = _write(ctx, actor, now, chunk, known, result, options.dry_run, last)
            except StoreUnavailable as exc:
                if result.imported == 0 or options.dry_run:
                    raise
                # Earlier chunks are committed: say what is kept and how to finish, not "nothing was written".
                raise StoreUnavailable(
                    f"import stopped after {result.imported} rows were stored, at line {chunk[0][0]}: {exc}. "
                    "Run the same import again: the stored rows count as duplicates"
                ) from None
            if not options.dry_run:
                known.update(added)
            created.update(_names(chunk, added))
            result.imported += imported
            result.duplicates += duplicates
            done += len(chunk)
            if progress is not None and chunk:
                progress("importing", done, to_write)
        result.created_officers = sorted(created)
    result.written = not options.dry_run
    return result


def _loads_in_bulk(ctx: ServiceContext, options: ImportOptions) -> bool:
    """A file of at least a chunk into a SQLite database of fewer than BULK_BELOW cases, as the import's
    chunks come (a smaller --chunk-size asks for commits that often, and a dry run writes nothing). A file
    database only: each thread has a database of its own in memory."""
    if ctx.store.dialect != "sqlite" or ctx.store.path is None or options.dry_run or options.chunk < CHUNK:
        return False
    with ctx.store.read() as session:
        held = (
            session.connection()
            .exec_driver_sql("SELECT count(*) FROM (SELECT 1 FROM cases LIMIT ?)", (BULK_BELOW,))
            .scalar_one()
        )
    return bool(held < BULK_BELOW)


@dataclass
class _Verdict:
    commit: bool
    record: ImportResult | None  # commit and record the import with the load's rows: it holds the last chunk


class _BulkLoad:
    """The first chunks of a large import into a small SQLite database, written while pass one still checks the
    rest, in one transaction committed only once pass one has found the file good.

    Two things make it quicker than chunk after chunk. The indexes and the search are built once, after the rows
    (bulk.set_aside / put_back), not kept up to date row by row. And the writing runs in a thread of its own,
    beside pass one: sqlite3 lets go of the interpreter while a statement runs, so on two cores SQLite's work
    and pass one's checking go on at the same time. The thread has its own connection and session; chunks reach
    it through a queue of at most two, so memory stays bounded.

    One transaction, so a kill or a failure keeps none of it and a run again stores every row once. Desks wait
    for the write lock meanwhile (up to their lock wait), as they would for any import's chunk: which is why it
    is only for a small database, and at most BULK_ROWS rows; the rest of the file goes chunk by chunk."""

    def __init__(self, ctx: ServiceContext, actor: str, now: datetime, officers: dict[str, int]) -> None:
        self.ctx, self.actor, self.now = ctx, actor, now
        self.known = dict(officers)
        self.added: dict[str, int] = {}
        self.created: set[str] = set()
        self.handed = 0  # chunks put
        self.rows = 0  # rows written (each a case stored or a duplicate skipped)
        self.imported = self.duplicates = 0
        self.error: BaseException | None = None
        self.queue: queue.Queue[list[Spooled] | _Verdict] = queue.Queue(maxsize=2)
        # Each statement done, the writer waits for the interpreter while pass one holds it: by default up to
        # 5 ms, a dozen times a chunk. Handed over sooner for the load's length (process-wide, as the setting
        # is): 100,000 rows about 9% sooner; the usual again when it ends.
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(BULK_SWITCH_SECONDS)
        self.thread = threading.Thread(target=self._run, name="triage-import-writer", daemon=True)
        self.thread.start()

    def put(self, chunk: list[Spooled]) -> None:
        self.queue.put(chunk)
        self.handed += 1

    def commit(self, record: ImportResult | None) -> tuple[int, int]:
        """Commit what was put (and record the import, with `record`'s counts, if given): (imported, duplicates).
        Raises whatever stopped the writing, and then nothing of it is kept."""
        self._end(_Verdict(True, record))
        if self.error is not None:
            raise self.error
        return self.imported, self.duplicates

    def abandon(self) -> None:
        """Roll back whatever was written (nothing is kept); nothing once the load has ended."""
        self._end(_Verdict(False, None))

    def _end(self, verdict: _Verdict) -> None:
        # The thread ends only on a verdict (after an error too: see _run), so while it lives it takes this one.
        if self.thread.is_alive():
            self.queue.put(verdict)
            self.thread.join()
        sys.setswitchinterval(self.switch)

    def _run(self) -> None:
        try:
            self._write()
        except _RollBack:
            pass
        except BaseException as exc:  # raised to the caller by commit()
            self.error = exc
            while not isinstance(self.queue.get(), _Verdict):  # the caller must never block on a full queue
                pass

    def _write(self) -> None:
        store = self.ctx.store
        with store.write() as session:
            aside = bulk.set_aside(session)
            while not isinstance(item := self.queue.get(), _Verdict):
                imported, duplicates, added = _write_rows(
                    store.dialect, session, self.actor, self.now, item, self.known
                )
                self.known.update(added)
                self.added.update(added)
                self.created.update(_names(item, added))
                self.imported += imported
                self.duplicates += duplicates
                self.rows += len(item)
                bulk.add_to_search(session, aside)
            if not item.commit:
                raise _RollBack
            if item.record is not None:
                _record_run(session, self.actor, item.record, self.now, self.imported, self.duplicates)
            bulk.put_back(session, aside)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """An import makes millions of small lists and tuples, nearly none of them in a reference cycle; Python's
    cycle collector, run every 700 of them by default, took a tenth of its time. Rarer runs for the import's
    length (process-wide, as the threshold is), and the usual again after."""
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _names(chunk: list[Spooled], added: dict[str, int]) -> set[str]:
    """The usernames, as the file spells them, of the officers a chunk's transaction added."""
    return {name for row in chunk for name in row[2] if name is not None and name.lower() in added}


# (line, reference given?, officers, case row, event rows, state rows, earlier stage row or None): ready for the
# database, see HistoryWriter. The officers: the current stage's (the case row's), then stage 1's where the case
# is at stage 2 (the earlier stage row's); either may still be to create, its id filled in when it is.
Spooled = tuple[int, bool, tuple[str | None, ...], list[Any], list[list[Any]], list[list[Any]], list[Any] | None]
NO_OFFICER: tuple[str | None, ...] = (None,)
REF, RECEIVED, CUSTOMER, SUMMARY = (
    bulk.CASE_FIELDS.index(name) for name in ("reference", "received_at", "customer_name", "summary")
)


class _Rejects:
    """The rows that could not be imported, with the reason, in a CSV to fix and import again. Every cell is
    made safe to open in a spreadsheet (a formula gets a leading apostrophe, which the import takes off again)."""

    def __init__(self, handle: IO[str] | None, columns: list[str]) -> None:
        self.columns = columns
        self.writer = None
        if handle is not None:
            self.writer = csv.writer(handle)
            self.writer.writerow([*columns, "error"])

    def write(self, cells: dict[str, Cell], problems: list[tuple[str, str]]) -> None:
        if self.writer is not None:
            message = "; ".join(f"{column}: {text}" for column, text in problems)
            self.writer.writerow([*(safe_cell(_cell_text(cells.get(c))) for c in self.columns), safe_cell(message)])


class _Spool:
    """Chunks of prepared rows between the passes. On SQLite they hold only text, numbers and None, which
    marshal writes and reads back several times faster than pickle (read whole: marshal.load on a file reads
    it a few bytes at a time); PostgreSQL's carry datetimes, which only pickle takes."""

    @staticmethod
    def dump(dialect: str, chunk: list[Spooled], spool: IO[bytes]) -> None:
        if dialect == "sqlite":
            data = marshal.dumps(chunk)
            spool.write(len(data).to_bytes(8, "little"))
            spool.write(data)
        else:
            pickle.dump(chunk, spool, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def skip(spool: IO[bytes]) -> None:
        """Past one chunk unread (SQLite's spool: only a bulk load, on SQLite, writes chunks before pass two)."""
        spool.seek(int.from_bytes(spool.read(8), "little"), 1)

    @staticmethod
    def load(dialect: str, spool: IO[bytes]) -> list[Spooled]:
        if dialect == "sqlite":
            size = int.from_bytes(spool.read(8), "little")
            return marshal.loads(spool.read(size))
        return pickle.load(spool)


@dataclass
class _Checked:
    chunks: int  # spooled chunks of good rows
    dropped: set[int]  # lines of spooled rows refused afterwards (duplicates that cannot be)
    new_officers: int  # good rows naming an officer still to be created


# Rows checked together against the references seen before them (one look-up in the scratch file per block).
BLOCK = 2000


def _check_all(
    ctx: ServiceContext,
    actor: str,
    source: str,
    rows: Iterator[tuple[int, dict[str, Cell]]],
    checker: RowChecker,
    result: ImportResult,
    rejects: _Rejects,
    spool: IO[bytes],
    scratch: Scratch,
    options: ImportOptions,
    now: datetime,
    progress: Progress | None,
    hand: Callable[[list[Spooled], int], None],
) -> _Checked:
    """Pass one: every row checked; good rows prepared and spooled. What must be remembered of every row (its
    reference's first line, its duplicate_of) goes to the scratch file, a block of rows at a time."""
    writer = HistoryWriter(ctx.store.dialect, actor, now, source)
    checked = _Checked(0, set(), 0)
    chunk: list[Spooled] = []
    block: list[tuple[int, dict[str, Cell], ImportRow | None, list[tuple[str, str]]]] = []

    def settle() -> None:
        """The block's rows against the references before them; the good ones prepared and spooled."""
        nonlocal chunk
        earlier = scratch.first_lines([row.history.reference.lower() for _, _, row, _ in block if row is not None])
        firsts: list[tuple[str, int]] = []
        links = []
        for line, cells, row, problems in block:
            if row is not None:
                history = row.history
                key = history.reference.lower()
                first = earlier.get(key)
                if first is not None:
                    column = "reference" if row.keyed else "row"
                    what = "the same reference" if row.keyed else "the same received_at, customer_name and summary"
                    problems = [(column, f"{what} as line {first}")]
                elif history.duplicate_of and history.duplicate_of.lower() == key:
                    problems = [("duplicate_of", "a case cannot be the duplicate of itself")]
                else:
                    earlier[key] = line
                    firsts.append((key, line))
                    spooled = _prepared(writer, line, row)
                    new_officer = _names_new_officer(row)
                    checked.new_officers += new_officer
                    if history.duplicate_of:
                        target = history.duplicate_of
                        links.append((key, target.lower(), history.reference, target, line, cells, new_officer))
                    chunk.append(spooled)
                    if len(chunk) >= options.chunk:
                        _Spool.dump(ctx.store.dialect, chunk, spool)
                        hand(chunk, checked.chunks)
                        checked.chunks += 1
                        chunk = []
            if problems:
                _reject(line, cells, problems, result, rejects)
        scratch.remember(firsts)
        scratch.add_links(links)
        block.clear()

    for line, cells in rows:
        result.rows += 1
        row, problems = checker.check(line, cells)
        block.append((line, cells, row, problems))
        if len(block) >= BLOCK:
            settle()
        if progress is not None and result.rows % 1000 == 0:
            progress("checking", result.rows, None)
    settle()
    if chunk:
        _Spool.dump(ctx.store.dialect, chunk, spool)
        hand(chunk, checked.chunks)
        checked.chunks += 1
    if scratch.has_links():
        with ctx.store.read() as session:
            for line, key, problem in duplicate_problems(session, scratch):
                cells, new_officer = scratch.cells(key)
                _reject(line, cells, [problem], result, rejects)
                checked.dropped.add(line)
                checked.new_officers -= new_officer
    return checked


def _prepared(writer: HistoryWriter, line: int, row: ImportRow) -> Spooled:
    """A good row as pass two writes it (see Spooled)."""
    history, second = row.history, row.second
    if second is None:
        prepared = writer.prepare(history, line)
        return (line, row.keyed, (history.officer,), prepared.case, prepared.events, prepared.states, None)
    prepared, stage_row = stages.prepare(writer, history, second, line)
    officers = (second.officer, history.officer)
    return (line, row.keyed, officers, prepared.case, prepared.events, prepared.states, stage_row)


def _names_new_officer(row: ImportRow) -> bool:
    history, second = row.history, row.second
    return (history.officer is not None and history.officer_id is None) or (
        second is not None and second.officer is not None and second.officer_id is None
    )


def _reject(
    line: int,
    cells: dict[str, Cell],
    problems: list[tuple[str, str]],
    result: ImportResult,
    rejects: _Rejects,
) -> None:
    result.rejected += 1
    result.errors.extend((line, column, message) for column, message in problems)
    rejects.write({k: v for k, v in cells.items() if k != PROBLEMS}, problems)


class _RollBack(Exception):
    """Leaves a dry run's transaction without committing it (the store commits a block that ends normally)."""


def _write(
    ctx: ServiceContext,
    actor: str,
    now: datetime,
    chunk: list[Spooled],
    officers: dict[str, int],
    result: ImportResult,
    dry_run: bool,
    last: bool,
) -> tuple[int, int, dict[str, int]]:
    """One chunk in one transaction (see _write_rows); the last chunk also records the import. A dry run rolls
    the transaction back. Returns (imported, duplicates, officers added by lower-cased username)."""
    if not chunk and not last:
        return 0, 0, {}
    written: tuple[int, int, dict[str, int]] = (0, 0, {})
    try:
        with ctx.store.write() as session:
            written = _write_rows(ctx.store.dialect, session, actor, now, chunk, officers)
            if last:
                _record_run(session, actor, result, now, written[0], written[1])
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return written


def _write_rows(
    dialect: str, session: Any, actor: str, now: datetime, chunk: list[Spooled], officers: dict[str, int]
) -> tuple[int, int, dict[str, int]]:
    """A chunk's rows in the caller's transaction: skip what is stored already, add the officers its rows need,
    insert the rest with their events. Returns (imported, duplicates, officers added by lower-cased username)."""
    added: dict[str, int] = {}
    fmt = bulk.time_formatter(dialect)
    stored = stored_cases(session, [row[3][REF] for row in chunk])
    keyless = [row[3] for row in chunk if not row[1] and row[3][REF].lower() not in stored]
    same = {
        (fmt(received), customer, summary)
        for received, customer, summary in bulk.existing_contents(
            session, [(bulk.parse_stored_time(c[RECEIVED]), c[CUSTOMER], c[SUMMARY]) for c in keyless]
        )
    }
    fresh = [
        row
        for row in chunk
        if row[3][REF].lower() not in stored
        and (row[1] or (row[3][RECEIVED], row[3][CUSTOMER], row[3][SUMMARY]) not in same)
    ]
    missing = sorted({name for row in fresh for name in row[2] if name is not None and name.lower() not in officers})
    if missing:
        added = add_officers(session, actor, missing, now)
    if fresh:
        ids = {**officers, **added}
        for row in fresh:
            if row[2] != NO_OFFICER:  # most new contacts name none: nothing to fill
                _fill_officers(row, ids)
        write_prepared(session, [Prepared(row[3][REF], row[3], row[4], row[5]) for row in fresh])
        _write_stages(session, fresh)
    return len(fresh), len(chunk) - len(fresh), added


def _fill_officers(row: Spooled, ids: dict[str, int]) -> None:
    """The ids of officers created by this import, where the row names them."""
    current, *earlier = row[2]
    if current is not None and row[3][bulk.OFFICER_SLOT] is None:
        row[3][bulk.OFFICER_SLOT] = ids[current.lower()]
    stage_row = row[6]
    if earlier and earlier[0] is not None and stage_row is not None and stage_row[stages.STAGE_OFFICER_SLOT] is None:
        stage_row[stages.STAGE_OFFICER_SLOT] = ids[earlier[0].lower()]


def _write_stages(session: Any, fresh: list[Spooled]) -> None:
    """The earlier stages of the cases just inserted (only those at stage 2 have one), pointed at their case."""
    staged = [row for row in fresh if row[6] is not None]
    if not staged:
        return
    ids = bulk.ids_by_reference(session, [row[3][REF] for row in staged])
    rows = []
    for row in staged:
        stage_row = row[6]
        assert stage_row is not None
        stage_row[0] = ids[row[3][REF]]
        rows.append(stage_row)
    bulk.insert_stage_rows(session, rows)


def _record_run(session: Any, actor: str, result: ImportResult, now: datetime, imported: int, duplicates: int) -> None:
    """The import itself goes into the audit trail, with its last rows: who imported what, and what came of it."""
    session.add(
        Event(
            case_id=None,
            at=now,
            actor=actor,
            action=Action.IMPORT.value,
            details={
                "file": result.file,
                "rows": result.rows,
                "imported": result.imported + imported,
                "duplicates": result.duplicates + duplicates,
                "rejected": result.rejected,
            },
        )
    )
