"""A realistic desk for trying the product: officers in the three teams and a few hundred contacts received
over the last three weeks, each taken through the lifecycle by the same services an officer uses, at the
times it would have happened, so the countdowns are live and the history reads true. A few older complaints
have gone further: escalated to a later stage, extended, or taken to the ombudsman."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from triage_tui.domain.codes import CaseType, Channel, CloseReason, OmbudsmanDecision, Outcome, Role, Team
from triage_tui.domain.errors import InvalidInput, StoreUnavailable, TriageError
from triage_tui.domain.text import limit_of
from triage_tui.services import cases, stages
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer, require_officer, require_supervisor
from triage_tui.store import queries


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    role: Role
    team: Team


STAFF = (
    Person("hmorgan", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS),
    Person("dokafor", "David Okafor", Role.SUPERVISOR, Team.RECOVERY),
    Person("pshah", "Priya Shah", Role.OFFICER, Team.TRIAGE),
    Person("tbrennan", "Tom Brennan", Role.OFFICER, Team.TRIAGE),
    Person("aclarke", "Amy Clarke", Role.OFFICER, Team.TRIAGE),
    Person("jnowak", "Jan Nowak", Role.OFFICER, Team.COMPLAINTS),
    Person("sevans", "Sian Evans", Role.OFFICER, Team.COMPLAINTS),
    Person("mahmed", "Mohammed Ahmed", Role.OFFICER, Team.COMPLAINTS),
    Person("lfraser", "Laura Fraser", Role.OFFICER, Team.COMPLAINTS),
    Person("kwright", "Kieran Wright", Role.OFFICER, Team.RECOVERY),
    Person("rbailey", "Rachel Bailey", Role.OFFICER, Team.RECOVERY),
)

FIRST = [
    "Margaret",
    "Janet",
    "Susan",
    "Patricia",
    "Emma",
    "Olivia",
    "Amelia",
    "Chloe",
    "Fatima",
    "Aisha",
    "Grace",
    "Zoe",
    "Ruth",
    "Hannah",
    "Joan",
    "Pauline",
    "John",
    "David",
    "Michael",
    "Robert",
    "Peter",
    "James",
    "Daniel",
    "Oliver",
    "Harry",
    "Jack",
    "Mohammed",
    "Ali",
    "Kwame",
    "Tomasz",
    "Gareth",
    "Neil",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Hussain",
    "Begum",
    "Kowalski",
    "Murphy",
    "O'Brien",
    "Hughes",
    "Lewis",
]

SUMMARIES: dict[CaseType, tuple[tuple[str, str], ...]] = {
    CaseType.ADULTS: (
        ("Care package reduced without a reassessment", "Adult Social Care"),
        ("Home carers arriving late or not at all", "Adult Social Care"),
        ("Delay in financial assessment for residential care", "Adult Social Care Finance"),
        ("Invoice for care charges after my mother died", "Adult Social Care Finance"),
        ("Occupational therapy assessment waiting since spring", "Adult Social Care"),
        ("Discharged from hospital with no support in place", "Adult Social Care"),
        ("Direct payment stopped without notice", "Adult Social Care Finance"),
    ),
    CaseType.CHILDREN: (
        ("Social worker not returning calls", "Children's Social Care"),
        ("Disagree with what the child protection plan says", "Children's Social Care"),
        ("No EHCP review for over a year", "SEND Service"),
        ("Contact arrangements with foster carers changed", "Children's Social Care"),
        ("School transport withdrawn for my son", "Home to School Transport"),
        ("Assessment report contains errors about our family", "Children's Social Care"),
    ),
    CaseType.CORPORATE: (
        ("Bins missed three weeks running", "Waste and Recycling"),
        ("Pothole reported in March still not repaired", "Highways"),
        ("Council tax charged twice this month", "Revenues and Benefits"),
        ("Rude response from the contact centre", "Customer Services"),
        ("Library closed without notice again", "Libraries"),
        ("Planning enforcement not acting on an extension", "Planning"),
        ("Blue badge application lost", "Blue Badge Team"),
        ("Parking fine issued while displaying a permit", "Parking Services"),
        ("Streetlight out for two months on our road", "Highways"),
    ),
    CaseType.OTHER: (
        ("Debt recovery letter after the account was paid", "Revenues and Benefits"),
        ("Escalated: bailiff visit about a disputed debt", "Revenues and Benefits"),
    ),
}

NOT_COMPLAINTS: tuple[tuple[str, str | None, str | None], ...] = (
    # (summary, organisation to signpost to, or council service for a service request)
    ("GP surgery will not give me an appointment", "NHS Integrated Care Board", None),
    ("Hospital discharge letter has wrong medication", "Oxford University Hospitals NHS Trust", None),
    ("Neighbours' parties every weekend", "Thames Valley Police", None),
    ("Complaint about my child's teacher", "the school's governing body", None),
    ("Housing association has not fixed the damp", "the housing association", None),
    ("Bus service cut from our village", "the bus operator", None),
    ("Request a replacement recycling box", None, "Waste and Recycling"),
    ("Report a blocked drain on the high street", None, "Highways"),
    ("Change of address for council tax", None, "Revenues and Benefits"),
    ("Fly-tipping in the lay-by", None, "Environmental Enforcement"),
    ("Book a bulky waste collection", None, "Waste and Recycling"),
)

CHANNELS = (
    (Channel.EMAIL, 45),
    (Channel.WEB, 30),
    (Channel.PHONE, 15),
    (Channel.LETTER, 8),
    (Channel.IN_PERSON, 2),
)
KINDS = ((CaseType.CORPORATE, 34), (CaseType.ADULTS, 28), (CaseType.CHILDREN, 26), (CaseType.OTHER, 4))
SIZES = {"small": 320}
DAYS = 21
LONDON = ZoneInfo("Europe/London")


def fill_demo(
    ctx: ServiceContext,
    actor: str,
    *,
    size: str = "small",
    seed: int = 2021,
    if_empty: bool = False,
    force: bool = False,
) -> str | None:
    """Fill the database; returns a one-paragraph summary, or None when `if_empty` found it in use."""
    if if_empty and not is_empty(ctx):
        return None
    rng = random.Random(seed)
    now = ctx.now()
    # The staff are there before the oldest escalated complaint was received.
    start = now - timedelta(days=HISTORY_DAYS + 1)
    staff = prepare(at_time(ctx, start), actor, force=force)

    triage_team = [p.username for p in staff if p.team is Team.TRIAGE]
    complaints_team = [p.username for p in staff if p.team is not Team.TRIAGE and p.role is Role.OFFICER]
    count = SIZES[size]
    made = 0
    contacts: list[tuple[str, datetime]] = []
    for _ in range(count):
        # More recent days are busier in the queue: weight arrivals towards the last week.
        age = timedelta(hours=rng.triangular(0.2, DAYS * 24, 2))
        received = now - age
        if received.astimezone(LONDON).hour < 7:
            received = received + timedelta(hours=rng.randint(8, 10))
            if received > now:
                received = now - timedelta(minutes=rng.randint(5, 90))
        _one_contact(ctx, rng, received, now, triage_team, complaints_team, contacts)
        made += 1
    made += _repeat_contacts(ctx, random.Random(seed + 1), contacts, now, triage_team)
    later = _later_stages(ctx, random.Random(seed + 2), now, triage_team, complaints_team)
    return (
        f"filled {ctx.store.path or 'the database'} with demo data: {len(staff)} staff in the triage, complaints "
        f"and recovery teams, {made} contacts received over the last {DAYS} days and {later} complaints "
        f"escalated, extended or with the ombudsman (you act as {actor}; try `triage officer list`)"
    )


def prepare(ctx: ServiceContext, actor: str, *, force: bool, everyone: bool = False) -> list[Person]:
    """Check the demo may write here, make its staff, and return the staff its cases will name.

    An empty database (no cases, no officers) is anyone's to fill: the person running the demo becomes its
    first supervisor. A database in use takes demo data only with `force`, from an active supervisor. The
    demo's contacts are worked by its own made-up staff; a real officer with one of their usernames is left
    out, so no event names a real person as doing what they never did (with `everyone`, for history that
    names each of them, the demo is refused instead).
    """
    if is_empty(ctx):
        add_officer(ctx, actor, actor, actor.replace(".", " ").title(), Role.SUPERVISOR, Team.TRIAGE)
    elif not force:
        raise InvalidInput(
            "the database is already in use: the demo writes only into an empty database "
            "(a supervisor may add demo data anyway with --force)"
        )
    else:
        with ctx.store.read() as session:
            require_supervisor(require_officer(session, actor), "add demo data to a database in use")
    with ctx.store.read() as session:
        taken = {o.username.lower() for o in queries.officers(session)}
        made_by_demo = queries.demo_officers(session)
    staff = [p for p in STAFF if p.username not in taken or p.username in made_by_demo]
    if everyone and len(staff) < len(STAFF):
        real = ", ".join(p.username for p in STAFF if p not in staff)
        raise InvalidInput(
            f"the demo's staff would share usernames with real officers here ({real}): use a new database"
        )
    if not any(p.team is Team.TRIAGE for p in staff) or not any(p.role is Role.OFFICER for p in staff):
        raise InvalidInput("the demo's staff usernames are all taken by real officers here: use a new database")
    for person in staff:
        if person.username not in taken:
            add_officer(ctx, actor, person.username, person.name, person.role, person.team, demo=True)
    return staff


def at_time(ctx: ServiceContext, moment: datetime) -> ServiceContext:
    return replace(ctx, clock=lambda: moment)


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def _one_contact(
    ctx: ServiceContext,
    rng: random.Random,
    received: datetime,
    now: datetime,
    triage_team: list[str],
    complaints_team: list[str],
    contacts: list[tuple[str, datetime]] | None = None,
) -> None:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    email = f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.org" if rng.random() < 0.8 else None
    phone = f"07700 900{rng.randint(0, 999):03d}" if rng.random() < 0.6 else None
    channel = _pick(rng, CHANNELS)
    not_complaint = rng.random() < 0.30
    if not_complaint:
        summary, org, service = rng.choice(NOT_COMPLAINTS)
        kind = None
    else:
        kind = _pick(rng, KINDS)
        summary, service = rng.choice(SUMMARIES[kind])  # type: ignore[index]
        org = None
    triager = rng.choice(triage_team)
    old = now - received > timedelta(days=14)
    case = cases.intake(
        at_time(ctx, received),
        triager,
        customer_name=name,
        summary=summary,
        received_at=received,
        channel=channel.value,  # type: ignore[attr-defined]
        details=_details(rng, summary, name),
        customer_email=email,
        customer_phone=phone,
        cohort="backlog-demo" if old and rng.random() < 0.5 else None,
    )
    ref = case.reference
    if contacts is not None and email:
        contacts.append((ref, received))

    # Each step happens some time after the last; a step that would fall after now has not happened yet.
    clock = received
    triage_delay = timedelta(hours=rng.choice([rng.uniform(0.3, 20), rng.uniform(0.3, 20), rng.uniform(20, 60)]))

    def when(delay: timedelta) -> datetime | None:
        nonlocal clock
        clock = clock + delay
        return clock if clock <= now else None

    try:
        t = when(triage_delay)
        if t is None:
            return
        if not_complaint:
            cases.signpost(at_time(ctx, t), triager, ref, to=org, service_request=None if org else service)
            return
        if rng.random() < 0.04:
            cases.close(at_time(ctx, t), triager, ref, CloseReason.OUT_OF_TIME, note="Events over 12 months ago")
            return
        cases.classify(at_time(ctx, t), triager, ref, kind)  # type: ignore[arg-type]
        t = when(timedelta(hours=rng.uniform(0.5, 30)))
        if t is None:
            return
        officer = rng.choice(complaints_team)
        cases.allocate(at_time(ctx, t), triager, ref, officer)
        if rng.random() < 0.05:
            t = when(timedelta(hours=rng.uniform(2, 48)))
            if t is not None:
                cases.close(at_time(ctx, t), officer, ref, CloseReason.WITHDRAWN, note="Customer called to withdraw")
            return
        t = when(timedelta(hours=rng.uniform(1, 60)))
        if t is None:
            return
        cases.acknowledge(at_time(ctx, t), officer, ref, channel=(email and "email") or "letter")
        t = when(timedelta(hours=rng.uniform(1, 30)))
        if t is None:
            return
        cases.send_to_service(at_time(ctx, t), officer, ref, service)  # type: ignore[arg-type]
        t = when(timedelta(days=rng.uniform(3, 14)))
        if t is None:
            return
        outcome = rng.choice(list(Outcome))
        cases.respond(at_time(ctx, t), officer, ref, outcome=outcome)
    except StoreUnavailable:
        raise  # the database's fault (a full disk, a lock), not the demo's: said as such
    except TriageError as exc:  # a refusal while building the demo is a bug in the demo
        raise RuntimeError(f"demo case {ref}: {exc}") from exc


# Some customers write again within the hour about the same thing, before anyone has replied: the desk
# should flag the second contact as a possible duplicate of the first. Drawn from a random stream of their
# own, after every other contact, so the rest of the demo is the same with or without them.
REPEATS = 6
REPEAT_OPENINGS = ("Chasing my email from earlier:", "Sorry to write again -", "Following up:")


def _repeat_contacts(
    ctx: ServiceContext, rng: random.Random, contacts: list[tuple[str, datetime]], now: datetime, triagers: list[str]
) -> int:
    made = 0
    # The most recent contacts first: their repeats are still waiting in the queue, where they are seen.
    for ref, received in sorted(contacts, key=lambda c: c[1], reverse=True)[: REPEATS * 3 : 3]:
        again = received + timedelta(minutes=rng.randint(12, 55))
        if again > now:
            continue
        first = cases.get_case(ctx, ref)
        summary = f"{rng.choice(REPEAT_OPENINGS)} {first.summary}"
        cases.intake(
            at_time(ctx, again),
            rng.choice(triagers),
            customer_name=first.customer_name,
            summary=summary[: limit_of("summary")],
            received_at=again,
            channel=first.channel,
            details=first.details,
            customer_email=first.customer_email,
            customer_phone=first.customer_phone,
        )
        made += 1
    return made


# --- complaints that went further: later stages, extensions and the ombudsman ------------------------------------

# The oldest of them was received this many days ago (the ombudsman's remedies take months).
HISTORY_DAYS = 330


@dataclass(frozen=True)
class Later:
    """One complaint that went past stage 1, as a plan of steps in days before now (negative: the past)."""

    kind: CaseType
    summary: str
    service: str
    received: float  # days before now, like every time below
    # Each stage answered: (acknowledged, sent, responded, escalated), days before now; the stage after the last
    # escalation is the current one.
    answered: tuple[tuple[float, float, float, float], ...]
    # The current stage: allocated, acknowledged, sent (None: not yet).
    allocated: float | None = None
    acknowledged: float | None = None
    sent: float | None = None
    responded: float | None = None
    extensions: tuple[tuple[float, int, str], ...] = ()  # (when, working days, the reason the customer was told)
    ombudsman: tuple[float, ...] = ()  # opened, answered, decided, complied (as far as it went)
    remedy: tuple[str, float] | None = None  # what, and its due date in days before now (negative: ahead)


LATER: tuple[Later, ...] = (
    # Stage 2 requests waiting for an officer: two just in, one whose acknowledgement is falling due.
    Later(CaseType.CORPORATE, "Bins missed three weeks running", "Waste and Recycling", 40, ((38, 37, 25, 1),)),
    Later(
        CaseType.OTHER,
        "Debt recovery letter after the account was paid",
        "Revenues and Benefits",
        50,
        ((48, 47, 36, 3),),
    ),
    Later(
        CaseType.CORPORATE, "Parking fine issued while displaying a permit", "Parking Services", 55, ((53, 52, 40, 5),)
    ),
    # Stage 2 with the service, its response extended with the customer told why.
    Later(
        CaseType.CORPORATE,
        "Planning enforcement not acting on an extension",
        "Planning",
        75,
        ((73, 72, 60, 30),),
        allocated=29,
        acknowledged=28,
        sent=27,
        extensions=((3, 10, "Planning need a site visit and the officer's report before the final reply"),),
    ),
    # Answered at stage 2; the ombudsman has opened an enquiry and is waiting for the council's answer.
    Later(
        CaseType.CORPORATE,
        "Council tax charged twice this month",
        "Revenues and Benefits",
        150,
        ((148, 147, 134, 118),),
        allocated=117,
        acknowledged=116,
        sent=115,
        responded=90,
        ombudsman=(8,),
    ),
    # The ombudsman upheld it and set a remedy, still to be carried out.
    Later(
        CaseType.CORPORATE,
        "Blue badge application lost",
        "Blue Badge Team",
        300,
        ((298, 297, 285, 262),),
        allocated=261,
        acknowledged=260,
        sent=259,
        responded=235,
        ombudsman=(170, 150, 20),
        remedy=("Apologise in writing and pay £150 for the time and trouble", -14),
    ),
    # Upheld, and the remedy carried out in time.
    Later(
        CaseType.CORPORATE,
        "Pothole reported in March still not repaired",
        "Highways",
        HISTORY_DAYS,
        ((328, 327, 315, 292),),
        allocated=291,
        acknowledged=290,
        sent=289,
        responded=265,
        ombudsman=(200, 185, 95, 70),
        remedy=("Repair the road and refund the tyre", 60),
    ),
    # Stage 1 with the service, extended by agreement after its first deadline had passed.
    Later(
        CaseType.CORPORATE,
        "Streetlight out for two months on our road",
        "Highways",
        18,
        (),
        allocated=17,
        acknowledged=16,
        sent=15,
        extensions=((2, 10, "Highways are waiting for the electricity supplier to repair the cable"),),
    ),
    # A children's complaint at stage 3, asked for within 20 working days of the stage-2 response: the review
    # panel must sit within 30 working days of the request.
    Later(
        CaseType.CHILDREN,
        "Assessment report contains errors about our family",
        "Children's Social Care",
        70,
        ((69, 68, 58, 52), (51, 50, 30, 8)),
        allocated=7,
        acknowledged=6,
    ),
    # A children's complaint at stage 2, its investigation extended.
    Later(
        CaseType.CHILDREN,
        "Disagree with what the child protection plan says",
        "Children's Social Care",
        45,
        ((44, 43, 33, 26),),
        allocated=25,
        acknowledged=24,
        sent=23,
        extensions=((6, 15, "The independent investigator needs to interview the family's social worker"),),
    ),
)


ESCALATION_REASON = "The customer wrote back: still unhappy with the response, and asks for the next stage"


def _later_stages(
    ctx: ServiceContext, rng: random.Random, now: datetime, triagers: list[str], workers: list[str]
) -> int:
    """Take each of LATER's complaints through its stages, at the times in its plan; one that needs more
    officers than the demo has here (real officers took some of its usernames) is left out."""
    made = 0
    for plan in LATER:
        if len(plan.answered) < len(workers):
            _later(ctx, rng, now, plan, triagers, workers)
            made += 1
    return made


def _later(
    ctx: ServiceContext, rng: random.Random, now: datetime, plan: Later, triagers: list[str], workers: list[str]
) -> None:
    def on(days: float) -> ServiceContext:
        """The services as they were `days` ago, when the step happened."""
        return at_time(ctx, now - timedelta(days=days))

    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    received = now - timedelta(days=plan.received)
    triager = rng.choice(triagers)
    ref = cases.intake(
        at_time(ctx, received),
        triager,
        customer_name=name,
        summary=plan.summary,
        received_at=received,
        channel=Channel.EMAIL.value,
        details=_details(rng, plan.summary, name),
        customer_email=f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.org",
    ).reference
    try:
        cases.classify(on(plan.received - 0.1), triager, ref, plan.kind)
        # Each stage has its own officer: the Complaint Handling Code wants someone new to look at it again.
        officers = rng.sample(workers, len(plan.answered) + 1)
        for number, (acknowledged, sent, responded, escalated) in enumerate(plan.answered):
            officer = officers[number]
            allocated = plan.received - 0.2 if number == 0 else plan.answered[number - 1][3] - 0.5
            cases.allocate(on(allocated), triager, ref, officer)
            cases.acknowledge(on(acknowledged), officer, ref, channel="email")
            cases.send_to_service(on(sent), officer, ref, plan.service)
            outcome = rng.choice([Outcome.NOT_UPHELD, Outcome.PARTLY_UPHELD])
            cases.respond(on(responded), officer, ref, outcome=outcome)
            stages.escalate(on(escalated), officer, ref, reason=ESCALATION_REASON)
        # The current stage's steps and the ombudsman's, in the order they happened.
        officer = officers[len(plan.answered)]
        steps: list[tuple[float, Callable[[ServiceContext], object]]] = []
        if plan.allocated is not None:
            steps.append(
                (plan.allocated, partial(cases.allocate, actor=triager, reference=ref, officer_username=officer))
            )
        if plan.acknowledged is not None:
            steps.append((plan.acknowledged, partial(cases.acknowledge, actor=officer, reference=ref, channel="email")))
        if plan.sent is not None:
            steps.append(
                (plan.sent, partial(cases.send_to_service, actor=officer, reference=ref, service=plan.service))
            )
        for when, days, reason in plan.extensions:
            steps.append((when, partial(stages.extend, actor=officer, reference=ref, working_days=days, reason=reason)))
        if plan.responded is not None:
            steps.append(
                (plan.responded, partial(cases.respond, actor=officer, reference=ref, outcome=Outcome.PARTLY_UPHELD))
            )
        steps.extend(_ombudsman_steps(rng, now, ref, officer, plan))
        for when, step in sorted(steps, key=lambda s: -s[0]):
            step(on(when))
    except StoreUnavailable:
        raise
    except TriageError as exc:  # a refusal while building the demo is a bug in the demo
        raise RuntimeError(f"demo case {ref}: {exc}") from exc


def _ombudsman_steps(
    rng: random.Random, now: datetime, ref: str, officer: str, plan: Later
) -> list[tuple[float, Callable[[ServiceContext], object]]]:
    if not plan.ombudsman:
        return []
    # The ombudsman's own reference: the year it was opened and six digits ("24 012 345").
    opened = now - timedelta(days=plan.ombudsman[0])
    their_ref = f"{opened.astimezone(LONDON):%y} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    steps: list[tuple[float, Callable[[ServiceContext], object]]] = [
        (
            plan.ombudsman[0],
            partial(stages.ombudsman_open, actor=officer, reference=ref, ombudsman_reference=their_ref),
        ),
    ]
    if len(plan.ombudsman) > 1:
        steps.append((plan.ombudsman[1], partial(stages.ombudsman_answer, actor=officer, reference=ref)))
    if len(plan.ombudsman) > 2:
        remedy, due = plan.remedy if plan.remedy else (None, None)
        remedy_due = (now - timedelta(days=due)).astimezone(LONDON).date() if due is not None else None
        decision = OmbudsmanDecision.UPHELD if remedy else OmbudsmanDecision.NOT_UPHELD
        decide = partial(
            stages.ombudsman_decide,
            actor=officer,
            reference=ref,
            decision=decision,
            remedy=remedy,
            remedy_due=remedy_due,
        )
        steps.append((plan.ombudsman[2], decide))
    if len(plan.ombudsman) > 3:
        steps.append((plan.ombudsman[3], partial(stages.ombudsman_complied, actor=officer, reference=ref)))
    return steps


def _details(rng: random.Random, summary: str, name: str) -> str:
    openings = (
        "I am writing to complain because",
        "This is the third time I have had to contact you:",
        "Further to my phone call last week,",
        "I want to make a formal complaint.",
    )
    closings = (
        "Please can someone call me back.",
        "I expect a written response.",
        "I would like an apology and for this to be put right.",
        "Nobody has been able to tell me what is happening.",
    )
    return f"{rng.choice(openings)} {summary.lower()}. {rng.choice(closings)}\n\n{name}"


# --- the large desk: years of history, for trying the desk at a county council's scale -------------------------

LARGE_TOTAL = 100_000
LARGE_OPEN = 5_000
CHUNK = 5_000


def fill_large(
    ctx: ServiceContext,
    actor: str,
    *,
    total: int = LARGE_TOTAL,
    open_cases: int = LARGE_OPEN,
    seed: int = 2021,
    force: bool = False,
) -> str:
    """`total` cases over three years, `open_cases` of them still open, written as history in bulk."""
    from triage_tui.services.history import HistoryRow, HistoryWriter, write_prepared

    if is_empty(ctx):
        fill_demo(ctx, actor, size="small", seed=seed)
        people = list(STAFF)
    else:
        people = prepare(ctx, actor, force=force)
    rng = random.Random(seed)
    now = ctx.now()
    with ctx.store.read() as session:
        staff = {o.username: o.id for o in queries.officers(session)}
    workers = [p.username for p in people if p.role is Role.OFFICER and p.team is not Team.TRIAGE]
    made = 0
    while made < total:
        rows = []
        for i in range(made, min(total, made + CHUNK)):
            rows.append(_historic_row(rng, i, now, total, open_cases, workers, staff, HistoryRow))
        writer = HistoryWriter(ctx.store.dialect, actor, now)  # the one who loaded it, as for an import
        with ctx.store.write() as session:
            write_prepared(session, [writer.prepare(row) for row in rows])
        made += len(rows)
    return f"added {made:,} cases of history ({open_cases:,} open) to {ctx.store.path or 'the database'}"


def is_empty(ctx: ServiceContext) -> bool:
    """No officers and no cases: a database nobody uses yet."""
    with ctx.store.read() as session:
        return queries.officer_count(session) == 0 and not queries.find_cases(session, queries.CaseFilter(limit=1))


def _historic_row(rng, i, now, total, open_cases, workers, staff, HistoryRow):
    from triage_tui.domain.codes import Status

    is_open = i >= total - open_cases
    if is_open:
        received = now - timedelta(hours=rng.uniform(0.5, 40 * 24))
    else:
        received = now - timedelta(days=rng.uniform(45, 3 * 365))
    not_complaint = rng.random() < 0.30
    if not_complaint:
        summary, org, service = rng.choice(NOT_COMPLAINTS)
        kind = CaseType.UNCLASSIFIED
    else:
        kind = _pick(rng, KINDS)
        summary, service = rng.choice(SUMMARIES[kind])
        org = None
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    base = {
        "reference": f"DEMO-{i + 1:06d}",
        "received_at": received,
        "channel": _pick(rng, CHANNELS).value,
        "customer_name": name,
        "summary": summary,
        "type": kind,
    }
    age = now - received
    triaged = received + timedelta(hours=rng.uniform(0.5, 40))
    if is_open and (age < timedelta(hours=rng.uniform(2, 60)) or not_complaint):
        return HistoryRow(
            status=Status.NEW, type=CaseType.UNCLASSIFIED, **{k: v for k, v in base.items() if k != "type"}
        )
    if not_complaint:
        reason = CloseReason.SIGNPOSTED if org else CloseReason.SERVICE_REQUEST
        return HistoryRow(
            status=Status.CLOSED, closed_at=triaged, close_reason=reason, signposted_to=org, service=service, **base
        )
    officer = rng.choice(workers)
    allocated = triaged + timedelta(hours=rng.uniform(1, 24))
    acknowledged = allocated + timedelta(hours=rng.uniform(1, 72))
    sent = acknowledged + timedelta(hours=rng.uniform(1, 24))
    responded = sent + timedelta(days=rng.uniform(3, 20))
    if is_open:
        stage = rng.choices(["triaged", "allocated", "with_service"], weights=[8, 30, 62])[0]
        if stage == "triaged" or allocated > now:
            return HistoryRow(status=Status.TRIAGED, triaged_at=min(triaged, now), **base)
        if stage == "allocated" or sent > now:
            return HistoryRow(
                status=Status.ALLOCATED,
                triaged_at=triaged,
                allocated_at=allocated,
                acknowledged_at=acknowledged if acknowledged <= now and rng.random() < 0.7 else None,
                officer=officer,
                officer_id=staff[officer],
                **base,
            )
        return HistoryRow(
            status=Status.WITH_SERVICE,
            triaged_at=triaged,
            allocated_at=allocated,
            acknowledged_at=acknowledged,
            sent_to_service_at=sent,
            service=service,
            officer=officer,
            officer_id=staff[officer],
            **base,
        )
    if rng.random() < 0.12:
        closed = allocated + timedelta(hours=rng.uniform(1, 96))
        reason = rng.choice([CloseReason.WITHDRAWN, CloseReason.DUPLICATE, CloseReason.OUT_OF_TIME])
        return HistoryRow(
            status=Status.CLOSED,
            triaged_at=triaged,
            allocated_at=allocated,
            officer=officer,
            officer_id=staff[officer],
            closed_at=closed,
            close_reason=reason,
            duplicate_of=f"DEMO-{max(1, i - rng.randint(1, 50)):06d}" if reason is CloseReason.DUPLICATE else None,
            **base,
        )
    return HistoryRow(
        status=Status.RESPONDED,
        triaged_at=triaged,
        allocated_at=allocated,
        acknowledged_at=acknowledged,
        sent_to_service_at=sent,
        service=service,
        responded_at=responded,
        outcome=rng.choice(list(Outcome)).value,
        officer=officer,
        officer_id=staff[officer],
        **base,
    )
