"""The annual report read straight from a SQLite file, counted mostly by the database.

The services' way (reports/annual.py `annual`) replays every event of every case that can count in the year,
in Python: exact, but its time grows with the year's events. Most cases' histories are plain, though: one
stage, never escalated, reopened, extended or sent to a panel, no ombudsman. For those the replay's result is
a few facts the database can aggregate by itself (the type the latest classification gave, the first
acknowledgement, the latest response and its outcome, the latest service it was sent to), so SQLite groups
them and only the rest come back:

- the stage-1 starts of the year, already counted by (type, service);
- the responses of the year, counted by type and outcome, and how many went out in time: each one's deadline
  is worked out here, called from the query (`stage1_due`; a deadline depends only on the local date it
  counts from, so it is derived once per hour of origin and reused);
- the ids of the other cases, whose events are replayed exactly as the services' way replays them.

A test holds this and the services' way equal on generated years holding every kind of journey.
"""

from __future__ import annotations

import json
import marshal
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from triage_tui.domain.clock import EARLIEST_START, LATEST_START, calendar_for, response_due_from, use_holiday_cache
from triage_tui.domain.codes import CaseType, Outcome
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.policy import FROM_ACK, FROM_START, Policy, load_policy
from triage_tui.reports.annual import OUTCOMES, AnnualReport, Tally
from triage_tui.reports.stages import STAGE_ACTIONS, StageRecord, replay
from triage_tui.services.forking import can_fork
from triage_tui.store.quick import sqlite_time, stored_time

# Any of these by the year's end makes a case's history one to replay (a later stage, a response taken back,
# an extension, a panel, the ombudsman).
REPLAYED = tuple(
    a.value
    for a in (
        Action.ESCALATE,
        Action.REOPEN,
        Action.EXTEND,
        Action.PANEL,
        Action.OMBUDSMAN_OPEN,
        Action.OMBUDSMAN_DECIDE,
        Action.OMBUDSMAN_COMPLIED,
    )
)
TIME_WIDTH = 26  # 'YYYY-MM-DD HH:MM:SS.ffffff', as UTCDateTime writes every time on SQLite
# A time and the event's id made 13 digits long (ids below 9e12): the latest by (time, id) sorts last as text.
KEY_WIDTH = TIME_WIDTH + 13
ID_KEY = "(e.id + 1000000000000)"


COMPLAINT_TYPES = tuple(k.value for k in CaseType if k.is_complaint)


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # the program's own action and type names, never input


def _latest(action: str, value: str) -> str:
    """The value of the latest event of `action` (by time, then the order written), after its sort key."""
    return f"max(CASE WHEN e.action = '{action}' THEN e.at || {ID_KEY} || {value} END)"


# What a case's keys say: the type, the response's time and outcome, the service, and whether it can be counted
# without replaying its events (nothing to replay, every time in the usual form, a type the program knows, a
# service given as text; the replay keeps the type before one it does not know). case_facts holds the same,
# worked out by the same expressions as each row is written (migration 0012 DECODED).
DECODED = {
    "kind": f"coalesce(substr(kind_key, {KEY_WIDTH + 1}), '{CaseType.UNCLASSIFIED.value}')",
    "responded_at": f"substr(responded_key, 1, {TIME_WIDTH})",
    "outcome": f"substr(responded_key, {KEY_WIDTH + 1})",
    "service": f"substr(sent_key, {KEY_WIDTH + 1})",
}
USABLE = f"""length(received_at) = {TIME_WIDTH}
    AND coalesce(length(acknowledged_at), {TIME_WIDTH}) = {TIME_WIDTH}
    AND coalesce(substr(responded_key, {TIME_WIDTH + 1}, 1), '1') = '1'
    AND coalesce(substr(kind_key, {TIME_WIDTH + 1}, 1), '1') = '1'
    AND coalesce(substr(sent_key, {TIME_WIDTH + 1}, 1), '1') = '1'
    AND {DECODED["kind"]} IN ({_quoted(tuple(k.value for k in CaseType))})
    AND (sent_key IS NULL OR substr(sent_key, {KEY_WIDTH + 1}, 5) IN ('text:', 'null:'))"""


# How a type's stage-1 response deadline is found (see _Deadlines.due); _PER_CASE_DUE marks an hour whose
# origins' local date is not one date.
_RECEIVED, _ACKNOWLEDGED, _NONE, _DERIVED = "received", "acknowledged", "none", "derived"
_PER_CASE_DUE = "per case"


def _counted(source: str, where: str, order: str = "") -> str:
    """The cases of `source` (as `f`, with case_facts' columns) counted by type, service and outcome: how many
    started in the year, how many were answered in it and of those in time; those that need the replay, by
    their ids. `order`: the leading columns of an index whose order the groups follow, so that SQLite counts
    them as it reads instead of sorting them first."""
    answered = f"f.usable AND f.responded_at >= :start AND f.kind IN ({_quoted(COMPLAINT_TYPES)})"
    return f"""SELECT
    f.usable,
    group_concat(CASE WHEN NOT f.usable THEN f.case_id END),
    f.kind,
    f.service,
    f.outcome,
    coalesce(sum(f.received_at >= :start), 0),
    coalesce(sum({answered}), 0),
    -- CASE, so that only a usable response of the year has its deadline worked out
    coalesce(sum(CASE WHEN {answered}
        THEN f.responded_at <= stage1_due(f.kind, f.received_at, f.acknowledged_at) END), 0)
FROM {source}
WHERE {where}
GROUP BY {order}f.usable, f.kind, f.service, f.outcome"""


# Per case that can count in the year (received in it, or received before it and escalated, answered or taken
# to the ombudsman in it), as its events up to the year's end left it. A case none of whose events the report
# reads is later than the year's end is read from case_facts (migration 0012), kept as its events were written:
# one row, already decoded. The others (changed since the year ended) have their events up to the end
# aggregated here, by the same expressions the facts are kept by.
_PER_CASE = f"""
WITH {{prelude}}aggregated AS MATERIALIZED (
    SELECT
        f.case_id AS id,
        f.received_at AS received_at,
        NOT max(e.action IN ({_quoted(REPLAYED)})) AS plain,
        max(CASE WHEN e.action IN ('classify', 'signpost') THEN e.at || {ID_KEY}
            || CASE WHEN e.action = 'signpost' THEN '{CaseType.SERVICE_REQUEST.value}'
               ELSE coalesce(json_extract(e.details, '$.type'), '') END END) AS kind_key,
        min(CASE WHEN e.action = 'acknowledge' THEN e.at END) AS acknowledged_at,
        {_latest("respond", "coalesce('+' || json_extract(e.details, '$.outcome'), '-')")} AS responded_key,
        {
    _latest(
        "send",
        "coalesce(json_type(e.details, '$.service'), 'null') || ':'"
        " || coalesce(json_extract(e.details, '$.service'), '')",
    )
} AS sent_key
    FROM {{facts}}
    CROSS JOIN events e ON e.case_id = f.case_id
    WHERE {{chosen}} f.last_at > :end AND +e.at <= :end AND +e.action IN ({_quoted(STAGE_ACTIONS)})
    GROUP BY {{grouped}}
),
judged AS (
    SELECT id AS case_id, received_at, {DECODED["kind"]} AS kind, acknowledged_at,
        {DECODED["responded_at"]} AS responded_at, {DECODED["outcome"]} AS outcome,
        {DECODED["service"]} AS service, plain AND {USABLE} AS usable
    FROM aggregated
)
{_counted("{facts}", "{chosen} f.last_at <= :end", "{order}")}
UNION ALL
{_counted("judged f", "1")}
"""

# The cases that count, in two parts: those received in the year, read from their facts in the order of their
# receipt (so that, grouped by it, their events need no sorting), and those received before it with an event
# that counts in it.
# The received part reads its kept facts by the index on (month received, usable, type, service, outcome, ...)
# (migration 0012), months :low_month to :high_month (received_params).
PER_RECEIVED = (
    _PER_CASE.replace("{prelude}", "")
    .replace("{facts}", "case_facts f")
    .replace(
        "{chosen}",
        "f.received_month >= :low_month AND f.received_month <= :high_month "
        "AND f.received_at >= :low AND f.received_at < :high AND",
    )
    .replace("{order}", "f.received_month, ")
    .replace("{grouped}", "f.received_at, f.case_id")
)
# Those received before the year that changed in it or since, by the time of their latest change (the index
# ix_case_facts_changed): every case with a response, a later stage or an enquiry in the year is among them, and
# those that are not count nothing in it (their replay, too, counts only what happened in the year).
EARLIER = """(
    SELECT f.case_id AS id FROM case_facts f WHERE f.last_at >= :start AND f.received_at < :start
)"""
# Found once, for both ways of reading their facts.
PER_EARLIER = (
    _PER_CASE.replace("{prelude}", f"earlier AS MATERIALIZED {EARLIER}, ")
    .replace("{facts}", "earlier k CROSS JOIN case_facts f ON f.case_id = k.id")
    .replace("{chosen}", "")
    .replace("{order}", "")
    .replace("{grouped}", "f.case_id")
)


EVENTS_OF = f"""
SELECT e.case_id, c.received_at, e.at, e.action, e.from_status, e.details
FROM events e JOIN cases c ON c.id = e.case_id
WHERE e.case_id IN (SELECT value FROM json_each(:ids)) AND e.at <= :end AND e.action IN ({_quoted(STAGE_ACTIONS)})
ORDER BY e.case_id, e.at, e.id
"""


class _Deadlines:
    """Stage 1's original response deadline, as text comparable with a stored time (None: it has none).

    Never extended, the deadline is a number of working days from the local date of its origin (the receipt
    or the acknowledgement), as the clocks count it, and is found once per type and date. The local date of a
    time is read from its UTC day and hour: where the zone's offset holds all day and is whole hours (as in the
    UK but for the two days the clocks change), the day splits at one hour into two local dates; on other days
    the local date is found once per hour (where it does not change within the hour). Anything else is derived
    for the case itself, by the clocks."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.calendar = calendar_for(policy)
        self.days: dict[str, date | None] = {}
        self.offsets: dict[str, timedelta | None] = {}
        self.dues: dict[tuple[CaseType, date], str | None] = {}
        self.origins: dict[CaseType, str] = {}
        self.by_hour: dict[tuple[CaseType, str], str | None] = {}
        # By UTC day: the hour ('HH') from which its times fall on the second local date, and the two dates
        # (None: the day is read hour by hour).
        self.splits: dict[str, tuple[str, date, date] | None] = {}

    def register(self, connection: sqlite3.Connection) -> None:
        """Make `stage1_due(type, received_at, acknowledged_at)` callable in the connection's SQL: the year's
        responses are then judged in time where they are counted, rather than each brought back here."""
        kinds = {k.value: k for k in CaseType}

        def stage1_due(kind: str, received: str, acknowledged: str | None) -> str | None:
            return self.due(kinds[kind], received, acknowledged)

        connection.create_function("stage1_due", 3, stage1_due, deterministic=True)

    def due(self, kind: CaseType, received: str, acknowledged: str | None) -> str | None:
        origin = self.origins.get(kind) or self._origin(kind)
        if origin is _RECEIVED:
            at: str | None = received
        elif origin is _ACKNOWLEDGED:
            at = acknowledged
        elif origin is _NONE:
            return None
        else:
            return self._derived(kind, received, acknowledged)
        if at is None:
            return None
        day = at[:10]
        if day not in self.splits:
            self.splits[day] = self._split(day)
        split = self.splits[day]
        if split is not None:
            local = split[1] if at[11:13] < split[0] else split[2]
            due = self.dues.get((kind, local), "")
            if due == "":
                due = self.dues[(kind, local)] = self._derived(kind, received, acknowledged)
            return due
        key = (kind, at[:13])
        due = self.by_hour.get(key, _PER_CASE_DUE)
        if due is _PER_CASE_DUE:
            due = self.by_hour[key] = self._by_hour(kind, received, acknowledged, at[:13])
            if due is _PER_CASE_DUE:
                return self._derived(kind, received, acknowledged)
        return due

    def _origin(self, kind: CaseType) -> str:
        rule = self.policy.stage_rule(kind, 1)
        if rule is None:
            origin = _NONE
        elif rule.respond_from == FROM_START:
            origin = _RECEIVED
        elif rule.respond_from == FROM_ACK:
            origin = _ACKNOWLEDGED
        else:
            origin = _DERIVED
        self.origins[kind] = origin
        return origin

    def _split(self, day: str) -> tuple[str, date, date] | None:
        if day not in self.offsets:
            self.offsets[day] = self._day_offset(day)
        offset = self.offsets[day]
        if offset is None:
            return None
        before = (datetime.fromisoformat(day + " 00:00:00") + offset).date()
        hours = offset // timedelta(hours=1)
        # Ahead of UTC the day's last hours are the next local date; behind it, its first hours the one before.
        cut = 24 - hours if hours > 0 else -hours if hours < 0 else 24
        return f"{cut:02d}", before, before + timedelta(days=1)

    def _by_hour(self, kind: CaseType, received: str, acknowledged: str | None, hour: str) -> str | None:
        """The deadline of every origin in the hour (_PER_CASE_DUE: the local date changes within it)."""
        day = self.days.get(hour, date.min)
        if day is date.min:
            day = self.days[hour] = self._day(hour)
        if day is None:
            return _PER_CASE_DUE
        due = self.dues.get((kind, day), "")
        if due == "":
            due = self.dues[(kind, day)] = self._derived(kind, received, acknowledged)
        return due

    def _day(self, hour: str) -> date | None:
        """The local date of every moment of an hour (None: it changes within the hour, or the hour is outside
        the years the clocks count in). Worked out for the whole UTC day at once where the zone's offset holds
        all day and is whole hours (as in the UK but for the two days the clocks change)."""
        if hour[:10] not in self.offsets:
            self.offsets[hour[:10]] = self._day_offset(hour[:10])
        offsets = self.offsets[hour[:10]]
        first = datetime.fromisoformat(hour + ":00:00").replace(tzinfo=UTC)
        if offsets is not None:
            return (first + offsets).date()
        if not EARLIEST_START <= first <= LATEST_START - timedelta(hours=1):
            return None
        day = self.calendar.local(first).date()
        return day if self.calendar.local(first + timedelta(hours=1, microseconds=-1)).date() == day else None

    def _day_offset(self, day: str) -> timedelta | None:
        first = datetime.fromisoformat(day + " 00:00:00").replace(tzinfo=UTC)
        if not EARLIEST_START <= first <= LATEST_START - timedelta(days=1):
            return None
        offset = self.calendar.local(first).utcoffset()
        last = self.calendar.local(first + timedelta(days=1, microseconds=-1)).utcoffset()
        if offset is None or offset != last or offset % timedelta(hours=1):
            return None
        return offset

    def _derived(self, kind: CaseType, received: str, acknowledged: str | None) -> str | None:
        origin = self.origins.get(kind)
        rule = self.policy.stage_rule(kind, 1)
        if rule is not None and origin in (_RECEIVED, _ACKNOWLEDGED):  # its deadline alone, from its origin
            at = received if origin is _RECEIVED else acknowledged
            return sqlite_time(response_due_from(stored_time(at), rule.respond_days, self.policy)) if at else None
        stage = StageRecord(1, stored_time(received), kind, stored_time(acknowledged) if acknowledged else None)
        return sqlite_time(stage.deadlines(stage.started_at, self.policy).original_response)


def quick_annual(db: str | None, year: int | None) -> AnnualReport | None:
    """`annual` read straight from a SQLite file (None: take the long way through the store)."""
    from triage_tui.reports.annual import year_at
    from triage_tui.reports.direct import direct_path
    from triage_tui.services.context import cache_dir, policy_path

    path = direct_path(db)
    if path is None:
        return None
    # The policy and bank holidays as open_context finds them.
    use_holiday_cache(cache_dir())
    policy = load_policy(policy_path())
    # The command runs no other thread: it may read half the year in a forked copy of itself.
    return annual_from_sqlite(path, policy, year if year is not None else year_at(now(), policy), parallel=True)


def now() -> datetime:
    return datetime.now(UTC)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    # Read through a memory map: the year's events are scattered over the file, and copying each page read
    # into SQLite's small cache cost a third of the time.
    connection.execute("PRAGMA mmap_size = 1073741824")
    return connection


def _begin(connection: sqlite3.Connection, deadlines: _Deadlines) -> int:
    """Start the connection's read (every read on it then sees the same state of the file) and say which state:
    the latest event's id. Every change to a case or its facts writes an event, so two reads that see the same
    latest event see the same cases."""
    connection.execute("BEGIN")
    deadlines.register(connection)
    return connection.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


def received_params(window: dict[str, Any], low: datetime, high: datetime) -> dict[str, Any]:
    """PER_RECEIVED's parameters for the cases received from `low` up to (not including) `high`."""
    first, last = sqlite_time(low) or "", sqlite_time(high) or ""
    return {**window, "low": first, "high": last, "low_month": first[:7], "high_month": last[:7]}


class _Year:
    """The year's window and the queries over it, in parts: the cases received up to a moment of the year, and
    the rest (those received from then on, and the earlier years' cases that count in it)."""

    def __init__(self, start: datetime, end: datetime, middle: datetime) -> None:
        self.window = {"start": sqlite_time(start), "end": sqlite_time(end)}
        self.first = received_params(self.window, start, middle)
        self.rest = received_params(self.window, middle, end + timedelta(microseconds=1))

    def contacts(self, connection: sqlite3.Connection) -> int:
        sql = "SELECT count(*) FROM cases WHERE received_at >= :start AND received_at <= :end"
        return int(connection.execute(sql, self.window).fetchone()[0])

    def read_first(self, connection: sqlite3.Connection) -> list[tuple[Any, ...]]:
        return connection.execute(PER_RECEIVED, self.first).fetchall()

    def read_rest(self, connection: sqlite3.Connection) -> list[tuple[Any, ...]]:
        return (
            connection.execute(PER_EARLIER, self.window).fetchall()
            + connection.execute(PER_RECEIVED, self.rest).fetchall()
        )


def annual_from_sqlite(path: Path, policy: Policy, year: int, *, parallel: bool = False) -> AnnualReport:
    """The annual report read from the file. `parallel`: the rest of the year is read by a forked copy of this
    process on a core of its own (see _forked); only a caller that runs no other thread may ask for it."""
    from triage_tui.reports.annual import year_bounds

    start, end = year_bounds(year)
    tally = Tally(policy, start, end)
    deadlines = _Deadlines(policy)
    split = parallel and can_fork()
    # The forked copy also finds the earlier years' cases, so it takes the smaller share of the receipts.
    parts = _Year(start, end, start + (end - start) * 0.6 if split else end + timedelta(microseconds=1))
    rest = _forked(path, deadlines, parts) if split else None
    connection = _connect(path)
    try:
        state = _begin(connection, deadlines)
        contacts = parts.contacts(connection)
        rows = parts.read_first(connection)
        answer = rest() if rest is not None else None
        if answer is None or answer[0] != state:  # no copy, or it saw another state of the file: read it here
            rows += parts.read_rest(connection)
        else:
            rows += answer[1]
        return _count(connection, tally, year, end, contacts, rows)
    finally:
        connection.close()


def _forked(path: Path, deadlines: _Deadlines, parts: _Year) -> Callable[[], tuple[int, list[Any]] | None]:
    """Read the rest of the year in a forked copy of this process, beside this one's reading of the first part;
    the returned call waits for its answer: the state of the file it read, and its rows (None: it failed).

    SQLite runs a statement on one core. Two threads would not do: the deadlines are worked out in Python for
    each response, and the two threads would take turns at Python's lock for each one. The copy opens its own
    connection (none is carried across the fork), writes its answer to a pipe and leaves at once."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: whatever happens, it leaves here, and runs none of the caller's code after
        try:
            os.close(readable)
            try:
                connection = _connect(path)
                state = _begin(connection, deadlines)
                payload = marshal.dumps((state, parts.read_rest(connection)))
            except BaseException:  # told by an empty answer; the caller reads the rest itself
                payload = b""
            with os.fdopen(writable, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(writable)

    def answer() -> tuple[int, list[Any]] | None:
        with os.fdopen(readable, "rb") as answered:
            payload = answered.read()
        os.waitpid(pid, 0)
        try:
            state, rows = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):  # nothing, or cut short: the copy failed or was stopped
            return None
        return int(state), list(rows)

    return answer


def _count(
    connection: sqlite3.Connection, tally: Tally, year: int, end: datetime, contacts: int, rows: list[tuple[Any, ...]]
) -> AnnualReport:
    """The report from the year's contacts and PER_CASE's rows; the cases to replay read on `connection`."""
    to_replay: list[int] = []
    kinds = {k.value: k for k in CaseType}
    complaints = {k.value: k for k in CaseType if k.is_complaint}
    responded: dict[CaseType, list[int]] = {kind: [0, 0] for kind in complaints.values()}  # responded, in time
    outcomes: dict[tuple[CaseType, str], int] = {}  # responses by type and '+outcome' ('-': none recorded)
    upheld = {f"+{Outcome.UPHELD.value}", f"+{Outcome.PARTLY_UPHELD.value}"}
    for usable, replay_ids, kind_text, service, outcome, started, answered, in_time in rows:
        if not usable:
            to_replay.extend(int(i) for i in replay_ids.split(","))
            continue
        if started:
            kind = kinds[kind_text]
            if kind is CaseType.SERVICE_REQUEST:
                tally.not_complaints += started
            if kind.is_complaint:
                tally.row(kind, 1)["started"] += started
                named = service[5:] if service is not None and service.startswith("text:") else None
                tally.service(named, started, started if outcome in upheld else 0)
        if answered:  # responses of the year, and of them in time
            kind = complaints[kind_text]
            counts = responded[kind]
            counts[0] += answered
            counts[1] += in_time
            outcomes[kind, outcome] = outcomes.get((kind, outcome), 0) + answered
    for kind, (count, in_time) in responded.items():
        if count:
            row = tally.row(kind, 1)
            row["responded"] += count
            row["responded_in_time"] += in_time
            row["responded_within_extension"] += in_time  # never extended: the one deadline
    for (kind, outcome), count in outcomes.items():
        if outcome[:1] == "+" and outcome[1:] in OUTCOMES:
            tally.row(kind, 1)[outcome[1:]] += count
    if to_replay:
        replayed = connection.execute(EVENTS_OF, {"ids": json.dumps(to_replay), "end": sqlite_time(end)})
        for case in replay(_parsed(replayed)):
            tally.case(case)
    return tally.report(year, contacts)


def _parsed(rows: Any) -> Any:
    for case_id, received, at, action, from_status, details in rows:
        yield case_id, stored_time(received), stored_time(at), action, from_status, details
