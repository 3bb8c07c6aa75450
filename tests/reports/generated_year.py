"""A financial year of cases built through the services, with random but seeded journeys, and a plain reading of
the events those journeys wrote, to hold the reports by stage against.

The year is 1 April 2023 to 31 March 2024. Contacts arrive from January 2023 to the end of March 2024, so some
began in the year before and some are still running when it ends. Each journey is a generator that says when
it acts next; the driver moves the service clock to that time and lets it act, so every step is taken "now",
in one time order across all cases, as at a real desk. The journeys: contacts signposted or passed on as
service requests, some left untriaged, complaints of each type acknowledged and answered in and out of time,
extended (answered within the extension or not), withdrawn, escalated to stage 2 and children's complaints to
stage 3 with its review panel, and ombudsman enquiries with decisions and remedies complied with in and out of
time. After the year's end some cases are reclassified, have their response taken back (reopen) or go on to the
next stage: none of it may change the year's figures.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pendulum
from sqlmodel import col, select

from tests.conftest import Clock
from triage_tui.domain.clock import CaseTimes, case_clocks, end_of_local_day
from triage_tui.domain.codes import CaseType, CloseReason, OmbudsmanDecision, Outcome, Role, Team
from triage_tui.domain.errors import TriageError
from triage_tui.domain.policy import Policy
from triage_tui.domain.timeparse import local_day_bounds
from triage_tui.domain.views import CaseView
from triage_tui.services import cases, stages
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.tables import Case, Event

YEAR = 2023
YEAR_START = pendulum.datetime(2023, 4, 1, tz="Europe/London")
YEAR_END = pendulum.datetime(2024, 3, 31, 23, 59, 59, tz="Europe/London")
FIRST_CONTACT = pendulum.datetime(2023, 1, 16, 9, tz="Europe/London")
LAST_CONTACT = pendulum.datetime(2024, 3, 28, 16, tz="Europe/London")
SERVICES = ("Waste and Recycling", "Highways", "Council Tax", "Adult Social Care", "Children's Services", "Housing")
OFFICERS = ("carol", "dave", "erin")  # a later stage goes to someone who did not handle an earlier one

Journey = Generator[datetime, None, None]


def add_complaint_officers(ctx: ServiceContext) -> None:
    """carol (from the staff fixture) and two more complaint officers, for stages 2 and 3."""
    add_officer(ctx, "boss", "dave", "Dave Dunn", Role.OFFICER, Team.COMPLAINTS)
    add_officer(ctx, "boss", "erin", "Erin Ellis", Role.OFFICER, Team.COMPLAINTS)


@dataclass
class Made:
    """What the generator did, so a test can check the year holds every kind of journey."""

    kinds: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: list[str] = field(default_factory=list)
    after_year: list[str] = field(default_factory=list)  # references changed after the year's end


class Year:
    def __init__(self, ctx: ServiceContext, clock: Clock, seed: int, contacts: int, year: int = YEAR) -> None:
        # The same calendar moved by whole years: contacts from mid-January before the year to its last days.
        shift = year - YEAR
        self.year_end = YEAR_END.add(years=shift)
        self.first_contact = FIRST_CONTACT.add(years=shift)
        self.last_contact = LAST_CONTACT.add(years=shift)
        self.ctx = ctx
        self.clock = clock
        self.rng = random.Random(seed)
        self.contacts = contacts
        self.made = Made()
        self.late_changes: list[str] = []  # complaints to change after the year's end

    # --- helpers ------------------------------------------------------------------------------------------------

    def later(self, hours_from: float, hours_to: float) -> datetime:
        return self.clock.now + timedelta(hours=self.rng.uniform(hours_from, hours_to))

    def before(self, due: datetime | None, *, late: bool) -> datetime:
        """A time by `due` (late=False) or after it (late=True), never before now."""
        now = self.clock.now
        if due is None:
            return now + timedelta(days=self.rng.uniform(2, 20))
        if late:
            return max(now, due) + timedelta(hours=self.rng.uniform(2, 24 * 12))
        room = (due - now).total_seconds()
        if room <= 60:
            return now + timedelta(seconds=1)
        return now + timedelta(seconds=self.rng.uniform(30, room - 30))

    def view(self, ref: str) -> CaseView:
        return cases.get_case(self.ctx, ref)

    # --- journeys -----------------------------------------------------------------------------------------------

    def contact(self, received: datetime) -> Journey:
        """One contact from its receipt to wherever the dice take it."""
        ctx, rng = self.ctx, self.rng
        yield received
        name = f"Customer {rng.randrange(10**6)}"
        ref = cases.intake(ctx, "alice", customer_name=name, summary="Complaint").reference
        roll = rng.random()
        yield self.later(1, 40)
        if roll < 0.08:
            self.made.kinds["untriaged"] += 1
            return  # still waiting: a contact, no complaint
        if roll < 0.28:
            if rng.random() < 0.5:
                cases.signpost(ctx, "alice", ref, to="Citizens Advice")
                self.made.kinds["signposted"] += 1
            else:
                cases.signpost(ctx, "alice", ref, service_request=rng.choice(SERVICES))
                self.made.kinds["service_request"] += 1
            return
        kind = rng.choice([CaseType.ADULTS, CaseType.CHILDREN, CaseType.CORPORATE, CaseType.OTHER])
        cases.classify(ctx, "alice", ref, kind)
        self.made.kinds[kind.value] += 1
        yield from self.stage(ref, kind, 1)

    def stage(self, ref: str, kind: CaseType, number: int) -> Journey:
        ctx, rng = self.ctx, self.rng
        yield self.later(0.5, 30)
        cases.allocate(ctx, "boss", ref, OFFICERS[number - 1])
        if rng.random() < 0.04:
            yield self.later(2, 100)
            cases.close(ctx, "boss", ref, CloseReason.WITHDRAWN)
            self.made.kinds["withdrawn"] += 1
            return
        view = self.view(ref)
        yield self.before(view.clocks(ctx.policy).acknowledgement.due_at, late=rng.random() < 0.2)
        view = cases.acknowledge(ctx, OFFICERS[number - 1], ref)
        if rng.random() < 0.1:
            self.made.kinds["left_open"] += 1
            return  # never answered
        yield self.later(1, 72)
        view = cases.send_to_service(ctx, OFFICERS[number - 1], ref, rng.choice(SERVICES))
        rule = ctx.policy.stage_rule(kind, number)
        assert rule is not None
        if rule.panel_days is not None:
            panel = view.clocks(ctx.policy).panel
            assert panel is not None
            yield self.before(panel.due_at, late=rng.random() < 0.2)
            view = stages.record_panel(ctx, "boss", ref)
            self.made.kinds["panel"] += 1
        due = view.clocks(ctx.policy).response.due_at
        if rule.extendable and rng.random() < 0.35:
            yield self.before(due, late=rng.random() < 0.2)  # an extension may come after the deadline passed
            try:
                view = stages.extend(ctx, "boss", ref, working_days=rng.choice([3, 5, 8]), reason="Awaiting records")
                self.made.kinds["extended"] += 1
            except TriageError as exc:
                self.made.refused.append(str(exc))
            due = view.clocks(ctx.policy).response.due_at
        yield self.before(due, late=rng.random() < 0.3)
        outcome = rng.choice([Outcome.UPHELD, Outcome.PARTLY_UPHELD, Outcome.NOT_UPHELD, None])
        cases.respond(ctx, OFFICERS[number - 1], ref, outcome=outcome)
        self.made.kinds[f"responded_stage_{number}"] += 1
        if number < ctx.policy.last_stage(kind) and rng.random() < (0.4 if number == 1 else 0.7):
            yield self.later(24, 24 * 14)
            stages.escalate(ctx, "boss", ref, reason="The customer is still unhappy")
            self.made.kinds[f"escalated_to_{number + 1}"] += 1
            yield from self.stage(ref, kind, number + 1)
            return
        if rng.random() < 0.35:
            yield from self.ombudsman(ref)
        elif rng.random() < 0.2:
            self.late_changes.append(ref)

    def ombudsman(self, ref: str) -> Journey:
        ctx, rng = self.ctx, self.rng
        yield self.later(24 * 10, 24 * 60)
        stages.ombudsman_open(ctx, "boss", ref, ombudsman_reference=f"LGO/{rng.randrange(10**5)}")
        self.made.kinds["ombudsman"] += 1
        yield self.later(24 * 15, 24 * 90)
        decision = rng.choice(list(OmbudsmanDecision))
        remedy_due: date | None = None
        if decision is OmbudsmanDecision.UPHELD and rng.random() < 0.8:
            remedy_due = (self.clock.now + timedelta(days=rng.randint(20, 60))).date()
        stages.ombudsman_decide(
            ctx, "boss", ref, decision=decision, remedy="Apologise and pay £200" if remedy_due else None,
            remedy_due=remedy_due,
        )  # fmt: skip
        if remedy_due is None or rng.random() < 0.1:
            return
        late = rng.random() < 0.35
        self.made.kinds["remedy_late" if late else "remedy_in_time"] += 1
        yield self.before(end_of_local_day(remedy_due, ctx.policy), late=late)
        stages.ombudsman_complied(ctx, "boss", ref)

    def change_after_the_year(self) -> None:
        """After the year's end: reclassify, take a response back, answer it again; and escalate some."""
        ctx, rng = self.ctx, self.rng
        for ref in self.late_changes:
            self.clock.advance(hours=3)
            view = self.view(ref)
            other = rng.choice([k for k in (CaseType.CORPORATE, CaseType.CHILDREN, CaseType.OTHER) if k != view.type])
            if view.stage > 1 and ctx.policy.stage_rule(other, view.stage) is None:
                continue
            cases.classify(ctx, "boss", ref, other, reason="It was wrongly classified")
            self.made.after_year.append(ref)
            self.clock.advance(hours=2)
            if view.status.value == "responded":
                cases.reopen(ctx, "boss", ref, reason="The response missed a point")
                self.clock.advance(days=2)
                cases.respond(ctx, OFFICERS[view.stage - 1], ref, outcome=Outcome.UPHELD)

    # --- the driver ---------------------------------------------------------------------------------------------

    def run(self, at_year_end: Callable[[], None]) -> Made:
        """Every journey in one time order; `at_year_end` runs once, as the first moment after the year ends."""
        span = (self.last_contact - self.first_contact).total_seconds()
        queue: list[tuple[datetime, int, Journey]] = []
        for n in range(self.contacts):
            received = self.first_contact + timedelta(seconds=self.rng.uniform(0, span))
            journey = self.contact(received)
            heapq.heappush(queue, (next(journey), n, journey))
        year_ended = False
        while queue:
            when, n, journey = heapq.heappop(queue)
            if not year_ended and when > self.year_end:
                year_ended = True
                self.clock.set(self.year_end.add(seconds=1))
                at_year_end()
            self.clock.set(pendulum.instance(when))
            try:
                wake = journey.send(None)
            except StopIteration:
                continue
            heapq.heappush(queue, (wake, n, journey))
        if not year_ended:
            self.clock.set(self.year_end.add(seconds=1))
            at_year_end()
        self.clock.advance(days=1)
        self.change_after_the_year()
        return self.made


def a_year_at_the_desk(ctx: ServiceContext, clock: Clock) -> ServiceContext:
    """A smaller generated year with its staff, the clock then on Monday 2 June 2025 (the desk's tests)."""
    for name, full, role, team in (
        ("boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS),
        ("alice", "Alice Adams", Role.OFFICER, Team.TRIAGE),
        ("carol", "Carol Cole", Role.OFFICER, Team.COMPLAINTS),
    ):
        add_officer(ctx, "boss", name, full, role, team)
    add_complaint_officers(ctx)
    Year(ctx, clock, seed=11, contacts=36).run(lambda: None)
    opened = pendulum.datetime(2025, 6, 2, 9, tz="Europe/London")
    assert clock.now < opened
    clock.set(opened)
    return ctx


# --- a plain reading of the events ----------------------------------------------------------------------------------
#
# Written apart from the reports' own code: every case's events are split at its escalations into stages, and
# each question (the type when the stage ended, the response that stands, the extension) is answered by looking
# through the events once more. Deadlines come from the domain's clock, as the desk shows them.

COMPLAINTS = {"adults", "children", "corporate", "other"}
ORDER = ["adults", "children", "corporate", "other"]


@dataclass
class PlainStage:
    number: int
    started: datetime
    kind: str
    acknowledged: datetime | None
    responded: datetime | None
    outcome: str | None
    extension: int
    panel: datetime | None
    service: str | None


@dataclass
class PlainCase:
    received: datetime
    kind: str  # at the end of what was read
    stages: list[PlainStage]
    events: list[Event]


def _type_after(events: list[Event]) -> str:
    kind = "unclassified"
    for e in events:
        if e.action == "classify":
            kind = e.details["type"]
        elif e.action == "signpost":
            kind = "service_request"
        elif e.action == "reopen" and "type" in e.details:
            kind = e.details["type"]
    return kind


def read_cases(ctx: ServiceContext, until: datetime | None) -> Iterator[PlainCase]:
    with ctx.store.read() as session:
        received = {c.id: c.received_at for c in session.exec(select(Case)) if c.id is not None}
        query = select(Event).where(col(Event.case_id).is_not(None))
        if until is not None:
            query = query.where(Event.at <= until)
        every = list(session.exec(query.order_by(col(Event.case_id), col(Event.at), col(Event.id))))
    by_case: dict[int, list[Event]] = defaultdict(list)
    for e in every:
        assert e.case_id is not None
        by_case[e.case_id].append(e)
    for case_id, at in received.items():
        if until is not None and at > until:
            continue
        events = by_case.get(case_id, [])
        cuts = [i for i, e in enumerate(events) if e.action == "escalate"]
        bounds = list(zip([0, *cuts], [*cuts, len(events)], strict=True))
        plain = []
        for n, (lo, hi) in enumerate(bounds):
            part = events[lo:hi]
            number = 1 if n == 0 else part[0].details["stage"]
            started = at if n == 0 else part[0].at
            acknowledged = next((e.at for e in part if e.action == "acknowledge"), None)
            responded: tuple[datetime, str | None] | None = None
            for e in part:
                if e.action == "respond":
                    responded = (e.at, e.details.get("outcome"))
                elif e.action == "reopen" and e.from_status == "responded":
                    responded = None
            sends = [e.details["service"] for e in part if e.action == "send"]
            plain.append(
                PlainStage(
                    number,
                    started,
                    _type_after(events[:hi]),
                    acknowledged,
                    responded[0] if responded else None,
                    responded[1] if responded else None,
                    sum(e.details["working_days"] for e in part if e.action == "extend"),
                    next((e.at for e in part if e.action == "panel"), None),
                    sends[-1] if sends else None,
                )
            )
        yield PlainCase(at, _type_after(events), plain, events)


def _deadlines(case: PlainCase, stage: PlainStage, policy: Policy) -> Any:
    return case_clocks(
        CaseTimes(
            case.received,
            CaseType(stage.kind),
            None,
            stage.acknowledged,
            stage.responded,
            None,
            stage=stage.number,
            stage_started_at=stage.started if stage.number > 1 else None,
            extension_days=stage.extension,
            panel_at=stage.panel,
        ),
        policy,
    )


def plain_annual(ctx: ServiceContext, year: int) -> dict[str, Any]:
    """The annual report's JSON, read plainly from the events up to the year's end."""
    start = local_day_bounds(date(year, 4, 1))[0]
    end = local_day_bounds(date(year + 1, 3, 31))[1]

    def inside(t: datetime | None) -> bool:
        return t is not None and start <= t <= end

    policy = ctx.policy
    read = list(read_cases(ctx, end))
    stage_keys = [(k, n) for k in ORDER for n in range(1, policy.last_stage(CaseType(k)) + 1)]
    rows = {key: dict.fromkeys(
        ["started", "responded", "responded_in_time", "responded_within_extension", "extended", "upheld",
         "partly_upheld", "not_upheld"], 0) for key in stage_keys}  # fmt: skip
    ombudsman = dict.fromkeys(
        ["enquiries", "upheld", "not_upheld", "not_investigated", "remedies", "remedies_complied_in_time"], 0
    )
    services: dict[str, list[int]] = {}
    for case in read:
        for s in case.stages:
            if s.kind not in COMPLAINTS:
                continue
            row = rows[(s.kind, s.number)]
            if inside(s.started):
                row["started"] += 1
                row["extended"] += 1 if s.extension else 0
                if s.number == 1:
                    tally = services.setdefault(s.service or "(not sent to a service)", [0, 0])
                    tally[0] += 1
                    tally[1] += 1 if s.outcome in ("upheld", "partly_upheld") else 0
            if inside(s.responded):
                assert s.responded is not None
                clock = _deadlines(case, s, policy).response
                row["responded"] += 1
                first_due = clock.first_due_at or clock.due_at
                row["responded_in_time"] += 1 if first_due and s.responded <= first_due else 0
                row["responded_within_extension"] += 1 if clock.due_at and s.responded <= clock.due_at else 0
                if s.outcome:
                    row[s.outcome] += 1
        opened = next((e for e in case.events if e.action == "ombudsman_open"), None)
        if opened is not None and inside(opened.at):
            ombudsman["enquiries"] += 1
            decided = next((e for e in case.events if e.action == "ombudsman_decide"), None)
            if decided is not None:
                ombudsman[decided.details["decision"]] += 1
                if decided.details.get("remedy"):
                    ombudsman["remedies"] += 1
                    complied = next((e for e in case.events if e.action == "ombudsman_complied"), None)
                    due = end_of_local_day(date.fromisoformat(decided.details["remedy_due"]), policy)
                    ombudsman["remedies_complied_in_time"] += 1 if complied and complied.at <= due else 0
    ordered = sorted(services.items(), key=lambda kv: (kv[0].startswith("(not sent"), -kv[1][0], kv[0]))
    return {
        "report": "annual",
        "from": f"{year}-04-01",
        "to": f"{year + 1}-03-31",
        "contacts": sum(1 for c in read if inside(c.received)),
        "not_complaints": sum(1 for c in read if inside(c.received) and c.kind == "service_request"),
        "stages": [{"type": k, "stage": n, **rows[(k, n)]} for k, n in stage_keys],
        "ombudsman": ombudsman,
        "services": [{"service": name, "complaints": t[0], "upheld": t[1]} for name, t in ordered],
    }


def plain_sla_stages(ctx: ServiceContext, first: date, last: date) -> list[dict[str, Any]]:
    """The SLA's stages, read plainly: stages started in the period, as every event now says."""
    start, end = local_day_bounds(first)[0], local_day_bounds(last)[1]
    policy = ctx.policy
    rows: dict[tuple[str, int], defaultdict[str, int]] = {}
    for case in read_cases(ctx, None):
        for s in case.stages:
            if s.kind not in COMPLAINTS or not start <= s.started <= end:
                continue
            row = rows.setdefault((s.kind, s.number), defaultdict(int))
            clocks = _deadlines(case, s, policy)
            row["started"] += 1
            row["extended"] += 1 if s.extension else 0
            if s.acknowledged:
                row["acknowledged"] += 1
                due = clocks.acknowledgement.due_at
                row["acknowledged_within_target"] += 1 if due and s.acknowledged <= due else 0
            if s.responded:
                row["responded"] += 1
                first_due = clocks.response.first_due_at or clocks.response.due_at
                row["responded_within_target"] += 1 if first_due and s.responded <= first_due else 0
                due = clocks.response.due_at
                row["responded_within_extension"] += 1 if due and s.responded <= due else 0
    names = ["started", "acknowledged", "acknowledged_within_target", "responded", "responded_within_target",
             "responded_within_extension", "extended"]  # fmt: skip
    return [
        {"type": k, "stage": n, **{name: rows[(k, n)][name] for name in names}}
        for k, n in sorted(rows, key=lambda key: (ORDER.index(key[0]), key[1]))
    ]


def main() -> None:
    """Fill a new database with a generated year, to try the annual report by hand:
    `python -m tests.reports.generated_year --db year.sqlite --year 2025 [--contacts 200] [--seed 1]`."""
    import argparse

    from triage_tui.domain.policy import DEFAULT_POLICY
    from triage_tui.store.engine import Store, resolve_url
    from triage_tui.store.migrate import ensure_schema

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--year", type=int, default=YEAR)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    store = Store(resolve_url(args.db))
    ensure_schema(store)
    clock = Clock(FIRST_CONTACT.add(years=args.year - YEAR).subtract(days=1))
    ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    for name, full, role, team in (
        ("boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS),
        ("alice", "Alice Adams", Role.OFFICER, Team.TRIAGE),
        ("carol", "Carol Cole", Role.OFFICER, Team.COMPLAINTS),
    ):
        add_officer(ctx, "boss", name, full, role, team)
    add_complaint_officers(ctx)
    made = Year(ctx, clock, seed=args.seed, contacts=args.contacts, year=args.year).run(lambda: None)
    print(f"{args.contacts} contacts over {args.year}/{args.year + 1 - 2000:02d}; {made}")
    store.dispose()


if __name__ == "__main__":
    main()
