"""A large import into a small SQLite database: one transaction, written beside pass one by a forked copy of the
command or by a thread, with the indexes and the search set aside and made again before the commit
(importer/run.py _BulkLoad). Whatever ends it, the database is left either as it was or with every row, its
indexes, search, audit chain and tally whole. Every test runs with each writer.

The chunk is made small here (500 rows) so that a file of a few thousand rows takes the same path as a real
one of 100,000."""

from __future__ import annotations

import csv
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import Clock
from tests.importer.sample_file import write_contacts
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.errors import InvalidInput, StoreUnavailable
from triage_tui.importer import run
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.importer.source import FIELD_LIMIT
from triage_tui.services.context import ServiceContext
from triage_tui.services.find import find_cases
from triage_tui.services.forking import can_fork
from triage_tui.services.integrity import verify_chain
from triage_tui.services.officers import add_officer
from triage_tui.store import bulk
from triage_tui.store.engine import Store

CHUNK = 500


@pytest.fixture(params=["forked", "thread"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The bulk load's writer: a forked copy of the process (where it can be had), or a thread."""
    if request.param == "forked":
        if not can_fork():
            pytest.skip("a forked copy is to be had only on Linux, with more than one core, from one thread")
    else:
        monkeypatch.setattr(run, "can_fork", lambda: False)
    return str(request.param)


@pytest.fixture
def desk(sqlite_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, writer: str) -> Iterator[ServiceContext]:
    from triage_tui.domain.policy import DEFAULT_POLICY

    monkeypatch.setattr(run, "CHUNK", CHUNK)
    clock.set(pendulum.datetime(2026, 1, 5, 9, tz="Europe/London"))  # after the sample contacts (2025)
    store = Store(sqlite_url)
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    yield ctx
    store.dispose()


@pytest.fixture
def set_aside(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many bulk loads began (each appends 1): counted where the import runs, whichever writer it starts."""
    calls: list[int] = []
    original = run._BulkLoad.start

    def counted(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(run._BulkLoad, "start", staticmethod(counted))
    return calls


def schema(ctx: ServiceContext) -> list[tuple[str, str]]:
    with ctx.store.read() as session:
        rows = session.connection().exec_driver_sql("SELECT name, sql FROM sqlite_master ORDER BY name")
        return [(name, sql) for name, sql in rows]


def scalar(ctx: ServiceContext, sql: str) -> object:
    with ctx.store.read() as session:
        return session.connection().execute(text(sql)).scalar_one()


def whole(ctx: ServiceContext) -> None:
    """The database as the desk needs it after any import."""
    assert scalar(ctx, "PRAGMA integrity_check") == "ok"
    verify_chain(ctx)
    tallied = scalar(ctx, "SELECT coalesce(sum(n), 0) FROM state_tally")
    current = scalar(ctx, "SELECT count(*) FROM case_states WHERE valid_to = '9999-12-31 00:00:00.000000'")
    assert tallied == current == scalar(ctx, "SELECT count(*) FROM cases")
    fts = scalar(ctx, "SELECT count(*) FROM cases_fts")
    assert fts == scalar(ctx, "SELECT count(*) FROM cases")


def stopped_keeping_nothing(
    desk: ServiceContext, source: Path, error: type[Exception], match: str, set_aside: list[int], before: object
) -> None:
    """The import of `source` stops with `error`, and the bulk load it began leaves the database as it was."""
    with pytest.raises(error, match=match):
        run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert set_aside == [1]
    assert scalar(desk, "SELECT count(*) FROM cases") == 0
    assert schema(desk) == before
    whole(desk)


def test_a_bulk_load_stores_everything_and_puts_every_index_back(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int]
) -> None:
    before = schema(desk)
    switch = sys.getswitchinterval()
    source = write_contacts(tmp_path / "feed.csv", 2_300)
    result = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert (result.imported, result.duplicates, result.rejected) == (2_300, 0, 0)
    assert set_aside == [1]
    assert sys.getswitchinterval() == switch  # the interpreter's as it was
    assert schema(desk) == before  # every index and trigger made again, as it was
    whole(desk)
    assert [case.reference for case in find_cases(desk, "FEED-0002299")] == ["FEED-0002299"]
    assert scalar(desk, "SELECT count(*) FROM events WHERE action = 'import'") == 1
    # The triggers are back: the search follows a case changed afterwards, and events still refuse REPLACE.
    with desk.store.write() as session:
        session.connection().exec_driver_sql("UPDATE cases SET customer_name = 'Zebedee Quux' WHERE id = 1")
    assert len(find_cases(desk, "Zebedee")) == 1
    with pytest.raises(Exception, match="append-only"), desk.store.write() as session:
        session.connection().exec_driver_sql("REPLACE INTO events SELECT * FROM events WHERE seq = 1")

    again = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))  # a small database still: bulk again
    assert (again.imported, again.duplicates) == (0, 2_300)
    assert schema(desk) == before
    whole(desk)


def test_a_bad_last_row_stops_a_bulk_load_begun_and_nothing_is_written(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int]
) -> None:
    before = schema(desk)
    source = write_contacts(tmp_path / "feed.csv", 2_300)
    with source.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["BAD-1", "not a time", "email", "Someone", "Something"])
    result = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert result.rejected == 1 and not result.written
    assert set_aside == [1]  # it had begun
    assert scalar(desk, "SELECT count(*) FROM cases") == 0
    assert scalar(desk, "SELECT count(*) FROM events WHERE case_id IS NOT NULL") == 0
    assert schema(desk) == before
    whole(desk)


def test_a_file_unreadable_after_a_bulk_load_began_writes_nothing(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int]
) -> None:
    before = schema(desk)
    source = write_contacts(tmp_path / "feed.csv", 2_300)
    with source.open("a", encoding="utf-8") as handle:  # a last cell beyond any the reader takes
        handle.write(f"LAST-1,2025-06-01T10:00,email,Someone,{'x' * (FIELD_LIMIT + 1)}\n")
    stopped_keeping_nothing(desk, source, InvalidInput, "not readable as CSV", set_aside, before)


def test_a_database_failing_under_a_bulk_load_keeps_nothing_of_it(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema(desk)
    written: list[int] = []  # in the writer's own process, where it is a forked copy
    original = bulk.add_to_search

    def failing(session, aside):  # type: ignore[no-untyped-def]
        original(session, aside)
        written.append(1)
        if len(written) == 3:  # a few chunks in: the disk fills
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(bulk, "add_to_search", failing)
    source = write_contacts(tmp_path / "feed.csv", 2_300)
    stopped_keeping_nothing(desk, source, StoreUnavailable, "disk is full; nothing was written", set_aside, before)


def test_rows_refused_after_pass_one_are_left_out(desk: ServiceContext, tmp_path: Path, set_aside: list[int]) -> None:
    """A duplicate whose case exists nowhere is found only once every row is read: the bulk load, which holds
    it already, is rolled back and the rows go in chunk by chunk without it."""
    contacts = list(csv.reader(write_contacts(tmp_path / "feed.csv", 1_200).open(encoding="utf-8")))
    source = tmp_path / "with-duplicate.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*contacts[0], "status", "close_reason", "closed_at", "duplicate_of"])
        writer.writerows([*row, "", "", "", ""] for row in contacts[1:])
        writer.writerow(
            ["DUP-1", "2025-06-01T10:00", "email", "Someone", "Again", "closed", "duplicate", "2025-06-02", "NOPE"]
        )
    result = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK, skip_invalid=True))
    assert (result.imported, result.rejected) == (1_200, 1)
    assert [column for _, column, _ in result.errors] == ["duplicate_of"]
    assert set_aside == [1]
    assert scalar(desk, "SELECT count(*) FROM cases WHERE reference = 'DUP-1'") == 0
    whole(desk)


def test_only_the_first_rows_load_in_bulk_then_chunk_by_chunk(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "BULK_ROWS", 1_000)
    source = write_contacts(tmp_path / "feed.csv", 2_300)
    result = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert (result.imported, result.duplicates) == (2_300, 0)
    assert set_aside == [1]
    assert scalar(desk, "SELECT count(*) FROM events WHERE action = 'import'") == 1
    whole(desk)


def test_a_large_database_a_dry_run_or_a_small_file_is_written_chunk_by_chunk(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_contacts(tmp_path / "feed.csv", 1_200)
    dry = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK, dry_run=True))
    assert dry.imported == 1_200 and scalar(desk, "SELECT count(*) FROM cases") == 0
    small = run_import(desk, "boss", write_contacts(tmp_path / "few.csv", CHUNK - 1, seed=2), ImportOptions())
    assert small.imported == CHUNK - 1
    assert set_aside == []
    monkeypatch.setattr(run, "BULK_BELOW", CHUNK - 1)  # the database now holds that many: not small
    result = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert result.imported == 1_200 - (CHUNK - 1)  # the rows of few.csv have the same references
    assert set_aside == []
    whole(desk)


def test_a_history_file_loads_fewer_rows_in_bulk(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history row brings its whole lifecycle: a history file's bulk share is BULK_HISTORY_ROWS, so the
    import's memory does not grow with the file; the rest goes chunk by chunk, every row stored once."""
    from tests.bench.scale_file import write_history

    monkeypatch.setattr(run, "BULK_HISTORY_ROWS", 1_000)
    handed: list[int] = []
    put = run._BulkLoad.put

    def counted(self: run._BulkLoad, chunk: list[run.Spooled], where: tuple[int, int]) -> None:
        handed.append(len(chunk))
        put(self, chunk, where)

    monkeypatch.setattr(run._BulkLoad, "put", counted)
    source = write_history(tmp_path / "history.csv", 2_300, 100, years=1, now=desk.now(), seed=3)
    result = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK, create_officers=True))
    assert (result.imported, result.rejected) == (2_300, 0)
    assert set_aside == [1] and sum(handed) == 1_000  # two chunks of 500 in bulk, the rest chunk by chunk
    whole(desk)


def test_a_writer_that_dies_keeps_nothing_and_the_import_says_so(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int], monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    """The forked copy killed in the middle of the load: the command stops with one line, and the database
    is as it was (the copy's transaction never committed)."""
    if writer != "forked":
        pytest.skip("a thread cannot be killed apart from its process")
    before = schema(desk)
    original = run._load

    def dying(store, actor, now, loaded, lifecycle, next_item: Callable[[], object]):  # type: ignore[no-untyped-def]
        taken: list[object] = []

        def counted() -> object:
            taken.append(next_item())
            if len(taken) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return taken[-1]

        return original(store, actor, now, loaded, lifecycle, counted)

    monkeypatch.setattr(run, "_load", dying)
    source = write_contacts(tmp_path / "feed.csv", 2_300)
    stopped = "stopped before it could say what it wrote: nothing of it is kept"
    stopped_keeping_nothing(desk, source, StoreUnavailable, stopped, set_aside, before)
    monkeypatch.setattr(run, "_load", original)
    again = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))  # the same run again stores it all
    assert (again.imported, again.duplicates) == (2_300, 0)
    whole(desk)


def test_rows_without_a_reference_in_a_bulk_load_are_found_again_by_their_content(
    desk: ServiceContext, tmp_path: Path, set_aside: list[int]
) -> None:
    """The index on received_at, set aside with the others, is made again as soon as a chunk holds a row without
    a reference (looked up by its receipt, customer and summary); a second run finds every row stored."""
    before = schema(desk)
    contacts = list(csv.reader(write_contacts(tmp_path / "feed.csv", 1_800).open(encoding="utf-8")))
    source = tmp_path / "mixed.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(contacts[0])
        writer.writerows(contacts[1:1_001])  # the first chunks with references
        writer.writerows(["", *row[1:]] for row in contacts[1_001:])  # then rows without
    first = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert (first.imported, first.duplicates) == (1_800, 0)
    assert set_aside == [1]
    assert schema(desk) == before
    whole(desk)
    again = run_import(desk, "boss", source, ImportOptions(chunk=CHUNK))
    assert (again.imported, again.duplicates) == (0, 1_800)


def test_a_load_that_set_the_facts_trigger_aside_refuses_an_event_it_keeps(desk: ServiceContext) -> None:
    """A file of new contacts sets case_facts' trigger aside (its intakes are nothing the trigger keeps); should
    such a load write an event the trigger keeps after all, it stops before the commit and keeps nothing."""
    before = schema(desk)
    with pytest.raises(RuntimeError, match="wrote an event it keeps"), desk.store.write() as session:
        aside = bulk.set_aside(session, facts=False)
        assert bulk.FACTS_TRIGGER in [name for _, name, _ in aside.statements]
        connection = session.connection()
        connection.exec_driver_sql(
            "INSERT INTO cases (reference, received_at, channel, customer_name, summary, type, status, version,"
            " created_at, updated_at) VALUES ('F-1', '2025-06-01 10:00:00.000000', 'email', 'A', 'B', 'corporate',"
            " 'triaged', 1, '2025-06-01 10:00:00.000000', '2025-06-01 10:00:00.000000')"
        )
        bulk.insert_event_rows(
            session,
            [[1, "2025-06-01 11:00:00.000000", "boss", "classify", "new", "triaged", '{"type":"corporate"}']],
            canonical=True,
        )
        bulk.put_back(session, aside)
    assert scalar(desk, "SELECT count(*) FROM cases") == 0
    assert schema(desk) == before


@pytest.mark.parametrize("facts", [False, True])
def test_the_index_of_counted_events_is_set_aside_only_for_a_load_that_can_add_to_it(
    desk: ServiceContext, facts: bool
) -> None:
    """A file of new contacts writes only intakes, none of which the partial index of counted events holds: it
    stays in place through the load. A file with lifecycle columns may write counted events: it is made again."""
    with desk.store.write() as session:
        aside = bulk.set_aside(session, facts=facts)
        kept = (
            session.connection()
            .exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = ?", (bulk.COUNTED_INDEX,))
            .scalar_one()
        )
        assert (bulk.COUNTED_INDEX in [name for _, name, _ in aside.statements]) is facts
        assert kept == (0 if facts else 1)
        bulk.put_back(session, aside)
    assert scalar(desk, f"SELECT count(*) FROM sqlite_master WHERE name = '{bulk.COUNTED_INDEX}'") == 1


def test_a_bulk_load_leaves_the_search_its_own_settings(desk: ServiceContext, tmp_path: Path) -> None:
    """The load merges the search's segments less often and holds more of its terms in memory (bulk.LOAD_SETTINGS);
    what it committed has the search's own settings, whatever they were."""
    with desk.store.write() as session:
        session.connection().exec_driver_sql("INSERT INTO cases_fts (cases_fts, rank) VALUES ('automerge', 6)")
    result = run_import(desk, "boss", write_contacts(tmp_path / "feed.csv", 2_300), ImportOptions(chunk=CHUNK))
    assert result.imported == 2_300
    with desk.store.read() as session:
        settings = dict(session.connection().exec_driver_sql("SELECT k, v FROM cases_fts_config").fetchall())
    assert settings["automerge"] == 6  # the table's own
    assert settings.get("hashsize", bulk.LOAD_SETTINGS["hashsize"][1]) == bulk.LOAD_SETTINGS["hashsize"][1]  # FTS5's
    whole(desk)
