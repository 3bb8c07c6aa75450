"""`triage import`: real-world files, validation of every row, idempotence, history, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import Clock
from triage_tui.cli import main
from triage_tui.domain.codes import Role, Team
from triage_tui.domain.errors import InvalidInput, RoleRefused
from triage_tui.domain.lifecycle import Action, path_is_valid
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.cases import get_case
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.tables import Case, Event, Officer

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "import"


@pytest.fixture
def desk(ctx: ServiceContext, clock: Clock) -> ServiceContext:
    clock.set(pendulum.datetime(2022, 12, 1, 9, tz="Europe/London"))
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "jnowak", "Jan Nowak", Role.OFFICER, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    return ctx


def counts(ctx: ServiceContext) -> tuple[int, int]:
    with ctx.store.read() as s:
        cases = s.exec(select(func.count()).select_from(Case)).one()
        events = s.exec(select(func.count()).select_from(Event).where(Event.case_id.is_not(None))).one()
    return cases, events


def imp(ctx: ServiceContext, name: str | Path, **options: object):  # type: ignore[no-untyped-def]
    path = name if isinstance(name, Path) else SAMPLES / name
    return run_import(ctx, "boss", path, ImportOptions(**options))  # type: ignore[arg-type]


def test_contacts_in_every_time_format(desk: ServiceContext) -> None:
    result = imp(desk, "contacts.csv")
    assert (result.rows, result.imported, result.duplicates, result.rejected) == (5, 5, 0, 0)
    assert get_case(desk, "WEB-1001").received_at.isoformat() == "2022-01-14T09:30:00+00:00"
    assert get_case(desk, "WEB-1002").received_at.isoformat() == "2022-01-14T10:05:00+00:00"  # UK style
    assert get_case(desk, "WEB-1003").received_at.isoformat() == "2022-07-01T08:30:00+00:00"  # BST
    assert get_case(desk, "WEB-1002").details == "Deep, and growing"
    assert get_case(desk, "WEB-1001").channel == "web" and get_case(desk, "WEB-1002").channel == "email"
    with desk.store.read() as s:
        keyless = s.exec(select(Case).where(Case.customer_name == "Ruth Hughes")).one()
    assert keyless.reference.startswith("IMP-") and keyless.channel == "web"
    events = get_case(desk, "WEB-1001").events
    assert [(e.action, e.to_status, e.at.isoformat()) for e in events] == [
        ("intake", "new", "2022-01-14T09:30:00+00:00")
    ]
    assert events[0].details["source"] == "contacts.csv" and events[0].details["line"] == 2


def test_importing_twice_changes_nothing(desk: ServiceContext) -> None:
    imp(desk, "contacts.csv")
    imp(desk, "history.csv")
    before = counts(desk)
    again = imp(desk, "contacts.csv")
    assert (again.rows, again.imported, again.duplicates) == (5, 0, 5)
    again = imp(desk, "history.csv")
    assert (again.imported, again.duplicates) == (0, 9)
    assert counts(desk) == before


def test_a_row_without_reference_is_a_duplicate_of_the_same_contact_entered_by_hand(desk: ServiceContext) -> None:
    from triage_tui.services.cases import intake

    intake(
        desk,
        "alice",
        customer_name="Ruth Hughes",
        summary="Library closed without notice",
        received_at=pendulum.datetime(2022, 1, 15, tz="Europe/London"),
    )
    result = imp(desk, "contacts.csv")
    assert (result.imported, result.duplicates) == (4, 1)


def test_excel_csv_utf8_with_bom_crlf_quoted_newlines_and_formulas(desk: ServiceContext) -> None:
    result = imp(desk, "excel_utf8.csv")
    assert (result.rows, result.imported) == (2, 2)  # trailing empty rows are not rows
    first, second = get_case(desk, "XL-1"), get_case(desk, "XL-2")
    assert first.customer_name == "Siân Evans" and first.summary == "Noise, at night"
    assert first.details == "First line\nsecond line, with a comma"
    assert second.summary == '=HYPERLINK("http://example.org","click")'  # text, never evaluated
    assert second.customer_name == "Zoë O'Brien"


def test_windows_1252_is_read_as_such(desk: ServiceContext) -> None:
    result = imp(desk, "windows_1252.csv")
    assert result.encoding == "cp1252" and result.imported == 2
    assert get_case(desk, "W-1").customer_name == "Siân Evans"
    assert get_case(desk, "W-1").summary == "Charged £20 twice"
    assert get_case(desk, "W-2").summary == "“Rude” reply from the café licensing team"


def test_text_in_no_known_encoding_is_refused(desk: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    # 0x81 means nothing in Windows-1252, and the bytes are not UTF-8 either.
    path.write_bytes(b"reference,received_at,customer_name,summary\nQ-1,2022-01-14,Caf\x81,x\n")
    before = counts(desk)
    with pytest.raises(InvalidInput, match="neither UTF-8 nor Windows-1252"):
        imp(desk, path)
    assert counts(desk) == before


def test_history_in_every_status_writes_one_event_per_milestone(desk: ServiceContext) -> None:
    result = imp(desk, "history.csv")
    assert (result.imported, result.rejected) == (9, 0)
    expected = {
        "H-1": ("new", "unclassified", ["intake"]),
        "H-2": ("triaged", "adults", ["intake", "classify"]),
        "H-3": ("allocated", "children", ["intake", "classify", "allocate", "acknowledge"]),
        "H-4": ("with_service", "corporate", ["intake", "classify", "allocate", "send", "acknowledge"]),
        "H-5": ("responded", "other", ["intake", "classify", "allocate", "acknowledge", "send", "respond"]),
        "H-6": ("closed", "service_request", ["intake", "signpost"]),
        "H-7": ("closed", "service_request", ["intake", "signpost"]),
        "H-8": ("closed", "corporate", ["intake", "classify", "allocate", "close"]),
        "H-9": ("closed", "corporate", ["intake", "classify", "close"]),
    }
    for ref, (status, kind, actions) in expected.items():
        case = get_case(desk, ref)
        assert (case.status.value, case.type.value, [e.action for e in case.events]) == (status, kind, actions), ref
        times = [e.at for e in case.events]
        assert times == sorted(times), ref
        assert case.version == len(actions)
        # The events form a path the lifecycle allows, each from the state the one before it left.
        steps = [(Action(e.action), e.from_status, e.to_status) for e in case.events]
        assert path_is_valid(steps), (ref, steps)
    h5 = get_case(desk, "H-5")
    assert h5.outcome == "partly_upheld" and h5.officer == "jnowak" and h5.service == "Revenues"
    assert h5.events[-1].at.isoformat() == "2021-11-20T09:00:00+00:00"
    assert get_case(desk, "H-7").signposted_to == "Thames Valley Police"
    assert get_case(desk, "H-9").duplicate_of == "H-8"
    assert get_case(desk, "H-3").cohort == "backlog-2021"


def test_every_problem_is_reported_and_nothing_is_written(desk: ServiceContext) -> None:
    before = counts(desk)
    result = imp(desk, "bad_rows.csv")
    assert result.rejected == 6 and result.imported == 0 and not result.written
    assert counts(desk) == before
    found = {(line, column) for line, column, _ in result.errors}
    assert found == {
        (3, "customer_name"),
        (3, "received_at"),
        (4, "type"),
        (5, "triaged_at"),
        (6, "triaged_at"),
        (7, "reference"),
        (8, "allocated_at"),
        (8, "officer"),
    }
    messages = {(line, column): message for line, column, message in result.errors}
    assert messages[(7, "reference")] == "the same reference as line 2"
    assert "unknown type 'Parking'" in messages[(4, "type")]


def test_skip_invalid_imports_the_good_rows_and_writes_the_bad_ones_to_fix(
    desk: ServiceContext, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.csv"
    result = imp(desk, "bad_rows.csv", skip_invalid=True, rejects=rejects)
    assert (result.imported, result.rejected) == (1, 6)
    assert get_case(desk, "B-1").customer_name == "Fine Row"
    with rejects.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["reference"] for row in rows] == ["B-2", "B-3", "B-4", "B-5", "B-1", "B-6"]
    assert rows[0]["received_at"] == "yesterday" and "customer_name: required" in rows[0]["error"]
    assert list(rows[0]) == [
        "reference",
        "received_at",
        "customer_name",
        "summary",
        "type",
        "status",
        "triaged_at",
        "officer",
        "error",
    ]


def test_unknown_columns_are_refused_unless_ignored(desk: ServiceContext) -> None:
    with pytest.raises(InvalidInput, match="unknown column postcode"):
        imp(desk, "unknown_column.csv")
    assert imp(desk, "unknown_column.csv", ignore_unknown=True).imported == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"%PDF-1.4\n\x00\x01\x02binary", "not a text CSV file"),
        (b"name,age\nBob,42\n", "missing required columns received_at, customer_name, summary"),
        (b"reference,received_at,customer_name,summary,summary\n", "appears twice"),
        (b"\n\n", "first row must be the header"),
    ],
    ids=["empty", "binary", "wrong-columns", "repeated-column", "blank-header"],
)
def test_files_that_are_not_imports_are_refused_clearly(desk, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    before = counts(desk)
    with pytest.raises(InvalidInput, match=message):
        imp(desk, path)
    assert counts(desk) == before


def test_a_header_without_rows_imports_nothing(desk: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("reference,received_at,customer_name,summary\r\n")
    assert (imp(desk, path).rows, imp(desk, path).imported) == (0, 0)


def test_a_postal_address_comes_in_with_its_line_breaks(desk: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "letters.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "received_at", "channel", "customer_name", "summary", "Customer Address"])
        writer.writerow(["LET-1", "2022-01-14", "letter", "Ann Lee", "Bins", "4 High Street\nLeeds\nLS1 4AB"])
        writer.writerow(["LET-2", "2022-01-14", "letter", "Bob Lee", "Bins", "a" * 501])
    result = imp(desk, path, skip_invalid=True)
    assert get_case(desk, "LET-1").customer_address == "4 High Street\nLeeds\nLS1 4AB"
    assert result.errors == [(5, "customer_address", "longer than 500 characters (501)")]  # lines of the file


def test_very_large_fields(desk: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "received_at", "customer_name", "summary", "details"])
        writer.writerow(["L-1", "2022-01-14", "Long", "Long details", "x" * 19_000])
        writer.writerow(["L-2", "2022-01-14", "Too long", "Too long details", "y" * 300_000])
    result = imp(desk, path, skip_invalid=True)
    assert result.imported == 1 and len(get_case(desk, "L-1").details or "") == 19_000
    assert result.errors == [(3, "details", "longer than 20,000 characters (300,000)")]
    huge = tmp_path / "huge.csv"
    huge.write_text("reference,received_at,customer_name,summary\nH-1,2022-01-14,A," + "z" * (17 * 1024 * 1024) + "\n")
    with pytest.raises(InvalidInput, match=r"line 2: not readable as CSV"):
        imp(desk, huge)


def test_xlsx_with_date_cells_and_text_dates(desk: ServiceContext) -> None:
    result = imp(desk, "workbook.xlsx")
    assert (result.rows, result.imported) == (4, 4)
    assert get_case(desk, "X-1").received_at.isoformat() == "2022-07-01T08:30:00+00:00"  # 09:30 BST
    assert get_case(desk, "X-2").received_at.isoformat() == "2022-01-14T09:30:00+00:00"  # 09:30 GMT
    assert get_case(desk, "X-2").status.value == "triaged"
    assert get_case(desk, "X-3").received_at.isoformat() == "2022-01-14T09:30:00+00:00"
    assert get_case(desk, "12345").summary.startswith("A reference Excel stored as a number")


def test_unknown_officers_and_create_officers(desk: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "officers.csv"
    path.write_text(
        "reference,received_at,customer_name,summary,type,status,officer,triaged_at,allocated_at\n"
        "O-1,2022-01-14 09:00,A,B,adults,allocated,k.wright,2022-01-14 10:00,2022-01-14 11:00\n"
    )
    result = imp(desk, path)
    assert result.errors == [(2, "officer", "unknown officer 'k.wright' (add them, or use --create-officers)")]
    with pytest.raises(RoleRefused, match="only supervisors may create officers"):
        run_import(desk, "alice", path, ImportOptions(create_officers=True))
    result = imp(desk, path, create_officers=True)
    assert result.created_officers == ["k.wright"] and result.imported == 1
    assert get_case(desk, "O-1").officer == "k.wright"
    with desk.store.read() as s:
        created = s.exec(select(Officer).where(Officer.username == "k.wright")).one()
    assert (created.name, created.role, created.team) == ("K Wright", "officer", "complaints")


def test_dry_run_counts_and_writes_nothing(desk: ServiceContext) -> None:
    imp(desk, "contacts.csv")
    before = counts(desk)
    result = imp(desk, "history.csv", dry_run=True)
    assert (result.imported, result.duplicates, result.dry_run) == (9, 0, True)
    assert imp(desk, "contacts.csv", dry_run=True).duplicates == 5
    assert counts(desk) == before


def test_times_in_the_future_and_milestones_out_of_place(desk: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "reference,received_at,customer_name,summary,status,responded_at,type,triaged_at,close_reason,closed_at\n"
        "F-1,2030-01-01,A,B,,,,,,\n"
        "F-2,2022-01-01,A,B,new,2022-02-01,,,,\n"
        "F-3,2022-01-01,A,B,closed,,,,,2022-01-02\n"
        "F-4,2022-01-01,A,B,closed,,corporate,2022-01-02,duplicate,2022-01-03\n"
    )
    result = imp(desk, path)
    messages = {(line, column): message for line, column, message in result.errors}
    assert "in the future" in messages[(2, "received_at")]
    assert messages[(3, "responded_at")] == "given, but the status is new"
    assert messages[(4, "close_reason")] == "required for a closed case"
    assert messages[(5, "duplicate_of")] == "required when the close reason is duplicate"


# --- the command --------------------------------------------------------------------------------------------------


def cli(db: str, *args: str) -> object:
    with pendulum.travel_to(pendulum.datetime(2022, 12, 1, 9, tz="Europe/London"), freeze=True):
        return CliRunner().invoke(main, [*args, "--db", db, "--as", "boss"], catch_exceptions=False)


def test_the_command_contract(desk: ServiceContext, tmp_path: Path) -> None:
    db = desk.store.url
    ok = cli(db, "import", str(SAMPLES / "contacts.csv"), "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout) == {
        "rows": 5,
        "imported": 5,
        "duplicates": 0,
        "rejected": 0,
        "errors": [],
        "dry_run": False,
        "created_officers": [],
    }
    again = cli(db, "import", str(SAMPLES / "contacts.csv"), "--json")
    assert (json.loads(again.stdout)["duplicates"], json.loads(again.stdout)["imported"]) == (5, 0)

    bad = cli(db, "import", str(SAMPLES / "bad_rows.csv"))
    assert bad.exit_code == 2
    lines = bad.stderr.strip().splitlines()
    assert lines[0] == "error: bad_rows.csv: 6 rows have problems; nothing was imported"
    assert "line 7: reference: the same reference as line 2" in lines
    assert all(line.startswith("line ") for line in lines[1:])

    skipped = cli(db, "import", str(SAMPLES / "bad_rows.csv"), "--skip-invalid", "--rejects", str(tmp_path / "r.csv"))
    assert skipped.exit_code == 3 and "1 imported" in skipped.stdout and (tmp_path / "r.csv").exists()

    assert cli(db, "import", str(tmp_path / "absent.csv")).exit_code == 2
    usage = cli(db, "import", str(SAMPLES / "bad_rows.csv"), "--rejects", "x.csv")
    assert usage.exit_code == 2 and "--rejects goes with --skip-invalid" in usage.stderr
    header = cli(db, "import", str(SAMPLES / "unknown_column.csv"))
    assert header.exit_code == 2 and header.stderr.startswith("error: unknown_column.csv: header (line 1)")
    assert "Traceback" not in header.stderr + bad.stderr
