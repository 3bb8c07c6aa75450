"""Times typed by people or found in files (CONTRACT.md): ISO 8601 or UK style, Europe/London unless an offset is
given, always handed back as an aware UTC time.

Expected instants are worked out by hand: London is GMT (UTC+0) in winter and BST (UTC+1) from 27 March 2022 to
30 October 2022.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.timeparse import local_day_bounds, parse_date, parse_time


def z(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


def assert_utc(actual: datetime, expected: datetime) -> None:
    assert actual == expected
    assert actual.tzinfo is not None
    assert actual.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO dates: the start of the local day.
        pytest.param("2022-01-14", z(2022, 1, 14), id="iso-date-gmt"),
        pytest.param("2022-07-14", z(2022, 7, 13, 23), id="iso-date-bst"),
        pytest.param("  2022-01-14  ", z(2022, 1, 14), id="iso-date-surrounding-spaces"),
        # ISO date-times without an offset: London wall-clock time.
        pytest.param("2022-01-14T09:30", z(2022, 1, 14, 9, 30), id="iso-datetime-gmt"),
        pytest.param("2022-07-14T09:30", z(2022, 7, 14, 8, 30), id="iso-datetime-bst"),
        pytest.param("2022-01-14T09:30:15", z(2022, 1, 14, 9, 30, 15), id="iso-datetime-seconds"),
        pytest.param("2022-01-14 09:30", z(2022, 1, 14, 9, 30), id="iso-datetime-space"),
        pytest.param("2022-03-26T12:00", z(2022, 3, 26, 12), id="day-before-spring-change-gmt"),
        pytest.param("2022-03-27T12:00", z(2022, 3, 27, 11), id="day-of-spring-change-bst"),
        pytest.param("2022-10-30T12:00", z(2022, 10, 30, 12), id="day-of-autumn-change-gmt"),
        pytest.param("2022-10-29T23:30", z(2022, 10, 29, 22, 30), id="night-before-autumn-change-bst"),
        # With an offset or Z: taken as given, whatever the season.
        pytest.param("2022-07-14T09:30+01:00", z(2022, 7, 14, 8, 30), id="offset-plus-one"),
        pytest.param("2022-01-14T09:30+01:00", z(2022, 1, 14, 8, 30), id="offset-plus-one-in-winter"),
        pytest.param("2022-07-14T09:30+00:00", z(2022, 7, 14, 9, 30), id="offset-zero-in-summer"),
        pytest.param("2022-01-14T09:30+05:30", z(2022, 1, 14, 4), id="offset-plus-five-thirty"),
        pytest.param("2022-07-14T09:30-04:00", z(2022, 7, 14, 13, 30), id="offset-minus-four"),
        pytest.param("2022-01-14T09:30Z", z(2022, 1, 14, 9, 30), id="zulu-winter"),
        pytest.param("2022-07-14T09:30:00Z", z(2022, 7, 14, 9, 30), id="zulu-summer-not-local"),
        # UK style: day first.
        pytest.param("14/01/2022", z(2022, 1, 14), id="uk-date-gmt"),
        pytest.param("14/07/2022", z(2022, 7, 13, 23), id="uk-date-bst"),
        pytest.param("01/02/2022", z(2022, 2, 1), id="uk-date-is-day-first"),
        pytest.param("1/2/2022", z(2022, 2, 1), id="uk-date-single-digits"),
        pytest.param("14/01/2022 09:30", z(2022, 1, 14, 9, 30), id="uk-datetime-gmt"),
        pytest.param("14/07/2022 09:30", z(2022, 7, 14, 8, 30), id="uk-datetime-bst"),
        pytest.param("4/7/2022 9:05", z(2022, 7, 4, 8, 5), id="uk-datetime-single-digits"),
        pytest.param("14/01/2022 09:30:15", z(2022, 1, 14, 9, 30, 15), id="uk-datetime-seconds"),
        pytest.param("29/02/2024", z(2024, 2, 29), id="uk-leap-day"),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert_utc(parse_time(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2022-01-14", z(2022, 1, 14, 23, 59, 59), id="iso-date-gmt"),
        pytest.param("2022-07-14", z(2022, 7, 14, 22, 59, 59), id="iso-date-bst"),
        pytest.param("14/01/2022", z(2022, 1, 14, 23, 59, 59), id="uk-date-gmt"),
        pytest.param("14/07/2022", z(2022, 7, 14, 22, 59, 59), id="uk-date-bst"),
        # The change days: the day starts in one season and ends in the other.
        pytest.param("2022-03-27", z(2022, 3, 27, 22, 59, 59), id="spring-change-day-ends-bst"),
        pytest.param("2022-10-30", z(2022, 10, 30, 23, 59, 59), id="autumn-change-day-ends-gmt"),
        # A time given explicitly is kept.
        pytest.param("2022-01-14T09:30", z(2022, 1, 14, 9, 30), id="iso-datetime-unchanged"),
        pytest.param("14/01/2022 09:30", z(2022, 1, 14, 9, 30), id="uk-datetime-unchanged"),
    ],
)
def test_parse_time_end_of_day(text: str, expected: datetime) -> None:
    assert_utc(parse_time(text, end_of_day=True), expected)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        pytest.param("2022-03-27", z(2022, 3, 27), z(2022, 3, 27, 22, 59, 59), id="spring-change-23h-day"),
        pytest.param("2022-10-30", z(2022, 10, 29, 23), z(2022, 10, 30, 23, 59, 59), id="autumn-change-25h-day"),
    ],
)
def test_bare_dates_on_clock_change_days(text: str, start: datetime, end: datetime) -> None:
    assert_utc(parse_time(text), start)
    assert_utc(parse_time(text, end_of_day=True), end)


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        # 01:30 on 27 Mar 2022 never happened on a London clock: it is read as if the clocks had not yet gone
        # forward (01:30 GMT = 01:30Z, which a London clock shows as 02:30 BST).
        pytest.param("2022-03-27T01:30", {z(2022, 3, 27, 1, 30)}, id="spring-gap-iso"),
        pytest.param("27/03/2022 01:30", {z(2022, 3, 27, 1, 30)}, id="spring-gap-uk"),
        # 01:30 on 30 Oct 2022 happened twice: the first, 01:30 BST (00:30Z), is taken.
        pytest.param("2022-10-30T01:30", {z(2022, 10, 30, 0, 30)}, id="autumn-fold-iso"),
        pytest.param("30/10/2022 01:30", {z(2022, 10, 30, 0, 30)}, id="autumn-fold-uk"),
    ],
)
def test_wall_clock_times_at_the_clock_changes(text: str, candidates: set[datetime]) -> None:
    result = parse_time(text)
    assert result.tzinfo is not None
    assert result.utcoffset() == timedelta(0)
    assert result in candidates


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("yesterday", id="word"),
        pytest.param("31/02/2022", id="uk-31-feb"),
        pytest.param("29/02/2022", id="uk-29-feb-not-leap-year"),
        pytest.param("14/13/2022", id="uk-month-13"),
        pytest.param("00/01/2022", id="uk-day-0"),
        pytest.param("14/01/22", id="uk-two-digit-year"),
        pytest.param("14/01/2022 24:00", id="uk-hour-24"),
        pytest.param("14/01/2022 09:60", id="uk-minute-60"),
        pytest.param("2022-02-31", id="iso-31-feb"),
        pytest.param("2022-13-01", id="iso-month-13"),
        pytest.param("2022-01-14T25:00", id="iso-hour-25"),
        pytest.param("2022-01-14T09:30+25:00", id="iso-offset-out-of-range"),
        pytest.param("14 Jan 2022", id="words-for-month"),
    ],
)
def test_invalid_times_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_time(text)


def test_invalid_time_message_quotes_the_input() -> None:
    with pytest.raises(InvalidInput, match="yesterday"):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2022-01-14", date(2022, 1, 14), id="iso-winter"),
        pytest.param("2022-07-14", date(2022, 7, 14), id="iso-summer-local-date-not-utc"),
        pytest.param("14/07/2022", date(2022, 7, 14), id="uk-summer"),
        pytest.param("2022-07-14T00:30+01:00", date(2022, 7, 14), id="just-after-local-midnight"),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        pytest.param(date(2022, 1, 14), z(2022, 1, 14), z(2022, 1, 14, 23, 59, 59), id="gmt"),
        pytest.param(date(2022, 7, 14), z(2022, 7, 13, 23), z(2022, 7, 14, 22, 59, 59), id="bst"),
    ],
)
def test_local_day_bounds(day: date, start: datetime, end: datetime) -> None:
    first, last = local_day_bounds(day)
    assert_utc(first, start)
    assert_utc(last, end)


def test_a_compact_iso_date_is_a_bare_date_too() -> None:
    assert parse_time("20220114", end_of_day=True) == datetime(2022, 1, 14, 23, 59, 59, tzinfo=UTC)
    assert parse_time("20220714") == datetime(2022, 7, 13, 23, 0, tzinfo=UTC)
