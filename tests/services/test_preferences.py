"""Officers' kept desk settings, on SQLite and PostgreSQL: one row per officer and name, replaced in place,
never a case event; a value that no longer reads is ignored, not an error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from tests.conftest import Clock
from triage_tui.domain.clock import Band
from triage_tui.domain.codes import CaseType
from triage_tui.domain.errors import InvalidInput, TriageError
from triage_tui.domain.queue import QueueQuery, my_cases_query
from triage_tui.domain.sorting import Sort, filter_from_json, filter_to_json, sort_from_json
from triage_tui.services import officers, preferences
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Event, OfficerPreference


def rows(ctx: ServiceContext) -> list[tuple[int, str, object]]:
    with ctx.store.read() as s:
        return [(p.officer_id, p.name, p.value) for p in s.exec(select(OfficerPreference))]


def event_count(ctx: ServiceContext) -> int:
    with ctx.store.read() as s:
        return s.exec(select(func.count()).select_from(Event)).one()


def test_saved_and_loaded_per_officer_and_name(ctx, staff, clock: Clock) -> None:
    before = event_count(ctx)
    assert preferences.load(ctx, "alice", "queue.sort") is None
    preferences.save(ctx, "alice", "queue.sort", {"column": "customer", "descending": True})
    preferences.save(ctx, "alice", "queue.filter", {"types": ["adults"]})
    preferences.save(ctx, "bob", "queue.sort", {"column": "received", "descending": False})
    assert preferences.load(ctx, "alice", "queue.sort") == {"column": "customer", "descending": True}
    assert preferences.load(ctx, "ALICE", "queue.filter") == {"types": ["adults"]}  # usernames ignore case
    assert preferences.load(ctx, "bob", "queue.sort") == {"column": "received", "descending": False}
    assert preferences.load(ctx, "carol", "queue.sort") is None
    # Saving again replaces the value: still one row for that officer and name.
    clock.advance(minutes=5)
    preferences.save(ctx, "alice", "queue.sort", {"column": "type", "descending": False})
    assert preferences.load(ctx, "alice", "queue.sort") == {"column": "type", "descending": False}
    assert len(rows(ctx)) == 3
    # Preferences are not case changes: no event of any kind.
    assert event_count(ctx) == before


def test_a_deactivated_or_unknown_officer_can_neither_save_nor_load(ctx, staff) -> None:
    preferences.save(ctx, "bob", "queue.sort", {"column": "type"})
    officers.deactivate_officer(ctx, "boss", "bob", reason="left the council")
    with pytest.raises(TriageError):
        preferences.load(ctx, "bob", "queue.sort")
    with pytest.raises(TriageError):
        preferences.save(ctx, "bob", "queue.sort", {"column": "reference"})
    with pytest.raises(TriageError):
        preferences.save(ctx, "nobody", "queue.sort", {"column": "reference"})
    assert [r[2] for r in rows(ctx)] == [{"column": "type"}]


def test_what_cannot_be_kept_is_refused_in_one_line(ctx, staff) -> None:
    with pytest.raises(InvalidInput):
        preferences.save(ctx, "alice", "", 1)
    with pytest.raises(InvalidInput):
        preferences.save(ctx, "alice", "x" * 65, 1)
    with pytest.raises(InvalidInput):
        preferences.save(ctx, "alice", "queue.sort", {"column": object()})
    with pytest.raises(InvalidInput):
        preferences.save(ctx, "alice", "queue.sort", float("nan"))
    assert rows(ctx) == []


def test_a_value_that_no_longer_reads_is_ignored(ctx, staff) -> None:
    preferences.save(ctx, "alice", "queue.sort", {"column": "customer"})
    if ctx.store.is_sqlite:
        # SQLite keeps JSON as text: anything can end up there.
        with ctx.store.write() as s:
            s.exec(text("UPDATE officer_preferences SET value = '{not json'"))
        assert preferences.load(ctx, "alice", "queue.sort") is None
    # A value that reads as JSON but means nothing to the desk any more is the caller's to ignore.
    preferences.save(ctx, "alice", "queue.sort", {"column": "no-such-column", "descending": "yes"})
    assert sort_from_json(preferences.load(ctx, "alice", "queue.sort")) is None
    preferences.save(ctx, "alice", "queue.filter", {"types": ["gone_type"], "bands": []})
    assert filter_from_json(preferences.load(ctx, "alice", "queue.filter"), QueueQuery()) is None


def test_the_lists_settings_read_back_as_saved() -> None:
    base = my_cases_query("carol")
    query = QueueQuery(
        statuses=base.statuses, types=(CaseType.ADULTS,), bands=(Band.OVERDUE,), officer="carol", cohort="backlog"
    )
    assert filter_from_json(filter_to_json(query, base), base) == query
    assert filter_from_json(filter_to_json(base, base), base) == base
    assert sort_from_json(Sort("received", True).to_json()) == Sort("received", True)
    assert sort_from_json(Sort("received").to_json(), {"reference"}) is None  # a column the list lacks
    garbage: list[object] = [None, 3, "x", [], {"column": 3}, {"column": "type", "descending": 1}]
    assert [sort_from_json(g) for g in garbage] == [None] * len(garbage)
    garbage = [None, 3, {"types": "adults"}, {"statuses": []}, {"officer": 5}, {"bands": ["purple"]}]
    assert [filter_from_json(g, base) for g in garbage] == [None] * len(garbage)
