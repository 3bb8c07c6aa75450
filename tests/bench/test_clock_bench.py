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
    bands = [case_clocks(c).acknowledgement.band(now) for c in cases]
    cold = time.perf_counter() - began

    began = time.perf_counter()
    for c in cases:
        case_clocks(c).acknowledgement.countdown(now)
    warm = time.perf_counter() - began

    print(
        f"\nclocks for {N:,} cases: {cold:.2f}s first pass ({cold / N * 1e6:.1f} us/case), "
        f"{warm:.2f}s with the calendar cache warm ({warm / N * 1e6:.1f} us/case)"
    )
    assert len(bands) == N
    # The desk ticks a page of a few hundred rows a second: that must stay far below a frame.
    assert warm / N * 500 < 0.1
