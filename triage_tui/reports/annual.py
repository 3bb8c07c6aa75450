"""The annual complaints performance report (a financial year, 1 April to 31 March) and the SLA by stage, both
counted from the event log replayed case by case (reports/stages.py).

The annual report replays each case's events up to the end of the year, so a past year reads the same
whenever it is run. Counting rules (CONTRACT.md, `report annual`):
- `contacts`: cases received in the year; `not_complaints`: those that were service requests or signposted
  at the year's end.
- a stage counts as `started` in the year it began (stage 1 at receipt, later stages at their escalation) and
  `extended` when it was started in the year and extended by the year's end; as `responded` in the year its
  response went out, with its outcome, `responded_in_time` when that was by the original response deadline
  and `responded_within_extension` by the extended one (a response in time counts in both). A response whose
  deadline cannot be derived (a stage whose clock runs from an acknowledgement never recorded) is not in time.
- ombudsman enquiries count in the year they were opened, with the decision, remedy and compliance recorded
  by the year's end; a remedy is complied with in time when carried out by the end of its due date.
- `services`: complaints whose stage 1 began in the year, by the service stage 1 was sent to (the latest send
  by the year's end), with their upheld and partly upheld stage-1 outcomes.
A contact still unclassified at the year's end is a contact, and no complaint, in that year's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from triage_tui.domain.clock import calendar_for, end_of_local_day
from triage_tui.domain.codes import CaseType, OmbudsmanDecision, Outcome
from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.policy import Policy
from triage_tui.domain.timeparse import EARLIEST_YEAR, LATEST_YEAR, local_day_bounds
from triage_tui.reports.stages import COUNTED, STAGE_ACTIONS, STARTS, CaseHistory, replay
from triage_tui.services.context import ServiceContext

# A financial year starting in the last year that can be typed would end in the next, which cannot.
FIRST_YEAR = EARLIEST_YEAR
LAST_YEAR = LATEST_YEAR - 1
NOT_SENT = "(not sent to a service)"
COMPLAINT_ORDER = (CaseType.ADULTS, CaseType.CHILDREN, CaseType.CORPORATE, CaseType.OTHER)
# By stage, the children's label names no stage of its own (the briefing's "Statutory Children Stage 1" does).
STAGE_TYPE_LABELS = {
    CaseType.ADULTS: "Statutory Adults",
    CaseType.CHILDREN: "Statutory Children",
    CaseType.CORPORATE: "Corporate Complaints",
    CaseType.OTHER: "Other",
}
ANNUAL_STAGE_FIELDS = (
    "started",
    "responded",
    "responded_in_time",
    "responded_within_extension",
    "extended",
    "upheld",
    "partly_upheld",
    "not_upheld",
)
OUTCOMES = frozenset(o.value for o in Outcome)
OMBUDSMAN_FIELDS = ("enquiries", "upheld", "not_upheld", "not_investigated", "remedies", "remedies_complied_in_time")
SLA_STAGE_FIELDS = (
    "started",
    "acknowledged",
    "acknowledged_within_target",
    "responded",
    "responded_within_target",
    "responded_within_extension",
    "extended",
)


def financial_year(day: date) -> int:
    """The year a financial year starts in (1 April): 31 March 2024 is in 2023's, 1 April 2024 in 2024's."""
    return day.year if day.month >= 4 else day.year - 1


def current_year(ctx: ServiceContext) -> int:
    """The financial year today (local date) is in."""
    return year_at(ctx.now(), ctx.policy)


def year_at(moment: datetime, policy: Policy) -> int:
    """The financial year a moment's local date is in."""
    return financial_year(calendar_for(policy).local(moment).date())


def check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"{year} is out of range: a financial year starts in a year from {FIRST_YEAR} to {LAST_YEAR} "
            "(2023 means 1 April 2023 to 31 March 2024)"
        )
    return year


@dataclass
class AnnualReport:
    year: int
    contacts: int
    not_complaints: int
    stages: list[dict[str, Any]]
    ombudsman: dict[str, int]
    services: list[dict[str, Any]]

    @property
    def first(self) -> date:
        return date(self.year, 4, 1)

    @property
    def last(self) -> date:
        return date(self.year + 1, 3, 31)

    def to_json(self) -> dict[str, Any]:
        return {
            "report": "annual",
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "contacts": self.contacts,
            "not_complaints": self.not_complaints,
            "stages": self.stages,
            "ombudsman": self.ombudsman,
            "services": self.services,
        }


def _stage_keys(policy: Policy, seen: set[tuple[CaseType, int]]) -> list[tuple[CaseType, int]]:
    """Every stage the policy gives each kind of complaint (so a stage with nothing in it shows as 0), and
    any other stage the events name."""
    keys = {(kind, n) for kind in COMPLAINT_ORDER for n in range(1, policy.last_stage(kind) + 1)}
    keys.update(seen)
    return sorted(keys, key=lambda k: (COMPLAINT_ORDER.index(k[0]), k[1]))


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment <= end


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first and last moments of the financial year starting 1 April `year`."""
    check_year(year)
    start, _ = local_day_bounds(date(year, 4, 1))
    _, end = local_day_bounds(date(year + 1, 3, 31))
    return start, end


class Tally:
    """The year's figures as they are counted, case by case (`case`) or a group of like cases at once (the
    SQLite read of reports/quick_annual.py adds its counts here)."""

    def __init__(self, policy: Policy, start: datetime, end: datetime) -> None:
        self.policy = policy
        self.start = start
        self.end = end
        self.stages: dict[tuple[CaseType, int], dict[str, int]] = {}
        self.ombudsman = dict.fromkeys(OMBUDSMAN_FIELDS, 0)
        self.services: dict[str, list[int]] = {}
        self.not_complaints = 0

    def row(self, kind: CaseType, number: int) -> dict[str, int]:
        return self.stages.setdefault((kind, number), dict.fromkeys(ANNUAL_STAGE_FIELDS, 0))

    def service(self, name: str | None, complaints: int, upheld: int) -> None:
        tally = self.services.setdefault(name or NOT_SENT, [0, 0])
        tally[0] += complaints
        tally[1] += upheld

    def case(self, case: CaseHistory) -> None:
        start, end, policy = self.start, self.end, self.policy
        received = _within(case.received_at, start, end)
        if received and case.type is CaseType.SERVICE_REQUEST:
            self.not_complaints += 1
        for stage in case.stages:
            if not stage.is_complaint:
                continue
            if _within(stage.started_at, start, end):
                counts = self.row(stage.type, stage.number)
                counts["started"] += 1
                counts["extended"] += stage.extension_days > 0
                if stage.number == 1:
                    self.service(stage.service, 1, stage.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD))
            if _within(stage.responded_at, start, end):
                assert stage.responded_at is not None
                counts = self.row(stage.type, stage.number)
                counts["responded"] += 1
                due = stage.deadlines(case.received_at, policy)
                counts["responded_in_time"] += due.responded_in_time(stage.responded_at, extended=False)
                counts["responded_within_extension"] += due.responded_in_time(stage.responded_at)
                if stage.outcome in OUTCOMES:
                    counts[str(stage.outcome)] += 1
        enquiry = case.enquiry
        ombudsman = self.ombudsman
        if enquiry is not None and _within(enquiry.opened_at, start, end):
            ombudsman["enquiries"] += 1
            if enquiry.decision in {d.value for d in OmbudsmanDecision}:
                ombudsman[str(enquiry.decision)] += 1
            if enquiry.remedy is not None and enquiry.remedy_due is not None:
                ombudsman["remedies"] += 1
                done = enquiry.complied_at
                ombudsman["remedies_complied_in_time"] += done is not None and done <= end_of_local_day(
                    enquiry.remedy_due, policy
                )

    def report(self, year: int, contacts: int) -> AnnualReport:
        stage_rows = [
            {
                "type": kind.value,
                "stage": number,
                **self.stages.get((kind, number), dict.fromkeys(ANNUAL_STAGE_FIELDS, 0)),
            }
            for kind, number in _stage_keys(self.policy, set(self.stages))
        ]
        service_rows = [
            {"service": name, "complaints": tally[0], "upheld": tally[1]}
            for name, tally in sorted(
                self.services.items(), key=lambda item: (item[0] == NOT_SENT, -item[1][0], item[0])
            )
        ]
        return AnnualReport(year, contacts, self.not_complaints, stage_rows, self.ombudsman, service_rows)


def annual(ctx: ServiceContext, year: int) -> AnnualReport:
    """The financial year starting 1 April `year`, counted from the events up to its end."""
    from triage_tui.store import reports as queries

    start, end = year_bounds(year)
    tally = Tally(ctx.policy, start, end)
    with ctx.store.read() as session:
        contacts = queries.received_count(session, start, end)
        events = queries.stage_events(session, start, end, STAGE_ACTIONS, window_actions=COUNTED, until=end)
        for case in replay(events):
            tally.case(case)
    return tally.report(year, contacts)


def sla_by_stage(ctx: ServiceContext, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per (type, stage) started from `start` to `end`: acknowledged and responded, and within their targets
    (the response by its original deadline, and by the extended one), and how many were extended."""
    from triage_tui.store import reports as queries

    policy = ctx.policy
    counts: dict[tuple[CaseType, int], dict[str, int]] = {}
    with ctx.store.read() as session:
        for case in replay(queries.stage_events(session, start, end, STAGE_ACTIONS, window_actions=STARTS)):
            for stage in case.stages:
                if not stage.is_complaint or not _within(stage.started_at, start, end):
                    continue
                row = counts.setdefault((stage.type, stage.number), dict.fromkeys(SLA_STAGE_FIELDS, 0))
                row["started"] += 1
                row["extended"] += stage.extension_days > 0
                due = stage.deadlines(case.received_at, policy)
                if stage.acknowledged_at is not None:
                    row["acknowledged"] += 1
                    row["acknowledged_within_target"] += due.acknowledged_in_time(stage.acknowledged_at)
                if stage.responded_at is not None:
                    row["responded"] += 1
                    row["responded_within_target"] += due.responded_in_time(stage.responded_at, extended=False)
                    row["responded_within_extension"] += due.responded_in_time(stage.responded_at)
    return [
        {"type": kind.value, "label": STAGE_TYPE_LABELS[kind], "stage": number, **counts[(kind, number)]}
        for kind, number in sorted(counts, key=lambda k: (COMPLAINT_ORDER.index(k[0]), k[1]))
    ]
