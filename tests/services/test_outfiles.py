"""Files written for a person: never over the database or the input, private, never over an existing file
unless asked, never half-made."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from triage_tui.domain.errors import InvalidInput
from triage_tui.services.outfiles import database_files, new_file, write_new_file


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "triage.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    # Left open, so the -wal and -shm files exist as they do beside a desk's database.
    yield path
    connection.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_new_file_is_private_and_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_new_file(target, "a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_the_database_and_its_companions_are_refused_even_with_force(database: Path, suffix: str) -> None:
    target = Path(f"{database}{suffix}")
    assert target.exists()
    before = target.read_bytes()
    with pytest.raises(InvalidInput, match="it is the database"):
        write_new_file(target, "x", force=True, protected=database_files(database))
    assert target.read_bytes() == before
    assert _leftovers(database.parent) == []


def test_the_database_by_another_name_is_refused(database: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.sqlite"
    link.symlink_to(database)
    hard = tmp_path / "hard.sqlite"
    os.link(database, hard)
    for name in (link, hard, tmp_path / "sub" / ".." / database.name):
        with pytest.raises(InvalidInput, match="it is the database"):
            write_new_file(name, "x", force=True, protected=database_files(database))


def test_the_file_being_read_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("reference\n")
    with pytest.raises(InvalidInput, match="the file being read"):
        write_new_file(source, "x", force=True, protected=[source])
    assert source.read_text() == "reference\n"


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("earlier work")
    with pytest.raises(InvalidInput, match="the file exists"):
        write_new_file(target, "new")
    assert target.read_text() == "earlier work"
    write_new_file(target, "new", force=True)
    assert target.read_text() == "new"


def test_a_folder_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="folder"):
        write_new_file(tmp_path, "x", force=True)
    with pytest.raises(InvalidInput, match="does not exist"):
        write_new_file(tmp_path / "nowhere" / "out.csv", "x")


def test_a_failure_while_writing_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), new_file(target) as handle:
        handle.write("half")
        raise RuntimeError("stopped part way")
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_a_file_that_appears_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(InvalidInput, match="the file exists"), new_file(target) as handle:
        handle.write("ours")
        target.write_text("someone else's")
    assert target.read_text() == "someone else's"
    assert _leftovers(tmp_path) == []


def test_importing_the_database_itself_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from triage_tui.domain.policy import DEFAULT_POLICY
    from triage_tui.importer.run import ImportOptions, run_import
    from triage_tui.services.context import ServiceContext
    from triage_tui.store.engine import Store
    from triage_tui.store.migrate import ensure_schema

    path = tmp_path / "triage.sqlite"
    store = Store(f"sqlite:///{path}")
    ensure_schema(store)
    try:
        with pytest.raises(InvalidInput, match="is the database itself"):
            run_import(ServiceContext(store=store, policy=DEFAULT_POLICY), "anyone", path, ImportOptions())
    finally:
        store.dispose()


def test_a_second_store_on_an_open_database_does_not_read_the_file(tmp_path: Path, monkeypatch) -> None:
    # Reading the file outside SQLite and closing it would drop this process's locks on it (POSIX locks
    # belong to the process): the header is checked once, by the first store to open it.
    from triage_tui.store import engine

    path = tmp_path / "triage.sqlite"
    first = engine.Store(f"sqlite:///{path}")
    reads: list[Path] = []
    monkeypatch.setattr(engine, "_refuse_unless_sqlite", lambda p: reads.append(p))
    second = engine.Store(f"sqlite:///{path}")
    assert reads == []
    first.dispose()
    second.dispose()
    third = engine.Store(f"sqlite:///{path}")  # nobody has it open now: checked again
    assert reads == [path]
    third.dispose()
