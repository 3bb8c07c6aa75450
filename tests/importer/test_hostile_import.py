"""`triage import` against hostile files and careless options: exit 2 in one line, and nothing written."""

from __future__ import annotations

import csv
import functools
import re
import stat
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, text
from sqlmodel import select

from tests.conftest import Clock
from tests.importer.hostile_files import (
    HEADER,
    ROWS,
    csv_bytes,
    declare_entity,
    drop_part,
    rewrite_part,
    shared_strings,
    xlsx_bytes,
    zip_bomb,
)
from triage_tui.cli import main
from triage_tui.domain.codes import Role, Team
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.tables import Case, Event, Officer

NOW = pendulum.datetime(2022, 12, 1, 9, tz="Europe/London")


@pytest.fixture
def desk(ctx: ServiceContext, clock: Clock) -> ServiceContext:
    clock.set(NOW)
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "jnowak", "Jan Nowak", Role.OFFICER, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    return ctx


def state(ctx: ServiceContext) -> tuple[int, int, int, int]:
    """Cases, events, officers and the highest event id: any write moves one of them."""
    with ctx.store.read() as s:
        return (
            s.exec(select(func.count()).select_from(Case)).one(),
            s.exec(select(func.count()).select_from(Event)).one(),
            s.exec(select(func.count()).select_from(Officer)).one(),
            s.exec(select(func.max(Event.id))).one() or 0,
        )


def cli(ctx: ServiceContext, *args: str, user: str = "boss") -> Result:
    with pendulum.travel_to(NOW, freeze=True):
        return CliRunner().invoke(main, [*args, "--db", ctx.store.url, "--as", user])


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def row(reference: str, **cells: str) -> list[str]:
    values = dict.fromkeys(HEADER, "")
    values.update(reference=reference, received_at="2022-01-17 09:00", channel="web", customer_name="Ann Lee")
    values["summary"] = f"Complaint {reference}"
    values.update(cells)
    assert set(values) == set(HEADER), "a column the sample does not have"
    return [values[name] for name in HEADER]


def duplicate(reference: str, of: str) -> list[str]:
    return row(
        reference,
        type="corporate",
        status="closed",
        triaged_at="2022-01-17 10:00",
        close_reason="duplicate",
        closed_at="2022-01-17 11:00",
        duplicate_of=of,
    )


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- the rejects file --------------------------------------------------------------------------------------------


def bad_file(tmp_path: Path) -> Path:
    rows = [*ROWS, row("S-9", received_at="yesterday", summary="=cmd|' /C calc'!A0")]
    return write(tmp_path / "in.csv", csv_bytes(rows))


@pytest.mark.parametrize("target", ["database", "wal", "shm", "input", "folder"])
def test_rejects_never_overwrite_the_database_the_input_or_a_folder(
    desk: ServiceContext, tmp_path: Path, target: str
) -> None:
    source = bad_file(tmp_path)
    if target != "input" and desk.store.path is None:
        pytest.skip("a server database has no files to protect")
    database = desk.store.path
    paths = {
        "database": database,
        "wal": Path(f"{database}-wal"),
        "shm": Path(f"{database}-shm"),
        "input": source,
        "folder": tmp_path,
    }
    before, content = state(desk), source.read_bytes()
    result = cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(paths[target]), "--force")
    refused(result, "is a directory" if target == "folder" else "refusing to write")
    assert state(desk) == before and source.read_bytes() == content
    if database is not None:
        with desk.store.read() as s:
            assert s.connection().execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_rejects_are_private_safe_in_a_spreadsheet_and_never_overwritten_without_force(
    desk: ServiceContext, tmp_path: Path
) -> None:
    source, out = bad_file(tmp_path), tmp_path / "rejects.csv"
    first = cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(out))
    assert first.exit_code == 3, first.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert [r["reference"] for r in rows] == ["S-9"]
    assert rows[0]["summary"] == "'=cmd|' /C calc'!A0"  # text to a spreadsheet, never a formula
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left behind

    out.write_text("kept\n")
    refused(cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(out)), "use --force")
    assert out.read_text() == "kept\n"
    refused(cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(out), "--dry-run"), "use --force")
    assert cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(out), "--force").exit_code == 3
    assert "S-9" in out.read_text()


def test_a_fixed_rejects_file_imports_as_it_was_typed(desk: ServiceContext, tmp_path: Path) -> None:
    """The apostrophe the rejects file put before a formula is taken off again (exactly one, only there)."""
    source, out = bad_file(tmp_path), tmp_path / "rejects.csv"
    assert cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(out)).exit_code == 3
    fixed = out.read_text(encoding="utf-8").replace("yesterday", "2022-01-20")
    rows = list(csv.reader(fixed.splitlines()))
    header = rows[0][:-1]
    data = [r[:-1] for r in rows[1:]]
    data.append(row("S-10", summary="''=two apostrophes"))  # not what safe_cell makes: kept as given
    data.append(row("S-11", customer_name="'Quoted' Name"))
    again = cli(desk, "import", str(write(tmp_path / "fixed.csv", csv_bytes(data, header=header))))
    assert again.exit_code == 0, again.output
    shown = cli(desk, "case", "show", "S-9", "--json")
    assert '"summary": "=cmd|\' /C calc\'!A0"' in shown.stdout
    assert "''=two apostrophes" in cli(desk, "case", "show", "S-10", "--json").stdout
    assert "'Quoted' Name" in cli(desk, "case", "show", "S-11", "--json").stdout


def test_the_rejects_file_appears_only_when_the_import_succeeds(desk: ServiceContext, tmp_path: Path) -> None:
    rows = [row("S-1"), row("S-2", received_at="bad"), allocated("S-3", "ghost")]
    source, out = write(tmp_path / "in.csv", csv_bytes(rows)), tmp_path / "rejects.csv"
    before = state(desk)
    # The file names an officer to create, and an officer may not: refused after reading, before writing.
    refused(
        cli(desk, "import", str(source), "--skip-invalid", "--rejects", str(out), "--create-officers", user="alice"),
        "only supervisors may create officers",
    )
    assert not out.exists() and state(desk) == before
    assert [p.name for p in tmp_path.iterdir() if "rejects" in p.name] == []  # nor its temporary


# --- workbooks ----------------------------------------------------------------------------------------------------


@functools.cache
def workbooks() -> dict[str, bytes]:
    good = shared_strings(xlsx_bytes(ROWS))
    return {
        "entity-in-shared-strings": rewrite_part(good, "xl/sharedStrings.xml", declare_entity),
        "entity-in-sheet": rewrite_part(xlsx_bytes(ROWS), "xl/worksheets/sheet1.xml", declare_entity),
        "external-entity": rewrite_part(
            good,
            "xl/sharedStrings.xml",
            lambda xml: xml.replace(b"<sst", b'<!DOCTYPE sst [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst', 1),
        ),
        "zip-bomb": zip_bomb(32 * 1024 * 1024),
        "not-a-zip": b"reference,received_at,customer_name,summary\n",
        "truncated-zip": good[: len(good) // 2],
        "no-sheet": drop_part(good, "xl/worksheets/sheet1.xml"),
        "no-workbook": drop_part(good, "xl/workbook.xml"),
        "broken-sheet-xml": rewrite_part(good, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2]),
        "broken-shared-strings": rewrite_part(good, "xl/sharedStrings.xml", lambda xml: xml.replace(b"</si>", b"")),
        "row-beyond-excel": rewrite_part(
            good,
            "xl/worksheets/sheet1.xml",
            lambda xml: re.sub(rb"<dimension[^>]*>", b"", xml).replace(b'<row r="3"', b'<row r="99999999999"', 1),
        ),
        "huge-number": rewrite_part(
            good, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<v>0</v>", b"<v>" + b"9" * 5000 + b"</v>", 1)
        ),
    }


@pytest.mark.parametrize("name", list(workbooks()))
def test_workbooks_that_are_damaged_or_hostile_are_refused_in_one_line(
    desk: ServiceContext, tmp_path: Path, name: str
) -> None:
    source = write(tmp_path / "book.xlsx", workbooks()[name])
    before = state(desk)
    result = cli(desk, "import", str(source))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert state(desk) == before


def test_an_entity_declaration_is_named_as_such(desk: ServiceContext, tmp_path: Path) -> None:
    for name in ("entity-in-shared-strings", "entity-in-sheet"):
        source = write(tmp_path / "book.xlsx", workbooks()[name])
        refused(cli(desk, "import", str(source)), "is not a workbook this program will read: it declares XML entities")
    bomb = write(tmp_path / "bomb.xlsx", workbooks()["zip-bomb"])
    refused(cli(desk, "import", str(bomb)), "it unpacks to 33,554,432 bytes")


def test_a_good_workbook_with_shared_strings_imports(desk: ServiceContext, tmp_path: Path) -> None:
    source = write(tmp_path / "book.xlsx", shared_strings(xlsx_bytes(ROWS)))
    result = cli(desk, "import", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert '"imported": 6' in result.stdout


# --- NUL bytes and other text no database takes ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["first-line", "after-4kb", "last-line", "unknown-column"])
def test_a_nul_byte_anywhere_is_an_error_of_its_line_and_nothing_is_written(
    desk: ServiceContext, tmp_path: Path, where: str
) -> None:
    rows = [row(f"N-{i}", summary=f"Complaint number {i} " + "x" * 40) for i in range(300)]
    header, args = HEADER, []
    at = {"first-line": 0, "after-4kb": 200, "last-line": 299, "unknown-column": 150}[where]
    if where == "unknown-column":
        header, args = [*HEADER, "notes"], ["--ignore-unknown"]
        rows = [[*r, ""] for r in rows]
        rows[at][-1] = "a \x00 in a column the import skips"
        column = "notes"
    else:
        rows[at][HEADER.index("summary")] = "has a \x00 NUL"
        column = "summary"
    source = write(tmp_path / "nul.csv", csv_bytes(rows, header=header))
    before = state(desk)
    for extra in ([], ["--chunk-size", "50"], ["--dry-run"]):
        result = cli(desk, "import", str(source), *args, *extra)
        refused(result, "1 row has a problem; nothing was imported")
        assert f"line {at + 2}: {column}: contains a NUL byte" in result.stderr.splitlines()
        assert state(desk) == before
    skipped = cli(desk, "import", str(source), *args, "--skip-invalid", "--chunk-size", "50")
    assert skipped.exit_code == 3 and state(desk)[0] == before[0] + 299


def test_a_binary_file_is_still_called_binary(desk: ServiceContext, tmp_path: Path) -> None:
    utf16 = write(tmp_path / "unicode.csv", "reference,received_at,customer_name,summary\r\n".encode("utf-16"))
    refused(cli(desk, "import", str(utf16)), "not a text CSV file")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"reference,received_at,customer_name,summary\nA,2022-01-14,B," + b"z" * (18 * 1024 * 1024), "line 2"),
        (b"reference,received_at,customer_name,summary\n" + b'A,2022-01-14,B,"unterminated\n' * 3, "line 2"),
        (",".join(["x"] * 5000).encode() + b"\n", "5,000 columns"),
        (b"\xff\xfe\x00\x81garbage", "neither UTF-8 nor Windows-1252"),
    ],
    ids=["line-without-end", "unterminated-quote", "five-thousand-columns", "undecodable"],
)
def test_files_that_cannot_be_read_are_refused_in_one_line(
    desk: ServiceContext, tmp_path: Path, content: bytes, message: str
) -> None:
    source = write(tmp_path / "in.csv", content)
    before = state(desk)
    refused(cli(desk, "import", str(source)), message)
    assert state(desk) == before


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"received_at": "0001-01-01T00:30+01:00"}, "received_at", "year"),
        ({"received_at": "1066-10-14"}, "received_at", "year"),
        ({"received_at": "9" * 5000}, "received_at", "not a time (5,000 characters)"),
        ({"type": "z" * 1_000_000}, "type", "unknown type 'zzzz"),
        ({"customer_name": "n" * 201}, "customer_name", "longer than 200 characters"),
        ({"duplicate_of": "D" * 41, "status": "closed"}, "duplicate_of", "longer than 40 characters"),
    ],
    ids=["year-one", "year-1066", "long-time", "megabyte-type", "long-name", "long-duplicate-of"],
)
def test_cells_out_of_range_are_errors_of_their_line(
    desk: ServiceContext, tmp_path: Path, cells: dict[str, str], column: str, message: str
) -> None:
    source = write(tmp_path / "in.csv", csv_bytes([row("R-1", **cells)]))
    before = state(desk)
    result = cli(desk, "import", str(source))
    refused(result, "nothing was imported")
    problem = next(line for line in result.stderr.splitlines() if line.startswith(f"line 2: {column}:"))
    assert message in problem and len(problem) < 300
    assert state(desk) == before


def test_problems_never_reach_the_terminal_raw(desk: ServiceContext, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", csv_bytes([row("C-1", type="\x1b]0;owned\x07\u202e")]))
    result = cli(desk, "import", str(source))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr and "\x07" not in result.stderr


# --- officers, dry runs -------------------------------------------------------------------------------------------


def allocated(reference: str, officer: str) -> list[str]:
    return row(
        reference,
        type="adults",
        status="allocated",
        officer=officer,
        triaged_at="2022-01-17 10:00",
        allocated_at="2022-01-17 11:00",
    )


def test_create_officers_writes_nothing_when_the_import_is_refused(desk: ServiceContext, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", csv_bytes([allocated("O-1", "a.ok"), allocated("O-2", "z bad name")]))
    before = state(desk)
    for extra in ([], ["--dry-run"]):
        result = cli(desk, "import", str(source), "--create-officers", *extra)
        refused(result, "nothing was imported")
        assert "line 3: officer: 'z bad name' cannot be a username" in result.stderr
        assert state(desk) == before


def test_officers_are_created_with_the_rows_and_matched_regardless_of_case(
    desk: ServiceContext, tmp_path: Path
) -> None:
    rows = [allocated("O-1", "K.Wright"), allocated("O-2", "k.wright"), allocated("O-3", "JNowak")]
    source = write(tmp_path / "in.csv", csv_bytes(rows))
    before = state(desk)
    dry = cli(desk, "import", str(source), "--create-officers", "--dry-run", "--json")
    assert dry.exit_code == 0 and '"K.Wright"' in dry.stdout and state(desk) == before
    result = cli(desk, "import", str(source), "--create-officers", "--json")
    assert result.exit_code == 0, result.output
    with desk.store.read() as s:
        names = sorted(o.username for o in s.exec(select(Officer)))
    assert names == ["K.Wright", "alice", "boss", "jnowak"]
    assert '"officer": "jnowak"' in cli(desk, "case", "show", "O-3", "--json").stdout


@pytest.mark.parametrize(
    "case",
    ["officer-creates-officers", "nul", "self-duplicate", "existing-rejects", "bad-username"],
)
def test_a_dry_run_refuses_exactly_what_the_real_run_refuses(desk: ServiceContext, tmp_path: Path, case: str) -> None:
    args: list[str] = []
    user = "boss"
    rows = [row("P-1")]
    if case == "officer-creates-officers":
        rows, args, user = [allocated("P-1", "new.person")], ["--create-officers"], "alice"
    elif case == "nul":
        rows = [row("P-1", summary="\x00")]
    elif case == "self-duplicate":
        rows = [duplicate("P-1", "p-1")]
    elif case == "existing-rejects":
        (tmp_path / "r.csv").write_text("x")
        args = ["--skip-invalid", "--rejects", str(tmp_path / "r.csv")]
    elif case == "bad-username":
        rows, args = [allocated("P-1", "-dash")], ["--create-officers"]
    source = write(tmp_path / "in.csv", csv_bytes(rows))
    before = state(desk)
    dry = cli(desk, "import", str(source), *args, "--dry-run", user=user)
    real = cli(desk, "import", str(source), *args, user=user)
    assert (dry.exit_code, dry.stderr) == (real.exit_code, real.stderr)
    assert real.exit_code == 2 and state(desk) == before


# --- duplicates ---------------------------------------------------------------------------------------------------


def test_a_row_cannot_be_the_duplicate_of_itself(desk: ServiceContext, tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", csv_bytes([row("D-0"), duplicate("D-1", "D-1")]))
    result = cli(desk, "import", str(source))
    refused(result, "1 row has a problem")
    assert "line 3: duplicate_of: a case cannot be the duplicate of itself" in result.stderr


@pytest.mark.parametrize("size", [2, 3, 7])
def test_duplicates_that_go_round_in_a_circle_are_refused(desk: ServiceContext, tmp_path: Path, size: int) -> None:
    refs = [f"D-{i}" for i in range(size)]
    rows = [duplicate(ref, refs[(i + 1) % size].lower()) for i, ref in enumerate(refs)]
    rows.append(duplicate("D-X", "D-0"))  # leads into the circle, is not part of it: refused only for the rest
    source = write(tmp_path / "in.csv", csv_bytes(rows))
    before = state(desk)
    result = cli(desk, "import", str(source), "--skip-invalid")
    assert result.exit_code == 3, result.output
    circled = {int(line.split(":")[0].split()[1]) for line in result.stderr.splitlines() if "circle" in line}
    assert circled == set(range(2, size + 2))
    assert state(desk)[0] == before[0] + 1  # D-X only


def test_a_circle_through_stored_cases_is_refused(desk: ServiceContext, tmp_path: Path) -> None:
    # Stored: S-A closed as the duplicate of S-B, a reference the database does not hold (older data).
    first = write(tmp_path / "first.csv", csv_bytes([duplicate("S-A", "S-B"), row("S-B0")]))
    assert cli(desk, "import", str(first), "--skip-invalid").exit_code == 3  # S-B unknown: refused
    assert cli(desk, "import", str(write(tmp_path / "b.csv", csv_bytes([row("S-B")])))).exit_code == 0
    assert cli(desk, "import", str(first)).exit_code == 0  # now S-B exists: S-A -> S-B stored
    # A new file cannot close S-B (stored); a new case S-C pointing at S-A is a chain, not a circle...
    chain = cli(desk, "import", str(write(tmp_path / "c.csv", csv_bytes([duplicate("S-C", "S-A")]))))
    assert chain.exit_code == 0, chain.output
    # ...but new cases that point at each other through a stored one are.
    with desk.store.write() as s:
        s.connection().execute(text("UPDATE cases SET duplicate_of = 'S-E' WHERE reference = 'S-B'"))
    loop = write(tmp_path / "d.csv", csv_bytes([duplicate("S-E", "s-a")]))
    before = state(desk)
    result = cli(desk, "import", str(loop))
    refused(result, "1 row has a problem")
    assert "duplicates would go round in a circle: S-E → S-A → S-B → S-E" in result.stderr
    assert state(desk) == before


def test_a_reference_differing_only_in_letter_case_is_a_duplicate(desk: ServiceContext, tmp_path: Path) -> None:
    assert cli(desk, "import", str(write(tmp_path / "a.csv", csv_bytes([row("CI-1")])))).exit_code == 0
    again = cli(desk, "import", str(write(tmp_path / "b.csv", csv_bytes([row("ci-1"), row("CI-2"), row("ci-2")]))))
    refused(again, "1 row has a problem")
    assert "line 4: reference: the same reference as line 3" in again.stderr
    ok = cli(desk, "import", str(write(tmp_path / "c.csv", csv_bytes([row("ci-1")]))), "--json")
    assert ok.exit_code == 0 and '"duplicates": 1' in ok.stdout
