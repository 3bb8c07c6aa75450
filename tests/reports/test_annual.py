"""The annual complaints performance report and the SLA by stage, counted from the events: a generated year held
equal to a plain reading of the same events, the year unchanged by what happens after it, hand-worked
deadlines, and the commands' shapes and refusals."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pendulum
import pytest
from click.testing import CliRunner, Result

from tests.cli.test_contract import one_error_line
from tests.conftest import Clock
from tests.reports.generated_year import (
    YEAR,
    Year,
    add_complaint_officers,
    plain_annual,
    plain_sla_stages,
    read_cases,
)
from triage_tui.cli import main
from triage_tui.domain.codes import CaseType, OmbudsmanDecision, Outcome
from triage_tui.domain.timeparse import local_day_bounds
from triage_tui.reports import compute
from triage_tui.reports.annual import NOT_SENT, AnnualReport, annual
from triage_tui.services import cases, stages
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
    every_stage = [s for case in read_cases(ctx, None) for s in case.stages if s.kind != "service_request"]
    assert any(s.started < start and s.responded and start <= s.responded <= end for s in every_stage)
    assert any(start <= s.started <= end and s.responded and s.responded > end for s in every_stage)

    # The SLA by stage, over the same cases (their state now), against the same plain reading.
    for first, last in ((date(2023, 4, 1), date(2024, 3, 31)), (date(2023, 10, 1), date(2023, 12, 31))):
        sla = compute.sla(ctx, first, last)
        assert [{k: v for k, v in r.items() if k != "label"} for r in sla.stages] == plain_sla_stages(ctx, first, last)
    assert any(r["acknowledged_within_target"] < r["acknowledged"] for r in sla.stages)


def london(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="Europe/London")  # type: ignore[arg-type]


@pytest.fixture
def worked(ctx: ServiceContext, staff, clock: Clock) -> ServiceContext:
    """Four contacts of 2023-24 with deadlines worked out by hand (Easter 2023 and 2024, the May 2023 bank
    holidays), and what happened to them after the year."""
    add_complaint_officers(ctx)

    def at(*when: int) -> None:
        clock.set(london(*when))

    # A corporate complaint received Monday 3 April 2023, acknowledged the next day: 10 working days from the
    # acknowledgement (Good Friday 7 and Easter Monday 10 April are not) make it due Thursday 20 April; extended
    # by 5 to Thursday 27 April; answered on the 25th, late by the original deadline, within the extension.
    at(2023, 4, 3, 10)
    ref = cases.intake(ctx, "alice", customer_name="Margaret Smith", summary="Bins").reference
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    cases.allocate(ctx, "boss", ref, "carol")
    at(2023, 4, 4, 11)
    cases.acknowledge(ctx, "carol", ref)
    cases.send_to_service(ctx, "carol", ref, "Highways")
    at(2023, 4, 19, 9)
    view = stages.extend(ctx, "boss", ref, working_days=5, reason="Waiting for the contractor's report")
    assert view.clocks(ctx.policy).response.due_at == london(2023, 4, 27, 23, 59, 59)
    at(2023, 4, 25, 15)
    cases.respond(ctx, "carol", ref, outcome=Outcome.PARTLY_UPHELD)
    # Stage 2 asked for on Tuesday 2 May (1 May a bank holiday): acknowledge within 5 working days, by Wednesday
    # 10 May (8 May 2023 was the coronation's bank holiday); acknowledged on the 11th, late; answered in time.
    at(2023, 5, 2, 10)
    stages.escalate(ctx, "boss", ref, reason="Still unhappy")
    cases.allocate(ctx, "boss", ref, "dave")
    at(2023, 5, 11, 10)
    cases.acknowledge(ctx, "dave", ref)
    cases.send_to_service(ctx, "dave", ref, "Highways")
    at(2023, 5, 30, 10)
    cases.respond(ctx, "dave", ref, outcome=Outcome.NOT_UPHELD)
    # The ombudsman: upheld with a remedy due Friday 30 June, carried out at 23:30 that day (in time).
    at(2023, 6, 1, 10)
    stages.ombudsman_open(ctx, "boss", ref, ombudsman_reference="23 001 234")
    at(2023, 6, 15, 10)
    stages.ombudsman_decide(
        ctx, "boss", ref, decision=OmbudsmanDecision.UPHELD, remedy="Apologise", remedy_due=date(2023, 6, 30)
    )
    at(2023, 6, 30, 23, 30)
    stages.ombudsman_complied(ctx, "boss", ref)

    # A contact passed on as a service request, and one never triaged.
    at(2023, 4, 5, 9)
    other = cases.intake(ctx, "alice", customer_name="John Patel", summary="Pothole").reference
    cases.signpost(ctx, "alice", other, service_request="Highways")
    cases.intake(ctx, "alice", customer_name="Aisha Khan", summary="Unreadable letter")

    # An adults' complaint received Saturday 30 March 2024: it starts in 2023-24 and is answered in 2024-25.
    # Acknowledge within 3 working days: Easter Monday 1 April 2024 is not one, so by Thursday 4 April.
    at(2024, 3, 30, 10)
    adults = cases.intake(ctx, "alice", customer_name="Peter Jones", summary="Care package").reference
    cases.classify(ctx, "alice", adults, CaseType.ADULTS)
    cases.allocate(ctx, "boss", adults, "carol")
    at(2024, 4, 2, 10)
    cases.acknowledge(ctx, "carol", adults)
    cases.send_to_service(ctx, "carol", adults, "Adult Social Care")
    at(2024, 4, 10, 10)
    cases.respond(ctx, "carol", adults, outcome=Outcome.UPHELD)

    # After the year: the first complaint is found to have been an 'other' one all along.
    at(2024, 4, 15, 10)
    cases.classify(ctx, "boss", ref, CaseType.OTHER, reason="Debt recovery, wrongly classified")
    return ctx


def zero(kind: str, stage: int) -> dict[str, object]:
    return {"type": kind, "stage": stage, **dict.fromkeys(
        ["started", "responded", "responded_in_time", "responded_within_extension", "extended", "upheld",
         "partly_upheld", "not_upheld"], 0)}  # fmt: skip


def test_hand_worked_year(worked: ServiceContext) -> None:
    report = annual(worked, 2023).to_json()
    assert report["contacts"] == 4 and report["not_complaints"] == 1
    stages_by_key = {(r["type"], r["stage"]): r for r in report["stages"]}
    assert list(stages_by_key) == [
        ("adults", 1),
        ("children", 1),
        ("children", 2),
        ("children", 3),
        ("corporate", 1),
        ("corporate", 2),
        ("other", 1),
        ("other", 2),
    ]
    assert stages_by_key[("corporate", 1)] == {
        **zero("corporate", 1),
        "started": 1,
        "extended": 1,
        "responded": 1,
        "responded_within_extension": 1,
        "partly_upheld": 1,
    }
    assert stages_by_key[("corporate", 2)] == {
        **zero("corporate", 2),
        "started": 1,
        "responded": 1,
        "responded_in_time": 1,
        "responded_within_extension": 1,
        "not_upheld": 1,
    }
    assert stages_by_key[("adults", 1)] == {**zero("adults", 1), "started": 1}  # answered the next year
    assert stages_by_key[("other", 2)] == zero("other", 2)  # reclassified after the year: not in it
    assert report["ombudsman"] == {
        "enquiries": 1,
        "upheld": 1,
        "not_upheld": 0,
        "not_investigated": 0,
        "remedies": 1,
        "remedies_complied_in_time": 1,
    }
    # The adults' complaint was sent to its service after the year's end.
    assert report["services"] == [
        {"service": "Highways", "complaints": 1, "upheld": 1},
        {"service": NOT_SENT, "complaints": 1, "upheld": 0},
    ]
    following = annual(worked, 2024).to_json()
    assert following["contacts"] == 0
    assert [r for r in following["stages"] if r["started"] or r["responded"]] == [
        {**zero("adults", 1), "responded": 1, "responded_in_time": 1, "responded_within_extension": 1, "upheld": 1}
    ]


def test_sla_by_stage_hand_worked(worked: ServiceContext) -> None:
    report = compute.sla(worked, date(2023, 4, 1), date(2024, 3, 31))
    common = {"started": 1, "acknowledged": 1, "responded": 1}
    assert report.stages == [
        {"type": "adults", "label": "Statutory Adults", "stage": 1, **common, "acknowledged_within_target": 1,
         "responded_within_target": 1, "responded_within_extension": 1, "extended": 0},
        # Read now, stage 1 kept the type it ended with; the running stage 2 is of the type it has now.
        {"type": "corporate", "label": "Corporate Complaints", "stage": 1, **common,
         "acknowledged_within_target": 1, "responded_within_target": 0, "responded_within_extension": 1,
         "extended": 1},
        {"type": "other", "label": "Other", "stage": 2, **common, "acknowledged_within_target": 0,
         "responded_within_target": 1, "responded_within_extension": 1, "extended": 0},
    ]  # fmt: skip
    # The figures by type count each case received in the period as its first stage went: the escalated one by
    # the type and milestones stage 1 ended with (kept in case_stages), not the later stage's.
    assert [r["type"] for r in report.rows] == ["adults", "corporate", "service_request", "unclassified"]
    assert set(report.to_json()) == {"report", "from", "to", "rows", "totals", "stages"}
    assert compute.sla(worked, date(2023, 5, 2), date(2023, 5, 2)).stages == [report.stages[2]]


# --- the commands ---------------------------------------------------------------------------------------------


def run(ctx: ServiceContext, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, [*args, "--db", ctx.store.url, "--as", "boss"], catch_exceptions=False)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_report_annual_command(worked: ServiceContext) -> None:
    shown = json.loads(run(worked, "report", "annual", "--year", "2023", "--format", "json").stdout)
    assert shown == annual(worked, 2023).to_json()
    assert list(shown) == [
        "report", "from", "to", "contacts", "not_complaints", "stages", "ombudsman", "services",
    ]  # fmt: skip
    assert (shown["report"], shown["from"], shown["to"]) == ("annual", "2023-04-01", "2024-03-31")
    assert all(
        list(r) == ["type", "stage", "started", "responded", "responded_in_time", "responded_within_extension",
                    "extended", "upheld", "partly_upheld", "not_upheld"]
        for r in shown["stages"]
    )  # fmt: skip
    assert list(shown["ombudsman"]) == [
        "enquiries", "upheld", "not_upheld", "not_investigated", "remedies", "remedies_complied_in_time",
    ]  # fmt: skip
    assert all(list(s) == ["service", "complaints", "upheld"] for s in shown["services"])

    table = run(worked, "report", "annual", "--year", "2023").stdout
    for text in (
        "Annual complaints performance report 2023-24: 1 April 2023 to 31 March 2024",
        "Complaints by stage",
        "Ombudsman enquiries opened in the year",
        "Complaints received in the year by service",
        "Corporate Complaints",
    ):
        assert text in table
    rows = list(csv.reader(io.StringIO(run(worked, "report", "annual", "--year", "2023", "--format", "csv").stdout)))
    assert rows[0] == ["Financial year", "2023-24"] and rows[3] == ["Contacts received", "4"]
    titles = [row[0] for i, row in enumerate(rows) if i and not rows[i - 1]]
    assert titles == [
        "Complaints by stage: started and responded to in the year",
        "Ombudsman enquiries opened in the year",
        "Complaints received in the year by service (stage 1)",
    ]
    corporate = next(r for r in rows if r[:2] == ["Corporate Complaints", "1"])
    assert corporate[2:7] == ["1", "1", "1", "0 (0%)", "1 (100%)"]

    # Without --year: the financial year of today (2 April 2024 is in 2024-25).
    with pendulum.travel_to(london(2024, 4, 2, 9), freeze=True):
        assert json.loads(run(worked, "report", "annual", "--format", "json").stdout)["from"] == "2024-04-01"
    with pendulum.travel_to(london(2024, 3, 31, 23), freeze=True):
        assert json.loads(run(worked, "report", "annual", "--format", "json").stdout)["from"] == "2023-04-01"


@pytest.mark.parametrize(
    ("year", "said"),
    [
        ("twenty", "is not a year"),
        ("23", "is not a year"),
        ("2023-24", "is not a year"),
        ("", "is not a year"),
        ("1899", "from 1900 to 2099"),
        ("2100", "from 1900 to 2099"),
        ("99999", "is not a year"),
    ],
)
def test_report_annual_refuses_a_year_it_cannot_read(worked: ServiceContext, year: str, said: str) -> None:
    refused = run(worked, "report", "annual", "--year", year, code=2)
    one_error_line(refused, "--year", said)
    assert refused.stdout == ""


def test_report_sla_shows_the_stages_in_every_form(worked: ServiceContext) -> None:
    period = ("--from", "2023-04-01", "--to", "2024-03-31")
    shown = json.loads(run(worked, "report", "sla", *period, "--format", "json").stdout)
    assert list(shown) == ["report", "from", "to", "rows", "totals", "stages"]
    assert [(s["type"], s["stage"]) for s in shown["stages"]] == [("adults", 1), ("corporate", 1), ("other", 2)]
    table = run(worked, "report", "sla", *period).stdout
    assert "Deadlines met for contacts received 2023-04-01 to 2024-03-31" in table
    assert "By stage: stages started 2023-04-01 to 2024-03-31" in table
    rows = list(csv.reader(io.StringIO(run(worked, "report", "sla", *period, "--format", "csv").stdout)))
    assert rows[0][:3] == ["Type", "Cases", "Triaged"]  # the figures by type first, as before
    gap = rows.index([])
    assert rows[gap + 1] == ["By stage: stages started 2023-04-01 to 2024-03-31"]
    assert rows[gap + 2][:4] == ["Type", "Stage", "Started", "Acknowledged"]
    assert rows[gap + 3][:3] == ["Statutory Adults", "1", "1"]
    assert rows[-1][:3] == ["All stages", "", "3"]


def test_a_service_named_like_a_formula_is_text_in_the_csv(ctx: ServiceContext, staff, clock: Clock) -> None:
    clock.set(london(2023, 6, 1, 10))
    ref = cases.intake(ctx, "alice", customer_name="A", summary="S").reference
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    cases.allocate(ctx, "boss", ref, "carol")
    cases.send_to_service(ctx, "carol", ref, '=HYPERLINK("http://example.org","x")')
    out = run(ctx, "report", "annual", "--year", "2023", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert ['\'=HYPERLINK("http://example.org","x")', "1", "0 (0%)"] in rows
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
