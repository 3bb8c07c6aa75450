"""How fast deadlines are derived: the desk computes them for every row it shows, every second."""

from __future__ import annotations

import random
import time

import pendulum

from triage_tui.domain.clock import CaseTimes, calendar_for, case_clocks
from triage_tui.domain.codes import COMPLAINT_TYPES
from triage_tui.domain.policy import DEFAULT_POLICY

N = 100_000


def test_clocks_for_100k_cases() -> None:
    rng = random.Random(7)
    start = pendulum.datetime(2021, 1, 1, tz="UTC")
    cases = [
        CaseTimes(
            received_at=start.add(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
            type=rng.choice(COMPLAINT_TYPES),
        )
        for _ in range(N)
    ]
    now = pendulum.datetime(2024, 1, 1, tz="UTC")
    calendar_for(DEFAULT_POLICY)  # the holiday table is built once per policy, outside the loop

    began = time.perf_counter()
    clocks = [case_clocks(c) for c in cases]
    derive = time.perf_counter() - began

    began = time.perf_counter()
    texts = [c.acknowledgement.countdown(now) for c in clocks]
    tick = time.perf_counter() - began

    print(
        f"\n{N:,} cases: deriving all clocks {derive:.2f}s ({derive / N * 1e6:.1f} us/case); "
        f"countdown text from derived clocks {tick:.2f}s ({tick / N * 1e6:.1f} us/case)"
    )
    assert len(texts) == N
    # The desk derives clocks once per row and re-formats a page of a few hundred countdowns each second.
    assert tick / N * 500 < 0.01
