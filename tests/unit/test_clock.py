"""The deadline clock: working days, triage/acknowledgement/response deadlines, bands and countdown text.

Every expected value here was worked out by hand from DOMAIN.md ("Deadlines") and the published bank holidays of
England and Wales, never copied from what the code returns. Instants are written in UTC (`Z`); where the local
wall-clock time matters it is checked too. Europe/London is GMT (UTC+0) until 27 March 2022 01:00 UTC, BST (UTC+1)
until 30 October 2022 01:00 UTC, then GMT again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from triage_tui.domain.clock import (
    Band,
    CaseTimes,
    Clock,
    WorkingCalendar,
    band_at,
    calendar_for,
    case_clocks,
    countdown_text,
    format_span,
    triage_deadlines,
)
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY, Policy

LONDON = ZoneInfo("Europe/London")
GMT = timedelta(0)
BST = timedelta(hours=1)


def loc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A Europe/London wall-clock time (never one a clock change skips or repeats)."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=LONDON)


def z(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A UTC instant."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


def assert_utc(actual: datetime, expected: datetime) -> None:
    assert actual == expected
    assert actual.utcoffset() == timedelta(0), "deadlines are handed out in UTC"


def wall(moment: datetime) -> tuple[datetime, timedelta | None]:
    """The London wall-clock time of an instant (naive) and its offset, for checking what a user is shown."""
    local = moment.astimezone(LONDON)
    return local.replace(tzinfo=None), local.utcoffset()


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar(DEFAULT_POLICY)


# --------------------------------------------------------------------------------------------------- working days

WORKING_DAYS = [
    # weekends
    pytest.param(date(2022, 1, 14), True, id="fri-14-jan-2022"),
    pytest.param(date(2022, 1, 15), False, id="sat-15-jan-2022"),
    pytest.param(date(2022, 1, 16), False, id="sun-16-jan-2022"),
    pytest.param(date(2022, 1, 17), True, id="mon-17-jan-2022"),
    # Christmas 2021: 25/26 fall on Sat/Sun, substitutes Mon 27 and Tue 28
    pytest.param(date(2021, 12, 24), True, id="christmas-eve-2021-fri"),
    pytest.param(date(2021, 12, 25), False, id="christmas-day-2021-sat"),
    pytest.param(date(2021, 12, 26), False, id="boxing-day-2021-sun"),
    pytest.param(date(2021, 12, 27), False, id="christmas-substitute-mon-27-dec-2021"),
    pytest.param(date(2021, 12, 28), False, id="boxing-substitute-tue-28-dec-2021"),
    pytest.param(date(2021, 12, 29), True, id="wed-29-dec-2021"),
    pytest.param(date(2021, 12, 31), True, id="new-years-eve-2021-fri"),
    # New Year 2022: 1 Jan is a Saturday, substitute Mon 3 Jan
    pytest.param(date(2022, 1, 3), False, id="new-year-substitute-mon-3-jan-2022"),
    pytest.param(date(2022, 1, 4), True, id="tue-4-jan-2022-scotland-only-holiday"),
    # Easter 2022
    pytest.param(date(2022, 4, 14), True, id="maundy-thursday-2022"),
    pytest.param(date(2022, 4, 15), False, id="good-friday-2022"),
    pytest.param(date(2022, 4, 18), False, id="easter-monday-2022"),
    pytest.param(date(2022, 4, 19), True, id="tue-after-easter-2022"),
    pytest.param(date(2022, 5, 2), False, id="early-may-bank-holiday-2022"),
    # Platinum Jubilee: the spring bank holiday moved to Thu 2 June, plus Fri 3 June
    pytest.param(date(2022, 5, 30), True, id="last-mon-of-may-2022-not-a-holiday"),
    pytest.param(date(2022, 6, 1), True, id="wed-1-jun-2022"),
    pytest.param(date(2022, 6, 2), False, id="spring-bank-holiday-thu-2-jun-2022"),
    pytest.param(date(2022, 6, 3), False, id="platinum-jubilee-fri-3-jun-2022"),
    pytest.param(date(2022, 6, 6), True, id="mon-6-jun-2022"),
    pytest.param(date(2022, 7, 12), True, id="12-jul-2022-northern-ireland-only-holiday"),
    pytest.param(date(2022, 8, 29), False, id="summer-bank-holiday-2022"),
    # State Funeral of Queen Elizabeth II
    pytest.param(date(2022, 9, 16), True, id="fri-16-sep-2022"),
    pytest.param(date(2022, 9, 19), False, id="state-funeral-mon-19-sep-2022"),
    pytest.param(date(2022, 9, 20), True, id="tue-20-sep-2022"),
    pytest.param(date(2022, 11, 30), True, id="st-andrews-day-2022-scotland-only-holiday"),
    # Christmas 2022: 25 Dec is a Sunday, substitute Tue 27 Dec
    pytest.param(date(2022, 12, 26), False, id="boxing-day-2022-mon"),
    pytest.param(date(2022, 12, 27), False, id="christmas-substitute-tue-27-dec-2022"),
    pytest.param(date(2022, 12, 28), True, id="wed-28-dec-2022"),
    pytest.param(date(2023, 1, 2), False, id="new-year-substitute-mon-2-jan-2023"),
    # Coronation of King Charles III
    pytest.param(date(2023, 5, 1), False, id="early-may-bank-holiday-2023"),
    pytest.param(date(2023, 5, 8), False, id="coronation-mon-8-may-2023"),
    pytest.param(date(2023, 5, 9), True, id="tue-9-may-2023"),
]


@pytest.mark.parametrize(("day", "working"), WORKING_DAYS)
def test_is_working_day(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


CLOSURES = Policy(extra_closures=(date(2021, 12, 29), date(2021, 12, 30), date(2021, 12, 31)))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2021, 12, 24), True, id="day-before-is-open"),
        pytest.param(date(2021, 12, 29), False, id="closure-29-dec"),
        pytest.param(date(2021, 12, 31), False, id="closure-31-dec"),
        pytest.param(date(2022, 1, 3), False, id="bank-holiday-still-closed"),
        pytest.param(date(2022, 1, 4), True, id="first-day-back"),
    ],
)
def test_extra_closures_are_not_working_days(day: date, working: bool) -> None:
    assert WorkingCalendar(CLOSURES).is_working_day(day) is working


def test_calendars_of_different_policies_do_not_share_answers() -> None:
    # Ask the closing policy first so that a calendar shared by mistake would have cached its answer.
    assert calendar_for(CLOSURES).is_working_day(date(2021, 12, 29)) is False
    assert calendar_for(DEFAULT_POLICY).is_working_day(date(2021, 12, 29)) is True


# ---------------------------------------------------------------------------------------------- add_working_days

ADD_WORKING_DAYS = [
    # DOMAIN.md: 27 and 28 Dec are bank holidays, so 29, 30, 31 count.
    pytest.param(loc(2021, 12, 24, 16), 3, z(2021, 12, 31, 23, 59, 59), id="domain-example-christmas-2021"),
    pytest.param(loc(2021, 12, 24, 16), 5, z(2022, 1, 5, 23, 59, 59), id="christmas-and-new-year-5-days"),
    # Thu 30 Dec: Fri 31 (1), Mon 3 Jan holiday, Tue 4 (2), Wed 5 (3).
    pytest.param(loc(2021, 12, 30, 10), 3, z(2022, 1, 5, 23, 59, 59), id="new-year-substitute-2022"),
    pytest.param(loc(2021, 12, 27, 10), 3, z(2021, 12, 31, 23, 59, 59), id="received-on-bank-holiday"),
    # Wed 13 Apr: Thu 14 (1), Good Friday, weekend, Easter Monday, Tue 19 (2) ... Fri 22 (5) / Fri 29 (10).
    pytest.param(loc(2022, 4, 13, 10), 5, z(2022, 4, 22, 22, 59, 59), id="easter-2022-5-days-bst"),
    pytest.param(loc(2022, 4, 13, 10), 10, z(2022, 4, 29, 22, 59, 59), id="easter-2022-10-days-bst"),
    pytest.param(loc(2022, 4, 15, 10), 5, z(2022, 4, 25, 22, 59, 59), id="received-good-friday-5-days"),
    # Thu 28 Apr, 10 days: Fri 29 (1), Mon 2 May holiday, Tue 3 (2) ... Fri 13 May (10).
    pytest.param(loc(2022, 4, 28, 10), 10, z(2022, 5, 13, 22, 59, 59), id="early-may-2022-10-days"),
    # Tue 31 May: Wed 1 Jun (1), Thu 2 and Fri 3 holidays, Mon 6 (2) ... Thu 9 (5) / Thu 16 (10).
    pytest.param(loc(2022, 5, 31, 9), 5, z(2022, 6, 9, 22, 59, 59), id="jubilee-2022-5-days"),
    pytest.param(loc(2022, 5, 31, 9), 10, z(2022, 6, 16, 22, 59, 59), id="jubilee-2022-10-days"),
    # Thu 15 Sep: Fri 16 (1), Mon 19 state funeral, Tue 20 (2), Wed 21 (3).
    pytest.param(loc(2022, 9, 15, 12), 3, z(2022, 9, 21, 22, 59, 59), id="state-funeral-2022"),
    # Thu 4 May 2023: Fri 5 (1), Mon 8 coronation, Tue 9 (2), Wed 10 (3).
    pytest.param(loc(2023, 5, 4, 12), 3, z(2023, 5, 10, 22, 59, 59), id="coronation-2023"),
    # Fri 23 Dec 2022: Mon 26 and Tue 27 holidays, Wed 28 (1), Thu 29 (2), Fri 30 (3).
    pytest.param(loc(2022, 12, 23, 12), 3, z(2022, 12, 30, 23, 59, 59), id="christmas-2022-substitute"),
    # A weekend start counts from the Monday.
    pytest.param(loc(2022, 4, 9, 11), 3, z(2022, 4, 13, 22, 59, 59), id="start-saturday"),
    pytest.param(loc(2022, 4, 10, 11), 3, z(2022, 4, 13, 22, 59, 59), id="start-sunday"),
    pytest.param(loc(2022, 1, 15, 23, 30), 1, z(2022, 1, 17, 23, 59, 59), id="start-saturday-night-1-day"),
    # Late in the evening the local date is what counts.
    pytest.param(loc(2022, 1, 14, 23, 45), 3, z(2022, 1, 19, 23, 59, 59), id="start-friday-23-45-gmt"),
    pytest.param(loc(2022, 6, 30, 23, 30), 3, z(2022, 7, 5, 22, 59, 59), id="start-thursday-23-30-bst"),
    # 00:30 BST on Fri 1 Jul is 23:30 UTC on Thu 30 Jun: the local date (Friday) is the start, not the UTC one.
    pytest.param(z(2022, 6, 30, 23, 30), 3, z(2022, 7, 6, 22, 59, 59), id="local-date-not-utc-date"),
    # Across the clock changes: the deadline keeps 23:59:59 local in the season it lands in.
    pytest.param(loc(2022, 3, 24, 15), 3, z(2022, 3, 29, 22, 59, 59), id="gmt-start-bst-deadline"),
    pytest.param(loc(2022, 10, 27, 10), 3, z(2022, 11, 1, 23, 59, 59), id="bst-start-gmt-deadline"),
    pytest.param(loc(2022, 1, 10, 9), 3, z(2022, 1, 13, 23, 59, 59), id="plain-gmt-week"),
    pytest.param(loc(2022, 7, 11, 9), 3, z(2022, 7, 14, 22, 59, 59), id="plain-bst-week"),
]


@pytest.mark.parametrize(("start", "days", "expected"), ADD_WORKING_DAYS)
def test_add_working_days(cal: WorkingCalendar, start: datetime, days: int, expected: datetime) -> None:
    result = cal.add_working_days(start, days)
    assert_utc(result, expected)
    local, _ = wall(result)
    assert local.time() == time(23, 59, 59), "a working-day deadline is the last second of a local day"


def test_add_working_days_skips_extra_closures() -> None:
    # 29-31 Dec closed, weekend, Mon 3 Jan bank holiday: Tue 4 (1), Wed 5 (2), Thu 6 (3).
    result = WorkingCalendar(CLOSURES).add_working_days(loc(2021, 12, 24, 16), 3)
    assert_utc(result, z(2022, 1, 6, 23, 59, 59))


def test_add_working_days_refuses_naive_times(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(datetime(2022, 1, 14, 9, 0), 3)


# ------------------------------------------------------------------------------------- triage clock, elapsed hours

ELAPSED = [
    pytest.param(
        loc(2022, 1, 14, 9, 30),
        z(2022, 1, 15, 9, 30),
        datetime(2022, 1, 15, 9, 30),
        GMT,
        z(2022, 1, 16, 9, 30),
        datetime(2022, 1, 16, 9, 30),
        GMT,
        id="winter",
    ),
    pytest.param(
        loc(2022, 7, 14, 9, 30),
        z(2022, 7, 15, 8, 30),
        datetime(2022, 7, 15, 9, 30),
        BST,
        z(2022, 7, 16, 8, 30),
        datetime(2022, 7, 16, 9, 30),
        BST,
        id="summer",
    ),
    # Spring forward: 24 real hours after 12:00 GMT on Sat 26 Mar is 13:00 BST on Sun 27 Mar.
    pytest.param(
        loc(2022, 3, 26, 12),
        z(2022, 3, 27, 12),
        datetime(2022, 3, 27, 13),
        BST,
        z(2022, 3, 28, 12),
        datetime(2022, 3, 28, 13),
        BST,
        id="across-spring-change",
    ),
    pytest.param(
        loc(2022, 3, 25, 12),
        z(2022, 3, 26, 12),
        datetime(2022, 3, 26, 12),
        GMT,
        z(2022, 3, 27, 12),
        datetime(2022, 3, 27, 13),
        BST,
        id="limit-only-across-spring-change",
    ),
    pytest.param(
        loc(2022, 3, 27, 0, 30),
        z(2022, 3, 28, 0, 30),
        datetime(2022, 3, 28, 1, 30),
        BST,
        z(2022, 3, 29, 0, 30),
        datetime(2022, 3, 29, 1, 30),
        BST,
        id="received-just-before-spring-change",
    ),
    # Fall back: 24 real hours after 12:00 BST on Sat 29 Oct is 11:00 GMT on Sun 30 Oct.
    pytest.param(
        loc(2022, 10, 29, 12),
        z(2022, 10, 30, 11),
        datetime(2022, 10, 30, 11),
        GMT,
        z(2022, 10, 31, 11),
        datetime(2022, 10, 31, 11),
        GMT,
        id="across-autumn-change",
    ),
    pytest.param(
        loc(2022, 10, 28, 23),
        z(2022, 10, 29, 22),
        datetime(2022, 10, 29, 23),
        BST,
        z(2022, 10, 30, 22),
        datetime(2022, 10, 30, 22),
        GMT,
        id="limit-only-across-autumn-change",
    ),
    # 01:30 BST, the first of the two 01:30s on 30 Oct, is 00:30 UTC.
    pytest.param(
        z(2022, 10, 30, 0, 30),
        z(2022, 10, 31, 0, 30),
        datetime(2022, 10, 31, 0, 30),
        GMT,
        z(2022, 11, 1, 0, 30),
        datetime(2022, 11, 1, 0, 30),
        GMT,
        id="received-in-repeated-hour",
    ),
    # Received with a foreign offset: 09:00 at UTC-4 is 13:00 UTC.
    pytest.param(
        datetime(2022, 7, 1, 9, tzinfo=timezone(timedelta(hours=-4))),
        z(2022, 7, 2, 13),
        datetime(2022, 7, 2, 14),
        BST,
        z(2022, 7, 3, 13),
        datetime(2022, 7, 3, 14),
        BST,
        id="foreign-offset",
    ),
    # Weekends and bank holidays do not stop elapsed hours: Fri 24 Dec 16:00 -> Sat 25 / Sun 26 16:00.
    pytest.param(
        loc(2021, 12, 24, 16),
        z(2021, 12, 25, 16),
        datetime(2021, 12, 25, 16),
        GMT,
        z(2021, 12, 26, 16),
        datetime(2021, 12, 26, 16),
        GMT,
        id="over-christmas",
    ),
]


@pytest.mark.parametrize(
    ("received", "target", "target_wall", "target_offset", "limit", "limit_wall", "limit_offset"), ELAPSED
)
def test_triage_deadlines_elapsed(
    received: datetime,
    target: datetime,
    target_wall: datetime,
    target_offset: timedelta,
    limit: datetime,
    limit_wall: datetime,
    limit_offset: timedelta,
) -> None:
    due_at, limit_at = triage_deadlines(received)
    assert_utc(due_at, target)
    assert_utc(limit_at, limit)
    assert wall(due_at) == (target_wall, target_offset)
    assert wall(limit_at) == (limit_wall, limit_offset)
    # Absolute time: exactly 24 and 48 hours of real time, whatever the wall clock did.
    assert due_at - received == timedelta(hours=24)
    assert limit_at - received == timedelta(hours=48)


def test_triage_clock_of_a_case_uses_the_same_deadlines() -> None:
    clocks = case_clocks(CaseTimes(received_at=loc(2022, 3, 26, 12), type=CaseType.UNCLASSIFIED))
    assert_utc(clocks.triage.due_at, z(2022, 3, 27, 12))
    assert_utc(clocks.triage.limit_at, z(2022, 3, 28, 12))
    assert clocks.triage.running


# ------------------------------------------------------------------------------------- triage clock, working hours

WORKING = Policy(triage_mode="working")

WORKING_HOURS = [
    # Fri 16-17 (1h), Mon 17 (9h), Tue 18 (17h), Wed 19 09:00 + 7h = 16:00 (24h).
    # Limit: Thu 20 (32h), Fri 21 (40h), Mon 24 09:00 + 7h = 16:00 (48h).
    pytest.param(loc(2022, 1, 14, 16), z(2022, 1, 19, 16), z(2022, 1, 24, 16), id="friday-16-00"),
    # Good Friday: nothing until Tue 19 09:00; three full days end Thu 21 17:00 BST; six end Tue 26.
    pytest.param(loc(2022, 4, 15, 10), z(2022, 4, 21, 16), z(2022, 4, 26, 16), id="received-good-friday"),
    # Jubilee Friday: from Mon 6 Jun 09:00; Wed 8 17:00 BST; limit Mon 13 17:00 BST.
    pytest.param(loc(2022, 6, 3, 11), z(2022, 6, 8, 16), z(2022, 6, 13, 16), id="received-jubilee-holiday"),
    # Before opening: counting starts at 09:00 Mon 17; Mon-Wed; limit Mon 17 .. Mon 24 (6 days).
    pytest.param(loc(2022, 1, 17, 7, 30), z(2022, 1, 19, 17), z(2022, 1, 24, 17), id="before-09-00"),
    pytest.param(loc(2022, 1, 17, 9), z(2022, 1, 19, 17), z(2022, 1, 24, 17), id="at-09-00"),
    # After closing: counting starts Tue 18 09:00; Tue-Thu; limit Tue 18 .. Tue 25.
    pytest.param(loc(2022, 1, 17, 18), z(2022, 1, 20, 17), z(2022, 1, 25, 17), id="after-17-00"),
    pytest.param(loc(2022, 1, 15, 12), z(2022, 1, 19, 17), z(2022, 1, 24, 17), id="received-saturday"),
    # Tue 12 Apr 10:00: 7h + Wed 8h + Thu 8h = 23h, Easter, Tue 19 10:00 BST (24h);
    # limit: Tue 19 (31h), Wed 20 (39h), Thu 21 (47h), Fri 22 10:00 BST (48h).
    pytest.param(loc(2022, 4, 12, 10), z(2022, 4, 19, 9), z(2022, 4, 22, 9), id="mid-day-across-easter"),
    # Fri 25 Mar 13:00 GMT: 4h, then Mon 28 (12h), Tue 29 (20h), Wed 30 09:00 + 4h = 13:00 BST;
    # limit: Wed 30 (28h), Thu 31 (36h), Fri 1 Apr (44h), Mon 4 Apr 13:00 BST.
    pytest.param(loc(2022, 3, 25, 13), z(2022, 3, 30, 12), z(2022, 4, 4, 12), id="across-spring-change"),
    # Fri 28 Oct 13:00 BST: 4h, Mon 31 (12h), Tue 1 Nov (20h), Wed 2 Nov 13:00 GMT;
    # limit: Wed 2 (28h), Thu 3 (36h), Fri 4 (44h), Mon 7 Nov 13:00 GMT.
    pytest.param(loc(2022, 10, 28, 13), z(2022, 11, 2, 13), z(2022, 11, 7, 13), id="across-autumn-change"),
]


@pytest.mark.parametrize(("received", "target", "limit"), WORKING_HOURS)
def test_triage_deadlines_in_working_hours(received: datetime, target: datetime, limit: datetime) -> None:
    due_at, limit_at = triage_deadlines(received, WORKING)
    assert_utc(due_at, target)
    assert_utc(limit_at, limit)


def test_working_hours_triage_ends_inside_the_working_day() -> None:
    due_at, _ = triage_deadlines(loc(2022, 3, 25, 13), WORKING)
    assert wall(due_at) == (datetime(2022, 3, 30, 13), BST)


# ----------------------------------------------------------------------------------------------------------- bands

T = z(2022, 1, 15, 9, 30)
H = timedelta(hours=1)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "band"),
    [
        pytest.param(T - 24 * H, Band.OK, id="at-receipt"),
        pytest.param(T - 4 * H - S, Band.OK, id="1s-before-warning"),
        pytest.param(T - 4 * H, Band.DUE_SOON, id="warning-starts"),
        pytest.param(T - 4 * H + S, Band.DUE_SOON, id="1s-into-warning"),
        pytest.param(T - S, Band.DUE_SOON, id="1s-before-due"),
        pytest.param(T, Band.DUE_SOON, id="at-due-not-yet-overdue"),
        pytest.param(T + S, Band.OVERDUE, id="1s-past-due"),
        pytest.param(T + 24 * H, Band.OVERDUE, id="at-limit-not-yet-breached"),
        pytest.param(T + 24 * H + S, Band.BREACHED, id="1s-past-limit"),
        pytest.param(T + 100 * H, Band.BREACHED, id="long-past-limit"),
    ],
)
def test_band_at(now: datetime, band: Band) -> None:
    assert band_at(now, T - 4 * H, T, T + 24 * H) is band


@pytest.mark.parametrize(
    ("now", "band"),
    [
        pytest.param(T - 2 * H, Band.DUE_SOON, id="due-soon"),
        pytest.param(T, Band.DUE_SOON, id="at-due"),
        pytest.param(T + S, Band.BREACHED, id="1s-past-due-is-breached"),
    ],
)
def test_band_at_when_target_is_the_limit(now: datetime, band: Band) -> None:
    assert band_at(now, T - 24 * H, T, T) is band


def test_band_values_are_the_contract_codes() -> None:
    assert [b.value for b in Band] == ["ok", "due_soon", "overdue", "breached"]


TRIAGE_CASE = CaseTimes(received_at=z(2022, 1, 14, 9, 30), type=CaseType.UNCLASSIFIED)


@pytest.mark.parametrize(
    ("now", "band"),
    [
        pytest.param(z(2022, 1, 14, 9, 30), Band.OK, id="at-receipt"),
        pytest.param(z(2022, 1, 15, 5, 29, 59), Band.OK, id="4h-1s-before-target"),
        pytest.param(z(2022, 1, 15, 5, 30, 1), Band.DUE_SOON, id="inside-4h-window"),
        pytest.param(z(2022, 1, 15, 9, 30), Band.DUE_SOON, id="at-target"),
        pytest.param(z(2022, 1, 15, 9, 30, 1), Band.OVERDUE, id="past-target"),
        pytest.param(z(2022, 1, 16, 9, 30), Band.OVERDUE, id="at-limit"),
        pytest.param(z(2022, 1, 16, 9, 30, 1), Band.BREACHED, id="past-limit"),
    ],
)
def test_triage_clock_band(now: datetime, band: Band) -> None:
    assert case_clocks(TRIAGE_CASE).triage.band(now) is band


@pytest.mark.parametrize(
    ("now", "band"),
    [
        # Received Sat 26 Mar 12:00 GMT, target 12:00 UTC (13:00 BST) on Sunday: the window opens 4 real hours
        # earlier, at 08:00 UTC = 09:00 BST, not at 09:00 UTC.
        pytest.param(z(2022, 3, 27, 7, 59, 59), Band.OK, id="before-window"),
        pytest.param(z(2022, 3, 27, 8, 0, 1), Band.DUE_SOON, id="window-opens-09-00-bst"),
        pytest.param(z(2022, 3, 27, 12, 0, 1), Band.OVERDUE, id="past-target-13-00-bst"),
        pytest.param(z(2022, 3, 28, 12, 0, 1), Band.BREACHED, id="past-limit"),
    ],
)
def test_triage_clock_band_across_spring_change(now: datetime, band: Band) -> None:
    clock = case_clocks(CaseTimes(received_at=loc(2022, 3, 26, 12), type=CaseType.UNCLASSIFIED)).triage
    assert clock.band(now) is band


ADULTS_XMAS = CaseTimes(received_at=loc(2021, 12, 24, 16), type=CaseType.ADULTS)


@pytest.mark.parametrize(
    ("now", "band"),
    [
        # Due 23:59:59 Fri 31 Dec; the warning window is the last working day: from 23:59:59 Thu 30 Dec.
        pytest.param(z(2021, 12, 29, 12), Band.OK, id="two-working-days-left"),
        pytest.param(z(2021, 12, 30, 23, 59, 58), Band.OK, id="just-before-last-working-day"),
        pytest.param(z(2021, 12, 31, 0, 0), Band.DUE_SOON, id="last-working-day"),
        pytest.param(z(2021, 12, 31, 23, 59, 59), Band.DUE_SOON, id="at-due"),
        # target == limit: straight from due_soon to breached, never overdue.
        pytest.param(z(2022, 1, 1, 0, 0), Band.BREACHED, id="1s-past-due-is-breached"),
        pytest.param(z(2022, 1, 4, 12), Band.BREACHED, id="days-past-due"),
    ],
)
def test_acknowledgement_clock_band(now: datetime, band: Band) -> None:
    clock = case_clocks(ADULTS_XMAS).acknowledgement
    assert clock.due_at == clock.limit_at
    assert clock.band(now) is band


@pytest.mark.parametrize(
    ("now", "band"),
    [
        # Adults received Wed 29 Dec: Thu 30 (1), Fri 31 (2), Tue 4 Jan (3). The working day before the due day
        # is Fri 31 Dec (Mon 3 Jan is a bank holiday), so the warning starts at its end.
        pytest.param(z(2021, 12, 31, 12), Band.OK, id="friday-before"),
        pytest.param(z(2022, 1, 1, 12), Band.DUE_SOON, id="saturday-before-tuesday-deadline"),
        pytest.param(z(2022, 1, 3, 12), Band.DUE_SOON, id="bank-holiday-before-deadline"),
        pytest.param(z(2022, 1, 5, 0, 0), Band.BREACHED, id="past-due"),
    ],
)
def test_acknowledgement_warning_skips_non_working_days(now: datetime, band: Band) -> None:
    clock = case_clocks(CaseTimes(received_at=loc(2021, 12, 29, 10), type=CaseType.ADULTS)).acknowledgement
    assert_utc(clock.due_at, z(2022, 1, 4, 23, 59, 59))
    assert clock.band(now) is band


CHILDREN_EASTER = CaseTimes(received_at=loc(2022, 4, 13, 10), type=CaseType.CHILDREN)


@pytest.mark.parametrize(
    ("now", "band"),
    [
        # Response due 23:59:59 BST Fri 29 Apr (10 working days), limit 23:59:59 BST Mon 16 May (20 days).
        pytest.param(z(2022, 4, 28, 12), Band.OK, id="two-days-left"),
        pytest.param(z(2022, 4, 29, 12), Band.DUE_SOON, id="last-working-day"),
        pytest.param(z(2022, 4, 29, 22, 59, 59), Band.DUE_SOON, id="at-due"),
        pytest.param(z(2022, 4, 29, 23, 0, 0), Band.OVERDUE, id="past-due-midnight-bst"),
        pytest.param(z(2022, 5, 16, 22, 59, 59), Band.OVERDUE, id="at-extended-limit"),
        pytest.param(z(2022, 5, 16, 23, 0, 0), Band.BREACHED, id="past-extended-limit"),
    ],
)
def test_response_clock_band(now: datetime, band: Band) -> None:
    assert case_clocks(CHILDREN_EASTER).response.band(now) is band


# ------------------------------------------------------------------------------------------------ countdown text


@pytest.mark.parametrize(
    ("span", "text"),
    [
        pytest.param(timedelta(0), "0h 00m", id="zero"),
        pytest.param(timedelta(seconds=59), "0h 00m", id="59s-rounds-down"),
        pytest.param(timedelta(minutes=1), "0h 01m", id="one-minute"),
        pytest.param(timedelta(hours=1, minutes=2), "1h 02m", id="1h-02m"),
        pytest.param(timedelta(hours=3, minutes=10), "3h 10m", id="3h-10m"),
        pytest.param(timedelta(hours=23, minutes=59, seconds=59), "23h 59m", id="23h-59m-59s-rounds-down"),
        pytest.param(timedelta(hours=24), "24h 00m", id="24h"),
        pytest.param(timedelta(hours=48), "48h 00m", id="48h"),
        pytest.param(timedelta(hours=99, minutes=59), "99h 59m", id="99h-59m"),
        pytest.param(timedelta(hours=99, minutes=59, seconds=59), "99h 59m", id="just-below-100h"),
        pytest.param(timedelta(hours=100), "4d 04h", id="100h"),
        pytest.param(timedelta(hours=100, minutes=59), "4d 04h", id="100h-59m-rounds-down"),
        pytest.param(timedelta(hours=123), "5d 03h", id="123h"),
        pytest.param(timedelta(days=10), "10d 00h", id="10-days"),
        pytest.param(timedelta(days=16, hours=13, minutes=59, seconds=59), "16d 13h", id="16d-13h-59m"),
    ],
)
def test_format_span(span: timedelta, text: str) -> None:
    assert format_span(span) == text


M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("now", "text"),
    [
        pytest.param(T - 24 * H, "24h 00m", id="full-24h"),
        pytest.param(T - 23 * H - 59 * M, "23h 59m", id="23h-59m"),
        pytest.param(T - 23 * H - 59 * M - 59 * S, "23h 59m", id="minutes-round-down"),
        pytest.param(T - 100 * H, "4d 04h", id="100h-left"),
        pytest.param(T - 99 * H - 59 * M, "99h 59m", id="99h-59m-left"),
        pytest.param(T - 4 * H - S, "4h 00m", id="just-outside-warning"),
        pytest.param(T - 4 * H, "due 4h 00m", id="warning-starts"),
        pytest.param(T - 2 * H - 30 * M, "due 2h 30m", id="inside-warning"),
        pytest.param(T - S, "due 0h 00m", id="last-second"),
        pytest.param(T, "due 0h 00m", id="at-due"),
        pytest.param(T + S, "overdue 0h 00m", id="1s-overdue"),
        pytest.param(T + H + 2 * M, "overdue 1h 02m", id="overdue-1h-02m"),
        pytest.param(T + H + 2 * M + 59 * S, "overdue 1h 02m", id="overdue-rounds-down"),
        pytest.param(T + 24 * H, "overdue 24h 00m", id="at-limit"),
        pytest.param(T + 24 * H + 3 * H + 10 * M, "breached 3h 10m", id="breached-3h-10m"),
        pytest.param(T + 24 * H + 100 * H, "breached 4d 04h", id="breached-100h"),
    ],
)
def test_countdown_text(now: datetime, text: str) -> None:
    assert countdown_text(now, T - 4 * H, T, T + 24 * H) == text


@pytest.mark.parametrize(
    ("now", "text"),
    [
        pytest.param(z(2022, 1, 14, 9, 31), "23h 59m", id="a-minute-after-receipt"),
        pytest.param(z(2022, 1, 15, 7), "due 2h 30m", id="due-soon"),
        pytest.param(z(2022, 1, 15, 10, 32), "overdue 1h 02m", id="overdue"),
        pytest.param(z(2022, 1, 16, 12, 40), "breached 3h 10m", id="breached"),
    ],
)
def test_triage_clock_countdown(now: datetime, text: str) -> None:
    assert case_clocks(TRIAGE_CASE).triage.countdown(now) == text


@pytest.mark.parametrize(
    ("now", "text"),
    [
        # 24 real hours, although the wall clock shows 12:00 GMT -> 13:00 BST.
        pytest.param(z(2022, 3, 26, 12), "24h 00m", id="at-receipt-24h-not-25h"),
        pytest.param(z(2022, 3, 27, 8), "due 4h 00m", id="09-00-bst-sunday"),
    ],
)
def test_triage_countdown_across_spring_change(now: datetime, text: str) -> None:
    clock = case_clocks(CaseTimes(received_at=loc(2022, 3, 26, 12), type=CaseType.UNCLASSIFIED)).triage
    assert clock.countdown(now) == text


@pytest.mark.parametrize(
    ("kind", "clock", "now", "text"),
    [
        # Children response due 22:59:59Z Fri 29 Apr, 16d 13h 59m 59s after receipt at 09:00Z Wed 13 Apr.
        pytest.param(CaseType.CHILDREN, "response", z(2022, 4, 13, 9), "16d 13h", id="response-at-receipt"),
        pytest.param(CaseType.CHILDREN, "response", z(2022, 4, 30, 12), "overdue 13h 00m", id="response-overdue"),
        # Adults acknowledgement: Thu 14, Tue 19, Wed 20 Apr -> 22:59:59Z Wed 20 Apr; target == limit, so past
        # the due time it reads breached.
        pytest.param(CaseType.ADULTS, "acknowledgement", z(2022, 4, 21, 0, 2), "breached 1h 02m", id="ack-breached"),
    ],
)
def test_countdown_of_working_day_clocks(kind: CaseType, clock: str, now: datetime, text: str) -> None:
    clocks = case_clocks(CaseTimes(received_at=loc(2022, 4, 13, 10), type=kind))
    assert getattr(clocks, clock).countdown(now) == text


# ----------------------------------------------------------------------------------------------------- case_clocks

XMAS = loc(2021, 12, 24, 16)


@pytest.mark.parametrize(
    ("kind", "ack_due"),
    [
        # Fri 24 Dec 2021: 3 working days -> Fri 31 Dec; 5 -> 29, 30, 31, 4 Jan, 5 Jan.
        pytest.param(CaseType.ADULTS, z(2021, 12, 31, 23, 59, 59), id="adults-3-days"),
        pytest.param(CaseType.CHILDREN, z(2022, 1, 5, 23, 59, 59), id="children-5-days"),
        pytest.param(CaseType.CORPORATE, z(2022, 1, 5, 23, 59, 59), id="corporate-5-days"),
        pytest.param(CaseType.OTHER, z(2022, 1, 5, 23, 59, 59), id="other-5-days"),
        pytest.param(CaseType.UNCLASSIFIED, None, id="unclassified-none"),
        pytest.param(CaseType.SERVICE_REQUEST, None, id="service-request-none"),
    ],
)
def test_acknowledgement_deadline(kind: CaseType, ack_due: datetime | None) -> None:
    clock = case_clocks(CaseTimes(received_at=XMAS, type=kind)).acknowledgement
    if ack_due is None:
        assert clock.due_at is None and clock.limit_at is None
        assert not clock.running
        assert clock.band(z(2022, 2, 1)) is None
    else:
        assert_utc(clock.due_at, ack_due)
        assert clock.limit_at == ack_due
        assert clock.running


EASTER = loc(2022, 4, 13, 10)  # Wed 13 Apr 2022, 09:00 UTC
ACKED = loc(2022, 4, 19, 11)  # Tue 19 Apr 2022, the first working day after Easter


@pytest.mark.parametrize(
    ("kind", "acknowledged", "due", "limit"),
    [
        # From receipt: 14, 19, 20, 21, 22, 25, 26, 27, 28, 29 Apr (10); 3 .. 16 May (20), 2 May a holiday.
        pytest.param(
            CaseType.CHILDREN,
            None,
            z(2022, 4, 29, 22, 59, 59),
            z(2022, 5, 16, 22, 59, 59),
            id="children-from-receipt-unacknowledged",
        ),
        pytest.param(
            CaseType.CHILDREN,
            ACKED,
            z(2022, 4, 29, 22, 59, 59),
            z(2022, 5, 16, 22, 59, 59),
            id="children-from-receipt-even-when-acknowledged",
        ),
        # From the acknowledgement on Tue 19 Apr: 20 Apr .. 4 May (10); 5 .. 18 May (20).
        pytest.param(
            CaseType.CORPORATE,
            ACKED,
            z(2022, 5, 4, 22, 59, 59),
            z(2022, 5, 18, 22, 59, 59),
            id="corporate-from-acknowledgement",
        ),
        pytest.param(
            CaseType.OTHER,
            ACKED,
            z(2022, 5, 4, 22, 59, 59),
            z(2022, 5, 18, 22, 59, 59),
            id="other-from-acknowledgement",
        ),
        pytest.param(CaseType.CORPORATE, None, None, None, id="corporate-waits-for-acknowledgement"),
        pytest.param(CaseType.OTHER, None, None, None, id="other-waits-for-acknowledgement"),
        # Adults: 20 working days from the acknowledgement -> Wed 18 May; the limit is a local choice.
        pytest.param(CaseType.ADULTS, ACKED, z(2022, 5, 18, 22, 59, 59), ..., id="adults-20-days-from-ack"),
        pytest.param(CaseType.ADULTS, None, None, None, id="adults-waits-for-acknowledgement"),
        pytest.param(CaseType.UNCLASSIFIED, None, None, None, id="unclassified-none"),
        pytest.param(CaseType.SERVICE_REQUEST, ACKED, None, None, id="service-request-none"),
    ],
)
def test_response_deadline(
    kind: CaseType, acknowledged: datetime | None, due: datetime | None, limit: datetime | None
) -> None:
    clock = case_clocks(CaseTimes(received_at=EASTER, type=kind, acknowledged_at=acknowledged)).response
    if due is None:
        assert clock.due_at is None and clock.limit_at is None
        assert not clock.running
        return
    assert_utc(clock.due_at, due)
    if limit is ...:
        assert clock.limit_at >= clock.due_at
    else:
        assert_utc(clock.limit_at, limit)
    assert clock.running


def stopped(clock: Clock) -> tuple[bool, bool | None, Band | None, str]:
    now = z(2030, 1, 1)
    return clock.running, clock.met(), clock.band(now), clock.countdown(now)


@pytest.mark.parametrize(
    ("times", "name", "met"),
    [
        # Triage: due 09:30Z 15 Jan 2022.
        pytest.param(
            CaseTimes(z(2022, 1, 14, 9, 30), CaseType.ADULTS, triaged_at=z(2022, 1, 15, 9, 30)),
            "triage",
            True,
            id="triaged-at-target",
        ),
        pytest.param(
            CaseTimes(z(2022, 1, 14, 9, 30), CaseType.ADULTS, triaged_at=z(2022, 1, 15, 9, 30, 1)),
            "triage",
            False,
            id="triaged-1s-late",
        ),
        pytest.param(
            CaseTimes(z(2022, 1, 14, 9, 30), CaseType.SERVICE_REQUEST, closed_at=z(2022, 1, 14, 10)),
            "triage",
            True,
            id="closed-stops-triage",
        ),
        # Acknowledgement (adults): due 23:59:59Z Fri 31 Dec 2021.
        pytest.param(
            CaseTimes(XMAS, CaseType.ADULTS, acknowledged_at=z(2021, 12, 31, 23, 59, 59)),
            "acknowledgement",
            True,
            id="acknowledged-at-due",
        ),
        pytest.param(
            CaseTimes(XMAS, CaseType.ADULTS, acknowledged_at=z(2022, 1, 4, 9)),
            "acknowledgement",
            False,
            id="acknowledged-late",
        ),
        pytest.param(
            CaseTimes(XMAS, CaseType.CHILDREN, closed_at=z(2021, 12, 29, 9)),
            "acknowledgement",
            True,
            id="closed-stops-acknowledgement",
        ),
        # Response (children, from receipt Wed 13 Apr): due 22:59:59Z Fri 29 Apr 2022.
        pytest.param(
            CaseTimes(EASTER, CaseType.CHILDREN, responded_at=z(2022, 4, 29, 16)),
            "response",
            True,
            id="responded-in-time",
        ),
        pytest.param(
            CaseTimes(EASTER, CaseType.CHILDREN, responded_at=z(2022, 5, 3, 10)),
            "response",
            False,
            id="responded-late",
        ),
        pytest.param(
            CaseTimes(EASTER, CaseType.CORPORATE, acknowledged_at=ACKED, closed_at=z(2022, 5, 10, 10)),
            "response",
            False,
            id="closed-late-stops-response",
        ),
    ],
)
def test_stopped_clocks(times: CaseTimes, name: str, met: bool) -> None:
    clock = getattr(case_clocks(times), name)
    assert stopped(clock) == (False, met, None, "")


def test_running_clocks_have_no_verdict_yet() -> None:
    clocks = case_clocks(CaseTimes(EASTER, CaseType.CHILDREN))
    for clock in clocks.all():
        assert clock.running
        assert clock.met() is None


def test_clock_that_never_started_has_no_verdict() -> None:
    clock = case_clocks(CaseTimes(EASTER, CaseType.CORPORATE)).response
    assert (clock.running, clock.met(), clock.band(EASTER), clock.countdown(EASTER)) == (False, None, None, "")


def test_case_clocks_follow_extra_closures() -> None:
    # Closed 29-31 Dec, Mon 3 Jan holiday: adults acknowledgement from Fri 24 Dec -> Tue 4, Wed 5, Thu 6 Jan.
    clock = case_clocks(CaseTimes(XMAS, CaseType.ADULTS), CLOSURES).acknowledgement
    assert_utc(clock.due_at, z(2022, 1, 6, 23, 59, 59))


def test_working_hours_mode_counts_the_warning_window_in_working_hours() -> None:
    policy = replace(DEFAULT_POLICY, triage_mode="working")
    # Monday 7 March 2022 09:00 GMT: 24 working hours are three full working days, due Wednesday 17:00;
    # the 4-hour warning opens at 13:00 on Wednesday, not at 13:00 in the small hours.
    clocks = case_clocks(CaseTimes(received_at=datetime(2022, 3, 7, 9, tzinfo=UTC), type=CaseType.UNCLASSIFIED), policy)
    assert clocks.triage.due_at == datetime(2022, 3, 9, 17, tzinfo=UTC)
    assert clocks.triage.warn_at == datetime(2022, 3, 9, 13, tzinfo=UTC)
    assert clocks.triage.band(datetime(2022, 3, 9, 12, 59, tzinfo=UTC)) is Band.OK
    assert clocks.triage.band(datetime(2022, 3, 9, 13, 0, tzinfo=UTC)) is Band.DUE_SOON
