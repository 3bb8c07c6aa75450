"""The queue ranks by nearest_urgency, which must say exactly what case_clocks(...).nearest() says (due, limit and
warning of the running clock that falls due first), for every kind, stage and milestone a case can have, under
the default policy, working-hours triage and a policy with the other response origins and closure days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.domain.clock import CaseTimes, case_clocks, nearest_urgency
from triage_tui.domain.codes import CaseType
from triage_tui.domain.policy import DEFAULT_POLICY, Policy
from triage_tui.domain.queue import Candidate

POLICIES = (
    DEFAULT_POLICY,
    replace(DEFAULT_POLICY, triage_mode="working"),
    replace(DEFAULT_POLICY, extra_closures=(date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31))),
)

BASE = datetime(2025, 3, 20, tzinfo=UTC)  # the spring clock change, Christmas and Easter within reach
moments = st.integers(min_value=0, max_value=300 * 24 * 60).map(lambda minutes: BASE + timedelta(minutes=minutes))
maybe = st.one_of(st.none(), moments)


@st.composite
def case_times(draw: st.DrawFn) -> CaseTimes:
    kind = draw(st.sampled_from(list(CaseType)))
    stage = draw(st.integers(min_value=1, max_value=3))
    received = draw(moments)
    return CaseTimes(
        received_at=received,
        type=kind,
        triaged_at=draw(maybe),
        acknowledged_at=draw(maybe),
        responded_at=draw(maybe),
        closed_at=draw(st.one_of(st.none(), st.none(), moments)),
        stage=stage,
        stage_started_at=draw(maybe) if stage > 1 else None,
        extension_days=draw(st.sampled_from([0, 0, 5, 20])),
        panel_at=draw(maybe) if stage == 3 else None,
    )


@settings(max_examples=400, deadline=None)
@given(times=case_times(), policy=st.sampled_from(POLICIES))
def test_nearest_urgency_is_case_clocks_nearest(times: CaseTimes, policy: Policy) -> None:
    clock = case_clocks(times, policy).nearest()
    expected = None if clock is None else (clock.due_at, clock.limit_at, clock.warn_at)
    assert nearest_urgency(times, policy) == expected


@settings(max_examples=200, deadline=None)
@given(times=case_times(), policy=st.sampled_from(POLICIES))
def test_a_candidate_ranks_as_its_case_times(times: CaseTimes, policy: Policy) -> None:
    # The queue passes its Candidate (type as stored text, no response or closure) straight in.
    waiting = replace(times, responded_at=None, closed_at=None)
    candidate = Candidate(
        1,
        waiting.received_at,
        waiting.type.value,
        "new",
        waiting.triaged_at,
        waiting.acknowledged_at,
        waiting.stage,
        waiting.stage_started_at,
        waiting.extension_days,
        waiting.panel_at,
    )
    assert nearest_urgency(candidate, policy) == nearest_urgency(waiting, policy)
