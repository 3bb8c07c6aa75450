"""The reports reproduce the briefing's four tables from fixtures/briefing.csv, read the past from the events,
and come out as the table, the CSV (safe in a spreadsheet) and the JSON of the contract."""

from __future__ import annotations

import csv
import io
import json

import pendulum
import pytest
from click.testing import CliRunner

from tests.conftest import Clock
from triage_tui.cli import main
from triage_tui.domain.codes import CaseType, Role, Team
from triage_tui.domain.timeparse import parse_date, parse_time
from triage_tui.importer.briefing import briefing_file
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.reports import compute
from triage_tui.reports.render import as_csv, safe_cell
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer


@pytest.fixture
def briefing(ctx: ServiceContext, clock: Clock) -> ServiceContext:
    clock.set(pendulum.datetime(2022, 3, 10, 9, tz="Europe/London"))
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    assert run_import(ctx, "boss", briefing_file(), ImportOptions(create_officers=True)).imported == 661
    return ctx


def figures(report: compute.BucketReport) -> dict[str, tuple[int, ...]]:
    return {row["type"]: tuple(row[b.value] for b in report.buckets) for row in report.rows}


def test_the_backlog_at_the_start_of_december(briefing: ServiceContext) -> None:
    report = compute.position(briefing, parse_time("2021-12-01T00:00"), cohort="backlog-2021")
    assert figures(report) == {
        "adults": (42, 47, 0),
        "children": (51, 65, 0),
        "corporate": (21, 44, 0),
        "other": (0, 12, 0),
    }
    assert report.totals == {"total": 282, "unallocated": 114, "complaints_team": 168, "service": 0}


def test_the_backlog_on_14_january_and_2_march(briefing: ServiceContext) -> None:
    jan = compute.position(briefing, parse_time("2022-01-14", end_of_day=True), cohort="backlog-2021")
    assert figures(jan) == {"adults": (0, 0, 3), "children": (0, 20, 0), "corporate": (0, 3, 0)}
    assert jan.totals["total"] == 26
    mar = compute.position(briefing, parse_time("2022-03-02", end_of_day=True), cohort="backlog-2021")
    assert figures(mar) == {"children": (0, 0, 10)}


def test_contacts_received_december_to_february(briefing: ServiceContext) -> None:
    report = compute.received(
        briefing, parse_date("2021-11-30"), parse_date("2022-02-28"), parse_time("2022-03-02", end_of_day=True)
    )
    assert figures(report) == {
        "adults": (0, 1, 25, 50, 9),
        "children": (0, 2, 39, 26, 12),
        "corporate": (0, 1, 29, 46, 23),
        "service_request": (0, 0, 0, 0, 116),
    }
    assert report.totals == {
        "total": 379,
        "unallocated": 0,
        "complaints_team": 4,
        "service": 93,
        "complete": 122,
        "closed_other": 160,
    }
    assert round(report.not_complaint_share, 3) == 0.306


def test_a_case_not_yet_triaged_at_the_date_counts_as_unclassified(ctx: ServiceContext, staff, clock: Clock) -> None:
    received = pendulum.datetime(2022, 1, 10, 9, tz="Europe/London")
    clock.set(received.add(hours=1))
    ref = cases.intake(ctx, "alice", customer_name="A", summary="S", received_at=received).reference
    clock.set(pendulum.datetime(2022, 1, 12, 15, tz="Europe/London"))
    cases.classify(ctx, "alice", ref, CaseType.ADULTS)
    before = compute.position(ctx, parse_time("2022-01-11"), all_buckets=True)
    after = compute.position(ctx, parse_time("2022-01-12", end_of_day=True), all_buckets=True)
    assert figures(before) == {"unclassified": (1, 0, 0, 0, 0)}
    assert figures(after) == {"adults": (1, 0, 0, 0, 0)}
    assert compute.position(ctx, parse_time("2022-01-09", end_of_day=True)).rows == []  # not received yet


def test_sla_counts_deadlines_met(briefing: ServiceContext) -> None:
    report = compute.sla(briefing, parse_date("2021-11-30"), parse_date("2022-02-28"))
    by_type = {row["type"]: row for row in report.rows}
    assert [row["type"] for row in report.rows] == ["adults", "children", "corporate", "service_request"]
    assert report.totals["cases"] == 379 and report.totals["triaged"] == 379
    sr = by_type["service_request"]
    assert (sr["acknowledged"], sr["responded"]) == (0, 0)  # service requests count for triage only
    for row in report.rows:
        assert row["triaged_within_target"] <= row["triaged_within_limit"] <= row["triaged"] <= row["cases"]
        assert row["acknowledged_within_target"] <= row["acknowledged"]
        assert row["responded_within_target"] <= row["responded"]
        assert row["median_triage_hours"] is not None and 0 < row["median_triage_hours"] < 72
    assert by_type["adults"]["responded"] == 50


def test_sla_against_hand_worked_cases(ctx: ServiceContext, staff, clock: Clock) -> None:
    # Received Friday 24 December 2021 16:00, triaged 30 hours later (within 48h, not 24h); adults: acknowledge
    # by 31 December 23:59 (27 and 28 December are bank holidays).
    received = pendulum.datetime(2021, 12, 24, 16, tz="Europe/London")
    clock.set(received)
    late = cases.intake(ctx, "alice", customer_name="A", summary="S").reference
    quick = cases.intake(ctx, "alice", customer_name="B", summary="S").reference
    clock.set(received.add(hours=2))
    cases.classify(ctx, "alice", quick, CaseType.ADULTS)
    clock.set(received.add(hours=30))
    cases.classify(ctx, "alice", late, CaseType.ADULTS)
    for ref in (late, quick):
        cases.allocate(ctx, "alice", ref, "carol")
    clock.set(pendulum.datetime(2021, 12, 31, 23, 0, tz="Europe/London"))
    cases.acknowledge(ctx, "carol", quick)
    clock.set(pendulum.datetime(2022, 1, 4, 9, tz="Europe/London"))
    cases.acknowledge(ctx, "carol", late)
    report = compute.sla(ctx, parse_date("2021-12-24"), parse_date("2021-12-24"))
    row = report.rows[0]
    assert (row["cases"], row["triaged"], row["triaged_within_target"], row["triaged_within_limit"]) == (2, 2, 1, 2)
    assert (row["acknowledged"], row["acknowledged_within_target"]) == (2, 1)
    assert row["median_triage_hours"] == 16.0


def test_trend_burns_down_the_backlog(briefing: ServiceContext) -> None:
    report = compute.trend(
        briefing, parse_date("2021-12-01"), parse_date("2022-03-02"), every="week", cohort="backlog-2021"
    )
    totals = {p["date"]: p["total"] for p in report.points}
    assert totals["2021-12-01"] == 282 and totals["2022-03-02"] == 10
    assert report.points[0]["unallocated"] == 114
    daily = compute.trend(briefing, parse_date("2022-01-14"), parse_date("2022-01-14"), cohort="backlog-2021")
    assert daily.points == [{"date": "2022-01-14", "total": 26, "unallocated": 0, "complaints_team": 23, "service": 3}]


def test_csv_cells_cannot_run_as_formulas() -> None:
    assert [safe_cell(v) for v in ("=SUM(A1)", "+44", "-1", "@cmd", "plain", 12)] == [
        "'=SUM(A1)",
        "'+44",
        "'-1",
        "'@cmd",
        "plain",
        12,
    ]


def test_the_report_commands(briefing: ServiceContext) -> None:
    db = briefing.store.url

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, [*args, "--db", db, "--as", "boss"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    shown = json.loads(
        run("report", "position", "--as-of", "2022-01-14", "--cohort", "backlog-2021", "--format", "json")
    )
    assert shown["report"] == "position" and shown["cohort"] == "backlog-2021"
    assert shown["as_of"] == "2022-01-14T23:59:59+00:00"
    assert shown["totals"] == {"total": 26, "unallocated": 0, "complaints_team": 23, "service": 3}
    assert shown["rows"][0] == {
        "type": "adults",
        "label": "Statutory Adults",
        "total": 3,
        "unallocated": 0,
        "complaints_team": 0,
        "service": 3,
    }
    every = json.loads(run("report", "position", "--as-of", "2022-01-14", "--all", "--format", "json"))
    assert set(every["totals"]) == {"total", "unallocated", "complaints_team", "service", "complete", "closed_other"}
    table = run("report", "received", "--from", "2021-11-30", "--to", "2022-02-28", "--as-of", "2022-03-02")
    assert "Statutory Adults" in table and "379" in table and "116 of 379 (30.6%)" in table
    rows = list(
        csv.reader(
            io.StringIO(
                run("report", "position", "--as-of", "2021-12-01T00:00", "--cohort", "backlog-2021", "--format", "csv")
            )
        )
    )
    assert rows[0][:3] == ["Cohort", "Type", "Total"] and rows[-1][:5] == ["backlog-2021", "Total", "282", "114", "168"]
    received = json.loads(
        run(
            "report",
            "received",
            "--from",
            "2021-11-30",
            "--to",
            "2022-02-28",
            "--as-of",
            "2022-03-02",
            "--format",
            "json",
        )
    )
    assert received["not_complaint_share"] == 0.3061
    sla = json.loads(run("report", "sla", "--from", "2021-11-30", "--to", "2022-02-28", "--format", "json"))
    assert set(sla["rows"][0]) == {
        "type",
        "label",
        "cases",
        "triaged",
        "triaged_within_target",
        "triaged_within_limit",
        "acknowledged",
        "acknowledged_within_target",
        "responded",
        "responded_within_target",
        "median_triage_hours",
    }
    trend = run(
        "report", "trend", "--from", "2021-12-01", "--to", "2021-12-03", "--cohort", "backlog-2021", "--format", "csv"
    )
    assert trend.splitlines()[1] == "backlog-2021,2021-12-01,282,114,168,0"
    bad = CliRunner().invoke(
        main, ["report", "sla", "--from", "2022-03-01", "--to", "2022-02-01", "--db", db, "--as", "boss"]
    )
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --to is before --from")


def test_a_cohort_that_looks_like_a_formula_is_neutralised_in_csv(ctx: ServiceContext, staff, clock: Clock) -> None:
    tag = '=HYPERLINK("http://example.org","open me")'
    cases.intake(ctx, "alice", customer_name="A", summary="S", cohort=tag)
    for report in (
        compute.position(ctx, clock.now, cohort=tag),
        compute.trend(ctx, clock.now.date(), clock.now.date(), cohort=tag),
    ):
        rows = list(csv.reader(io.StringIO(as_csv(report))))
        assert rows[0][0] == "Cohort"
        assert rows[1][0] == "'" + tag  # shown as text, never run
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
