"""Deadline policy: the defaults of DOMAIN.md, overridable from a TOML policy file.

Deadlines are never stored: they are derived from stored times with the policy in force, so a change of policy
or of the bank holiday calendar never leaves stale counters behind.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triage_tui.domain.codes import CaseType
from triage_tui.domain.errors import InvalidInput


@dataclass(frozen=True)
class ResponseRule:
    """Response deadline for one complaint type, in working days."""

    days: int
    limit_days: int  # the extended deadline: past it the clock is breached, not merely overdue
    start: str  # "receipt" or "acknowledgement"


@dataclass(frozen=True)
class Policy:
    timezone: str = "Europe/London"
    # Bank holidays of England and Wales from the holidays library (country GB, subdivision ENG).
    holiday_country: str = "GB"
    holiday_subdivision: str = "ENG"
    extra_closures: tuple[date, ...] = ()  # council closure days, e.g. between Christmas and New Year
    triage_target_hours: int = 24
    triage_limit_hours: int = 48
    triage_mode: str = "elapsed"  # or "working": hours counted inside the working day only
    working_day_start: time = time(9, 0)
    working_day_end: time = time(17, 0)
    triage_warning_hours: int = 4
    warning_working_days: int = 1
    ack_days: dict[CaseType, int] = field(
        default_factory=lambda: {
            CaseType.ADULTS: 3,
            CaseType.CHILDREN: 5,
            CaseType.CORPORATE: 5,
            CaseType.OTHER: 5,
        }
    )
    response: dict[CaseType, ResponseRule] = field(
        default_factory=lambda: {
            CaseType.CHILDREN: ResponseRule(10, 20, "receipt"),
            CaseType.CORPORATE: ResponseRule(10, 20, "acknowledgement"),
            CaseType.OTHER: ResponseRule(10, 20, "acknowledgement"),
            # No fixed period in the regulations; 20 working days is the local default, six months the benchmark.
            CaseType.ADULTS: ResponseRule(20, 130, "acknowledgement"),
        }
    )
    claim_minutes: int = 30
    out_of_time_months: int = 12


DEFAULT_POLICY = Policy()

_SIMPLE_KEYS = {
    ("calendar", "timezone"): "timezone",
    ("calendar", "country"): "holiday_country",
    ("calendar", "subdivision"): "holiday_subdivision",
    ("calendar", "extra_closures"): "extra_closures",
    ("calendar", "working_day_start"): "working_day_start",
    ("calendar", "working_day_end"): "working_day_end",
    ("triage", "target_hours"): "triage_target_hours",
    ("triage", "limit_hours"): "triage_limit_hours",
    ("triage", "mode"): "triage_mode",
    ("triage", "warning_hours"): "triage_warning_hours",
    ("bands", "warning_working_days"): "warning_working_days",
    ("claims", "minutes"): "claim_minutes",
    ("out_of_time", "months"): "out_of_time_months",
}


def load_policy(path: Path | None) -> Policy:
    """The default policy overlaid with the file at `path` (missing file: defaults)."""
    if path is None or not path.exists():
        return DEFAULT_POLICY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"policy file {path}: {exc}") from None
    return policy_from_mapping(data, source=str(path))


def policy_from_mapping(data: dict[str, Any], source: str = "policy") -> Policy:
    changes: dict[str, Any] = {}
    ack = dict(DEFAULT_POLICY.ack_days)
    response = dict(DEFAULT_POLICY.response)
    for section, values in data.items():
        if not isinstance(values, dict):
            raise InvalidInput(f"{source}: [{section}] must be a table")
        for key, value in values.items():
            where = f"{source}: {section}.{key}"
            if section == "acknowledgement":
                ack[_complaint_type(key, where)] = _positive_int(value, where)
            elif section == "response":
                kind = _complaint_type(key, where)
                response[kind] = _response_rule(value, response[kind], where)
            elif (section, key) in _SIMPLE_KEYS:
                name = _SIMPLE_KEYS[(section, key)]
                changes[name] = _coerce(name, value, where)
            else:
                raise InvalidInput(f"{where}: unknown setting")
    policy = replace(DEFAULT_POLICY, ack_days=ack, response=response, **changes)
    _check(policy, source)
    return policy


def _complaint_type(key: str, where: str) -> CaseType:
    try:
        kind = CaseType(key)
    except ValueError:
        kind = None
    if kind is None or not kind.is_complaint:
        raise InvalidInput(f"{where}: not a complaint type (adults, children, corporate, other)")
    return kind


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{where}: expected a whole number of 0 or more, got {value!r}")
    return value


def _response_rule(value: Any, default: ResponseRule, where: str) -> ResponseRule:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a table with days, limit_days, start")
    unknown = set(value) - {"days", "limit_days", "start"}
    if unknown:
        raise InvalidInput(f"{where}: unknown setting {sorted(unknown)[0]}")
    days = _positive_int(value.get("days", default.days), f"{where}.days")
    limit = _positive_int(value.get("limit_days", max(days, default.limit_days)), f"{where}.limit_days")
    start = value.get("start", default.start)
    if start not in ("receipt", "acknowledgement"):
        raise InvalidInput(f"{where}.start: expected 'receipt' or 'acknowledgement'")
    return ResponseRule(days, limit, start)


def _coerce(name: str, value: Any, where: str) -> Any:
    default = getattr(DEFAULT_POLICY, name)
    if isinstance(default, int):  # bool is an int too
        return _positive_int(value, where)
    if isinstance(default, time):
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(f"{where}: expected a time like 09:00") from None
    if name == "extra_closures":
        if not isinstance(value, list):
            raise InvalidInput(f"{where}: expected a list of dates")
        try:
            return tuple(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in value)
        except ValueError:
            raise InvalidInput(f"{where}: expected dates like 2022-12-29") from None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected text")
    return value


def _check(policy: Policy, source: str) -> None:
    if policy.triage_mode not in ("elapsed", "working"):
        raise InvalidInput(f"{source}: triage.mode must be 'elapsed' or 'working'")
    if policy.triage_limit_hours < policy.triage_target_hours:
        raise InvalidInput(f"{source}: triage.limit_hours must not be less than target_hours")
    if policy.working_day_end <= policy.working_day_start:
        raise InvalidInput(f"{source}: calendar.working_day_end must be after working_day_start")
    for kind, rule in policy.response.items():
        if rule.limit_days < rule.days:
            raise InvalidInput(f"{source}: response.{kind.value}.limit_days must not be less than days")
    try:
        ZoneInfo(policy.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidInput(f"{source}: calendar.timezone: unknown time zone {policy.timezone!r}") from None
    import holidays  # only when a policy file names a calendar: the import costs a tenth of a second

    try:
        holidays.country_holidays(policy.holiday_country, subdiv=policy.holiday_subdivision, years=2022)
    except NotImplementedError:
        key = "subdivision" if holidays.utils.list_supported_countries().get(policy.holiday_country) else "country"
        value = policy.holiday_subdivision if key == "subdivision" else policy.holiday_country
        raise InvalidInput(f"{source}: calendar.{key}: no bank holiday calendar for {value!r}") from None
