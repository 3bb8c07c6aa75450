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
import dataclasses
import gc
import marshal
import os
import pickle
import queue
import signal
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
from triage_tui.services.forking import can_fork
from triage_tui.services.history import HistoryWriter, Prepared, add_officers, stored_cases, write_prepared
from triage_tui.services.officers import require_officer
from triage_tui.services.outfiles import check_target, database_files, new_file, same_file
from triage_tui.store import bulk, queries
from triage_tui.store.engine import Store
from triage_tui.store.tables import Event

CHUNK = 10_000
# A load into a database holding fewer cases than this is written in one transaction with its indexes built
# once at the end (see _BulkLoad); at most BULK_ROWS rows are written that way, the rest chunk by chunk. It
# begins once LEAD rows are found good (a file with fewer is written chunk by chunk), and its chunks then double
# up to the import's own size: with a whole chunk's wait after the first, the writer sat idle for a tenth of
# the load, to fall behind pass one at its end.
BULK_BELOW = 50_000
LEAD = 2_000
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

        # A large file into a small database loads in bulk (see _BulkLoad): its first chunks are then short ones,
        # so that the writing begins as soon as LEAD rows are found good (see LEAD).
        bulk_limit = (BULK_HISTORY_ROWS if checker.lifecycle else BULK_ROWS) if _loads_in_bulk(ctx, options) else 0
        first_chunk = min(options.chunk, LEAD) if bulk_limit else options.chunk

        def hand(chunk: list[Spooled], index: int, where: tuple[int, int]) -> None:
            """Each chunk as pass one spools it (at `where`): a full first one begins a bulk load, which takes
            chunks until it holds bulk_limit rows."""
            if index == 0 and bulk_limit and len(chunk) >= first_chunk:
                loads.append(_BulkLoad.start(ctx, actor, now, known, checker.lifecycle, spool))
            if loads and loads[0].put_rows < bulk_limit:
                loads[0].put(chunk, where)

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
            first_chunk,
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
    """Whether a file may load in bulk: into a SQLite database of fewer than BULK_BELOW cases, as the import's
    chunks come (a smaller --chunk-size asks for commits that often, and a dry run writes nothing). A file
    database only: each connection has a database of its own in memory."""
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


@dataclass
class _Loaded:
    """What a bulk load wrote, as its writer counts it."""

    known: dict[str, int]  # officers' ids by lower-cased username, those the load added among them
    added: dict[str, int] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    rows: int = 0  # rows written (each a case stored or a duplicate skipped)
    imported: int = 0
    duplicates: int = 0


def _load(
    store: Any, actor: str, now: datetime, loaded: _Loaded, lifecycle: bool, next_item: Callable[[], Any]
) -> None:
    """A bulk load's one transaction: each chunk `next_item` gives written, until it gives a verdict; then
    committed (with the import's own event, and every index and trigger set aside made again) or rolled back
    (_RollBack). `lifecycle`: the file has lifecycle columns, so its events may be ones case_facts keeps."""
    with store.write() as session:
        aside = bulk.set_aside(session, facts=lifecycle)
        while not isinstance(item := next_item(), _Verdict):
            imported, duplicates, added = _write_rows(store.dialect, session, actor, now, item, loaded.known, aside)
            loaded.known.update(added)
            loaded.added.update(added)
            loaded.created.update(_names(item, added))
            loaded.imported += imported
            loaded.duplicates += duplicates
            loaded.rows += len(item)
            bulk.add_to_search(session, aside)
        if not item.commit:
            raise _RollBack
        if item.record is not None:
            _record_run(session, actor, item.record, now, loaded.imported, loaded.duplicates)
        bulk.put_back(session, aside)


class _BulkLoad:
    """The first chunks of a large import into a small SQLite database, written while pass one still checks the
    rest, in one transaction committed only once pass one has found the file good.

    Two things make it quicker than chunk after chunk. The indexes and the search are built once, after the rows
    (bulk.set_aside / put_back), not kept up to date row by row. And the writing runs beside pass one, on a core
    of its own: in a forked copy of this process where it can be (see _ForkedWriter), else in a thread
    (_ThreadWriter), where it takes turns with pass one at Python's lock.

    One transaction, so a kill or a failure keeps none of it and a run again stores every row once. Desks wait
    for the write lock meanwhile (up to their lock wait), as they would for any import's chunk: which is why it
    is only for a small database, and at most BULK_ROWS rows; the rest of the file goes chunk by chunk."""

    def __init__(self, writer: _ThreadWriter | _ForkedWriter) -> None:
        self.writer = writer
        self.handed = 0  # chunks put
        self.put_rows = 0  # rows in them
        self.loaded = _Loaded({})

    @staticmethod
    def start(
        ctx: ServiceContext, actor: str, now: datetime, officers: dict[str, int], lifecycle: bool, spool: IO[bytes]
    ) -> _BulkLoad:
        if can_fork():
            return _BulkLoad(_ForkedWriter(ctx, actor, now, dict(officers), lifecycle, spool))
        return _BulkLoad(_ThreadWriter(ctx, actor, now, dict(officers), lifecycle))

    @property
    def rows(self) -> int:
        return self.loaded.rows

    @property
    def added(self) -> dict[str, int]:
        return self.loaded.added

    @property
    def created(self) -> set[str]:
        return self.loaded.created

    def put(self, chunk: list[Spooled], where: tuple[int, int]) -> None:
        """A chunk pass one has spooled, at `where` (offset, size) in the spool."""
        self.writer.put(chunk, where)
        self.handed += 1
        self.put_rows += len(chunk)

    def commit(self, record: ImportResult | None) -> tuple[int, int]:
        """Commit what was put (and record the import, with `record`'s counts, if given): (imported, duplicates).
        Raises whatever stopped the writing, and then nothing of it is kept."""
        self.loaded = self.writer.end(_Verdict(True, record))
        return self.loaded.imported, self.loaded.duplicates

    def abandon(self) -> None:
        """Roll back whatever was written (nothing is kept); nothing once the load has ended."""
        with contextlib.suppress(Exception):  # already failing: whatever stopped it is what the caller reports
            self.writer.end(_Verdict(False, None))


class _ThreadWriter:
    """The load written by a thread of this process, with its own connection; chunks reach it through a queue of
    at most two, so memory stays bounded. sqlite3 lets go of Python's lock while a statement runs, so SQLite's
    work and pass one's checking overlap; the Python of each (checking, preparing statements) takes turns."""

    def __init__(self, ctx: ServiceContext, actor: str, now: datetime, officers: dict[str, int], lifecycle: bool):
        self.loaded = _Loaded(officers)
        self.error: BaseException | None = None
        self.queue: queue.Queue[list[Spooled] | _Verdict] = queue.Queue(maxsize=2)
        # Each statement done, the writer waits for the interpreter while pass one holds it: by default up to
        # 5 ms, a dozen times a chunk. Handed over sooner for the load's length (process-wide, as the setting
        # is): 100,000 rows about 9% sooner; the usual again when it ends.
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(BULK_SWITCH_SECONDS)
        args = (ctx.store, actor, now, self.loaded, lifecycle, self.queue.get)
        self.thread = threading.Thread(target=self._run, args=args, name="triage-import-writer", daemon=True)
        self.thread.start()

    def put(self, chunk: list[Spooled], where: tuple[int, int]) -> None:
        self.queue.put(chunk)

    def end(self, verdict: _Verdict) -> _Loaded:
        # The thread ends only on a verdict (after an error too: see _run), so while it lives it takes this one.
        if self.thread.is_alive():
            self.queue.put(verdict)
            self.thread.join()
        sys.setswitchinterval(self.switch)
        if self.error is not None:
            raise self.error
        return self.loaded

    def _run(self, *args: Any) -> None:
        try:
            _load(*args)
        except _RollBack:
            pass
        except BaseException as exc:  # raised to the caller by end()
            self.error = exc
            while not isinstance(self.queue.get(), _Verdict):  # the caller must never block on a full queue
                pass


class _ForkedWriter:
    """The load written by a forked copy of this process, on a core of its own: pass one and the writing never
    wait for each other's Python. The copy opens its own connection (none is carried across the fork) and
    reads each chunk from the spool, where pass one has written it already; a pipe brings it where each chunk
    is and then the verdict, and another takes back what it wrote, or what stopped it.

    The copy obeys only the verdict. Should this process end without one (killed, say), its pipe closes and the
    copy rolls back; Ctrl-C reaches both, and the copy leaves it to this process, which abandons the load. Should
    the copy die, this process finds its pipes closed and stops the import: nothing of the load is kept."""

    def __init__(
        self,
        ctx: ServiceContext,
        actor: str,
        now: datetime,
        officers: dict[str, int],
        lifecycle: bool,
        spool: IO[bytes],
    ) -> None:
        self.spool = spool
        orders_in, orders_out = os.pipe()
        answer_in, answer_out = os.pipe()
        # What both processes hold now is left out of the cycle collector's walks until the load ends: a walk
        # touches every object, and each page it touches is then copied for the process that touched it.
        self.froze = gc.get_freeze_count() == 0
        if self.froze:
            gc.freeze()
        pid = os.fork()
        if pid == 0:  # the copy: whatever happens, it leaves here, and runs none of the caller's code after
            try:
                os.close(orders_out)
                os.close(answer_in)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                answer = _forked_load(ctx, actor, now, officers, lifecycle, orders_in, spool.fileno())
                with os.fdopen(answer_out, "wb") as out:
                    out.write(answer)
            finally:
                os._exit(0)
        os.close(orders_in)
        os.close(answer_out)
        self.pid: int | None = pid
        self.orders, self.answers = orders_out, answer_in
        self.gone = False  # the copy stopped taking orders: end() finds out why

    def put(self, chunk: list[Spooled], where: tuple[int, int]) -> None:
        self.spool.flush()  # the copy reads it from the file
        self._send(("chunk", *where))

    def end(self, verdict: _Verdict) -> _Loaded:
        if self.pid is None:
            raise StoreUnavailable("the import's writer has already ended")
        try:
            # What recording the import needs of the run, not every problem found in it.
            record = None if verdict.record is None else dataclasses.replace(verdict.record, errors=[])
            self._send(("verdict", _Verdict(verdict.commit, record)))
            os.close(self.orders)
            with os.fdopen(self.answers, "rb") as answers:
                answer = answers.read()
        finally:
            os.waitpid(self.pid, 0)
            self.pid = None
            if self.froze:
                gc.unfreeze()
        try:
            outcome = pickle.loads(answer)
        except Exception:
            raise StoreUnavailable(
                "the import's writer stopped before it could say what it wrote: nothing of it is kept"
            ) from None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _send(self, order: tuple[Any, ...]) -> None:
        if self.gone:
            return
        data = pickle.dumps(order, pickle.HIGHEST_PROTOCOL)
        message = memoryview(len(data).to_bytes(8, "little") + data)
        try:
            while message:
                message = message[os.write(self.orders, message) :]
        except OSError:  # the copy has gone: its answer (or none) says why
            self.gone = True


def _forked_load(
    ctx: ServiceContext, actor: str, now: datetime, officers: dict[str, int], lifecycle: bool, orders: int, spool: int
) -> bytes:
    """In the forked copy: the load, its orders read from `orders` and its chunks from `spool`; the answer is
    what it wrote (_Loaded) or what stopped it, pickled. A thread reads the next chunk while the load's
    statements run (sqlite3 lets go of Python's lock for them): unmarshalling is a tenth of the copy's work."""
    loaded = _Loaded(officers)
    ahead: queue.Queue[list[Spooled] | _Verdict | BaseException] = queue.Queue(maxsize=1)

    def read() -> None:
        try:
            with os.fdopen(orders, "rb") as pipe:
                while True:
                    head = pipe.read(8)
                    if len(head) < 8:  # this process's parent ended without a verdict
                        ahead.put(_Verdict(False, None))
                        return
                    order = pickle.loads(pipe.read(int.from_bytes(head, "little")))
                    if order[0] == "verdict":
                        ahead.put(order[1])
                        return
                    ahead.put(marshal.loads(os.pread(spool, order[2], order[1])))
        except BaseException as exc:  # handed to the load, which stops with it
            ahead.put(exc)

    def next_item() -> list[Spooled] | _Verdict:
        item = ahead.get()
        if isinstance(item, BaseException):
            raise item
        return item

    threading.Thread(target=read, name="triage-import-reader", daemon=True).start()
    try:
        store = Store(ctx.store.url, lock_wait=ctx.store.lock_wait)
        _load(store, actor, now, loaded, lifecycle, next_item)
    except _RollBack:
        pass
    except BaseException as exc:
        return _portable(exc)
    return pickle.dumps(loaded, pickle.HIGHEST_PROTOCOL)


def _portable(exc: BaseException) -> bytes:
    """An error as the forked copy sends it back: itself where it survives pickling, else what it says."""
    try:
        return pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps(StoreUnavailable(str(exc)), pickle.HIGHEST_PROTOCOL)


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
    def dump(dialect: str, chunk: list[Spooled], spool: IO[bytes]) -> tuple[int, int]:
        """Where the chunk's data is in the spool: (offset, size) of its marshal text on SQLite."""
        if dialect == "sqlite":
            data = marshal.dumps(chunk)
            spool.write(len(data).to_bytes(8, "little"))
            spool.write(data)
            return spool.tell() - len(data), len(data)
        pickle.dump(chunk, spool, pickle.HIGHEST_PROTOCOL)
        return 0, 0

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
    hand: Callable[[list[Spooled], int, tuple[int, int]], None],
    first_chunk: int,
) -> _Checked:
    """Pass one: every row checked; good rows prepared and spooled. What must be remembered of every row (its
    reference's first line, its duplicate_of) goes to the scratch file, a block of rows at a time. The first
    chunk spooled holds `first_chunk` rows, and each after it twice the one before, up to options.chunk."""
    writer = HistoryWriter(ctx.store.dialect, actor, now, source)
    checked = _Checked(0, set(), 0)
    chunk: list[Spooled] = []
    block: list[tuple[int, dict[str, Cell], ImportRow | None, list[tuple[str, str]]]] = []
    size = first_chunk

    def settle() -> None:
        """The block's rows against the references before them; the good ones prepared and spooled."""
        nonlocal chunk, size
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
                    if len(chunk) >= size:
                        hand(chunk, checked.chunks, _Spool.dump(ctx.store.dialect, chunk, spool))
                        checked.chunks += 1
                        chunk = []
                        size = min(options.chunk, size * 2)
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
        hand(chunk, checked.chunks, _Spool.dump(ctx.store.dialect, chunk, spool))
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
    dialect: str,
    session: Any,
    actor: str,
    now: datetime,
    chunk: list[Spooled],
    officers: dict[str, int],
    aside: bulk.SetAside | None = None,
) -> tuple[int, int, dict[str, int]]:
    """A chunk's rows in the caller's transaction: skip what is stored already, add the officers its rows need,
    insert the rest with their events. Returns (imported, duplicates, officers added by lower-cased username).
    `aside`: what a bulk load has set aside in this transaction."""
    added: dict[str, int] = {}
    fmt = bulk.time_formatter(dialect)
    stored = stored_cases(session, [row[3][REF] for row in chunk])
    keyless = [row[3] for row in chunk if not row[1] and row[3][REF].lower() not in stored]
    if keyless and aside is not None:
        bulk.put_back_received(session, aside)  # rows without a reference are looked up by their receipt
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
