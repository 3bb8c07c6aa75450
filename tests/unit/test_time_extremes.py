"""Times at the edges of the calendar: typed ones outside the plausible years are refused as the user's slip,
and deadlines worked out from a stored one never overflow.

Near year 1 or 9999 an offset alone takes a time out of Python's range (0001-01-01T00:00+05:00 is in year 0
in UTC), so the years are checked as written, before any conversion.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from triage_tui.domain.clock import CaseTimes, case_clocks, triage_deadlines
from triage_tui.domain.codes import CaseType
from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.timeparse import EARLIEST_YEAR, LATEST_YEAR, parse_date, parse_time, require_plausible


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("0001-01-01T00:00+05:00", id="year-1-east-offset"),
        pytest.param("9999-12-31T23:59-05:00", id="year-9999-west-offset"),
        pytest.param("0001-01-01", id="year-1-date"),
        pytest.param("9999-12-31", id="year-9999-date"),
        pytest.param("01/01/0001", id="uk-year-1"),
        pytest.param("31/12/9999 23:59", id="uk-year-9999"),
        pytest.param("0000-01-01", id="year-0"),
        pytest.param("1899-12-31T23:59", id="just-before-1900"),
        pytest.param("2101-01-01", id="just-after-2100"),
        pytest.param("0202-01-14", id="slip-for-2022"),
    ],
)
def test_implausible_years_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_time(text)
    with pytest.raises(InvalidInput):
        parse_time(text, end_of_day=True)
    with pytest.raises(InvalidInput):
        parse_date(text)


def test_the_message_names_the_years() -> None:
    with pytest.raises(InvalidInput, match=f"between {EARLIEST_YEAR} and {LATEST_YEAR}"):
        parse_time("9999-12-31T23:59-05:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1900-01-01", datetime(1900, 1, 1, tzinfo=UTC), id="first-day"),
        pytest.param("1900-01-01T00:00+05:00", datetime(1899, 12, 31, 19, tzinfo=UTC), id="first-day-offset"),
        pytest.param("31/12/2100 23:59", datetime(2100, 12, 31, 23, 59, tzinfo=UTC), id="last-day-uk"),
        pytest.param("2100-12-31T23:59-14:00", datetime(2101, 1, 1, 13, 59, tzinfo=UTC), id="last-day-far-west"),
    ],
)
def test_the_bounds_themselves_are_accepted(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_a_time_already_made_is_held_to_the_same_years() -> None:
    assert require_plausible(datetime(2022, 1, 14, tzinfo=UTC)) == datetime(2022, 1, 14, tzinfo=UTC)
    for moment in (datetime(1, 1, 1), datetime(9999, 12, 31), datetime(1899, 12, 31, 23, 59), datetime(2101, 1, 1)):
        with pytest.raises(InvalidInput, match="implausible received_at"):
            require_plausible(moment, "received_at")


def test_a_long_bad_time_is_quoted_short() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_time("9" * 100_000)
    assert len(str(caught.value)) < 300


def test_control_characters_in_a_bad_time_are_quoted_escaped() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_time("\x1b[2J\u202e2022")
    assert "\x1b" not in str(caught.value) and "\u202e" not in str(caught.value)


def test_iso_and_uk_times_inside_the_bounds_still_work() -> None:
    assert parse_time("2022-01-14T09:30") == datetime(2022, 1, 14, 9, 30, tzinfo=UTC)
    assert parse_time("14/07/2022 09:30") == datetime(2022, 7, 14, 8, 30, tzinfo=UTC)
    assert parse_date("2022-07-14T00:30+01:00") == date(2022, 7, 14)


EDGES = [
    datetime.min.replace(tzinfo=UTC),
    datetime(1, 1, 10, tzinfo=UTC),
    datetime(1899, 12, 31, tzinfo=UTC),
    datetime(2101, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 20, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
]


@pytest.mark.parametrize("received", EDGES, ids=lambda d: d.isoformat()[:10])
@pytest.mark.parametrize("kind", list(CaseType), ids=lambda k: k.value)
def test_deadlines_from_a_stored_implausible_time_do_not_overflow(received: datetime, kind: CaseType) -> None:
    now = datetime(2022, 1, 14, tzinfo=UTC)
    for later in (None, received):
        clocks = case_clocks(CaseTimes(received, kind, triaged_at=later, acknowledged_at=later, responded_at=later))
        for clock in clocks.all():
            clock.band(now)
            clock.countdown(now)
            clock.met()
        clocks.nearest()
    target, limit = triage_deadlines(received)
    assert target <= limit
