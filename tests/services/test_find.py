"""Finding any case: what ranks first, what the databases' own text search keeps current (intake, an edit of
the row, a bulk import), what hostile text does (nothing but a clear refusal or results), and that the
queries are answered by the indexes migration 0006 made; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType, CloseReason
from triage_tui.domain.errors import InvalidInput
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.find import find_cases, quick_find
from triage_tui.store import search


def refs(ctx: ServiceContext, query: str, **kw: Any) -> list[str]:
    return [c.reference for c in find_cases(ctx, query, **kw)]


def add(ctx: ServiceContext, clock: Clock, name: str, summary: str, **kw: Any) -> str:
    clock.advance(minutes=10)
    return cases.intake(ctx, "alice", customer_name=name, summary=summary, **kw).reference


@pytest.fixture
def desk(ctx: ServiceContext, staff, clock: Clock) -> dict[str, str]:
    made = {
        "patel": add(
            ctx, clock, "Mrs Anita Patel", "Bins missed three weeks running", customer_email="A.Patel@Example.org"
        ),
        "smith": add(ctx, clock, "John Smith", "Pothole on Elm Road not repaired", customer_phone="+44 7700 900123"),
        "smithson": add(ctx, clock, "Mary Smithson", "Council tax charged twice this month"),
        "jones": add(ctx, clock, "Li Jones", "Noise from the Smith family next door every night"),
        "closed": add(ctx, clock, "Peter White", "Complaint about my child's teacher", reference="OLD-2021-77"),
    }
    cases.close(ctx, "alice", made["closed"], CloseReason.WITHDRAWN)
    return made


def test_by_reference_name_email_phone_and_summary_words(ctx, desk) -> None:
    assert refs(ctx, desk["patel"]) == [desk["patel"]]
    assert refs(ctx, desk["patel"].lower())[0] == desk["patel"]  # any letter case
    assert refs(ctx, "patel") == [desk["patel"]]
    assert refs(ctx, "a.patel@example.ORG") == [desk["patel"]]
    assert refs(ctx, "07700 900123") == [desk["smith"]]  # +44 stored, 0 typed
    assert refs(ctx, "07700900123") == [desk["smith"]]
    assert refs(ctx, "council tax") == [desk["smithson"]]
    assert refs(ctx, "three weeks bins") == [desk["patel"]]  # words in any order
    assert refs(ctx, "weeks council") == []  # every word must be there
    assert refs(ctx, "old-2021") == [desk["closed"]]  # a closed case, by reference prefix


def test_the_most_relevant_first(ctx, desk, clock: Clock) -> None:
    # The exact reference before its prefix, before text; a name hit before a summary hit.
    exact = add(ctx, clock, "Ann Lee", "Streetlight out", reference="SMITH")
    longer = add(ctx, clock, "Bob Lee", "Streetlight out", reference="SMITH-2")
    found = refs(ctx, "smith")
    assert found[:2] == [exact, longer]
    assert found.index(desk["smith"]) < found.index(desk["jones"])  # in the name, not only the summary
    assert set(found) == {exact, longer, desk["smith"], desk["smithson"], desk["jones"]}


def test_ties_are_newest_first_and_the_limit_holds(ctx, staff, clock: Clock) -> None:
    made = [add(ctx, clock, "Grace Hughes", "Library closed without notice") for _ in range(5)]
    assert refs(ctx, "library notice") == made[::-1]
    assert refs(ctx, "library notice", limit=2) == made[::-1][:2]


def test_a_search_matching_more_than_the_window_ranks_the_most_recent(ctx, staff, clock: Clock, monkeypatch) -> None:
    # Ranking every one of tens of thousands of matches costs more than finding them: of more matches than the
    # window, the most recently recorded are ranked. The oldest case here is the best match (its name), but
    # outside a window of three.
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    best = add(ctx, clock, "Libby Library", "Library closed without notice")
    newer = [add(ctx, clock, "Grace Hughes", "Library closed without notice") for _ in range(4)]
    assert refs(ctx, "library") == newer[::-1][:3]
    monkeypatch.setattr(search, "RANK_WINDOW", 10)
    assert refs(ctx, "library") == [best, *newer[::-1]]


def test_one_and_two_characters_find_names_and_references_starting_so(ctx, desk) -> None:
    assert refs(ctx, "J") == [desk["smith"]]  # John Smith; not Li Jones
    assert refs(ctx, "li") == [desk["jones"]]
    assert refs(ctx, "ol") == [desk["closed"]]  # OLD-2021-77
    assert refs(ctx, "Li Jo") == [desk["jones"]]


def test_a_short_word_beside_a_long_one_narrows_the_match(ctx, desk) -> None:
    assert refs(ctx, "smith mr") == []
    assert refs(ctx, "smith oh") == [desk["smith"]]  # j-oh-n


@pytest.mark.parametrize("blank", ["", "   ", "\x00", "\t\n", "\u200b\u202e"])
def test_blank_text_is_a_clear_refusal(ctx, blank: str) -> None:
    with pytest.raises(InvalidInput, match="nothing to search for"):
        find_cases(ctx, blank)


def test_megabytes_and_bad_limits_are_clear_refusals(ctx) -> None:
    with pytest.raises(InvalidInput, match="longer than 200 characters"):
        find_cases(ctx, "x" * 2_000_000)
    with pytest.raises(InvalidInput, match="longer than 200 characters"):
        find_cases(ctx, "word " * 41)
    with pytest.raises(InvalidInput, match="from 1 to"):
        find_cases(ctx, "smith", limit=0)


HOSTILE = [
    '"',
    '""',
    "'; DROP TABLE cases; --",
    'smith" OR "a',
    "NEAR(smith jones)",
    "smi*",
    "^smith",
    "customer_name:smith",
    "a AND b OR NOT c",
    "(((",
    "%_\\",
    "[bold]smith[/]",
    "[@click=app.quit]x[/]",
    "\x1b]0;title\x07smith",
    "smith\x00jones",
    "\u202esmith",
    "\ud800smith",
    "-- smith",
    "{smith}",
    "col:*",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_query_syntax_and_markup_are_only_text(ctx, desk, query: str) -> None:
    assert set(refs(ctx, query)) <= set(desk.values())  # results, never a database error


def test_quoted_syntax_matches_the_text_itself(ctx, staff, clock: Clock) -> None:
    odd = add(ctx, clock, 'Ann "Nan" O\'Neil', "Form says 50% off_peak [bold] NEAR(this)")
    assert refs(ctx, '"Nan"') == [odd]
    assert refs(ctx, "50% off_peak") == [odd]
    assert refs(ctx, "[bold]") == [odd]
    assert refs(ctx, "NEAR(this)") == [odd]
    assert refs(ctx, "O'Neil") == [odd]


hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("\"*^:()-+%_\\'\x00 ANDORNEAR{}[]@."), max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=250),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=hostile_text)
def test_any_text_gives_results_or_a_clear_refusal(ctx, desk, query: str) -> None:
    try:
        found = find_cases(ctx, query, limit=10)
    except InvalidInput as exc:
        assert "nothing to search for" in str(exc) or "longer than" in str(exc)
    else:
        assert len(found) <= 10


def test_the_index_follows_a_changed_row(ctx, desk) -> None:
    assert refs(ctx, "Rutherford") == []
    with ctx.store.write() as session:
        session.connection().execute(
            text("UPDATE cases SET customer_name = 'Mary Rutherford' WHERE reference = :r"), {"r": desk["smithson"]}
        )
    assert refs(ctx, "rutherford") == [desk["smithson"]]
    assert refs(ctx, "smithson") == []  # the old text is gone from the index
    assert refs(ctx, "council tax") == [desk["smithson"]]  # and the rest of the row is still there
    with ctx.store.write() as session:  # a change to another field leaves the index as it was
        session.connection().execute(
            text("UPDATE cases SET status = 'triaged' WHERE reference = :r"), {"r": desk["smithson"]}
        )
    assert refs(ctx, "rutherford") == [desk["smithson"]]


def test_the_index_follows_rows_written_and_removed_by_plain_sql(ctx, staff) -> None:
    row = {
        "r": "RAW-1",
        "t": datetime(2021, 11, 1, 9, tzinfo=UTC) if not ctx.store.is_sqlite else "2021-11-01 09:00:00.000000",
    }
    with ctx.store.write() as session:
        session.connection().execute(
            text(
                "INSERT INTO cases (reference, received_at, channel, customer_name, summary, type, status, version, "
                "created_at, updated_at) VALUES (:r, :t, 'email', 'Wanda Raw', 'Hedge overgrown', 'unclassified', "
                "'new', 1, :t, :t)"
            ),
            row,
        )
    assert refs(ctx, "hedge wanda") == ["RAW-1"]
    with ctx.store.write() as session:
        session.connection().execute(text("DELETE FROM cases WHERE reference = 'RAW-1'"))
    assert refs(ctx, "hedge wanda") == []
    assert refs(ctx, "RAW-1") == []


def test_the_index_follows_a_reference_given_after_the_row_was_made(ctx, staff, clock: Clock) -> None:
    ref = add(ctx, clock, "Zoe Quinn", "Blue badge refused")  # stored first under a placeholder
    assert refs(ctx, ref) == [ref]
    assert refs(ctx, "pending") == []


def test_a_bulk_import_is_searchable_at_once(ctx, staff, clock: Clock, tmp_path: Path) -> None:
    clock.set(pendulum.datetime(2022, 12, 1, 9, tz="Europe/London"))
    source = tmp_path / "feed.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["reference", "received_at", "customer_name", "customer_email", "customer_phone", "summary"])
        out.writerow(["FEED-1", "2022-11-01T09:00", "Olu Adeyemi", "olu@example.net", "0161 496 0000", "Fly-tipping"])
        out.writerow(["FEED-2", "2022-11-02T09:00", "Kim Park", "", "", "Graffiti on the underpass"])
    result = run_import(ctx, "boss", source, ImportOptions())
    assert result.imported == 2
    assert refs(ctx, "adeyemi") == ["FEED-1"]
    assert refs(ctx, "olu@example.net") == ["FEED-1"]
    assert refs(ctx, "+44 161 496 0000") == ["FEED-1"]
    assert refs(ctx, "underpass") == ["FEED-2"]
    assert refs(ctx, "feed") == ["FEED-2", "FEED-1"]


def test_every_status_and_officer(ctx, desk, clock: Clock) -> None:
    cases.classify(ctx, "alice", desk["patel"], CaseType.CORPORATE)
    cases.allocate(ctx, "alice", desk["patel"], "carol")
    assert refs(ctx, "patel") == [desk["patel"]]
    assert refs(ctx, "white") == [desk["closed"]]


def test_the_quick_path_reads_the_same(sqlite_url: str, clock: Clock) -> None:
    from triage_tui.domain.codes import Role, Team
    from triage_tui.domain.policy import DEFAULT_POLICY
    from triage_tui.services.officers import add_officer
    from triage_tui.store.engine import Store

    store = Store(sqlite_url)
    try:
        ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
        add_officer(ctx, "boss", "alice", "Alice Adams", Role.SUPERVISOR, Team.TRIAGE)
        for name in ("John Smith", "Mary Smithson", "Li Jones"):
            add(ctx, clock, name, f"Bins missed again for {name}", customer_phone="07700 900999")
        for query in ("smith", "J", "bins again", "07700900999", "CMP-000001", "cmp", '"; --'):
            assert [c.reference for c in quick_find(sqlite_url, query) or []] == refs(ctx, query), query
            assert quick_find(sqlite_url, query) == find_cases(ctx, query)
    finally:
        store.dispose()


def test_quick_find_steps_aside_for_other_databases(tmp_path: Path) -> None:
    assert quick_find("postgresql+psycopg://nobody@127.0.0.1:1/x", "smith") is None
    assert quick_find(str(tmp_path / "none.sqlite"), "smith") is None
    with pytest.raises(InvalidInput):
        quick_find(str(tmp_path / "none.sqlite"), "  ")


# --- the indexes answer the queries ---------------------------------------------------------------------------


def _statements(dialect: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(what, sql, params) of every query find and related make, as find_ids and related_rows build them."""
    caught: list[tuple[str, str, dict[str, Any]]] = []

    def run(sql: str, params: dict[str, Any]) -> list[Any]:
        caught.append(("", sql, params))
        return []

    for query in ("CMP-000001", "a.b@example.org", "07700 900123", "smith jo", "J"):
        search.find_ids(run, dialect, search.parse(query), 50)
    search.related_rows(run, dialect, 1, email="a@b.org", phone="07700 900123", name="John Smith")
    return caught


def test_sqlite_answers_every_query_from_an_index(sqlite_url: str) -> None:
    from triage_tui.store.engine import Store

    store = Store(sqlite_url)
    try:
        with store.read() as session:
            c = session.connection()
            for _, sql, params in _statements("sqlite"):
                plan = " | ".join(row[3] for row in c.execute(text("EXPLAIN QUERY PLAN " + sql), params))
                assert "SCAN cases" not in plan.replace("SCAN cases_fts", ""), (sql, plan)
                if "lower(customer_email)" in sql:
                    assert "ix_cases_email_key" in plan
                if "customer_phone" in sql and "cases_fts" not in sql:
                    assert "ix_cases_phone_key" in plan, plan
                if "trim(" in sql and "customer_name" in sql:
                    assert "ix_cases_name_key" in plan, plan
    finally:
        store.dispose()


@pytest.mark.postgres
def test_postgresql_can_answer_every_query_from_an_index(pg_url: str) -> None:
    from triage_tui.store.engine import Store

    store = Store(pg_url)
    try:
        with store.read() as session:
            c = session.connection()
            c.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: ask whether an index can
            for _, sql, params in _statements("postgresql"):
                plan = " | ".join(row[0] for row in c.execute(text("EXPLAIN " + sql), params))
                assert "Seq Scan" not in plan, (sql, plan)
    finally:
        store.dispose()
