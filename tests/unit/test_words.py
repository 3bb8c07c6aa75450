"""The words people read: labels for codes, UK local times, corrections from -> to, breaches with their limit,
the list's columns at each width and the key bar's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from triage_tui.domain.clock import Clock
from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.errors import TransitionRefused
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.views import EventView
from triage_tui.ui import format as fmt
from triage_tui.ui.widgets import key_bar
from triage_tui.ui.widgets.case_table import MY_COLUMNS, QUEUE_COLUMNS, arrange, rank


def event(action: str, before: Status | None, after: Status | None, **details: object) -> EventView:
    return EventView(1, datetime(2026, 7, 1, 8, 30, tzinfo=UTC), "alice", action, before, after, dict(details))


def drawn(renderable: object, width: int = 120) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("children", "Statutory Children Stage 1"),
        ("adults", "Statutory Adults"),
        ("service_request", "Service Request"),
        ("unclassified", "Unclassified"),
    ],
)
def test_types_read_by_their_labels(code: str, label: str) -> None:
    assert fmt.type_label(code) == label
    assert fmt.type_label(CaseType(code)) == label


def test_codes_read_by_their_labels() -> None:
    assert fmt.status_label("with_service") == "With service"
    assert fmt.status_label(Status.NEW) == "New"
    assert fmt.type_short("service_request") == "Service request"
    assert fmt.type_short("children") == "Children"
    assert fmt.channel_label("in_person") == "In person"
    assert fmt.close_reason_label("out_of_time") == "Out of time"
    assert fmt.close_reason_label("service_request") == "Passed on as a service request"
    assert fmt.outcome_label("partly_upheld") == "Partly upheld"
    assert fmt.action_label("send") == "Sent to service"
    # A code this version does not know is still readable, and nothing is shown as blank.
    assert fmt.type_label("parking_fines") == "parking fines"
    assert fmt.status_label(None) == "-"


def test_times_are_uk_local_summer_and_winter() -> None:
    assert fmt.local(datetime(2026, 7, 1, 8, 30, tzinfo=UTC)) == "01/07/2026 09:30"  # BST
    assert fmt.local(datetime(2026, 12, 1, 8, 30, tzinfo=UTC)) == "01/12/2026 08:30"  # GMT
    assert fmt.short(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == "29/03 00:59"
    assert fmt.short(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "29/03 02:00"  # the clocks go forward
    assert fmt.deadline(datetime(2026, 12, 1, 17, 0, tzinfo=UTC)) == "Tue 01/12 17:00"
    assert fmt.local(None) == "-"


def test_a_correction_says_from_and_to() -> None:
    words = fmt.event_words(event("classify", Status.TRIAGED, Status.TRIAGED, type="corporate", previous_type="adults"))
    assert words == "Type: Statutory Adults → Corporate"
    first = fmt.event_words(
        event("classify", Status.NEW, Status.TRIAGED, type="corporate", previous_type="unclassified")
    )
    assert first == "Type: Unclassified → Corporate · Status: New → Triaged"
    moved = fmt.event_words(
        event("reassign", Status.ALLOCATED, Status.ALLOCATED, from_officer="carol", to_officer="dan", reason="leave")
    )
    assert moved == "Officer: carol → dan · Reason: leave"
    tagged = fmt.event_words(event("cohort", Status.NEW, Status.NEW, cohort="backlog", previous=None))
    assert tagged == "Cohort: none → backlog"


def test_history_words_use_labels_and_local_times() -> None:
    closed = fmt.event_words(event("close", Status.NEW, Status.CLOSED, reason="out_of_time", duplicate_of=None))
    assert closed == "Out of time · Status: New → Closed"
    sent = fmt.event_words(event("send", Status.ALLOCATED, Status.WITH_SERVICE, service="Highways"))
    assert sent == "To Highways · Status: Allocated → With service"
    answered = fmt.event_words(event("respond", Status.WITH_SERVICE, Status.RESPONDED, outcome="not_upheld"))
    assert answered.startswith("Outcome: Not upheld")
    claimed = fmt.event_words(event("claim", Status.NEW, Status.NEW, until="2026-07-01T09:00:00+00:00"))
    assert claimed == "Until 10:00"  # BST
    intake = fmt.event_words(event("intake", None, Status.NEW, channel="in_person", received_at="2026-07-01"))
    assert intake == "in person"
    imported = fmt.event_words(
        event("allocate", Status.TRIAGED, Status.ALLOCATED, officer="carol", history=True, source="a.csv", line=7)
    )
    assert imported == "To carol · Status: Triaged → Allocated · (from the import of a.csv, line 7)"


def test_history_is_newest_first() -> None:
    older = EventView(
        1, datetime(2026, 7, 1, 8, 0, tzinfo=UTC), "alice", "intake", None, Status.NEW, {"channel": "web"}
    )
    newer = EventView(
        2, datetime(2026, 7, 1, 9, 0, tzinfo=UTC), "bob", "note", Status.NEW, Status.NEW, {"text": "rang back"}
    )
    text = drawn(fmt.history([older, newer]))
    assert text.index("rang back") < text.index("by web")
    assert "01/07/26 10:00" in text  # local time


def test_a_breach_names_the_limit_it_passed() -> None:
    due = datetime(2026, 11, 29, 22, 19, tzinfo=UTC)
    limit = due + timedelta(hours=24)
    clock = Clock("triage", due_at=due, limit_at=limit, warn_at=due - timedelta(hours=4))
    state = fmt.clock_state(clock, limit + timedelta(hours=7, minutes=20)).plain
    assert state == "breached 7h 20m (limit Mon 30/11 22:19)"
    overdue = fmt.clock_state(clock, due + timedelta(hours=1)).plain
    assert overdue == "overdue 1h 00m"


def test_a_refusal_names_the_status_by_its_label() -> None:
    with pytest.raises(TransitionRefused, match=r"case X-1 is with service: allocate is not allowed \(allowed: "):
        transition(Action.ALLOCATE, Status.WITH_SERVICE, "X-1")


def columns_of(columns: tuple, clocks: int = 1) -> list[tuple[str, str, int, int, int]]:  # type: ignore[type-arg]
    first, *rest = columns
    shown = [(first.key, first.label, first.width, first.least, rank(first.key))]
    shown += [(f"clock{n}", "Due", 16, 0, 0) for n in range(clocks)]
    return shown + [(c.key, c.label, c.width, c.least, rank(c.key)) for c in rest]


@pytest.mark.parametrize("room", [60, 77, 93, 117, 133, 157, 200])
def test_the_columns_fit_their_room_and_keep_the_four_that_matter(room: int) -> None:
    slots, gap = arrange(columns_of(QUEUE_COLUMNS), room)
    keys = [key for key, _, _ in slots]
    assert {"reference", "clock0", "customer", "type"} <= set(keys)
    if room >= 77:
        assert sum(width + gap for _, _, width in slots) <= room
    # Left to right as the screen defined them.
    order = [c.key for c in QUEUE_COLUMNS]
    assert [k for k in keys if k in order] == [k for k in order if k in keys]


def test_columns_give_way_by_priority() -> None:
    at = {room: {key for key, _, _ in arrange(columns_of(QUEUE_COLUMNS), room)[0]} for room in (77, 117, 133, 157)}
    assert "summary" in at[77] and "holder" not in at[77]
    assert {"summary", "holder"} <= at[117]
    assert {"summary", "holder", "status"} <= at[133]
    assert {"received", "channel", "status", "holder"} <= at[157]
    mine = {key for key, _, _ in arrange(columns_of(MY_COLUMNS, clocks=2), 77)[0]}
    assert {"reference", "clock0", "clock1", "customer", "type"} <= mine


def test_a_narrow_pane_squeezes_the_customer_before_cutting() -> None:
    split = [
        ("reference", "Reference", 11, 0, 0),
        ("due", "Nearest due", 16, 0, 0),
        ("status", "Status", 12, 9, rank("status")),
        ("type", "Type", 12, 0, 0),
        ("customer", "Customer", 16, 12, 0),
        ("received", "Received", 11, 0, rank("received")),
    ]
    slots, gap = arrange(split, 54)
    widths = {key: width for key, _, width in slots}
    assert set(widths) == {"reference", "due", "type", "customer"}
    assert sum(width + gap for width in widths.values()) <= 54
    assert widths["customer"] >= 8


def test_the_key_bar_leads_with_help_and_quit_and_keeps_them_when_short_of_room() -> None:
    items = [("?", "Help"), ("q", "Quit")] + [(str(n), f"Action number {n}") for n in range(20)] + [key_bar.TAIL]
    rows = key_bar.arrange(items, 78)
    assert len(rows) <= key_bar.MAX_LINES
    flat = [item for row in rows for item in row]
    assert flat[:2] == [("?", "Help"), ("q", "Quit")]
    assert flat[-1] == key_bar.TAIL
    assert all(sum(key_bar._width(item) + 2 for item in row) - 2 <= 78 for row in rows)


def test_the_key_bar_shortens_words_before_leaving_keys_out() -> None:
    items = [("?", "Help"), ("q", "Quit"), ("a", "Acknowledge"), ("n", "Take next"), key_bar.TAIL]
    assert key_bar.arrange(items, 200) == [items]
    short = key_bar.arrange(items, 42, lines=1)
    assert short == [[("?", "Help"), ("q", "Quit"), ("a", "Ack"), ("n", "Next"), key_bar.TAIL]]
    # Narrower still: the last of the screen's keys goes, the help and the pointer to every key stay.
    assert key_bar.arrange(items, 41, lines=1) == [[("?", "Help"), ("q", "Quit"), ("a", "Ack"), key_bar.TAIL]]
