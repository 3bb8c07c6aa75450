"""Times typed by people or found in files: ISO 8601 or UK style, local (Europe/London) unless an offset is given."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from triage_tui.domain.errors import InvalidInput

LONDON = "Europe/London"
# Years a complaint's time can plausibly fall in. Outside them a typed time is a slip (0202 for 2022), and times
# near year 1 or 9999 cannot even be moved to UTC or have deadlines worked out from them.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
QUOTE_AT_MOST = 60
_UK = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


# Every refusal of a typed time says what is accepted.
FORMATS = "(use 2022-01-14, 2022-01-14T09:30 or 14/01/2022 09:30)"


def parse_time(text: str, tz: str = LONDON, *, end_of_day: bool = False) -> datetime:
    """An aware UTC datetime from ISO 8601 (`2022-01-14`, `2022-01-14T09:30`, `...+01:00`) or UK style
    (`14/01/2022 09:30`).

    Without an offset the time is wall-clock time in `tz`. A bare date means the start of the day, or its last
    second with `end_of_day` (`--as-of 2022-01-14` covers the whole of the 14th).
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput(f"empty time {FORMATS}")
    if raw[:1].isdigit() and "/" not in raw:
        # ISO 8601, the common case in files: the standard library's fast parser.
        try:
            parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
        except ValueError:
            pass
        else:
            _plausible(parsed.year, text)
            if "T" not in raw and " " not in raw and ":" not in raw:  # a bare date, 2022-01-14 or 20220114
                return _from_date(parsed.date(), tz, end_of_day)
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
            return _local(parsed, tz)
    match = _UK.match(raw)
    if match:
        day, month, year, hour, minute, second = match.groups()
        _plausible(int(year), text)
        try:
            d = date(int(year), int(month), int(day))
            if hour is None:
                return _from_date(d, tz, end_of_day)
            t = time(int(hour), int(minute), int(second or 0))
        except ValueError:
            raise InvalidInput(f"not a valid date or time: {_quoted(text)} {FORMATS}") from None
        return _local(datetime.combine(d, t), tz)
    raise InvalidInput(f"not a time: {_quoted(text)} {FORMATS}")


def require_plausible(moment: datetime, what: str = "time") -> datetime:
    """The same bounds for a time that arrives already made (a spreadsheet's date cell, a caller's datetime)."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidInput(
            f"implausible {what} {moment:%Y-%m-%d}: the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"
        )
    return moment


def _plausible(year: int, text: str) -> None:
    """Checked on the year as written, before any conversion: the bounds keep every conversion in range."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidInput(
            f"implausible time {_quoted(text)}: the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"
        )


def _quoted(text: str) -> str:
    """The input as typed, for a message: quoted (so its control characters show escaped) and kept short."""
    if len(text) > QUOTE_AT_MOST:
        return repr(text[:QUOTE_AT_MOST]) + f"... ({len(text):,} characters)"
    return repr(text)


def parse_date(text: str, tz: str = LONDON) -> date:
    """A calendar date (`2022-01-14` or `14/01/2022`)."""
    return parse_time(text, tz).astimezone(_zone(tz)).date()


def _from_date(d: date, tz: str, end_of_day: bool) -> datetime:
    t = time(23, 59, 59) if end_of_day else time(0, 0)
    return _local(datetime.combine(d, t), tz)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(naive: datetime, tz: str) -> datetime:
    # fold=0: a wall-clock time the spring change skips (01:30 on the last Sunday of March) is read as if the
    # clocks had not gone forward yet (02:30 BST), an ambiguous autumn one (01:30 on the last Sunday of October)
    # as its first occurrence (BST).
    return naive.replace(tzinfo=_zone(tz), fold=0).astimezone(UTC)


def local_day_bounds(day: date, tz: str = LONDON) -> tuple[datetime, datetime]:
    """The first and last second of a local calendar day, as UTC."""
    return _from_date(day, tz, False), _from_date(day, tz, True)
