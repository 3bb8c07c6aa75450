"""Odd input is the user's fault: exit 2, one `error:` line, no traceback, and nothing written.

Each case here once ended in an internal error (exit 1): times near year 1 or 9999 with an offset, a limit
too big for the database, a `--db` that is not a database (or a damaged one), a NUL character on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from triage_tui.cli import main


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", db, "--as", "boss"], catch_exceptions=False)


def refused(result: Result, *fragments: str) -> str:
    """The result was a refusal in one line; returns that line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def seed(url: str) -> str:
    """A supervisor and one case."""
    assert run(url, "officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor").exit_code == 0
    assert run(url, "intake", "add", "--customer-name", "A", "--summary", "B").exit_code == 0
    return url


@pytest.fixture
def db(db_url: str) -> str:
    return seed(db_url)


def case_count(db: str) -> int:
    return len(json.loads(run(db, "case", "list", "--json").stdout))


# --- times at the edges of the calendar -------------------------------------------------------------------------

EXTREMES = [
    "0001-01-01T00:00+05:00",
    "9999-12-31T23:59-05:00",
    "0001-01-01",
    "9999-12-31",
    "01/01/0001 00:00",
    "31/12/9999",
    "1899-12-31",
    "2101-01-01T00:00Z",
]


@pytest.mark.parametrize("when", EXTREMES)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("intake", "add", "--customer-name", "A", "--summary", "B", "--received-at"), id="received-at"),
        pytest.param(("report", "position", "--as-of"), id="position-as-of"),
        pytest.param(("report", "received", "--from", "2022-01-01", "--to", "2022-01-31", "--as-of"), id="as-of"),
        pytest.param(("report", "received", "--to", "2022-01-31", "--from"), id="received-from"),
        pytest.param(("report", "sla", "--from", "2022-01-01", "--to"), id="sla-to"),
        pytest.param(("report", "trend", "--to", "2022-01-31", "--from"), id="trend-from"),
        pytest.param(("report", "trend", "--from", "2022-01-01", "--to"), id="trend-to"),
    ],
)
def test_times_outside_the_plausible_years_are_refused(db: str, command: tuple[str, ...], when: str) -> None:
    refused(run(db, *command, when), "implausible time", "between 1900 and 2100")
    assert case_count(db) == 1


def test_the_plausible_years_still_work(db: str) -> None:
    result = run(db, "intake", "add", "--customer-name", "A", "--summary", "B", "--received-at", "01/01/1900 00:00")
    assert result.exit_code == 0, result.stderr
    assert run(db, "report", "trend", "--from", "2100-12-25", "--to", "2100-12-31", "--every", "week").exit_code == 0
    assert run(db, "case", "list").exit_code == 0


# --- limits -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["99999999999999999999", "9223372036854775808", "0", "-1", "-99999999999999999999"])
def test_a_limit_out_of_range_is_refused(db: str, limit: str) -> None:
    refused(run(db, "case", "list", f"--limit={limit}"), "--limit")


def test_a_limit_in_range_works(db: str) -> None:
    result = run(db, "case", "list", "--limit", "1000000000", "--json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 1


@pytest.mark.parametrize("version", ["99999999999999999999", "0", "-1"])
def test_an_expected_version_out_of_range_is_refused(db: str, version: str) -> None:
    refused(run(db, "case", "classify", "CMP-000001", "adults", f"--expect-version={version}"))


# --- a --db that is not a database ------------------------------------------------------------------------------

COMMANDS = [
    ("case", "list"),
    ("case", "show", "CMP-000001"),
    ("intake", "add", "--customer-name", "A", "--summary", "B"),
    ("report", "position", "--as-of", "2022-01-14"),
    ("report", "sla", "--from", "2022-01-01", "--to", "2022-01-31"),
    ("db", "upgrade"),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def not_a_database(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / {"text": "notes.txt", "png": "photo.png", "folder": "folder"}[kind]
    if kind == "text":
        path.write_text("Dear council,\nmy bins were not collected.\n", encoding="utf-8")
    elif kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
@pytest.mark.parametrize("kind", ["text", "png", "folder"])
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path, kind: str, command: tuple) -> None:
    path = not_a_database(tmp_path, kind)
    before = digest(path) if path.is_file() else sorted(os.listdir(path))
    refused(run(str(path), *command), str(path), "not a SQLite database")
    assert (digest(path) if path.is_file() else sorted(os.listdir(path))) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no -wal, -shm or journal beside it


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_dev_null_is_refused(command: tuple) -> None:
    refused(run("/dev/null", *command), "/dev/null", "not a SQLite database")


@pytest.fixture
def real_database(sqlite_url: str) -> Path:
    """A SQLite database with a few cases, closed, so its every page is in the main file."""
    seed(sqlite_url)
    for n in range(30):
        assert (
            run(sqlite_url, "intake", "add", "--customer-name", f"Customer {n}", "--summary", "x" * 400).exit_code == 0
        )
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "truncated-mid-page":
        os.truncate(path, size // 2 + 1000)
    elif how == "truncated-to-first-page":
        os.truncate(path, 3000)
    elif how == "header-overwritten":
        with path.open("r+b") as file:
            file.write(b"GARBAGE GARBAGE GARBAGE")
    elif how == "header-fields-zeroed":  # the magic string kept, page size and the rest gone
        with path.open("r+b") as file:
            file.seek(16)
            file.write(bytes(84))
    elif how == "schema-scrambled":
        with path.open("r+b") as file:
            file.seek(100)
            file.write(b"\xab" * 3000)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
@pytest.mark.parametrize(
    "how",
    [
        "truncated-mid-page",
        "truncated-to-first-page",
        "header-overwritten",
        "header-fields-zeroed",
        "schema-scrambled",
    ],
)
def test_a_damaged_database_is_refused_and_left_alone(real_database: Path, how: str, command: tuple) -> None:
    damage(real_database, how)
    before = digest(real_database)
    line = refused(run(str(real_database), *command), str(real_database))
    assert "not a SQLite database" in line or "malformed" in line, line
    assert digest(real_database) == before


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("", "--db is empty", id="empty"),
        pytest.param("   ", "--db is empty", id="blank"),
        pytest.param("sqlite://", "names no file", id="sqlite-no-path"),
        pytest.param("sqlite:///", "names no file", id="sqlite-empty-path"),
        pytest.param("~no-such-user-here/triage.sqlite", "no home folder", id="unknown-home"),
        pytest.param("x" * 100_000, "too long", id="name-too-long"),
        pytest.param("/tmp/" + "d/" * 3000 + "t.sqlite", "too long", id="path-too-long"),
        pytest.param("sqlite:///tmp/" + "x" * 300, "too long", id="url-name-too-long"),
        pytest.param("a\x00b.sqlite", "NUL", id="nul"),
        pytest.param("foo://bar", "cannot use database", id="unknown-scheme"),
    ],
)
def test_a_db_value_that_names_no_usable_database_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative name would land here
    line = refused(run(value, "case", "list"), fragment)
    assert len(line) < 300
    assert list(tmp_path.iterdir()) == []


def test_the_real_command_refuses_a_text_file_in_one_line(tmp_path: Path) -> None:
    path = not_a_database(tmp_path, "text")
    before = digest(path)
    triage = Path(sys.executable).with_name("triage")
    env = {**os.environ, "TRIAGE_USER": "boss", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([str(triage), "case", "list", "--db", str(path)], capture_output=True, text=True, env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and "not a SQLite database" in done.stderr
    assert digest(path) == before


def test_an_empty_file_is_a_new_database(tmp_path: Path) -> None:
    # How SQLite sees it, and how every new database starts: made and migrated, as a missing file would be.
    path = tmp_path / "new.sqlite"
    path.touch()
    assert run(str(path), "officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor").exit_code == 0


# --- text arguments --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("intake", "add", "--customer-name", "", "--summary", "B"),
        ("intake", "add", "--customer-name", "   ", "--summary", "B"),
        ("intake", "add", "--customer-name", "A", "--summary", "\t\n"),
        ("intake", "add", "--customer-name", "A", "--summary", "B", "--channel", ""),
        ("intake", "add", "--customer-name", "A", "--summary", "B", "--received-at", " "),
        ("intake", "add", "--customer-name", "A", "--summary", "x" * 100_000),
        ("intake", "add", "--customer-name", "A", "--summary", "B", "--reference", "R" * 100_000),
        ("case", "show", ""),
        ("case", "show", "C" * 100_000),
        ("case", "note", "CMP-000001", " "),
        ("case", "note", "CMP-000001", "n" * 100_000),
        ("case", "classify", "CMP-000001", ""),
        ("case", "list", "--officer", "u" * 100_000),
    ],
    ids=lambda a: "-".join(x if len(x) < 12 else "long" for x in a[:5]) or "empty",
)
def test_empty_blank_and_huge_arguments_are_refused(db: str, args: tuple[str, ...]) -> None:
    line = refused(run(db, *args))
    assert len(line) < 500  # a pasted essay is not echoed whole
    assert case_count(db) == 1


def test_a_huge_cohort_filter_finds_nothing(db: str) -> None:
    result = run(db, "case", "list", "--cohort", "c" * 100_000, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert run(db, "report", "position", "--as-of", "2030-01-01", "--cohort", "[/]" * 30_000).exit_code == 0


@pytest.mark.postgres
def test_a_nul_character_on_postgresql_is_refused(pg_url: str) -> None:
    # PostgreSQL's text cannot hold it: in a lookup as in what is stored, it is the input's fault.
    seed(pg_url)
    for args in (
        ("intake", "add", "--customer-name", "A\x00B", "--summary", "B"),
        ("case", "show", "CMP\x00"),
        ("case", "list", "--cohort", "c\x00"),
        ("report", "position", "--as-of", "2030-01-01", "--cohort", "c\x00"),
    ):
        refused(run(pg_url, *args), "NUL")
    assert case_count(pg_url) == 1


def test_a_nul_character_on_sqlite_is_refused_as_on_postgresql(sqlite_url: str) -> None:
    # One rule on both databases: the services refuse a NUL in any free text before either sees it.
    seed(sqlite_url)
    for args in (
        ("intake", "add", "--customer-name", "A\x00B", "--summary", "B"),
        ("intake", "add", "--customer-name", "A", "--summary", "B\x00"),
    ):
        refused(run(sqlite_url, *args), "NUL")
    assert case_count(sqlite_url) == 1


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    triage = Path(sys.executable).with_name("triage")
    env = {**os.environ, "TRIAGE_USER": "boss", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    done = subprocess.run(
        [str(triage), "case", "show", b"CMP-\xff\xfe", "--db", str(path)], capture_output=True, env=env
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count(b"\n") == 1 and done.stderr.startswith(b"error: ")
