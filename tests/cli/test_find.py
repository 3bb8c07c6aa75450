"""`triage case find`: table and JSON output, hostile text shown literally, refusals as one `error:` line."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_contract import Triage, one_error_line


@pytest.fixture
def triage(db_url: str) -> Triage:
    run = Triage(db_url)
    run("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    run("officer", "add", "alice", "--name", "Alice Adams")
    return run


def intake(triage: Triage, name: str, summary: str, *extra: str) -> str:
    return triage("intake", "add", "--customer-name", name, "--summary", summary, *extra).stdout.strip()


def test_find_prints_a_table_and_a_count(triage: Triage) -> None:
    smith = intake(triage, "John Smith", "Pothole on Elm Road", "--customer-phone", "07700 900123")
    other = intake(triage, "Mary Jones", "Noise from the Smith family")
    triage("case", "close", other, "--reason", "withdrawn")
    result = triage("case", "find", "smith")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [smith, other]  # the name before the summary; closed included
    assert "John Smith" in lines[0] and "closed" in lines[1]
    assert result.stderr.strip() == "2 cases found"
    assert triage("case", "find", "+44 7700 900123").stdout.split()[0] == smith
    assert triage("case", "find", "nothing like it").stderr.strip() == "0 cases found"


def test_find_json_is_a_list_of_case_objects(triage: Triage) -> None:
    ref = intake(triage, "Peter White", "Complaint about my child's teacher", "--customer-email", "pw@example.org")
    listed = triage.json("case", "list")
    found = triage.json("case", "find", "pw@EXAMPLE.org")
    assert found == listed
    assert isinstance(found, list) and found[0]["reference"] == ref and "events" not in found[0]
    assert triage.json("case", "find", "zzzz") == []


def test_limit(triage: Triage) -> None:
    for i in range(4):
        intake(triage, f"Grace Hughes {i}", "Library closed without notice")
    assert len(triage("case", "find", "library", "--limit", "3").stdout.splitlines()) == 3


def test_hostile_text_is_shown_literally(triage: Triage) -> None:
    intake(triage, "\x1b]0;x\x07[bold]Evil[/]", "Markup \u202e reversed")
    result = triage("case", "find", "evil")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\x07" not in result.stdout
    assert "[bold]Evil[/]" in result.stdout
    assert "\\u001b" in json.dumps(triage.json("case", "find", "[bold]"))  # JSON escapes it


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["   "], ["nothing to search for"]),
        (["x" * 5000], ["longer than 200 characters"]),
        (["smith", "--limit", "0"], ["--limit"]),
        (["smith", "--limit", "many"], ["--limit"]),
        ([], ["TEXT"]),
    ],
)
def test_refusals_are_one_error_line(triage: Triage, args: list[str], fragments: list[str]) -> None:
    one_error_line(triage("case", "find", *args, code=2), *fragments)


def test_an_unknown_user_is_refused(triage: Triage) -> None:
    one_error_line(triage("case", "find", "smith", who="mallory", code=2), "unknown user 'mallory'")


@pytest.mark.parametrize("query", ['"', "'; DROP TABLE cases; --", "a* OR NEAR(b)", "\x00", "%_\\", "[@click=quit]"])
def test_query_syntax_is_only_text(triage: Triage, query: str) -> None:
    intake(triage, "Ann Lee", "Bins")
    result = triage("case", "find", query, code=None)
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 2:
        one_error_line(result, "nothing to search for")
    assert triage.json("case", "list")[0]["customer_name"] == "Ann Lee"
