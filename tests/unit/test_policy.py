"""The deadline policy: the defaults of DOMAIN.md ("Deadlines") and a TOML file that overrides them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from triage_tui.domain.clock import WorkingCalendar, calendar_for, triage_deadlines
from triage_tui.domain.codes import CaseType
from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.policy import DEFAULT_POLICY, FROM_ACK, FROM_START, Policy, StageRule, load_policy

LONDON = ZoneInfo("Europe/London")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------------- defaults

DEFAULTS = [
    pytest.param("timezone", "Europe/London", id="timezone"),
    pytest.param("triage_target_hours", 24, id="triage-target-24h"),
    pytest.param("triage_limit_hours", 48, id="triage-limit-48h"),
    pytest.param("triage_mode", "elapsed", id="triage-counts-elapsed-hours"),
    pytest.param("working_day_start", time(9, 0), id="working-day-starts-09-00"),
    pytest.param("working_day_end", time(17, 0), id="working-day-ends-17-00"),
    pytest.param("triage_warning_hours", 4, id="triage-warning-4h"),
    pytest.param("warning_working_days", 1, id="other-warnings-1-working-day"),
    pytest.param("extra_closures", (), id="no-extra-closures"),
    pytest.param("out_of_time_months", 12, id="out-of-time-12-months"),
]


@pytest.mark.parametrize(("name", "value"), DEFAULTS)
def test_defaults_follow_the_domain(name: str, value: object) -> None:
    assert getattr(DEFAULT_POLICY, name) == value


# DOMAIN.md's stage table, row by row: (kind, stage) -> ack days, respond days and origin, extension limit.
STAGE_TABLE = [
    pytest.param(CaseType.CORPORATE, 1, StageRule(5, 10, FROM_ACK, extend_days=20, extend_from=FROM_ACK), id="corp-1"),
    pytest.param(CaseType.OTHER, 1, StageRule(5, 10, FROM_ACK, extend_days=20, extend_from=FROM_ACK), id="other-1"),
    pytest.param(CaseType.CORPORATE, 2, StageRule(5, 20, FROM_ACK, extend_days=40, extend_from=FROM_ACK), id="corp-2"),
    pytest.param(CaseType.OTHER, 2, StageRule(5, 20, FROM_ACK, extend_days=40, extend_from=FROM_ACK), id="other-2"),
    pytest.param(CaseType.CHILDREN, 1, StageRule(5, 10, FROM_START, extend_days=20), id="children-1"),
    pytest.param(CaseType.CHILDREN, 2, StageRule(5, 25, FROM_START, extend_days=65), id="children-2"),
    pytest.param(
        CaseType.CHILDREN, 3, StageRule(5, 20, "panel", panel_days=30, request_within_days=20), id="children-3"
    ),
    pytest.param(
        CaseType.ADULTS, 1, StageRule(3, 20, FROM_ACK, extend_months=6, extend_from=FROM_START), id="adults-1"
    ),
]


@pytest.mark.parametrize(("kind", "stage", "rule"), STAGE_TABLE)
def test_default_stages_follow_the_domain_table(kind: CaseType, stage: int, rule: StageRule) -> None:
    assert DEFAULT_POLICY.stage_rule(kind, stage) == rule


@pytest.mark.parametrize(
    ("kind", "last"),
    [
        pytest.param(CaseType.CORPORATE, 2, id="corporate-two"),
        pytest.param(CaseType.OTHER, 2, id="other-two"),
        pytest.param(CaseType.CHILDREN, 3, id="children-three"),
        pytest.param(CaseType.ADULTS, 1, id="adults-one"),
        pytest.param(CaseType.SERVICE_REQUEST, 0, id="service-request-none"),
        pytest.param(CaseType.UNCLASSIFIED, 0, id="unclassified-none"),
    ],
)
def test_each_kind_has_its_stages(kind: CaseType, last: int) -> None:
    assert DEFAULT_POLICY.last_stage(kind) == last
    assert DEFAULT_POLICY.stage_rule(kind, last + 1) is None


def test_children_stage_3_cannot_be_extended_and_adults_reach_six_months() -> None:
    assert not DEFAULT_POLICY.stages[(CaseType.CHILDREN, 3)].extendable
    assert DEFAULT_POLICY.stages[(CaseType.ADULTS, 1)].extend_months == 6


STAGE_FILE = """
[stages.corporate.2]
respond_days = 25
extend_to_days = 50

[stages.children.3]
panel_days = 25
request_within_days = 15

[stages.adults.1]
extend_to_days = 100

[ombudsman]
respond_days = 30
"""


def test_file_sets_any_stage(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, STAGE_FILE))
    assert policy.stages[(CaseType.CORPORATE, 2)] == StageRule(5, 25, FROM_ACK, extend_days=50, extend_from=FROM_ACK)
    assert policy.stages[(CaseType.CORPORATE, 1)] == DEFAULT_POLICY.stages[(CaseType.CORPORATE, 1)]
    children = policy.stages[(CaseType.CHILDREN, 3)]
    assert (children.panel_days, children.request_within_days) == (25, 15)
    adults = policy.stages[(CaseType.ADULTS, 1)]
    assert (adults.extend_days, adults.extend_months) == (100, None)
    assert policy.ombudsman_respond_days == 30


def test_default_calendar_is_england_and_wales() -> None:
    cal = WorkingCalendar(DEFAULT_POLICY)
    # Scotland's 4 Jan 2022 and 30 Nov, Northern Ireland's 17 Mar and 12 Jul are working days in England.
    assert cal.is_working_day(date(2022, 1, 4))
    assert cal.is_working_day(date(2022, 3, 17))
    assert cal.is_working_day(date(2022, 7, 12))
    assert not cal.is_working_day(date(2022, 8, 29))  # English summer bank holiday, not Scotland's


@pytest.mark.parametrize(
    "path",
    [pytest.param(None, id="no-path"), pytest.param("missing.toml", id="missing-file")],
)
def test_no_policy_file_gives_the_defaults(tmp_path: Path, path: str | None) -> None:
    policy = load_policy(None if path is None else tmp_path / path)
    assert policy == DEFAULT_POLICY


def test_empty_policy_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, "# nothing to change\n")) == DEFAULT_POLICY


# ------------------------------------------------------------------------------------------------------ overrides

FULL_FILE = """
[calendar]
working_day_start = "08:30"
working_day_end = 16:30:00
extra_closures = [2022-12-28, "2022-12-29", 2022-12-30]

[triage]
target_hours = 8
limit_hours = 16
mode = "working"
warning_hours = 2

[bands]
warning_working_days = 2

[acknowledgement]
adults = 2
other = 10

[response]
children = { days = 15, limit_days = 25 }
corporate = { start = "receipt" }
adults = { days = 30, limit_days = 60, start = "receipt" }

[claims]
minutes = 45
"""


@pytest.fixture
def full_policy(tmp_path: Path) -> Policy:
    return load_policy(write(tmp_path, FULL_FILE))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("working_day_start", time(8, 30), id="start-from-text"),
        pytest.param("working_day_end", time(16, 30), id="end-from-toml-time"),
        pytest.param("extra_closures", (date(2022, 12, 28), date(2022, 12, 29), date(2022, 12, 30)), id="closures"),
        pytest.param("triage_target_hours", 8, id="triage-target"),
        pytest.param("triage_limit_hours", 16, id="triage-limit"),
        pytest.param("triage_mode", "working", id="triage-mode"),
        pytest.param("triage_warning_hours", 2, id="triage-warning"),
        pytest.param("warning_working_days", 2, id="warning-working-days"),
        pytest.param("claim_minutes", 45, id="claim-minutes"),
        # Not in the file: unchanged.
        pytest.param("timezone", "Europe/London", id="timezone-unchanged"),
        pytest.param("out_of_time_months", 12, id="out-of-time-unchanged"),
    ],
)
def test_file_overrides_settings(full_policy: Policy, name: str, value: object) -> None:
    assert getattr(full_policy, name) == value


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        pytest.param(CaseType.ADULTS, 2, id="adults-overridden"),
        pytest.param(CaseType.OTHER, 10, id="other-overridden"),
        pytest.param(CaseType.CHILDREN, 5, id="children-unchanged"),
        pytest.param(CaseType.CORPORATE, 5, id="corporate-unchanged"),
    ],
)
def test_file_overrides_acknowledgement_days(full_policy: Policy, kind: CaseType, days: int) -> None:
    rule = full_policy.stage_rule(kind, 1)
    assert rule is not None and rule.ack_days == days


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        pytest.param(
            CaseType.CHILDREN,
            StageRule(5, 15, FROM_START, extend_days=25, extend_from=FROM_START),
            id="children-days-and-limit",
        ),
        pytest.param(
            CaseType.CORPORATE,
            StageRule(5, 10, FROM_START, extend_days=20, extend_from=FROM_ACK),
            id="corporate-start-only",
        ),
        pytest.param(
            CaseType.ADULTS,
            StageRule(2, 30, FROM_START, extend_days=60, extend_from=FROM_START),
            id="adults-everything",
        ),
        pytest.param(
            CaseType.OTHER,
            StageRule(10, 10, FROM_ACK, extend_days=20, extend_from=FROM_ACK),
            id="other-unchanged",
        ),
    ],
)
def test_file_overrides_stage_one_the_first_way(full_policy: Policy, kind: CaseType, rule: StageRule) -> None:
    assert full_policy.stage_rule(kind, 1) == rule


def test_loading_a_file_leaves_the_defaults_alone(full_policy: Policy) -> None:
    assert full_policy.stages[(CaseType.ADULTS, 1)].ack_days == 2
    assert DEFAULT_POLICY.stages[(CaseType.ADULTS, 1)].ack_days == 3
    assert DEFAULT_POLICY.triage_mode == "elapsed"


def test_extra_closures_from_the_file_count_as_closed(full_policy: Policy) -> None:
    cal = WorkingCalendar(full_policy)
    assert not cal.is_working_day(date(2022, 12, 29))
    assert WorkingCalendar(DEFAULT_POLICY).is_working_day(date(2022, 12, 29))
    # Fri 23 Dec 2022, 2 working days: 26 and 27 bank holidays, 28-30 closed, weekend, Mon 2 Jan 2023 bank
    # holiday, Tue 3 (1), Wed 4 (2).
    due = cal.add_working_days(datetime(2022, 12, 23, 12, tzinfo=LONDON), 2)
    assert due == datetime(2023, 1, 4, 23, 59, 59, tzinfo=UTC)


def test_working_triage_hours_from_the_file(full_policy: Policy) -> None:
    # 08:30-16:30, 8 working hours target, 16 limit. Received Fri 14 Jan 2022 15:30 GMT: 1h on Friday,
    # Mon 17 08:30 + 7h = 15:30 (target); Mon 16:30 (8h), Tue 18 08:30 + 7h = 15:30 (limit 16h).
    due, limit = triage_deadlines(datetime(2022, 1, 14, 15, 30, tzinfo=LONDON), full_policy)
    assert due == datetime(2022, 1, 17, 15, 30, tzinfo=UTC)
    assert limit == datetime(2022, 1, 18, 15, 30, tzinfo=UTC)


def test_calendar_for_a_loaded_policy_uses_its_closures(full_policy: Policy) -> None:
    assert calendar_for(full_policy).is_working_day(date(2022, 12, 28)) is False
    assert calendar_for(DEFAULT_POLICY).is_working_day(date(2022, 12, 28)) is True


# ------------------------------------------------------------------------------------------------------ bad files

BAD_FILES = [
    pytest.param("[stages.adults.2]\nrespond_days = 20\n", "stages.adults.2", id="adults-have-one-stage"),
    pytest.param("[stages.corporate.x]\nrespond_days = 20\n", "stages.corporate.x", id="stage-not-a-number"),
    pytest.param("[stages.service_request.1]\nrespond_days = 2\n", "stages.service_request", id="stage-not-a-kind"),
    pytest.param("[stages.corporate.2]\nrespond_in = 20\n", "stages.corporate.2.respond_in", id="stage-unknown-key"),
    pytest.param(
        '[stages.corporate.2]\nrespond_from = "panel"\n', "stages.corporate.2.respond_from", id="stage-bad-origin"
    ),
    pytest.param("[stages.children.2]\nextend_to_days = 10\n", "extend_to_days", id="stage-limit-below-days"),
    pytest.param("[stages]\ncorporate = 3\n", "stages.corporate", id="stages-not-tables"),
    pytest.param("[ombudsman]\nrespond_days = -1\n", "ombudsman.respond_days", id="ombudsman-negative"),
    pytest.param("[triaj]\ntarget_hours = 24\n", "triaj", id="unknown-section"),
    pytest.param("[triage]\ntarget = 24\n", "triage.target", id="unknown-key"),
    pytest.param("triage = 24\n", "triage", id="section-not-a-table"),
    pytest.param("[triage]\ntarget_hours = -1\n", "triage.target_hours", id="negative-hours"),
    pytest.param('[triage]\ntarget_hours = "24"\n', "triage.target_hours", id="hours-as-text"),
    pytest.param("[triage]\ntarget_hours = 24.5\n", "triage.target_hours", id="fractional-hours"),
    pytest.param("[triage]\ntarget_hours = true\n", "triage.target_hours", id="hours-as-boolean"),
    pytest.param("[triage]\nwarning_hours = -4\n", "triage.warning_hours", id="negative-warning"),
    pytest.param('[triage]\nmode = "business"\n', "triage.mode", id="bad-mode"),
    pytest.param("[triage]\ntarget_hours = 48\nlimit_hours = 24\n", "limit_hours", id="limit-below-target"),
    pytest.param("[triage]\ntarget_hours = 72\n", "limit_hours", id="target-above-default-limit"),
    pytest.param("[acknowledgement]\nadults = -3\n", "acknowledgement.adults", id="negative-ack-days"),
    pytest.param(
        "[acknowledgement]\nservice_request = 3\n", "acknowledgement.service_request", id="ack-not-a-complaint"
    ),
    pytest.param("[acknowledgement]\nadult = 3\n", "acknowledgement.adult", id="ack-unknown-type"),
    pytest.param("[response]\nchildren = 10\n", "response.children", id="response-not-a-table"),
    pytest.param(
        "[response]\nchildren = { days = 20, limit_days = 10 }\n", "limit_days", id="response-limit-below-days"
    ),
    pytest.param("[response]\nchildren = { days = -1 }\n", "response.children.days", id="response-negative"),
    pytest.param('[response]\nchildren = { start = "reciept" }\n', "response.children.start", id="response-bad-start"),
    pytest.param("[response]\nchildren = { weeks = 2 }\n", "response.children", id="response-unknown-key"),
    pytest.param("[response]\nunclassified = { days = 2 }\n", "response.unclassified", id="response-bad-type"),
    pytest.param('[calendar]\nworking_day_start = "nine"\n', "calendar.working_day_start", id="bad-working-day-start"),
    pytest.param(
        '[calendar]\nworking_day_start = "17:00"\nworking_day_end = "09:00"\n',
        "calendar.working_day_end",
        id="working-day-ends-before-it-starts",
    ),
    pytest.param('[calendar]\nextra_closures = "2022-12-29"\n', "calendar.extra_closures", id="closures-not-list"),
    pytest.param('[calendar]\nextra_closures = ["2022-13-01"]\n', "calendar.extra_closures", id="closure-bad-date"),
    pytest.param('[calendar]\ntimezone = "Europe/Londres"\n', "Europe/Londres", id="unknown-timezone"),
    pytest.param("[bands]\nwarning_working_days = -1\n", "bands.warning_working_days", id="negative-warning-days"),
]


@pytest.mark.parametrize(("text", "named"), BAD_FILES)
def test_bad_policy_files_are_refused_naming_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(named)):
        load_policy(write(tmp_path, text))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[triage\ntarget_hours = 24\n", id="unclosed-section"),
        pytest.param("[triage]\ntarget_hours = \n", id="missing-value"),
        pytest.param("[triage]\ntarget_hours = 24\ntarget_hours = 36\n", id="duplicate-key"),
    ],
)
def test_broken_toml_is_refused_naming_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidInput, match=re.escape(str(path))):
        load_policy(path)


def test_undecodable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b'[triage]\nmode = "\xff\xfe"\n')
    with pytest.raises(InvalidInput, match=re.escape(str(path))):
        load_policy(path)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param('[calendar]\ncountry = "ZZ"\n', "calendar.country", id="unknown-country"),
        pytest.param('[calendar]\nsubdivision = "XYZ"\n', "calendar.subdivision", id="unknown-subdivision"),
    ],
)
def test_unknown_holiday_calendar_is_refused(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(named)):
        policy = load_policy(write(tmp_path, text))
        WorkingCalendar(policy)
