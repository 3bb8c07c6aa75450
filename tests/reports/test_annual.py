"""The annual complaints performance report and the SLA by stage, counted from the events: a generated year held
equal to a plain reading of the same events, the year unchanged by what happens after it, hand-worked
deadlines, and the commands' shapes and refusals."""

from __future__ import annotations

from datetime import date

from tests.conftest import Clock
from tests.reports.generated_year import (
    YEAR,
    Year,
    add_complaint_officers,
    plain_annual,
    plain_sla_stages,
    read_cases,
)
from triage_tui.domain.timeparse import local_day_bounds
from triage_tui.reports import compute
from triage_tui.reports.annual import NOT_SENT, AnnualReport, annual
from triage_tui.services.context import ServiceContext


def test_a_generated_year_equals_a_plain_reading_of_its_events(ctx: ServiceContext, staff, clock: Clock) -> None:
    add_complaint_officers(ctx)
    at_the_end: list[AnnualReport] = []
    made = Year(ctx, clock, seed=20230401, contacts=80).run(lambda: at_the_end.append(annual(ctx, YEAR)))
    report = annual(ctx, YEAR).to_json()
    # Run again after months of later changes (reclassified, responses taken back and sent again, next stages,
    # ombudsman decisions), the year reads as it did the moment it ended.
    assert made.after_year, "the generator changed nothing after the year"
    assert report == at_the_end[0].to_json()
    assert report == plain_annual(ctx, YEAR)
    for year in (YEAR - 1, YEAR + 1):
        assert annual(ctx, year).to_json() == plain_annual(ctx, year)

    # The year holds every kind of journey, so the equality above says something about each rule.
    rows = {(r["type"], r["stage"]): r for r in report["stages"]}
    assert all(rows[(k, 1)]["started"] and rows[(k, 1)]["responded"] for k in ("adults", "children", "corporate"))
    assert rows[("children", 3)]["started"] and rows[("children", 3)]["responded"]
    assert any(r["responded_in_time"] < r["responded_within_extension"] for r in report["stages"])
    assert any(r["responded_within_extension"] < r["responded"] for r in report["stages"])
    assert any(r["extended"] for r in report["stages"] if r["stage"] > 1)
    assert all(sum(r[o] for r in report["stages"]) for o in ("upheld", "partly_upheld", "not_upheld"))
    ombudsman = report["ombudsman"]
    assert 0 < ombudsman["remedies_complied_in_time"] < ombudsman["remedies"] <= ombudsman["upheld"]
    assert ombudsman["not_upheld"] and ombudsman["not_investigated"]
    assert 0 < report["not_complaints"] < report["contacts"]
    assert report["services"][-1]["service"] == NOT_SENT
    start, end = (local_day_bounds(d)[i] for d, i in ((date(YEAR, 4, 1), 0), (date(YEAR + 1, 3, 31), 1)))
    stages = [s for case in read_cases(ctx, None) for s in case.stages if s.kind != "service_request"]
    assert any(s.started < start and s.responded and start <= s.responded <= end for s in stages)
    assert any(start <= s.started <= end and s.responded and s.responded > end for s in stages)

    # The SLA by stage, over the same cases (their state now), against the same plain reading.
    for first, last in ((date(2023, 4, 1), date(2024, 3, 31)), (date(2023, 10, 1), date(2023, 12, 31))):
        sla = compute.sla(ctx, first, last)
        assert [{k: v for k, v in r.items() if k != "label"} for r in sla.stages] == plain_sla_stages(ctx, first, last)
    assert any(r["acknowledged_within_target"] < r["acknowledged"] for r in sla.stages)
