"""Customers' words never reach the terminal raw (DOMAIN.md, "Text from the public is hostile").

Text output shows control characters, C1 controls and bidirectional overrides as visible placeholders; JSON
escapes them and gives back exactly what was stored; report tables print markup as typed.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage_tui.cli import main
from triage_tui.domain.text import LIMITS

# What must never be written raw: C0 controls but tab and newline, DEL, C1, the line and paragraph separators,
# and the bidirectional embeddings, overrides, isolates and marks.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

CLEAR = "\x1b[2J"
RETITLE = "\x1b]0;title\x07"
ASK = "\x1b[5n"
C1_CSI = "\x9b31m"
RLO = "\u202e"
NAME = f"Eve {CLEAR}{RETITLE} Smith"
SUMMARY = f"bins {ASK} not {C1_CSI}collected {RLO}txt.exe"
DETAILS = f"first line\n{CLEAR}second\tline\r\nthird {RLO}line"


class Triage:
    """`triage ...` in-process against one database, acting as the supervisor made first."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0) -> Result:
        argv = [*args, "--db", self.db, "--as", "boss"]
        result = self.runner.invoke(main, argv, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (argv, result.stdout, result.stderr)
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def triage(db_url: str) -> Triage:
    run = Triage(db_url)
    run("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor")
    run("officer", "add", "carol", "--name", "Carol Cole", "--team", "complaints")
    return run


def assert_nothing_raw(text: str) -> None:
    found = RAW.search(text)
    assert found is None, f"raw {found.group()!r} at {found.start()}: {text[max(0, found.start() - 40) :][:80]!r}"


def hostile_case(triage: Triage) -> str:
    return triage(
        "intake",
        "add",
        "--customer-name",
        NAME,
        "--summary",
        SUMMARY,
        "--details",
        DETAILS,
        "--customer-email",
        f"eve{RLO}@example.org",
        "--cohort",
        f"[/]{CLEAR}",
    ).stdout.strip()


def test_case_list_shows_placeholders(triage: Triage) -> None:
    hostile_case(triage)
    out = triage("case", "list").stdout
    assert_nothing_raw(out)
    assert "Eve ␛[2J␛]0;title␇" in out  # the name is cut to its column, after the placeholders are in


def test_case_show_shows_placeholders(triage: Triage) -> None:
    ref = hostile_case(triage)
    triage("case", "note", ref, f"called back {CLEAR}{RETITLE}{RLO}")
    out = triage("case", "show", ref).stdout
    assert_nothing_raw(out)
    assert "Eve ␛[2J␛]0;title␇ Smith" in out
    assert "bins ␛[5n not <U+009B>31mcollected <U+202E>txt.exe" in out
    assert "eve<U+202E>@example.org" in out
    assert "[/]␛[2J" in out
    assert "called back ␛[2J␛]0;title␇<U+202E>" in out
    # The details keep their lines (a carriage return shows), a tab stays a tab.
    assert "first line\n" in out and "␛[2Jsecond\tline␍\n" in out and "third <U+202E>line" in out


def test_json_gives_back_exactly_what_was_stored(triage: Triage) -> None:
    ref = hostile_case(triage)
    note = f"called back {CLEAR}{C1_CSI}{RLO}"
    triage("case", "note", ref, note)
    raw = triage("case", "show", ref, "--json").stdout
    assert_nothing_raw(raw.replace("\n", ""))
    shown = json.loads(raw)
    assert shown["customer_name"] == NAME
    assert shown["summary"] == SUMMARY
    assert shown["details"] == DETAILS
    assert shown["cohort"] == f"[/]{CLEAR}"
    assert shown["events"][-1]["details"]["text"] == note
    listed = json.loads(triage("case", "list", "--json").stdout)
    assert [c["summary"] for c in listed] == [SUMMARY]


def test_action_confirmations_show_placeholders(triage: Triage) -> None:
    ref = triage("intake", "add", "--customer-name", "A", "--summary", "B").stdout.strip()
    triage("case", "classify", ref, "adults")
    triage("case", "allocate", ref, "carol")
    out = triage("case", "send", ref, "--service", f"Housing {CLEAR}{RLO}").stdout
    assert_nothing_raw(out)
    assert out.strip() == f"{ref}: sent to Housing ␛[2J<U+202E>"

    other = triage("intake", "add", "--customer-name", "A", "--summary", "B").stdout.strip()
    out = triage("case", "signpost", other, "--to", f"NHS {RETITLE}", "--note", ASK).stdout
    assert_nothing_raw(out)
    assert "signposted to NHS ␛]0;title␇" in out

    third = triage("intake", "add", "--customer-name", "A", "--summary", "B").stdout.strip()
    out = triage("case", "cohort", third, f"backlog{C1_CSI}").stdout
    assert_nothing_raw(out)
    assert out.strip() == f"{third}: cohort backlog<U+009B>31m"


def test_bulk_lines_show_placeholders(triage: Triage) -> None:
    cohort = f"backlog{CLEAR}"
    triage("officer", "add", "rita", "--name", "Rita Rowe", "--team", "recovery")
    ref = triage("intake", "add", "--customer-name", "A", "--summary", "B", "--cohort", cohort).stdout.strip()
    triage("case", "classify", ref, "adults")
    result = triage("bulk", "distribute", "--cohort", cohort, "--dry-run")
    assert_nothing_raw(result.stdout + result.stderr)
    assert f"{ref}: would go to rita" in result.stdout


@pytest.mark.parametrize(
    "cohort",
    ["[/]", "[bold]loud[/bold]", "[link=https://example.org]click[/link]", ":warning:", f"[/]{CLEAR}{RLO}"],
)
def test_a_report_table_prints_markup_as_typed(triage: Triage, cohort: str) -> None:
    triage("intake", "add", "--customer-name", "A", "--summary", "B", "--cohort", cohort)
    for args in (
        ("report", "position", "--as-of", "2100-01-01", "--cohort", cohort),
        ("report", "trend", "--from", "2022-01-01", "--to", "2022-01-03", "--cohort", cohort),
    ):
        out = triage(*args).stdout
        assert_nothing_raw(out)
        shown = cohort.replace(CLEAR, "␛[2J").replace(RLO, "<U+202E>")
        assert f"cohort {shown}" in out


def test_report_csv_and_json_are_safe(triage: Triage) -> None:
    cohort = f"=HYPERLINK(1){CLEAR}"
    triage("intake", "add", "--customer-name", "A", "--summary", "B", "--cohort", cohort)
    csv_out = triage("report", "position", "--as-of", "2100-01-01", "--cohort", cohort, "--format", "csv").stdout
    assert_nothing_raw(csv_out)
    assert "\n'=HYPERLINK(1)␛[2J,Not yet triaged,1," in csv_out
    json_out = triage("report", "position", "--as-of", "2100-01-01", "--cohort", cohort, "--format", "json").stdout
    assert_nothing_raw(json_out.replace("\n", ""))
    assert json.loads(json_out)["cohort"] == cohort


def test_render_keeps_safe_cell_importable() -> None:
    from triage_tui.domain.text import safe_cell as shared
    from triage_tui.reports.render import safe_cell

    assert safe_cell is shared


# Generated text: markup, escapes, bidi, combining characters, spreadsheet formulas, near and over the limits.
PIECES = st.sampled_from(
    [
        *(CLEAR, RETITLE, ASK, C1_CSI, RLO, "\u2066", "\u200f", "[/]", "[bold]", "[@click=quit]", "=SUM(A1)", "\x00"),
        *("\u0301", "e\u0301\u0301\u0301", "\t", "\n", "\r", "\u2028", "\x7f", " ", "Zoë", "日本", "🙂", "-", "--"),
    ]
)
HOSTILE = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=12).map("".join) | st.builds(
    lambda piece, n: piece * n, PIECES, st.sampled_from([LIMITS["summary"] // 4, LIMITS["summary"] + 1, 3000])
)


def _is_cli_text(value: str) -> bool:
    # Lone surrogates only come from undecodable argv bytes: refused up front, covered elsewhere.
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=HOSTILE.filter(_is_cli_text), summary=HOSTILE.filter(_is_cli_text), note=HOSTILE.filter(_is_cli_text))
def test_generated_text_is_stored_as_given_or_refused(triage: Triage, name: str, summary: str, note: str) -> None:
    added = triage("intake", "add", f"--customer-name={name}", f"--summary={summary}", code=None)
    assert added.exit_code in (0, 2), added.stderr
    assert_nothing_raw(added.stdout + added.stderr.replace("\n", ""))
    if added.exit_code == 2:
        assert added.stderr.startswith("error: ") and added.stderr.count("\n") == 1
        return
    ref = added.stdout.strip()
    noted = triage("case", "note", ref, "--", note, code=None)
    assert noted.exit_code in (0, 2), noted.stderr
    shown = triage.json("case", "show", ref)
    assert isinstance(shown, dict)
    # Stored as given, but for surrounding blanks, which every text field drops.
    assert shown["customer_name"] == name.strip()
    assert shown["summary"] == summary.strip()
    if noted.exit_code == 0:
        assert shown["events"][-1]["details"]["text"] == note.strip()
    out = triage("case", "show", ref).stdout + triage("case", "list").stdout
    assert_nothing_raw(out)
