"""Pass one remembers references and duplicates in a scratch file, asked a block of rows at a time: whatever the
block size, an import refuses, counts and writes exactly the same (repeats name their first line across blocks,
duplicate chains and circles are followed across them, the rejects file keeps the file's order)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text

from tests.bench.scale_file import write_history
from tests.importer.hostile_files import csv_bytes
from tests.importer.test_hostile_import import NOW, cli, duplicate, row, write
from triage_tui.domain.codes import Role, Team
from triage_tui.importer import run
from triage_tui.services.context import open_context
from triage_tui.services.officers import add_officer
from triage_tui.store import bulk


def rows() -> list[list[str]]:
    """Repeats of a reference near and far from its first line, bad rows between good ones, a chain of
    duplicates forwards and backwards through the file, a circle across it, and one naming nothing."""
    out = [row(f"B-{i}") for i in range(12)]
    out[3] = row("b-0")  # the same reference as line 2, in any letter case
    out[7] = row("B-1")
    out[9] = row("B-9", received_at="yesterday")  # a problem of its own
    out += [
        duplicate("C-1", "C-2"),  # names a later row
        row("B-5"),  # far from its first line
        duplicate("C-2", "B-11"),
        duplicate("C-3", "C-1"),
        duplicate("R-1", "R-3"),  # R-1 -> R-3 -> R-2 -> R-1
        row("X-1"),
        duplicate("R-2", "R-1"),
        duplicate("R-3", "r-2"),
        duplicate("N-1", "NOWHERE"),
        duplicate("B-11", "B-0"),  # a repeat that is also a duplicate: refused as the repeat
    ]
    return out


def outcome(tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The import of rows() into a new desk, read back: messages, rejects file, cases stored in id order."""
    monkeypatch.setattr(run, "BLOCK", block)
    folder = tmp_path / f"block-{block}"
    folder.mkdir()
    ctx = open_context(str(folder / "desk.sqlite"))
    try:
        add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
        source = write(folder / "in.csv", csv_bytes(rows()))
        rejects = folder / "rejects.csv"
        dry = cli(ctx, "import", str(source), "--skip-invalid", "--dry-run")
        result = cli(ctx, "import", str(source), "--skip-invalid", "--rejects", str(rejects))
        with ctx.store.read() as session:
            stored = session.connection().execute(text("SELECT reference FROM cases ORDER BY id")).scalars().all()
    finally:
        ctx.store.dispose()
    with rejects.open(newline="", encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert dry.exit_code == result.exit_code == 3, result.output
    assert dry.stderr == result.stderr
    output = result.stdout.replace(str(folder), "FOLDER")
    return {"stderr": result.stderr, "stdout": output, "rejects": rejected, "stored": stored}


def test_the_block_size_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = outcome(tmp_path, 10_000, monkeypatch)
    for block in (1, 2, 3, 5):
        assert outcome(tmp_path, block, monkeypatch) == whole, f"block of {block}"
    errors = whole["stderr"]
    assert "line 5: reference: the same reference as line 2" in errors
    assert "line 9: reference: the same reference as line 3" in errors
    assert "line 15: reference: the same reference as line 7" in errors
    assert "line 23: reference: the same reference as line 13" in errors
    assert "line 22: duplicate_of: no case 'NOWHERE' in the file or the database" in errors
    for line in (18, 20, 21):
        assert f"line {line}: duplicate_of: duplicates would go round in a circle: R-1 → R-3 → R-2 → R-1" in errors
    # In the file's order, then the duplicates found wanting once the whole file was read.
    assert [r[0] for r in whole["rejects"][1:]] == ["b-0", "B-1", "B-9", "B-5", "B-11", "N-1", "R-1", "R-3", "R-2"]
    assert whole["stored"] == [*(f"B-{i}" for i in (0, 1, 2, 4, 5, 6, 8, 10, 11)), "C-1", "C-2", "C-3", "X-1"]


def cases_after_import(folder: Path) -> list[tuple[object, ...]]:
    """Every stored case's columns (but its creation times) after importing the sample history and contacts."""
    samples = Path(__file__).resolve().parents[2] / "fixtures" / "import"
    folder.mkdir()
    ctx = open_context(str(folder / "desk.sqlite"))
    try:
        add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
        for name in ("history.csv", "contacts.csv"):
            result = cli(ctx, "import", str(samples / name), "--create-officers")
            assert result.exit_code == 0, result.output
        with ctx.store.read() as session:
            rows = session.connection().execute(text("SELECT * FROM cases ORDER BY id")).mappings().all()
    finally:
        ctx.store.dispose()
    return [tuple(v for k, v in row.items() if k not in ("created_at", "updated_at")) for row in rows]


def test_statements_of_any_size_store_the_same_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each INSERT names only the columns its rows fill: small statements (a few rows, columns coming and going
    between them) store exactly what one statement for the whole file does."""
    whole = cases_after_import(tmp_path / "whole")
    monkeypatch.setattr(bulk, "SQLITE_VALUES_PER_INSERT", 60)
    assert cases_after_import(tmp_path / "small") == whole
    assert len(whole) > 10 and any(None in row for row in whole)


@given(rows=st.integers(min_value=0, max_value=100_000), most=st.integers(min_value=1, max_value=30_000))
def test_statement_sizes_are_few_lengths_whatever_the_count(rows: int, most: int) -> None:
    sizes = bulk.statement_sizes(rows, most)
    assert sum(sizes) == rows
    assert all(0 < size <= most for size in sizes)
    rest = [size for size in sizes if size != most]
    assert all(size & (size - 1) == 0 for size in rest), "what is left goes as powers of two"
    assert len(rest) == len(set(rest)), "at most one statement of each"


def test_an_import_prepares_statements_of_few_lengths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite3 keeps every statement it prepares: were each chunk's last INSERT as long as its rows, every chunk
    of a history file (its events vary in number) would add statements of new lengths, and memory grow with the
    file. Each INSERT's rows are the most a statement holds or a power of two."""
    monkeypatch.setattr(bulk, "SQLITE_VALUES_PER_INSERT", 90)
    lengths: dict[str, set[int]] = {}
    cases: set[tuple[int, int]] = set()  # (columns, rows): a case's statement names only the columns it fills

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.startswith("INSERT INTO") and ") VALUES (" in statement:
            table = statement.split()[2]
            lengths.setdefault(table, set()).add(statement.count("), (") + 1)
            if table == "cases":
                cases.add((statement.split(") VALUES")[0].count(",") + 1, statement.count("), (") + 1))

    ctx = open_context(str(tmp_path / "desk.sqlite"))
    source = write_history(tmp_path / "history.csv", 300, 30, years=2, now=NOW - timedelta(minutes=10), seed=3)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
        result = cli(ctx, "import", str(source), "--create-officers", "--chunk-size", "7")
        assert result.exit_code == 0, result.output
        with ctx.store.read() as session:
            assert session.connection().execute(text("SELECT count(*) FROM cases")).scalar_one() == 300
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
        ctx.store.dispose()
    assert {"cases", "events", "case_states"} <= lengths.keys()
    for table in ("events", "case_states"):
        most = 90 // len((bulk.EVENT_FIELDS + bulk.CHAIN_FIELDS) if table == "events" else bulk.STATE_FIELDS)
        assert max(lengths[table]) == most, table  # history rows' events fill whole statements too
        assert all(n == most or n & (n - 1) == 0 for n in lengths[table]), (table, sorted(lengths[table]))
    # Its length is the most a statement of its first rows' columns holds (they may name more), or a power of two.
    most = {90 // width for width in range(1, len(bulk.CASE_FIELDS) + 1)}
    assert all(n & (n - 1) == 0 or (n in most and n <= 90 // columns) for columns, n in cases), sorted(cases)
