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

# Where a stage's clocks count from: the stage's start (the receipt at stage 1, the customer's escalation request
# after), its acknowledgement, or (children's stage 3) the review panel's sitting.
FROM_START = "start"
FROM_ACK = "acknowledgement"
FROM_PANEL = "panel"
FROM_WORDS = {"start": FROM_START, "receipt": FROM_START, "request": FROM_START, "acknowledgement": FROM_ACK}


@dataclass(frozen=True)
class StageRule:
    """The deadlines of one stage of one kind of complaint (DOMAIN.md's table), in working days.

    The response is due `respond_days` after `respond_from`; an extension may move it no later than
    `extend_days` working days (or `extend_months` calendar months) after `extend_from`. A stage with neither
    cannot be extended. Children's stage 3 adds its review panel, due `panel_days` after the request (the
    response counts from the panel), and the request must come within `request_within_days` of the previous
    stage's response.
    """

    ack_days: int
    respond_days: int
    respond_from: str = FROM_START
    extend_days: int | None = None
    extend_months: int | None = None
    extend_from: str = FROM_START
    panel_days: int | None = None
    request_within_days: int | None = None

    @property
    def extendable(self) -> bool:
        return self.extend_days is not None or self.extend_months is not None


def _default_stages() -> dict[tuple[CaseType, int], StageRule]:
    corporate = {
        1: StageRule(5, 10, FROM_ACK, extend_days=20, extend_from=FROM_ACK),
        2: StageRule(5, 20, FROM_ACK, extend_days=40, extend_from=FROM_ACK),
    }
    return {
        **{(CaseType.CORPORATE, n): rule for n, rule in corporate.items()},
        **{(CaseType.OTHER, n): rule for n, rule in corporate.items()},
        (CaseType.CHILDREN, 1): StageRule(5, 10, FROM_START, extend_days=20, extend_from=FROM_START),
        (CaseType.CHILDREN, 2): StageRule(5, 25, FROM_START, extend_days=65, extend_from=FROM_START),
        (CaseType.CHILDREN, 3): StageRule(5, 20, FROM_PANEL, panel_days=30, request_within_days=20),
        # The regulations set no fixed period: 20 working days is the local default for the agreed plan, and six
        # months from receipt the benchmark an extension may reach.
        (CaseType.ADULTS, 1): StageRule(3, 20, FROM_ACK, extend_months=6, extend_from=FROM_START),
    }


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
    # Each kind of complaint's stages: corporate and other have two, children's three, adults' one.
    stages: dict[tuple[CaseType, int], StageRule] = field(default_factory=_default_stages)
    # Working days the ombudsman usually gives the council to answer an enquiry (when it names no date).
    ombudsman_respond_days: int = 20
    claim_minutes: int = 30
    out_of_time_months: int = 12

    def stage_rule(self, kind: CaseType, stage: int = 1) -> StageRule | None:
        """The rule of a stage, or None where the kind has no such stage (a service request has none)."""
        return self.stages.get((kind, stage))

    def last_stage(self, kind: CaseType) -> int:
        """The final stage of a kind of complaint (0 for what is not a complaint)."""
        return max((n for k, n in self.stages if k is kind), default=0)


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
    ("ombudsman", "respond_days"): "ombudsman_respond_days",
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
    stages = dict(DEFAULT_POLICY.stages)
    for section, values in data.items():
        if not isinstance(values, dict):
            raise InvalidInput(f"{source}: [{section}] must be a table")
        if section == "stages":
            _stage_tables(values, stages, f"{source}: stages")
            continue
        for key, value in values.items():
            where = f"{source}: {section}.{key}"
            if section == "acknowledgement":
                # The first wave's spelling of stage 1: [acknowledgement] adults = 3
                kind = _complaint_type(key, where)
                stages[(kind, 1)] = replace(stages[(kind, 1)], ack_days=_positive_int(value, where))
            elif section == "response":
                kind = _complaint_type(key, where)
                stages[(kind, 1)] = _response_rule(value, stages[(kind, 1)], where)
            elif (section, key) in _SIMPLE_KEYS:
                name = _SIMPLE_KEYS[(section, key)]
                changes[name] = _coerce(name, value, where)
            else:
                raise InvalidInput(f"{where}: unknown setting")
    policy = replace(DEFAULT_POLICY, stages=stages, **changes)
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


def _from(value: Any, where: str, allowed: tuple[str, ...]) -> str:
    """A setting's origin word ("receipt", "request", "acknowledgement", "panel") as the rule keeps it."""
    words = {**FROM_WORDS, FROM_PANEL: FROM_PANEL}
    word = words.get(value) if isinstance(value, str) and value in allowed else None
    if word is None:
        raise InvalidInput(f"{where}: expected one of {', '.join(repr(a) for a in allowed)}")
    return word


def _response_rule(value: Any, default: StageRule, where: str) -> StageRule:
    """[response] corporate = { days, limit_days, start }: stage 1's response, as the first wave wrote it."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a table with days, limit_days, start")
    unknown = set(value) - {"days", "limit_days", "start"}
    if unknown:
        raise InvalidInput(f"{where}: unknown setting {sorted(unknown)[0]}")
    days = _positive_int(value.get("days", default.respond_days), f"{where}.days")
    start = _from(
        value.get("start", "receipt" if default.respond_from == FROM_START else default.respond_from),
        f"{where}.start",
        ("receipt", FROM_ACK),
    )
    rule = replace(default, respond_days=days, respond_from=start)
    if "limit_days" in value:
        limit = _positive_int(value["limit_days"], f"{where}.limit_days")
        if limit < days:
            raise InvalidInput(f"{where}: limit_days must not be less than days")
        rule = replace(rule, extend_days=limit, extend_months=None, extend_from=start)
    return rule


# [stages.<kind>.<stage>] keys and the StageRule field each sets.
_STAGE_KEYS = {
    "acknowledge_days": "ack_days",
    "respond_days": "respond_days",
    "respond_from": "respond_from",
    "extend_to_days": "extend_days",
    "extend_to_months": "extend_months",
    "extend_from": "extend_from",
    "panel_days": "panel_days",
    "request_within_days": "request_within_days",
}


def _stage_tables(values: dict[str, Any], stages: dict[tuple[CaseType, int], StageRule], where: str) -> None:
    """[stages.corporate.2] respond_days = 20 ...: any number of DOMAIN.md's stage table."""
    for kind_key, numbered in values.items():
        kind = _complaint_type(kind_key, f"{where}.{kind_key}")
        if not isinstance(numbered, dict):
            raise InvalidInput(f"{where}.{kind_key}: expected tables named by stage, like [stages.{kind_key}.1]")
        for stage_key, settings in numbered.items():
            here = f"{where}.{kind_key}.{stage_key}"
            stage = int(stage_key) if stage_key.isdigit() else 0
            if (kind, stage) not in stages:
                count = DEFAULT_POLICY.last_stage(kind)
                raise InvalidInput(f"{here}: {kind_key} complaints have stages 1 to {count}")
            if not isinstance(settings, dict):
                raise InvalidInput(f"{here}: expected a table of settings")
            rule = stages[(kind, stage)]
            for key, value in settings.items():
                name = _STAGE_KEYS.get(key)
                if name is None:
                    raise InvalidInput(f"{here}.{key}: unknown setting")
                if name == "respond_from":
                    allowed: tuple[str, ...] = ("receipt" if stage == 1 else "request", FROM_ACK)
                    if rule.panel_days is not None:
                        allowed = (FROM_PANEL,)
                    parsed: Any = _from(value, f"{here}.{key}", allowed)
                elif name == "extend_from":
                    parsed = _from(value, f"{here}.{key}", ("receipt" if stage == 1 else "request", FROM_ACK))
                else:
                    parsed = _positive_int(value, f"{here}.{key}")
                    if name in ("extend_days", "extend_months") and parsed == 0:
                        parsed = None  # 0: the stage cannot be extended
                    elif name == "extend_days":
                        rule = replace(rule, extend_months=None)
                    elif name == "extend_months":
                        rule = replace(rule, extend_days=None)
                rule = replace(rule, **{name: parsed})
            stages[(kind, stage)] = rule


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
    for (kind, stage), rule in policy.stages.items():
        same_origin = rule.extend_from == rule.respond_from
        if rule.extend_days is not None and same_origin and rule.extend_days < rule.respond_days:
            raise InvalidInput(
                f"{source}: stages.{kind.value}.{stage}: extend_to_days must not be less than respond_days"
            )
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
