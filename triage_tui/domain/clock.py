"""The deadline clock: working days and hours in Europe/London, deadlines per clock, bands and countdown text.

All times in and out are timezone-aware; arithmetic on elapsed time is done in UTC so that the GMT/BST changes
never stretch or shrink a deadline, and calendar arithmetic (working days, the working day's hours) is done on
local dates and wall-clock times, then converted back.

The desk derives these for every row it shows, so the arithmetic uses the standard library's datetime and
zoneinfo (pendulum's richer objects cost ten times more here) and caches per date; results are plain aware
datetimes in UTC.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from datetime import UTC as _UTC
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY, FROM_ACK, FROM_PANEL, FROM_START, Policy, StageRule
from triage_tui.domain.timeparse import EARLIEST_YEAR, LATEST_YEAR

UTC = _UTC
END_OF_DAY = time(23, 59, 59)


class Band(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    BREACHED = "breached"


def utc(moment: datetime) -> datetime:
    """An aware datetime as a plain datetime in UTC (naive input is refused: it is always a bug)."""
    if type(moment) is datetime and moment.tzinfo is UTC:
        return moment
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("naive datetime: times must carry a zone")
    plain = datetime(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond
    )
    return (plain - offset).replace(tzinfo=UTC)


# Bank holidays are read from the holidays library once per machine and kept in a small file: building the
# library's calendar imports every country it knows (about 100 ms, a tenth of the desk's start). The file is
# keyed by the library's own files, so an upgrade of the library (new one-off days) rebuilds it.
HOLIDAY_YEARS = range(2000, 2041)
_holiday_cache_dir: Path | None = None


def use_holiday_cache(folder: Path | None) -> None:
    """Where to keep the bank holiday file (None: always ask the library)."""
    global _holiday_cache_dir
    _holiday_cache_dir = folder


def _library_fingerprint() -> str | None:
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.submodule_search_locations:
        return None
    version = Path(next(iter(spec.submodule_search_locations))) / "version.py"
    try:
        stat = version.stat()
    except OSError:
        return None
    return f"{version}:{stat.st_mtime_ns}:{stat.st_size}"


def _library_calendar(country: str, subdivision: str, years: range | None = None):
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision, years=years or [])


def bank_holidays(country: str, subdivision: str) -> dict[date, str]:
    """The bank holidays of HOLIDAY_YEARS, from the cache file when it is current, else from the library."""
    fingerprint = _library_fingerprint()
    path = _holiday_cache_dir / f"bank-holidays-{country}-{subdivision}.json" if _holiday_cache_dir else None
    if path is not None and fingerprint is not None:
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("library") == fingerprint and cached.get("years") == [
                HOLIDAY_YEARS.start,
                HOLIDAY_YEARS.stop,
            ]:
                return {date.fromisoformat(day): name for day, name in cached["days"].items()}
        except (OSError, ValueError, KeyError, AttributeError):
            pass  # missing or damaged: rebuild it
    days = dict(_library_calendar(country, subdivision, HOLIDAY_YEARS).items())
    if path is not None and fingerprint is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(
                json.dumps(
                    {
                        "library": fingerprint,
                        "years": [HOLIDAY_YEARS.start, HOLIDAY_YEARS.stop],
                        "days": {day.isoformat(): name for day, name in sorted(days.items())},
                    }
                ),
                encoding="utf-8",
            )
            temporary.replace(path)  # atomic: desks starting together never read half a file
        except OSError:
            pass  # a read-only home folder: work from the library every time
    return days


class WorkingCalendar:
    """Working days (not weekends, not bank holidays, not the council's closure days) and working hours."""

    def __init__(self, policy: Policy = DEFAULT_POLICY) -> None:
        self.policy = policy
        self.tz = ZoneInfo(policy.timezone)
        self._holidays = bank_holidays(policy.holiday_country, policy.holiday_subdivision)
        self._outside: Any = None  # the library itself, for the rare date outside HOLIDAY_YEARS
        self._closures = frozenset(policy.extra_closures)
        # Bound per instance so a different policy never reads another's cached answers.
        self.is_working_day = lru_cache(maxsize=8192)(self._is_working_day)
        self.nth_working_day = lru_cache(maxsize=8192)(self._nth_working_day)
        self._end_of_nth = lru_cache(maxsize=16384)(self._end_of_nth_working_day)
        self.warning_before = lru_cache(maxsize=16384)(self._warning_before)
        # For nearest_urgency: the triage hours as timedeltas where triage runs on elapsed hours (None under
        # working hours), and whether each (type, stage) has a stage rule, as asked.
        self.elapsed_triage: tuple[timedelta, timedelta, timedelta] | None = None
        if policy.triage_mode != "working":
            self.elapsed_triage = (
                timedelta(hours=policy.triage_target_hours),
                timedelta(hours=policy.triage_limit_hours),
                timedelta(hours=policy.triage_warning_hours),
            )
        self.has_stage_rule: dict[tuple[Any, int], bool] = {}

    def _is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday_name(day) is None and day not in self._closures

    def holiday_name(self, day: date) -> str | None:
        if day.year in HOLIDAY_YEARS:
            return self._holidays.get(day)
        if self._outside is None:
            self._outside = _library_calendar(self.policy.holiday_country, self.policy.holiday_subdivision)
        return self._outside.get(day)

    def _nth_working_day(self, day: date, n: int) -> date:
        """The nth working day after `day` (n >= 1); n == 0 gives `day` itself; n < 0 counts back."""
        day = date(day.year, day.month, day.day)  # a plain date: pendulum's Date arithmetic is slow
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def local(self, moment: datetime) -> datetime:
        return utc(moment).astimezone(self.tz)

    def at_local(self, day: date, clock: time) -> datetime:
        """A local wall-clock time on a date, as UTC.

        A time the spring change skips (01:30 on the last Sunday of March) is taken as if the clocks had not yet
        gone forward (fold=0), i.e. 02:30 BST; an ambiguous autumn time is its first occurrence (BST).
        """
        return datetime(
            day.year, day.month, day.day, clock.hour, clock.minute, clock.second, tzinfo=self.tz
        ).astimezone(UTC)

    def _end_of_nth_working_day(self, day: date, n: int) -> datetime:
        return self.at_local(self.nth_working_day(day, n), END_OF_DAY)

    def _warning_before(self, due: datetime, days: int) -> datetime:
        """The end of the working day `days` working days before a due time's local date."""
        return self.at_local(self.nth_working_day(self.local(due).date(), -days), END_OF_DAY)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """N working days from a time: 23:59:59 local on the Nth working day after that time's local date."""
        return self._end_of_nth(self.local(start).date(), days)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """`hours` of working time (inside the working day, on working days) after `start`."""
        remaining = timedelta(hours=hours)
        moment = utc(start)
        day = self.local(moment).date()
        while True:
            if self.is_working_day(day):
                opens = self.at_local(day, self.policy.working_day_start)
                closes = self.at_local(day, self.policy.working_day_end)
                begin = max(moment, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            moment = self.at_local(day, time(0, 0))


_CALENDARS: dict[int, WorkingCalendar] = {}


def calendar_for(policy: Policy = DEFAULT_POLICY) -> WorkingCalendar:
    """One calendar per policy object: building the holiday table is the expensive part."""
    cal = _CALENDARS.get(id(policy))
    if cal is None or cal.policy is not policy:
        cal = _CALENDARS[id(policy)] = WorkingCalendar(policy)
    return cal


@dataclass(frozen=True)
class Clock:
    """One deadline of a case: when it started, when it is due, when it is breached, and when it stopped."""

    name: str  # "triage", "acknowledgement", "response"
    due_at: datetime | None  # None: not started yet (no type, or waiting for the acknowledgement)
    limit_at: datetime | None
    warn_at: datetime | None  # from here the band is due_soon
    stopped_at: datetime | None = None
    # The due time before any extension (None: never extended, or not started): "in time" by the original
    # deadline is what the annual report and the case screen tell apart from "within an agreed extension".
    first_due_at: datetime | None = None

    @property
    def original_due_at(self) -> datetime | None:
        return self.first_due_at if self.first_due_at is not None else self.due_at

    @property
    def running(self) -> bool:
        return self.due_at is not None and self.stopped_at is None

    def band(self, now: datetime) -> Band | None:
        """The band of a running clock at `now`; None when it has stopped or not started."""
        if not self.running:
            return None
        assert self.due_at is not None and self.limit_at is not None and self.warn_at is not None
        return band_at(now, self.warn_at, self.due_at, self.limit_at)

    def met(self) -> bool | None:
        """Whether a stopped clock stopped in time; None while it runs or never started."""
        if self.due_at is None or self.stopped_at is None:
            return None
        return self.stopped_at <= self.due_at

    def countdown(self, now: datetime) -> str:
        if not self.running:
            return ""
        assert self.due_at is not None and self.limit_at is not None and self.warn_at is not None
        return countdown_text(now, self.warn_at, self.due_at, self.limit_at)


def band_at(now: datetime, warn_at: datetime, due_at: datetime, limit_at: datetime) -> Band:
    now = utc(now)
    if now > limit_at:
        return Band.BREACHED
    if now > due_at:
        # A clock whose target is its limit has no overdue stage: past the target it is breached.
        return Band.OVERDUE
    if now >= warn_at:
        return Band.DUE_SOON
    return Band.OK


def format_span(span: timedelta) -> str:
    """`23h 59m` under 100 hours, `4d 03h` from 100 hours; whole minutes, rounded down."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, mins = divmod(minutes, 60)
    if hours >= 100:
        days, hours = divmod(hours, 24)
        return f"{days}d {hours:02d}h"
    return f"{hours}h {mins:02d}m"


def countdown_text(now: datetime, warn_at: datetime, due_at: datetime, limit_at: datetime) -> str:
    """The countdown of CONTRACT.md; the text says the band on its own, colour only repeats it."""
    now = utc(now)
    band = band_at(now, warn_at, due_at, limit_at)
    if band is Band.BREACHED:
        return f"breached {format_span(now - limit_at)}"
    if band is Band.OVERDUE:
        return f"overdue {format_span(now - due_at)}"
    if band is Band.DUE_SOON:
        return f"due {format_span(due_at - now)}"
    return format_span(due_at - now)


class ClockTimes(Protocol):
    """What the clocks are derived from: a CaseTimes, or anything holding the same times (the queue's lighter
    Candidate, built for every waiting case before the desk's first frame)."""

    @property
    def received_at(self) -> datetime: ...
    @property
    def type(self) -> str: ...  # a CaseType, or its value
    @property
    def triaged_at(self) -> datetime | None: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def responded_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def stage(self) -> int: ...
    @property
    def stage_started_at(self) -> datetime | None: ...
    @property
    def extension_days(self) -> int: ...
    @property
    def panel_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class CaseTimes:
    """The stored times a case's clocks are derived from."""

    received_at: datetime
    type: CaseType
    triaged_at: datetime | None = None  # when the case first left `new`
    acknowledged_at: datetime | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None
    # The stage the case is at (1 until the customer escalates), when that stage began (None at stage 1: the
    # receipt), the working days its response deadline was extended by, and (children's stage 3) when the
    # review panel sat.
    stage: int = 1
    stage_started_at: datetime | None = None
    extension_days: int = 0
    panel_at: datetime | None = None


@dataclass(frozen=True)
class CaseClocks:
    triage: Clock
    acknowledgement: Clock
    response: Clock
    panel: Clock | None = None  # children's stage 3 only: the review panel must sit by its due time

    def all(self) -> tuple[Clock, ...]:
        if self.panel is not None:
            return (self.triage, self.acknowledgement, self.panel, self.response)
        return (self.triage, self.acknowledgement, self.response)

    def nearest(self) -> Clock | None:
        """The running clock that falls due first (the one an officer must act on next)."""
        running = [c for c in self.all() if c.running]
        return min(running, key=lambda c: (c.due_at, c.limit_at), default=None)


# Deadlines are worked out from a start inside these bounds. A time outside them is refused on entry as
# implausible; one stored before that check (or written by other means) gets the deadlines of the nearest
# bound, so a list holding it still shows, where near year 1 or 9999 the calendar arithmetic would overflow.
EARLIEST_START = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
LATEST_START = datetime(LATEST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)


def _start(moment: datetime) -> datetime:
    return min(max(utc(moment), EARLIEST_START), LATEST_START)


def triage_deadlines(received_at: datetime, policy: Policy = DEFAULT_POLICY) -> tuple[datetime, datetime]:
    """Target and limit of the triage clock."""
    start = _start(received_at)
    if policy.triage_mode == "working":
        cal = calendar_for(policy)
        return (
            cal.add_working_hours(start, policy.triage_target_hours),
            cal.add_working_hours(start, policy.triage_limit_hours),
        )
    return (
        start + timedelta(hours=policy.triage_target_hours),
        start + timedelta(hours=policy.triage_limit_hours),
    )


def case_clocks(times: CaseTimes, policy: Policy = DEFAULT_POLICY) -> CaseClocks:
    cal = calendar_for(policy)
    received = _start(times.received_at)
    closed = utc(times.closed_at) if times.closed_at else None
    triaged = utc(times.triaged_at) if times.triaged_at else None

    due, limit = triage_deadlines(received, policy)
    if policy.triage_mode == "working":
        # The warning window counts working hours too: it opens 4 working hours before the target.
        lead = max(0, policy.triage_target_hours - policy.triage_warning_hours)
        warn = cal.add_working_hours(received, lead)
    else:
        warn = due - timedelta(hours=policy.triage_warning_hours)
    triage = Clock("triage", due, limit, max(warn, received), triaged or closed)

    acknowledged = utc(times.acknowledged_at) if times.acknowledged_at else None
    responded = utc(times.responded_at) if times.responded_at else None
    rule = policy.stage_rule(times.type, times.stage)
    if rule is None:
        return CaseClocks(
            triage,
            Clock("acknowledgement", None, None, None, acknowledged),
            Clock("response", None, None, None, responded),
        )
    start, ack_due, panel_due, origin, first_due, response_due = _stage_dues(cal, rule, times, received, acknowledged)
    acknowledgement = Clock(
        "acknowledgement", ack_due, ack_due, _warn(cal, start, ack_due, policy), acknowledged or closed
    )
    panel: Clock | None = None
    if panel_due is not None:
        held = _start(times.panel_at) if times.panel_at else None
        panel = Clock("panel", panel_due, panel_due, _warn(cal, start, panel_due, policy), held or responded or closed)
    if origin is None or response_due is None:
        return CaseClocks(triage, acknowledgement, Clock("response", None, None, None, responded), panel)
    extend_origin = {
        FROM_START: start,
        FROM_ACK: _start(acknowledged) if acknowledged else None,
        FROM_PANEL: (_start(times.panel_at) if times.panel_at else panel_due) if panel_due is not None else None,
    }.get(rule.extend_from)
    limit = extension_limit(rule, start, extend_origin, policy) or response_due
    response = Clock(
        "response",
        response_due,
        max(limit, response_due),
        _warn(cal, origin, response_due, policy),
        responded or closed,
        first_due_at=first_due if times.extension_days > 0 else None,
    )
    return CaseClocks(triage, acknowledgement, response, panel)


def nearest_urgency(times: ClockTimes, policy: Policy = DEFAULT_POLICY) -> tuple[datetime, datetime, datetime] | None:
    """(due, limit, warn) of the running clock that falls due first: case_clocks(times).nearest() without
    building every clock. The queue ranks every waiting case by it before the desk's first frame, so only the
    clock that wins has its warning worked out. Same derivations as case_clocks (a property test holds the two
    equal); None when no clock runs."""
    cal = calendar_for(policy)
    elapsed = cal.elapsed_triage
    if elapsed is not None and not (times.triaged_at or times.closed_at):
        # Most of a queue is new contacts, whose triage clock alone runs: a kind without a stage rule (the
        # unclassified), under elapsed triage hours, needs no working-day arithmetic.
        target, limit_after, warning = elapsed
        shape = (times.type, times.stage)
        has_rule = cal.has_stage_rule.get(shape)
        if has_rule is None:
            has_rule = cal.has_stage_rule[shape] = policy.stage_rule(CaseType(times.type), times.stage) is not None
        if not has_rule:
            received = _start(times.received_at)
            due = received + target
            return due, received + limit_after, max(due - warning, received)
    received = _start(times.received_at)
    closed = utc(times.closed_at) if times.closed_at else None
    # (due, limit, order): ties go to the first in CaseClocks.all()'s order, as min() over it gives them.
    running: list[tuple[datetime, datetime, int]] = []
    if not (times.triaged_at or closed):
        due, limit = triage_deadlines(received, policy)
        running.append((due, limit, 0))
    acknowledged = utc(times.acknowledged_at) if times.acknowledged_at else None
    responded = utc(times.responded_at) if times.responded_at else None
    rule = policy.stage_rule(CaseType(times.type), times.stage)
    start = origin = None
    if rule is not None:
        start, ack_due, panel_due, origin, _, response_due = _stage_dues(cal, rule, times, received, acknowledged)
        if not (acknowledged or closed):
            running.append((ack_due, ack_due, 1))
        if panel_due is not None and not ((times.panel_at and _start(times.panel_at)) or responded or closed):
            running.append((panel_due, panel_due, 2))
        if origin is not None and response_due is not None and not (responded or closed):
            extend_origin = {
                FROM_START: start,
                FROM_ACK: _start(acknowledged) if acknowledged else None,
                FROM_PANEL: (_start(times.panel_at) if times.panel_at else panel_due) if panel_due else None,
            }.get(rule.extend_from)
            limit = extension_limit(rule, start, extend_origin, policy) or response_due
            running.append((response_due, max(limit, response_due), 3))
    if not running:
        return None
    due, limit, which = min(running)
    if which == 0:
        if policy.triage_mode == "working":
            warn = cal.add_working_hours(received, max(0, policy.triage_target_hours - policy.triage_warning_hours))
        else:
            warn = due - timedelta(hours=policy.triage_warning_hours)
        return due, limit, max(warn, received)
    assert start is not None
    return due, limit, _warn(cal, origin if which == 3 and origin is not None else start, due, policy)


def response_due_from(origin: datetime, days: int, policy: Policy = DEFAULT_POLICY) -> datetime:
    """`days` working days from a response's origin (the receipt, or the acknowledgement), as _stage_dues counts
    a stage's original response deadline: for a report that knows the origin and needs that deadline alone."""
    return calendar_for(policy).add_working_days(_start(origin), days)


def _stage_dues(
    cal: WorkingCalendar, rule: StageRule, times: ClockTimes, received: datetime, acknowledged: datetime | None
) -> tuple[datetime, datetime, datetime | None, datetime | None, datetime | None, datetime | None]:
    """A stage's start, acknowledgement due, panel due, response origin, original and (extended) response due:
    what case_clocks and stage_deadlines both derive, in one place."""
    start = _start(times.stage_started_at) if times.stage > 1 and times.stage_started_at else received
    ack_due = cal.add_working_days(start, rule.ack_days)
    panel_due = cal.add_working_days(start, rule.panel_days) if rule.panel_days is not None else None
    if rule.respond_from == FROM_START:
        origin: datetime | None = start
    elif rule.respond_from == FROM_ACK:
        origin = _start(acknowledged) if acknowledged else None
    elif rule.respond_from == FROM_PANEL and panel_due is not None:
        # Until the panel sits, the latest day it may sit stands in for it.
        origin = _start(times.panel_at) if times.panel_at else panel_due
    else:
        origin = None
    if origin is None:
        return start, ack_due, panel_due, None, None, None
    first_due = cal.add_working_days(origin, rule.respond_days)
    extension = max(0, times.extension_days)
    due = cal.add_working_days(origin, rule.respond_days + extension) if extension else first_due
    return start, ack_due, panel_due, origin, first_due, due


@dataclass(frozen=True)
class StageDeadlines:
    """The deadlines a report compares a stage's acknowledgement and response with (None: not started)."""

    acknowledgement: datetime | None
    response: datetime | None  # as extended
    original_response: datetime | None  # before any extension

    def acknowledged_in_time(self, acknowledged_at: datetime | None) -> bool:
        return (
            self.acknowledgement is not None
            and acknowledged_at is not None
            and (utc(acknowledged_at) <= self.acknowledgement)
        )

    def responded_in_time(self, responded_at: datetime | None, *, extended: bool = True) -> bool:
        due = self.response if extended else self.original_response
        return due is not None and responded_at is not None and utc(responded_at) <= due


NO_DEADLINES = StageDeadlines(None, None, None)


def stage_deadlines(times: CaseTimes, policy: Policy = DEFAULT_POLICY) -> StageDeadlines:
    """The acknowledgement and response due times of case_clocks (the same derivation), without the triage
    clock, warnings and limits a report never reads."""
    rule = policy.stage_rule(times.type, times.stage)
    if rule is None:
        return NO_DEADLINES
    received = _start(times.received_at)
    acknowledged = utc(times.acknowledged_at) if times.acknowledged_at else None
    _, ack_due, _, _, first_due, due = _stage_dues(calendar_for(policy), rule, times, received, acknowledged)
    return StageDeadlines(ack_due, due, first_due)


def extension_limit(
    rule: StageRule, start: datetime, extend_origin: datetime | None, policy: Policy = DEFAULT_POLICY
) -> datetime | None:
    """The latest a stage's response may be extended to (None: the stage cannot be extended, or its origin, the
    acknowledgement, has not happened yet)."""
    if not rule.extendable or extend_origin is None:
        return None
    cal = calendar_for(policy)
    if rule.extend_days is not None:
        return cal.add_working_days(extend_origin, rule.extend_days)
    assert rule.extend_months is not None
    return cal.at_local(add_months(cal.local(extend_origin).date(), rule.extend_months), END_OF_DAY)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day where it has no such day (31 August
    plus 6 months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")  # pragma: no cover


def request_deadline(previous_response: datetime, rule: StageRule, policy: Policy = DEFAULT_POLICY) -> datetime | None:
    """The latest the customer may ask for a stage that must be asked for soon after the previous stage's
    response (children's stage 3: 20 working days); None when the stage sets no such window."""
    if rule.request_within_days is None:
        return None
    return calendar_for(policy).add_working_days(previous_response, rule.request_within_days)


def end_of_local_day(day: date, policy: Policy = DEFAULT_POLICY) -> datetime:
    """23:59:59 UK time on a date, as UTC: a date given as a deadline ("respond by 15/01") is due at its end."""
    return calendar_for(policy).at_local(day, END_OF_DAY)


def date_clock(
    name: str, opened_at: datetime, due: date, stopped_at: datetime | None, policy: Policy = DEFAULT_POLICY
) -> Clock:
    """A clock due at the end of a given date (the ombudsman's respond-by, a remedy's due date), with the same
    bands as the others: due soon from the working day before, past it breached (no grace beyond a set date)."""
    cal = calendar_for(policy)
    due_at = end_of_local_day(due, policy)
    start = _start(opened_at)
    return Clock(name, due_at, due_at, _warn(cal, min(start, due_at), due_at, policy), stopped_at)


def _warn(cal: WorkingCalendar, start: datetime, due: datetime, policy: Policy) -> datetime:
    """Due soon from the end of the working day `warning_working_days` before the due day."""
    return max(cal.warning_before(due, policy.warning_working_days), start)
