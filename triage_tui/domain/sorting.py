"""How an officer orders a list by one of its columns, and what of a list's settings is kept between sessions.

The default order is the queue's: most urgent first (domain/queue.py). Sorting by a column orders by what the
column shows (labels, not codes; times as times; countdowns by their due time), with the cases whose cell is
empty last in both directions, and ties kept in the default order. The same key orders a page read by the
services over every match and a row placed by the desk as it changes, so both agree.

Pure: no SQL, no Textual. Preferences are stored as JSON; reading one back never fails (`*_from_json` answer
None for anything they cannot read, so a setting saved by an older desk is ignored, not an error).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import total_ordering
from typing import Any

from triage_tui.domain.clock import Band, CaseClocks, Clock
from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.policy import Policy
from triage_tui.domain.queue import QueueQuery, live_claim
from triage_tui.domain.views import CaseView

# The columns a list may be sorted by, with the label each reads as in the order chooser.
SORTABLE: dict[str, str] = {
    "reference": "Reference",
    "countdown": "Due",
    "ack": "Acknowledge",
    "response": "Respond",
    "received": "Received",
    "channel": "Channel",
    "customer": "Customer",
    "summary": "Summary",
    "type": "Type",
    "status": "Status",
    "holder": "Officer",
    "acked": "Acknowledged",
}

# Which clock a countdown column counts down (as the lists' clock columns do).
CLOCKS: dict[str, Callable[[CaseClocks], Clock | None]] = {
    "countdown": lambda clocks: clocks.nearest(),
    "ack": lambda clocks: clocks.acknowledgement,
    "response": lambda clocks: clocks.response,
}

# Statuses sort in the order a case goes through them, not alphabetically.
STATUS_ORDER = {status: i for i, status in enumerate(Status)}


@dataclass(frozen=True)
class Sort:
    """A list ordered by `column`, ascending (A to Z, oldest first, least time left first) or descending."""

    column: str
    descending: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "descending": self.descending}

    @property
    def arrow(self) -> str:
        return "▼" if self.descending else "▲"

    def describe(self) -> str:
        """Short, for a status line: "by customer ▲" (▲ ascending, ▼ descending, as in the column's heading)."""
        return f"by {SORTABLE.get(self.column, self.column).lower()} {self.arrow}"


def next_sort(current: Sort | None, column: str) -> Sort | None:
    """Choosing a column again: ascending, then descending, then back to the default order (None)."""
    if current is None or current.column != column:
        return Sort(column)
    if not current.descending:
        return Sort(column, descending=True)
    return None


@dataclass(frozen=True)
class SortFields:
    """What a case's cells show, as far as ordering needs: read from a whole case or from a few columns."""

    reference: str
    received_at: datetime
    channel: str
    customer_name: str
    summary: str
    type: CaseType
    status: Status
    holder: str  # its officer, or who holds a live claim on it ("" if nobody)
    acknowledged_at: datetime | None
    clocks: CaseClocks


@total_ordering
class _Reversed:
    """A value that orders the other way round: a descending column inside one ascending key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __hash__(self) -> int:
        return hash(self.value)


def _text(value: str) -> Any:
    return (value.casefold(), value)


def column_value(column: str, fields: SortFields) -> Any:
    """The value a column orders by, or None when its cell is empty."""
    if column in CLOCKS:
        clock = CLOCKS[column](fields.clocks)
        return clock.due_at if clock is not None and clock.running else None
    if column == "reference":
        return _text(fields.reference)
    if column == "received":
        return fields.received_at
    if column == "channel":
        return _text(fields.channel.replace("_", " "))  # the codes sort as their labels do
    if column == "customer":
        return _text(fields.customer_name) if fields.customer_name.strip() else None
    if column == "summary":
        return _text(fields.summary) if fields.summary.strip() else None
    if column == "type":
        return str(fields.type.value)  # adults, children, corporate...: as the short labels shown sort
    if column == "status":
        return STATUS_ORDER.get(fields.status, len(STATUS_ORDER))
    if column == "holder":
        return _text(fields.holder) if fields.holder else None
    if column == "acked":
        return fields.acknowledged_at
    return None


def sort_key(sort: Sort, fields: SortFields, default: tuple[datetime, int]) -> tuple[Any, ...]:
    """One ascending key: empty cells last, the column's value (reversed if descending), then the default order
    (most urgent first) among equal values."""
    value = column_value(sort.column, fields)
    if value is None:
        return (1, 0, default)
    return (0, _Reversed(value) if sort.descending else value, default)


def fields_of(case: CaseView, policy: Policy, now: datetime) -> SortFields:
    """What a whole case shows, for ordering it among the others."""
    return SortFields(
        reference=case.reference,
        received_at=case.received_at,
        channel=case.channel,
        customer_name=case.customer_name,
        summary=case.summary,
        type=case.type,
        status=case.status,
        holder=case.officer or live_claim(case, now) or "",
        acknowledged_at=case.acknowledged_at,
        clocks=case.clocks(policy),
    )


def case_sort_key(
    sort: Sort | None, case: CaseView, policy: Policy, now: datetime, default: tuple[datetime, int]
) -> tuple[Any, ...]:
    """A case's place in a list: by `sort`, or (None) by the default order alone."""
    if sort is None:
        return (0, 0, default)
    return sort_key(sort, fields_of(case, policy, now), default)


# --- what is kept between sessions -------------------------------------------------------------------------------


def sort_from_json(value: Any, columns: frozenset[str] | set[str] | None = None) -> Sort | None:
    """A saved sort, or None if there is none or it no longer reads (a column the list no longer has)."""
    if not isinstance(value, dict):
        return None
    column, descending = value.get("column"), value.get("descending", False)
    if not isinstance(column, str) or column not in SORTABLE or not isinstance(descending, bool):
        return None
    if columns is not None and column not in columns:
        return None
    return Sort(column, descending)


def filter_to_json(query: QueueQuery, base: QueueQuery) -> dict[str, Any]:
    """The filter of a list's query (what the filter dialog sets; not the search, which is typed afresh)."""
    return {
        "statuses": [s.value for s in query.statuses] if query.statuses != base.statuses else None,
        "types": [t.value for t in query.types],
        "bands": [b.value for b in query.bands],
        "officer": query.officer if query.officer != base.officer else None,
        "cohort": query.cohort,
    }


def filter_from_json(value: Any, base: QueueQuery) -> QueueQuery | None:
    """A saved filter applied to the list's own query, or None if it no longer reads as a whole (a type,
    band or status that no longer exists, a value of the wrong kind): then the list shows its default."""
    if not isinstance(value, dict):
        return None
    try:
        statuses = value.get("statuses")
        types = value.get("types") or []
        bands = value.get("bands") or []
        officer = value.get("officer")
        cohort = value.get("cohort")
        if not isinstance(types, list) or not isinstance(bands, list):
            return None
        if statuses is not None and (not isinstance(statuses, list) or not statuses):
            return None
        if not (officer is None or isinstance(officer, str)) or not (cohort is None or isinstance(cohort, str)):
            return None
        return replace(
            base,
            statuses=tuple(Status(s) for s in statuses) if statuses else base.statuses,
            types=tuple(CaseType(t) for t in types),
            bands=tuple(Band(b) for b in bands),
            officer=officer or base.officer,
            cohort=cohort or None,
            search=None,
        )
    except (ValueError, TypeError):
        return None
