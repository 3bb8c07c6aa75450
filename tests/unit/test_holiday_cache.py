"""The bank holiday file: built from the library once, reused while the library is unchanged, rebuilt if not."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from triage_tui.domain import clock


@pytest.fixture
def cache(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock.use_holiday_cache(tmp_path)
    yield tmp_path
    clock.use_holiday_cache(None)


def test_built_once_then_read_from_the_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = clock.bank_holidays("GB", "ENG")
    assert first[date(2022, 6, 3)].startswith("Platinum Jubilee")
    assert date(2021, 12, 28) in first and date(2023, 5, 8) in first
    stored = json.loads((cache / "bank-holidays-GB-ENG.json").read_text())
    assert stored["days"]["2022-09-19"].startswith("State Funeral")

    def library_must_not_be_asked(*args: object) -> None:
        raise AssertionError("the cache file should have answered")

    monkeypatch.setattr(clock, "_library_calendar", library_must_not_be_asked)
    assert clock.bank_holidays("GB", "ENG") == first


def test_a_changed_library_or_a_damaged_file_rebuilds_it(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.bank_holidays("GB", "ENG")
    path = cache / "bank-holidays-GB-ENG.json"
    stored = json.loads(path.read_text())
    stored["library"] = "an older release"
    stored["days"] = {}
    path.write_text(json.dumps(stored))
    assert date(2022, 6, 3) in clock.bank_holidays("GB", "ENG")
    path.write_text("{not json")
    assert date(2022, 6, 3) in clock.bank_holidays("GB", "ENG")
    assert json.loads(path.read_text())["days"]["2022-06-03"]


def test_dates_outside_the_kept_years_still_come_from_the_library() -> None:
    cal = clock.WorkingCalendar()
    assert cal.is_working_day(date(2045, 12, 25)) is False  # Christmas Day, a Monday
    assert cal.is_working_day(date(1999, 12, 28)) is False  # Boxing Day substitute
    assert cal.is_working_day(date(2045, 12, 27)) is True
