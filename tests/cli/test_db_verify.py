"""`triage db verify`: an intact trail exits 0 with its head; an event altered, replaced, slipped in or removed
behind the program's back (triggers dropped, as someone owning the database can) exits 2 naming the first one;
a removed last event or a consistent rewrite is caught against a head noted earlier (`--expect-head`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pendulum
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from tests.conftest import PG_URL
from triage_tui.cli import main
from triage_tui.store import chain
from triage_tui.store.engine import Store
from triage_tui.store.paths import sqlite_path

NOW = pendulum.datetime(2022, 1, 10, 9, 0, tz="Europe/London")
SQLITE_TRIGGERS = ("events_append_only_update", "events_append_only_delete", "events_no_replace")


@pytest.fixture
def pg_url(pg_store: Store) -> str:
    """The suite's emptied PostgreSQL database, reset with triggers off (the events table refuses TRUNCATE)."""
    with pg_store.engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        connection.execute(sa.text("TRUNCATE events, cases, officers RESTART IDENTITY CASCADE"))
    return PG_URL  # type: ignore[return-value]


def triage(db: str, *args: str, code: int = 0) -> Result:
    with pendulum.travel_to(NOW, freeze=True):
        result = CliRunner().invoke(main, [*args, "--db", db, "--as", "boss"], catch_exceptions=False)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result


def one_error_line(result: Result, *fragments: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


@pytest.fixture
def desk(db_url: str) -> Iterator[str]:
    """Seven events: the supervisor's addition, then three contacts each taken in and classified."""
    with pendulum.travel_to(NOW, freeze=True):
        CliRunner().invoke(main, ["officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor",
                                  "--db", db_url, "--as", "root"], catch_exceptions=False)  # fmt: skip
    for i in range(3):
        ref = triage(db_url, "intake", "add", "--customer-name", f"Customer {i}", "--summary", "Pothole").stdout
        triage(db_url, "case", "classify", ref.strip(), "corporate")
    yield db_url


def tamper(db: str, *statements: str) -> None:
    """Write to the events table as the database's owner can: the append-only triggers out of the way."""
    path = sqlite_path(db)
    if path is not None:
        file = sqlite3.connect(path)
        for trigger in SQLITE_TRIGGERS:
            file.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            file.execute(statement)
        file.commit()
        file.close()
        return
    engine = sa.create_engine(db)
    with engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


def head_of(db: str) -> str:
    return json.loads(triage(db, "db", "verify", "--json").stdout)["head"]


def event_at(db: str, seq: int) -> tuple[int, str]:
    engine = sa.create_engine(db)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT id, hash FROM events WHERE seq = :s"), {"s": seq}).one()
    engine.dispose()
    return row[0], row[1]


def test_an_intact_trail_exits_0_with_its_length_and_head(desk: str) -> None:
    out = triage(desk, "db", "verify").stdout.strip()
    head = event_at(desk, 7)[1]
    assert out == f"audit trail intact: 7 events; head {head}"
    assert json.loads(triage(desk, "db", "verify", "--json").stdout) == {"intact": True, "events": 7, "head": head}
    assert triage(desk, "db", "verify", "--expect-head", head.upper()).exit_code == 0


def test_an_altered_event_is_named(desk: str) -> None:
    tamper(desk, 'UPDATE events SET details = \'{"type": "adults"}\' WHERE seq = 5')
    result = triage(desk, "db", "verify", code=2)
    one_error_line(
        result, "seq 5 ", f"id {event_at(desk, 5)[0]},", "case CMP-", "classify at 2022-01-10T09:00", "altered"
    )
    shown = json.loads(triage(desk, "db", "verify", "--json", code=2).stdout)
    assert (shown["intact"], shown["problem"], shown["seq"], shown["action"]) == (False, "altered", 5, "classify")


def test_an_altered_hash_is_named(desk: str) -> None:
    tamper(desk, f"UPDATE events SET hash = '{'0' * 64}' WHERE seq = 3")
    one_error_line(triage(desk, "db", "verify", code=2), "seq 3 ", "altered")


def test_replace_into_is_refused_and_with_the_trigger_dropped_it_is_caught(sqlite_url: str) -> None:
    db = sqlite_url
    with pendulum.travel_to(NOW, freeze=True):
        CliRunner().invoke(main, ["officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor",
                                  "--db", db, "--as", "root"], catch_exceptions=False)  # fmt: skip
    triage(db, "officer", "add", "alice", "--name", "Alice Adams")
    id_, hash_ = event_at(db, 2)
    replace = (
        "REPLACE INTO events (id, case_id, at, actor, action, details, seq, hash) "
        "SELECT id, case_id, at, 'mallory', action, details, seq, hash FROM events WHERE seq = 2"
    )
    path = sqlite_path(db)
    assert path is not None
    connection = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(replace)
    connection.close()
    triage(db, "db", "verify")
    tamper(db, replace)
    assert event_at(db, 2) == (id_, hash_)  # same id, seq and hash: only the actor differs
    one_error_line(triage(db, "db", "verify", code=2), f"seq 2 (id {id_}, officer_add at", "altered")


@pytest.mark.parametrize("forged_hash", [False, True])
def test_an_event_slipped_in_between_is_named(desk: str, forged_hash: bool) -> None:
    """Later events moved up a place to make room: with a made-up hash or one computed to fit the chain."""
    _, previous = event_at(desk, 4)
    at = "2022-01-10 09:00:00.000000" if sqlite_path(desk) else "2022-01-10T09:00:00+00:00"
    content = chain.content_text(5, 2, "2022-01-10 09:00:00.000000", "boss", "note", None, None, {"text": "backdated"})
    fitted = chain.link(previous, content) if forged_hash else "f" * 64
    tamper(
        desk,
        "UPDATE events SET seq = -seq WHERE seq > 4",
        "UPDATE events SET seq = 1 - seq WHERE seq < 0",
        "INSERT INTO events (case_id, at, actor, action, details, seq, hash) "
        f"VALUES (2, '{at}', 'boss', 'note', '{{\"text\": \"backdated\"}}', 5, '{fitted}')",
    )
    one_error_line(triage(desk, "db", "verify", code=2), "seq 5 ", "note at 2022-01-10T09:00", "inserted")


def test_a_removed_event_is_named(desk: str) -> None:
    tamper(desk, "DELETE FROM events WHERE seq = 4")
    one_error_line(triage(desk, "db", "verify", code=2), "seq 4: removed", "between event seq 3 (", "and event seq 5 (")


def test_a_removed_last_event_is_caught_against_the_noted_head(desk: str) -> None:
    noted = head_of(desk)
    tamper(desk, "DELETE FROM events WHERE seq = 7")
    assert triage(desk, "db", "verify").stdout.startswith("audit trail intact: 6 events")  # nothing to see inside
    result = triage(desk, "db", "verify", "--expect-head", noted, code=2)
    one_error_line(result, "head is event seq 6", noted, "nowhere in the chain", "removed")


def test_a_consistent_rewrite_is_caught_against_the_noted_head(desk: str) -> None:
    """Whoever owns the file can rewrite an event and every hash after it: the walk holds, the head differs."""
    noted = head_of(desk)
    tamper(desk, "UPDATE events SET actor = 'mallory' WHERE seq = 2")
    engine = sa.create_engine(desk)
    with engine.connect() as connection:
        previous, fixes = chain.GENESIS, []
        for link in chain.walk(connection):
            previous = chain.link(previous, link.content)
            fixes.append(f"UPDATE events SET hash = '{previous}' WHERE id = {link.id}")
    engine.dispose()
    tamper(desk, *fixes)
    assert triage(desk, "db", "verify").stdout.startswith("audit trail intact: 7 events")
    one_error_line(triage(desk, "db", "verify", "--expect-head", noted, code=2), "nowhere in the chain")


def test_a_noted_head_that_events_followed_says_how_many(desk: str) -> None:
    noted = head_of(desk)
    triage(desk, "officer", "add", "alice", "--name", "Alice Adams")
    one_error_line(triage(desk, "db", "verify", "--expect-head", noted, code=2), "is event seq 7's", "1 event(s)")


def test_a_malformed_expected_head_is_one_line(desk: str) -> None:
    one_error_line(triage(desk, "db", "verify", "--expect-head", "3f2a", code=2), "64 hex digits")
