"""The stage clocks without a database: domain.clock.case_clocks on CaseTimes at each stage of DOMAIN.md's table,
the extension limits, the children's panel and the request window, and the clock changes.

Every expected instant was counted by hand on a calendar of England and Wales. A deadline is 23:59:59 Europe/London,
which is 22:59:59Z in British Summer Time and 23:59:59Z in GMT. Clock changes: BST from Sun 28 March 2027, GMT
again from Sun 31 October 2027; BST from Sun 26 March 2028.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from triage_tui.domain.clock import CaseTimes, add_months, case_clocks, extension_limit, request_deadline
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY, FROM_ACK, FROM_PANEL, FROM_START, StageRule, policy_from_mapping

LONDON = ZoneInfo("Europe/London")


def loc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def bst_end(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 22, 59, 59, tzinfo=UTC)


def gmt_end(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=UTC)


# --- the defaults are DOMAIN.md's table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "stage", "rule"),
    [
        (CaseType.CORPORATE, 1, StageRule(5, 10, FROM_ACK, extend_days=20, extend_from=FROM_ACK)),
        (CaseType.OTHER, 1, StageRule(5, 10, FROM_ACK, extend_days=20, extend_from=FROM_ACK)),
        (CaseType.CORPORATE, 2, StageRule(5, 20, FROM_ACK, extend_days=40, extend_from=FROM_ACK)),
        (CaseType.OTHER, 2, StageRule(5, 20, FROM_ACK, extend_days=40, extend_from=FROM_ACK)),
        (CaseType.CHILDREN, 1, StageRule(5, 10, FROM_START, extend_days=20, extend_from=FROM_START)),
        (CaseType.CHILDREN, 2, StageRule(5, 25, FROM_START, extend_days=65, extend_from=FROM_START)),
        (CaseType.CHILDREN, 3, StageRule(5, 20, FROM_PANEL, panel_days=30, request_within_days=20)),
        (CaseType.ADULTS, 1, StageRule(3, 20, FROM_ACK, extend_months=6, extend_from=FROM_START)),
    ],
)
def test_the_default_rules_are_the_domain_table(kind: CaseType, stage: int, rule: StageRule) -> None:
    assert DEFAULT_POLICY.stage_rule(kind, stage) == rule


def test_the_number_of_stages() -> None:
    assert [DEFAULT_POLICY.last_stage(k) for k in CaseType] == [1, 3, 2, 2, 0, 0]
    assert DEFAULT_POLICY.stage_rule(CaseType.ADULTS, 2) is None
    assert DEFAULT_POLICY.stage_rule(CaseType.SERVICE_REQUEST, 1) is None
    assert not DEFAULT_POLICY.stage_rule(CaseType.CHILDREN, 3).extendable  # type: ignore[union-attr]


# --- corporate stage 2 across the autumn clock change -------------------------------------------------------------


def corporate_2(**kw: object) -> CaseTimes:
    base = CaseTimes(
        received_at=loc(2027, 9, 1, 10),
        type=CaseType.CORPORATE,
        triaged_at=loc(2027, 9, 1, 11),
        stage=2,
        # The request: Mon 25 October 2027, 10:00 BST.
        stage_started_at=loc(2027, 10, 25, 10),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_a_stage_2_acknowledgement_after_the_clocks_go_back_is_due_at_2359_gmt() -> None:
    # 5 WD from Mon 25 October: Tue 26, Wed 27, Thu 28, Fri 29, [GMT from Sun 31], Mon 1 November.
    clocks = case_clocks(corporate_2())
    assert clocks.acknowledgement.due_at == gmt_end(2027, 11, 1)
    assert clocks.response.due_at is None and clocks.response.limit_at is None  # waits for the acknowledgement
    assert clocks.panel is None


def test_a_stage_2_acknowledgement_before_the_clocks_go_back_is_due_at_2359_bst() -> None:
    # The policy's 4 WD from Mon 25 October: Fri 29 October, still BST.
    policy = policy_from_mapping({"stages": {"corporate": {"2": {"acknowledge_days": 4}}}})
    assert case_clocks(corporate_2(), policy).acknowledgement.due_at == bst_end(2027, 10, 29)
    # Stage 1 of the same policy is untouched: 5 WD from Wed 1 September 2027 is Wed 8 September.
    stage_1 = replace(corporate_2(), stage=1, stage_started_at=None)
    assert case_clocks(stage_1, policy).acknowledgement.due_at == bst_end(2027, 9, 8)


def test_stage_2_response_runs_from_its_acknowledgement() -> None:
    # Acknowledged Wed 27 October 2027. 20 WD: Thu 28, Fri 29 (2), 1-5 November (7), 8-12 (12), 15-19 (17),
    # Mon 22, Tue 23, Wed 24 November (20). 40 WD: Thu 25, Fri 26 (22), 29 Nov - 3 Dec (27), 6-10 (32), 13-17 (37),
    # Mon 20, Tue 21, Wed 22 December (40). All GMT.
    clocks = case_clocks(corporate_2(acknowledged_at=loc(2027, 10, 27, 9)))
    assert clocks.response.due_at == gmt_end(2027, 11, 24)
    assert clocks.response.limit_at == gmt_end(2027, 12, 22)
    assert clocks.response.first_due_at is None and clocks.response.original_due_at == gmt_end(2027, 11, 24)
    # Extended by 15 WD: Thu 25 November .. Wed 15 December; the original is kept.
    extended = case_clocks(corporate_2(acknowledged_at=loc(2027, 10, 27, 9), extension_days=15))
    assert extended.response.due_at == gmt_end(2027, 12, 15)
    assert extended.response.original_due_at == gmt_end(2027, 11, 24)
    assert extended.response.limit_at == gmt_end(2027, 12, 22)


def test_the_stage_start_counts_only_after_stage_1() -> None:
    # At stage 1 the receipt is the start, whatever stage_started_at says: 5 WD from Wed 1 September 2027.
    times = replace(corporate_2(), stage=1)
    assert case_clocks(times).acknowledgement.due_at == bst_end(2027, 9, 8)


# --- children's stage 3: the panel --------------------------------------------------------------------------------


def children_3(**kw: object) -> CaseTimes:
    base = CaseTimes(
        received_at=loc(2027, 1, 4, 10),
        type=CaseType.CHILDREN,
        triaged_at=loc(2027, 1, 4, 11),
        stage=3,
        stage_started_at=loc(2027, 3, 1, 10),  # Monday 1 March 2027, GMT
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_the_panel_is_due_30_working_days_from_the_request_over_easter() -> None:
    # 5 WD from Mon 1 March 2027: Mon 8 March. 30 WD: 2-5 March (4), 8-12 (9), 15-19 (14), 22-25 (18), [Good Friday
    # 26, Easter Monday 29; BST from Sun 28], Tue 30 - Fri 2 April (22), 5-9 (27), Mon 12, Tue 13, Wed 14 April (30).
    # The response, 20 WD after the panel's latest day until it sits: Thu 15, Fri 16 (2), 19-23 (7), 26-30 (12),
    # [Mon 3 May], Tue 4 - Fri 7 (16), Mon 10 - Thu 13 May (20).
    clocks = case_clocks(children_3())
    assert clocks.acknowledgement.due_at == gmt_end(2027, 3, 8)
    assert clocks.panel is not None and clocks.panel.due_at == bst_end(2027, 4, 14) == clocks.panel.limit_at
    assert clocks.response.due_at == bst_end(2027, 5, 13) == clocks.response.limit_at
    assert [c.name for c in clocks.all()] == ["triage", "acknowledgement", "panel", "response"]


def test_the_response_follows_the_panel_once_it_sits() -> None:
    # Panel sat Wed 24 March 2027: 20 WD after it: Thu 25 (1), [Easter], Tue 30 - Fri 2 April (5), 5-9 (10),
    # 12-16 (15), Mon 19 - Fri 23 April (20).
    clocks = case_clocks(children_3(panel_at=loc(2027, 3, 24, 14)))
    assert clocks.panel is not None and clocks.panel.met() is True
    assert clocks.response.due_at == bst_end(2027, 4, 23)
    # A response stops the panel clock too, if the panel was never recorded.
    answered = case_clocks(children_3(responded_at=loc(2027, 4, 1, 10)))
    assert answered.panel is not None and answered.panel.stopped_at == loc(2027, 4, 1, 10)


def test_stage_3_must_be_asked_for_within_20_working_days() -> None:
    rule = DEFAULT_POLICY.stage_rule(CaseType.CHILDREN, 3)
    assert rule is not None
    # Stage 2 answered Thu 18 March 2027: Fri 19 (1), 22-25 (5), [Easter], Tue 30 - Fri 2 April (9), 5-9 (14),
    # 12-16 (19), Mon 19 April (20): BST.
    assert request_deadline(loc(2027, 3, 18, 15), rule) == bst_end(2027, 4, 19)
    stage_2 = DEFAULT_POLICY.stage_rule(CaseType.CHILDREN, 2)
    assert stage_2 is not None and request_deadline(loc(2027, 3, 18, 15), stage_2) is None


# --- adults: six calendar months from receipt ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "limit"),
    [
        # 31 August + 6 months: February has no 31st, so its last day (2027 is not a leap year; 2028 is).
        (loc(2026, 8, 31, 10), gmt_end(2027, 2, 28)),
        (loc(2027, 8, 31, 10), gmt_end(2028, 2, 29)),
        # 15 October 2027 (BST) + 6 months: 15 April 2028, BST again.
        (loc(2027, 10, 15, 10), bst_end(2028, 4, 15)),
        # 15 March 2028 (GMT) + 6 months: 15 September 2028, BST.
        (loc(2028, 3, 15, 10), bst_end(2028, 9, 15)),
    ],
)
def test_the_adults_limit_is_six_months_from_receipt(received: datetime, limit: datetime) -> None:
    rule = DEFAULT_POLICY.stage_rule(CaseType.ADULTS, 1)
    assert rule is not None
    assert extension_limit(rule, received, received) == limit
    times = CaseTimes(received_at=received, type=CaseType.ADULTS, acknowledged_at=received)
    assert case_clocks(times).response.limit_at == limit


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2027, 10, 31), 2) == date(2027, 12, 31)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 15), 12) == date(2028, 1, 15)


def test_no_limit_before_the_origin_of_the_extension() -> None:
    corporate = DEFAULT_POLICY.stage_rule(CaseType.CORPORATE, 1)
    children_3_rule = DEFAULT_POLICY.stage_rule(CaseType.CHILDREN, 3)
    assert corporate is not None and children_3_rule is not None
    assert extension_limit(corporate, loc(2027, 3, 1, 10), None) is None
    assert extension_limit(children_3_rule, loc(2027, 3, 1, 10), loc(2027, 3, 1, 10)) is None


def test_christmas_2027_substitute_days_for_children_stage_2() -> None:
    # Request Thu 23 December 2027. 5 WD: Fri 24 (1), [Mon 27 and Tue 28: Christmas and Boxing Day observed],
    # Wed 29 - Fri 31 (4), [Mon 3 January: New Year observed], Tue 4 January 2028 (5).
    # 25 WD: Wed 5 - Fri 7 (8), 10-14 (13), 17-21 (18), 24-28 (23), Mon 31 January, Tue 1 February 2028 (25).
    times = CaseTimes(
        received_at=loc(2027, 11, 1, 10),
        type=CaseType.CHILDREN,
        stage=2,
        stage_started_at=loc(2027, 12, 23, 16),
    )
    clocks = case_clocks(times)
    assert clocks.acknowledgement.due_at == gmt_end(2028, 1, 4)
    assert clocks.response.due_at == gmt_end(2028, 2, 1)
