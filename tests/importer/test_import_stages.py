"""History files with a stage 2: a council's past escalations come in with the rest of its history.

An imported stage-2 case must read exactly as the same history done at the desk (intake, the stage-1 steps,
`escalate`, the stage-2 steps): the same case row, earlier stage, events, case_states and clocks.
"""

from __future__ import annotations

import csv
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pendulum
import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import col, select

from tests.conftest import Clock
from tests.importer.hostile_files import csv_bytes, xlsx_bytes
from triage_tui.cli import main
from triage_tui.domain.codes import CaseType, CloseReason, Outcome, Status
from triage_tui.domain.lifecycle import Action, path_is_valid
from triage_tui.domain.views import CaseView
from triage_tui.importer import stages as stage_columns
from triage_tui.importer.run import ImportOptions, ImportResult, run_import
from triage_tui.importer.source import COLUMNS
from triage_tui.services import cases, stages
from triage_tui.services.context import ServiceContext
from triage_tui.services.integrity import verify_chain
from triage_tui.store.tables import Case, CaseStage, CaseState, Event

LONDON = "Europe/London"
NOW = pendulum.datetime(2025, 12, 1, 9, tz=LONDON)

HEADER = [
    "reference",
    "received_at",
    "customer_name",
    "summary",
    "type",
    "status",
    "officer",
    "triaged_at",
    "allocated_at",
    "acknowledged_at",
    "sent_to_service_at",
    "service",
    "responded_at",
    "outcome",
    "closed_at",
    "close_reason",
    *stage_columns.COLUMNS,
]

# Stage 1 answered on 10 March 2025; stage 2 asked for on the 20th, its response due 20 working days after its
# acknowledgement, across Good Friday and Easter Monday.
STAGE_ONE = {
    "received_at": "2025-03-03T09:00",
    "customer_name": "Siân Evans",
    "summary": "Bins missed three weeks running",
    "type": "corporate",
    "officer": "carol",
    "triaged_at": "2025-03-03T10:00",
    "allocated_at": "2025-03-03T11:00",
    "acknowledged_at": "2025-03-04T09:00",
    "sent_to_service_at": "2025-03-04T10:00",
    "service": "Waste",
    "responded_at": "2025-03-10T15:00",
    "outcome": "not_upheld",
}
STAGE_TWO = {
    "stage2_requested_at": "2025-03-20T09:00",
    "stage2_officer": "bob",
    "stage2_allocated_at": "2025-03-20T10:00",
    "stage2_acknowledged_at": "2025-03-21T09:00",
    "stage2_sent_to_service_at": "2025-03-21T10:00",
    "stage2_service": "Waste Contracts",
    "stage2_responded_at": "2025-04-10T12:00",
    "stage2_outcome": "partly_upheld",
}
# The stage-2 columns each stage-2 status carries (as the base columns are for stage 1).
AT_STATUS = {
    "triaged": ["stage2_requested_at"],
    "allocated": ["stage2_requested_at", "stage2_officer", "stage2_allocated_at"],
    "with_service": [
        "stage2_requested_at",
        "stage2_officer",
        "stage2_allocated_at",
        "stage2_acknowledged_at",
        "stage2_sent_to_service_at",
        "stage2_service",
    ],
    "responded": list(STAGE_TWO),
    "closed": ["stage2_requested_at", "stage2_officer", "stage2_allocated_at"],
}
CLOSURE = {"closed_at": "2025-03-25T16:00", "close_reason": "withdrawn"}


def row(reference: str, status: str, **changes: str) -> dict[str, str]:
    """A stage-2 history row at `status`, with `changes` (an empty string blanks a column)."""
    values = {"reference": reference, "status": status, **STAGE_ONE}
    values.update({column: STAGE_TWO[column] for column in AT_STATUS.get(status, AT_STATUS["triaged"])})
    if status == "closed":
        values.update(CLOSURE)
    values.update(changes)
    return values


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_bytes(csv_bytes([[r.get(c, "") for c in HEADER] for r in rows], HEADER))
    return path


def imp(ctx: ServiceContext, path: Path, **options: Any) -> ImportResult:
    return run_import(ctx, "boss", path, ImportOptions(**options))


def local(text: str) -> datetime:
    return pendulum.parse(text, tz=LONDON)  # type: ignore[return-value]


@pytest.fixture
def desk(ctx: ServiceContext, staff: dict[str, str], clock: Clock) -> ServiceContext:
    clock.set(NOW)
    return ctx


def counts(ctx: ServiceContext) -> tuple[int, int, int, int]:
    with ctx.store.read() as s:
        return (
            s.exec(select(func.count()).select_from(Case)).one(),
            s.exec(select(func.count()).select_from(Event).where(col(Event.case_id).is_not(None))).one(),
            s.exec(select(func.count()).select_from(CaseStage)).one(),
            s.exec(select(func.count()).select_from(CaseState)).one(),
        )


def at_the_desk(ctx: ServiceContext, reference: str, status: str) -> CaseView:
    """The same history as row(reference, status), done action by action with backdated times."""
    values = row(reference, status)
    cases.intake(
        ctx,
        "boss",
        customer_name=values["customer_name"],
        summary=values["summary"],
        received_at=local(values["received_at"]),
        reference=reference,
    )
    cases.classify(ctx, "boss", reference, CaseType.CORPORATE, at=local(values["triaged_at"]))
    cases.allocate(ctx, "boss", reference, "carol", at=local(values["allocated_at"]))
    cases.acknowledge(ctx, "boss", reference, at=local(values["acknowledged_at"]))
    cases.send_to_service(ctx, "boss", reference, "Waste", at=local(values["sent_to_service_at"]))
    cases.respond(ctx, "boss", reference, outcome=Outcome.NOT_UPHELD, at=local(values["responded_at"]))
    view = stages.escalate(ctx, "boss", reference, reason="imported", at=local(values["stage2_requested_at"]))
    if "stage2_allocated_at" in values:
        view = cases.allocate(ctx, "boss", reference, "bob", at=local(values["stage2_allocated_at"]))
    if "stage2_acknowledged_at" in values:
        view = cases.acknowledge(ctx, "boss", reference, at=local(values["stage2_acknowledged_at"]))
    if "stage2_sent_to_service_at" in values:
        at = local(values["stage2_sent_to_service_at"])
        view = cases.send_to_service(ctx, "boss", reference, "Waste Contracts", at=at)
    if "stage2_responded_at" in values:
        at = local(values["stage2_responded_at"])
        view = cases.respond(ctx, "boss", reference, outcome=Outcome.PARTLY_UPHELD, at=at)
    if status == "closed":
        view = cases.close(ctx, "boss", reference, CloseReason.WITHDRAWN, at=local(values["closed_at"]))
    return view


def case_states(ctx: ServiceContext, reference: str) -> list[tuple[str, str, datetime, datetime]]:
    with ctx.store.read() as s:
        case_id = s.exec(select(Case.id).where(Case.reference == reference)).one()
        rows = s.exec(select(CaseState).where(CaseState.case_id == case_id).order_by(col(CaseState.valid_from)))
        return [(r.type, r.status, r.valid_from, r.valid_to) for r in rows]


def shape(view: CaseView, ctx: ServiceContext) -> dict[str, Any]:
    """What must be the same whether the history was imported or done at the desk."""
    clocks = view.clocks(ctx.policy)
    return {
        "case": (view.status, view.type, view.stage, view.stage_started_at, view.officer, view.allocated_at),
        "milestones": (view.acknowledged_at, view.sent_to_service_at, view.service, view.responded_at, view.outcome),
        "closed": (view.closed_at, view.close_reason, view.extension_days),
        "stages": [asdict(s) for s in view.stages],
        "clocks": [(c.name, c.due_at, c.limit_at, c.stopped_at) for c in clocks.all()],
        "stage clocks": [
            [(c.name, c.due_at, c.stopped_at) for c in s.clocks(view.received_at, view.triaged_at, ctx.policy).all()]
            for s in view.stages
        ],
        "events": [
            (e.action, e.from_status, e.to_status, e.at, {k: v for k, v in e.details.items() if k != "note"})
            for e in view.events
        ],
    }


def without_import_marks(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in ("history", "source", "line", "channel", "recorded_at")}


# --- stage-2 histories at each stage-2 status -------------------------------------------------------------------


@pytest.mark.parametrize("status", ["triaged", "allocated", "with_service", "responded", "closed"])
def test_an_imported_stage_two_reads_as_the_same_history_done_at_the_desk(
    desk: ServiceContext, tmp_path: Path, status: str
) -> None:
    result = imp(desk, write_csv(tmp_path / "stages.csv", [row("IMP-1", status)]))
    assert (result.rows, result.imported, result.rejected, result.errors) == (1, 1, 0, [])
    imported = cases.get_case(desk, "IMP-1")
    done = at_the_desk(desk, "DESK-1", status)
    done = cases.get_case(desk, "DESK-1")

    mine, theirs = shape(imported, desk), shape(done, desk)
    for part in ("case", "milestones", "closed", "stages", "clocks", "stage clocks"):
        assert mine[part] == theirs[part], part
    assert [e[:4] for e in mine["events"]] == [e[:4] for e in theirs["events"]]
    for (action, *_, details), (_, *_, desk_details) in zip(mine["events"], theirs["events"], strict=True):
        if action in ("escalate", "respond", "allocate", "send", "close"):
            assert without_import_marks(details) == without_import_marks(desk_details), action
    assert [s[:2] for s in case_states(desk, "IMP-1")] == [s[:2] for s in case_states(desk, "DESK-1")]
    assert [s[2:] for s in case_states(desk, "IMP-1")] == [s[2:] for s in case_states(desk, "DESK-1")]

    # And on its own terms: stage 2 now, stage 1 kept as it stood, a lifecycle path, an intact audit trail.
    assert imported.stage == 2 and imported.status == status
    assert imported.stage_started_at == local("2025-03-20T09:00")
    first = imported.stages[0]
    assert (first.stage, first.officer, first.service, first.outcome) == (1, "carol", "Waste", "not_upheld")
    assert (first.started_at, first.responded_at) == (local("2025-03-03T09:00"), local("2025-03-10T15:00"))
    assert first.ended_at == local("2025-03-20T09:00")
    assert imported.officer == (None if status == "triaged" else "bob")
    steps = [
        (Action(e.action), Status(e.from_status) if e.from_status else None, Status(e.to_status or ""))
        for e in imported.events
    ]
    assert path_is_valid(steps)
    escalation = next(e for e in imported.events if e.action == "escalate")
    assert (escalation.from_status, escalation.to_status) == ("responded", "triaged")
    assert without_import_marks(escalation.details) == {
        "reason": "imported",
        "stage": 2,
        "previous_stage": 1,
        "previous_outcome": "not_upheld",
        "previous_service": "Waste",
    }
    responses = [e.details["stage"] for e in imported.events if e.action == "respond"]
    assert responses == ([1, 2] if status == "responded" else [1])
    assert imported.version == len(imported.events)
    assert verify_chain(desk).events > 0


def test_the_clocks_of_both_stages(desk: ServiceContext, tmp_path: Path) -> None:
    imp(desk, write_csv(tmp_path / "stages.csv", [row("IMP-1", "with_service")]))
    view = cases.get_case(desk, "IMP-1")
    first, second = view.stages
    # Stage 1 (corporate): 10 working days from its acknowledgement on Tuesday 4 March.
    one = first.clocks(view.received_at, view.triaged_at, desk.policy)
    assert one.response.due_at == local("2025-03-18T23:59:59") and one.response.met()
    # Stage 2: acknowledged within 5 working days of the request; the response 20 working days from that
    # acknowledgement, Good Friday and Easter Monday skipped; still running.
    two = view.clocks(desk.policy)
    assert two.acknowledgement.due_at == local("2025-03-27T23:59:59")
    assert two.response.due_at == local("2025-04-22T23:59:59")
    assert second.clocks(view.received_at, view.triaged_at, desk.policy).response.due_at == two.response.due_at
    assert two.response.stopped_at is None


@pytest.mark.parametrize("kind", ["children", "other"])
def test_every_kind_with_a_stage_two_imports(desk: ServiceContext, tmp_path: Path, kind: str) -> None:
    result = imp(desk, write_csv(tmp_path / "stages.csv", [row("IMP-1", "allocated", type=kind)]))
    assert result.imported == 1 and result.errors == []
    view = cases.get_case(desk, "IMP-1")
    assert (view.type.value, view.stage, view.stages[0].type.value) == (kind, 2, kind)


# --- refusals: the line, the column, why; nothing written ------------------------------------------------------

REFUSALS = [
    pytest.param(
        row("R-1", "with_service", stage2_requested_at=""),
        [
            ("responded_at", "given, but the status is with_service"),
            ("outcome", "given, but the status is with_service (outcomes come with the response)"),
            *(
                (column, "given, but stage2_requested_at is not: the case never reached stage 2")
                for column in AT_STATUS["with_service"][1:]
            ),
        ],
        id="stage-2-columns-without-the-request",
    ),
    pytest.param(
        row("R-1", "triaged", stage2_requested_at="", stage2_officer="bob"),
        [
            ("allocated_at", "given, but the status is triaged"),
            ("sent_to_service_at", "given, but the status is triaged"),
            ("responded_at", "given, but the status is triaged"),
            ("outcome", "given, but the status is triaged (outcomes come with the response)"),
            ("stage2_officer", "given, but stage2_requested_at is not: the case never reached stage 2"),
        ],
        id="an-officer-without-the-request",
    ),
    pytest.param(
        row("R-1", "allocated", responded_at="", outcome=""),
        [("responded_at", "required for stage 1 (stage 2 was requested, so stage 1 was responded)")],
        id="stage-1-not-responded",
    ),
    pytest.param(
        row("R-1", "allocated", sent_to_service_at="", responded_at="", outcome=""),
        [
            ("sent_to_service_at", "required for stage 1 (stage 2 was requested, so stage 1 was responded)"),
            ("responded_at", "required for stage 1 (stage 2 was requested, so stage 1 was responded)"),
        ],
        id="stage-1-with-the-service",
    ),
    pytest.param(
        row("R-1", "allocated", type="Statutory Adults"),
        [
            (
                "type",
                "Statutory Adults complaints have one stage: there is no stage 2 (the customer goes to the "
                "ombudsman), so stage2_requested_at cannot be given",
            )
        ],
        id="adults",
    ),
    pytest.param(
        row("R-1", "triaged", stage2_requested_at="2025-03-10T14:00"),
        [("stage2_requested_at", "2025-03-10 14:00 is before responded_at 2025-03-10 15:00")],
        id="request-before-the-stage-1-response",
    ),
    pytest.param(
        row("R-1", "with_service", stage2_allocated_at="2025-03-22T10:00"),
        [
            ("stage2_sent_to_service_at", "2025-03-21 10:00 is before stage2_allocated_at 2025-03-22 10:00"),
            ("stage2_acknowledged_at", "2025-03-21 09:00 is before stage2_allocated_at 2025-03-22 10:00"),
        ],
        id="stage-2-times-backwards",
    ),
    pytest.param(
        row("R-1", "closed", closed_at="2025-03-19T16:00"),
        [("closed_at", "2025-03-19 16:00 is before stage2_allocated_at 2025-03-20 10:00")],
        id="closed-before-stage-2-went-on",
    ),
    pytest.param(
        row("R-1", "allocated", stage2_officer="CAROL"),
        [
            (
                "stage2_officer",
                "'CAROL' handled stage 1: stage 2 must be handled by someone else (the Complaint Handling Code)",
            )
        ],
        id="the-stage-1-officer-again",
    ),
    pytest.param(
        row("R-1", "allocated", stage2_officer=""),
        [("stage2_officer", "required for status allocated at stage 2")],
        id="allocated-without-an-officer",
    ),
    pytest.param(
        row("R-1", "with_service", stage2_sent_to_service_at=""),
        [("stage2_sent_to_service_at", "required for status with_service at stage 2")],
        id="with-service-without-sending",
    ),
    pytest.param(
        row("R-1", "allocated", stage2_responded_at="2025-04-10T12:00", stage2_outcome="upheld"),
        [
            ("stage2_responded_at", "given, but the status is allocated"),
            ("stage2_outcome", "given, but the status is allocated (outcomes come with the response)"),
        ],
        id="beyond-the-status",
    ),
    pytest.param(
        row("R-1", "new"),
        [
            (
                "status",
                "new, but stage2_requested_at is given: a case at stage 2 is triaged, allocated, with_service, "
                "responded or closed",
            )
        ],
        id="new",
    ),
    pytest.param(
        row("R-1", "closed", close_reason="signposted"),
        [("close_reason", "a complaint at stage 2 is closed as withdrawn, duplicate or out_of_time, not signposted")],
        id="signposted-at-stage-2",
    ),
    pytest.param(
        row("R-1", "responded", stage2_outcome="sort of"),
        [("stage2_outcome", "unknown outcome 'sort of'")],
        id="unknown-outcome",
    ),
    pytest.param(
        row("R-1", "allocated", stage2_officer="nobody"),
        [("stage2_officer", "unknown officer 'nobody' (add them, or use --create-officers)")],
        id="unknown-officer",
    ),
    pytest.param(
        row("R-1", "triaged", stage2_requested_at="next week"),
        [("stage2_requested_at", "__any__")],
        id="not-a-time",
    ),
]


@pytest.mark.parametrize(("bad", "expected"), REFUSALS)
def test_a_stage_two_row_that_cannot_be_is_refused_by_line_and_column(
    desk: ServiceContext, tmp_path: Path, bad: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    before = counts(desk)
    good = row("G-1", "responded")
    result = imp(desk, write_csv(tmp_path / "stages.csv", [good, bad]))
    assert result.rejected == 1 and result.imported == 0 and not result.written
    found = [(column, message) for line, column, message in result.errors]
    assert all(line == 3 for line, _, _ in result.errors)
    if expected[0][1] == "__any__":
        assert [column for column, _ in found] == [expected[0][0]]
    else:
        assert sorted(found) == sorted(expected)
    assert counts(desk) == before  # nothing written, not even the good row


def test_the_command_lists_stage_two_problems_as_line_column_message(desk: ServiceContext, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "stages.csv", [row("G-1", "responded"), row("R-1", "allocated", stage2_officer="carol")]
    )
    with pendulum.travel_to(NOW, freeze=True):
        out = CliRunner().invoke(main, ["import", str(path), "--db", desk.store.url, "--as", "boss"])
    assert out.exit_code == 2
    lines = out.stderr.strip().splitlines()
    assert lines[0] == "error: stages.csv: 1 row has a problem; nothing was imported"
    assert lines[1] == (
        "line 3: stage2_officer: 'carol' handled stage 1: stage 2 must be handled by someone else "
        "(the Complaint Handling Code)"
    )
    assert counts(desk)[0] == 0


def test_skip_invalid_imports_the_good_and_writes_the_rejects_to_fix(desk: ServiceContext, tmp_path: Path) -> None:
    rows = [
        row("G-1", "responded"),
        row("R-1", "allocated", type="adults"),
        row("G-2", "triaged"),
        row("R-2", "allocated", stage2_officer="carol"),
    ]
    rejects = tmp_path / "rejects.csv"
    result = imp(desk, write_csv(tmp_path / "stages.csv", rows), skip_invalid=True, rejects=rejects)
    assert (result.imported, result.rejected) == (2, 2)
    assert [(line, column) for line, column, _ in result.errors] == [(3, "type"), (5, "stage2_officer")]
    assert counts(desk)[:3] == (2, sum(len(cases.get_case(desk, r).events) for r in ("G-1", "G-2")), 2)
    with rejects.open(newline="", encoding="utf-8") as handle:
        kept = list(csv.DictReader(handle))
    assert [r["reference"] for r in kept] == ["R-1", "R-2"]
    assert kept[1]["stage2_requested_at"] == STAGE_TWO["stage2_requested_at"]
    assert kept[1]["error"].startswith("stage2_officer: 'carol' handled stage 1")

    # Fixed where it was wrong, the rejects file imports as it stands, and the good rows are not stored twice.
    kept[0]["type"] = "corporate"
    kept[1]["stage2_officer"] = "alice"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [c for c in kept[0] if c != "error"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(kept)
    again = imp(desk, fixed)
    assert (again.imported, again.rejected) == (2, 0)
    assert cases.get_case(desk, "R-2").officer == "alice" and cases.get_case(desk, "R-2").stages[0].officer == "carol"


def test_importing_again_changes_nothing(desk: ServiceContext, tmp_path: Path) -> None:
    rows = [row(f"IMP-{status}", status) for status in AT_STATUS]
    rows.append({k: v for k, v in row("", "responded").items() if k != "reference"})  # keyed by its content
    rows.append({"reference": "ONE-1", "status": "responded", **STAGE_ONE})  # stage 1 only, stage-2 cells blank
    path = write_csv(tmp_path / "stages.csv", rows)
    first = imp(desk, path)
    assert (first.imported, first.duplicates) == (7, 0)
    before = counts(desk)
    assert before[2] == 6  # one earlier stage each, none for the case still at stage 1
    one = cases.get_case(desk, "ONE-1")
    assert (one.stage, one.status, len(one.stages), one.officer) == (1, "responded", 1, "carol")
    assert [e.details.get("stage") for e in one.events if e.action == "respond"] == [1]
    again = imp(desk, path)
    assert (again.imported, again.duplicates, again.rejected) == (0, 7, 0)
    assert counts(desk) == before
    assert verify_chain(desk).events > 0


def test_a_dry_run_writes_nothing_and_counts_what_it_would(desk: ServiceContext, tmp_path: Path) -> None:
    before = counts(desk)
    result = imp(desk, write_csv(tmp_path / "stages.csv", [row("IMP-1", "responded")]), dry_run=True)
    assert result.imported == 1 and counts(desk) == before


def test_a_workbook_imports_the_same_as_the_csv(desk: ServiceContext, tmp_path: Path) -> None:
    """XLSX with real date cells (Excel keeps local time without a zone) and text alike."""
    source = [row("X-1", "responded"), row("X-2", "closed")]
    cells = []
    for values in source:
        line: list[object] = []
        for column in HEADER:
            value = values.get(column, "")
            if column.endswith("_at") and value and column.startswith("stage2"):
                line.append(datetime.fromisoformat(value))  # a date cell
            else:
                line.append(value)
        cells.append(line)
    book = tmp_path / "stages.xlsx"
    book.write_bytes(xlsx_bytes(cells, HEADER))
    result = imp(desk, book)
    assert (result.imported, result.errors) == (2, [])
    imp(desk, write_csv(tmp_path / "stages.csv", [{**r, "reference": "C" + r["reference"]} for r in source]))
    for reference in ("X-1", "X-2"):
        from_book, from_csv = cases.get_case(desk, reference), cases.get_case(desk, "C" + reference)
        for part in ("case", "milestones", "closed", "stages", "clocks"):
            assert shape(from_book, desk)[part] == shape(from_csv, desk)[part]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([[row("X-9", "allocated", type="adults").get(c, "") for c in HEADER]], HEADER))
    refused = imp(desk, bad)
    assert [(line, column) for line, column, _ in refused.errors] == [(2, "type")]


def test_officers_of_either_stage_can_be_created(desk: ServiceContext, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "stages.csv", [row("IMP-1", "allocated", officer="dana", stage2_officer="Erin")])
    refused = imp(desk, path)
    assert sorted(column for _, column, _ in refused.errors) == ["officer", "stage2_officer"]
    result = imp(desk, path, create_officers=True)
    assert result.created_officers == ["Erin", "dana"]
    view = cases.get_case(desk, "IMP-1")
    assert (view.officer, view.stages[0].officer) == ("Erin", "dana")
    allocations = [e.details["officer"] for e in view.events if e.action == "allocate"]
    assert allocations == ["dana", "Erin"]


def test_stage_two_text_is_held_to_the_limits_and_stored_as_given(desk: ServiceContext, tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://x","[bold]Waste[/]")\x1b[31m'
    rows = [row("H-1", "with_service", stage2_service=hostile), row("H-2", "with_service", stage2_service="W" * 201)]
    refused = imp(desk, write_csv(tmp_path / "stages.csv", rows))
    assert [(line, column) for line, column, _ in refused.errors] == [(3, "stage2_service")]
    assert refused.errors[0][2] == "longer than 200 characters (201)"
    result = imp(desk, write_csv(tmp_path / "stages.csv", rows[:1]))
    view = cases.get_case(desk, "H-1")
    assert result.imported == 1 and view.service == hostile and view.stages[0].service == "Waste"
    assert [e.details.get("service") for e in view.events if e.action == "send"] == ["Waste", hostile]


def test_the_columns_are_known_to_the_reader() -> None:
    assert set(stage_columns.COLUMNS) <= set(COLUMNS)
    assert len(set(COLUMNS)) == len(COLUMNS)
