"""The headless commands of CONTRACT.md end to end: arguments, output, exit codes, one `error:` line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner, Result

from triage_tui.cli import main
from triage_tui.store.schema import SCHEMA_HEAD

NOW = pendulum.datetime(2022, 1, 10, 9, 0, tz="Europe/London")


class Triage:
    """Runs `triage ...` in-process against one database with time frozen."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, who: str | None = "boss", code: int | None = 0) -> Result:
        argv = [*args, "--db", self.db] + (["--as", who] if who else [])
        with pendulum.travel_to(NOW, freeze=True):
            result = self.runner.invoke(main, argv, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (argv, result.stdout, result.stderr)
        return result

    def json(self, *args: str, who: str | None = "boss") -> object:
        return json.loads(self(*args, "--json", who=who).stdout)


def one_error_line(result: Result, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.fixture
def triage(db_url: str) -> Triage:
    return Triage(db_url)


def test_the_acceptance_scenario(triage: Triage) -> None:
    triage("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    triage("officer", "add", "alice", "--name", "Alice Adams")
    triage("officer", "add", "bob", "--name", "Bob Brown", "--team", "complaints")
    assert [o["username"] for o in triage.json("officer", "list")] == ["bob", "alice", "boss"]

    ref = triage(
        "intake",
        "add",
        "--customer-name",
        "Margaret Smith",
        "--summary",
        "Care package cut",
        "--received-at",
        "2021-12-24T16:00",
        who="alice",
    ).stdout.strip()
    assert ref == "CMP-000001"
    shown = triage.json("case", "show", ref)
    assert shown["triage_due_at"] == "2021-12-25T16:00:00+00:00"
    assert shown["triage_limit_at"] == "2021-12-26T16:00:00+00:00"

    triage("case", "classify", ref, "adults", who="alice")
    shown = triage.json("case", "show", ref)
    assert shown["ack_due_at"] == "2021-12-31T23:59:59+00:00"
    assert shown["type"] == "adults" and shown["status"] == "triaged"

    triage("case", "allocate", ref, "bob", who="alice")
    triage("case", "acknowledge", ref, "--channel", "email", "--note", "Rang and emailed", who="bob")
    refused = triage("case", "reassign", ref, "alice", "--reason", "leave", who="bob", code=2)
    one_error_line(refused, "only supervisors may reassign")
    triage("case", "reassign", ref, "alice", "--reason", "Bob on leave", who="boss")
    triage("case", "send", ref, "--service", "Adult Social Care", who="alice")
    out = triage("case", "respond", ref, "--outcome", "upheld", who="alice")
    assert "complete" in out.stdout

    shown = triage.json("case", "show", ref)
    steps = [(e["actor"], e["action"], e["from_status"], e["to_status"]) for e in shown["events"]]
    assert steps == [
        ("alice", "intake", None, "new"),
        ("alice", "classify", "new", "triaged"),
        ("alice", "allocate", "triaged", "allocated"),
        ("bob", "acknowledge", "allocated", "allocated"),
        ("boss", "reassign", "allocated", "allocated"),
        ("alice", "send", "allocated", "with_service"),
        ("alice", "respond", "with_service", "responded"),
    ]
    assert all(e["at"].endswith("+00:00") for e in shown["events"])
    assert shown["events"][4]["details"]["reason"] == "Bob on leave"
    for key in (
        "reference",
        "status",
        "type",
        "officer",
        "received_at",
        "triage_due_at",
        "triage_limit_at",
        "acknowledged_at",
        "ack_due_at",
        "response_due_at",
        "close_reason",
        "signposted_to",
        "cohort",
        "version",
    ):
        assert key in shown, key
    assert shown["officer"] == "alice" and shown["version"] == 7

    # Refusals: exit 2, one line, nothing written.
    other = triage("intake", "add", "--customer-name", "J", "--summary", "S", who="alice").stdout.strip()
    triage("case", "classify", other, "corporate", who="alice")
    one_error_line(triage("case", "respond", other, code=2, who="alice"), f"case {other} is triaged")
    one_error_line(triage("case", "respond", "CMP-999", code=2, who="alice"), "unknown case 'CMP-999'")
    one_error_line(triage("case", "respond", other, code=2, who="nobody"), "unknown user 'nobody'", "officer add")
    assert triage.json("case", "show", other)["version"] == 2


def test_list_and_show(triage: Triage) -> None:
    triage("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    refs = [
        triage(
            "intake",
            "add",
            "--customer-name",
            f"Customer {i}",
            "--summary",
            "Pothole",
            "--received-at",
            f"2022-01-0{i + 1} 09:00",
            "--cohort",
            "b" if i % 2 else "a",
        ).stdout.strip()
        for i in range(4)
    ]
    listed = triage.json("case", "list")
    assert [c["reference"] for c in listed] == refs
    assert all("events" not in c for c in listed)
    assert [c["reference"] for c in triage.json("case", "list", "--cohort", "b")] == [refs[1], refs[3]]
    assert len(triage.json("case", "list", "--limit", "2")) == 2
    triage("case", "classify", refs[0], "corporate")
    assert [c["reference"] for c in triage.json("case", "list", "--status", "triaged")] == [refs[0]]
    text = triage("case", "list").stdout
    assert refs[2] in text and "breached" in text
    show = triage("case", "show", refs[0]).stdout
    assert "Corporate" in show and "history" in show and "classify" in show
    # UK-style time, local (GMT in January).
    assert triage.json("case", "show", refs[1])["received_at"] == "2022-01-02T09:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["case", "classify", "CMP-000001", "service_request"], "Invalid value for 'TYPE'"),
        (["case", "close", "CMP-000001", "--reason", "bored"], "Invalid value for '--reason'"),
        (
            ["intake", "add", "--customer-name", "A", "--summary", "B", "--received-at", "31/02/2022"],
            "not a valid date",
        ),
        (["intake", "add", "--customer-name", "A", "--summary", "B", "--received-at", "yesterday"], "not a time"),
        (["intake", "add", "--customer-name", "A"], "Missing option '--summary'"),
        (["case", "signpost", "CMP-000001"], "exactly one of --to"),
        (["case", "frobnicate"], "No such command 'frobnicate'"),
        (["officer", "add", "eve", "--name", "Eve"], "only supervisors may add officers"),
    ],
    ids=["type", "reason", "date", "time-words", "missing", "signpost", "command", "role"],
)
def test_bad_input_is_one_error_line_and_exit_2(triage: Triage, args: list[str], fragment: str) -> None:
    triage("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    triage("officer", "add", "alice", "--name", "Alice Adams")
    triage("intake", "add", "--customer-name", "A", "--summary", "B")
    result = triage(*args, who="alice", code=2)
    one_error_line(result, fragment)


def test_db_upgrade_creates_and_migrates_the_schema(empty_db: str) -> None:
    triage = Triage(empty_db)
    if not empty_db.startswith("sqlite"):
        # A server is never migrated behind its operator's back: commands refuse until `db upgrade`.
        one_error_line(triage("case", "list", code=2), "triage db upgrade")
    out = triage("db", "upgrade", who=None).stdout
    assert f"schema upgraded from empty to {SCHEMA_HEAD}" in out
    assert f"schema already at {SCHEMA_HEAD}" in triage("db", "upgrade", who=None).stdout
    triage("officer", "add", "boss", "--name", "Helen", "--role", "supervisor", who="root")
    assert triage("intake", "add", "--customer-name", "A", "--summary", "B").stdout.strip() == "CMP-000001"


def test_options_work_before_and_after_the_subcommand(db_url: str) -> None:
    db = db_url
    runner = CliRunner()
    first = runner.invoke(
        main, ["--db", db, "--as", "root", "officer", "add", "boss", "--name", "B", "--role", "supervisor"]
    )
    assert first.exit_code == 0, first.stderr
    second = runner.invoke(main, ["officer", "list", "--json", "--db", db, "--as", "boss"])
    assert second.exit_code == 0 and json.loads(second.stdout)[0]["username"] == "boss"


def test_the_real_console_script(tmp_path: Path) -> None:
    """One run through the installed entry point: exit codes and stderr as a shell script sees them (the same
    commands run in-process on both databases above; starting processes is what this adds)."""
    script = Path(sys.executable).parent / "triage"
    env = {**os.environ, "TRIAGE_DB": str(tmp_path / "t.sqlite"), "TRIAGE_USER": "boss"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, timeout=60)

    assert run("officer", "add", "boss", "--name", "Helen", "--role", "supervisor").returncode == 0
    ref = run("intake", "add", "--customer-name", "A", "--summary", "B").stdout.strip()
    assert ref == "CMP-000001"
    bad = run("case", "respond", ref)
    assert bad.returncode == 2 and bad.stderr.startswith("error: case CMP-000001 is new")
    assert bad.stdout == "" and "Traceback" not in bad.stderr
    usage = run("case", "allocate")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1 and usage.stderr.startswith("error: ")
    missing_server = run("case", "list", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert missing_server.returncode == 2
    assert missing_server.stderr.startswith("error: cannot connect to database")
    assert "Traceback" not in missing_server.stderr
