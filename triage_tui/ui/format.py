"""How cases, times and clocks read on screen. Every piece of stored text goes in as literal Rich Text (see
text.py): a Rich table would otherwise parse a plain string cell as markup."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from triage_tui.domain.clock import Band, Clock
from triage_tui.domain.policy import Policy
from triage_tui.domain.queue import live_claim
from triage_tui.domain.views import CaseView
from triage_tui.ui.text import rich_assemble, rich_line, rich_lines

LONDON = ZoneInfo("Europe/London")

# The text of a countdown says its band on its own; colour repeats it for a quick scan.
BAND_STYLES: dict[Band | None, str] = {
    Band.OK: "green",
    Band.DUE_SOON: "yellow",
    Band.OVERDUE: "bold dark_orange",
    Band.BREACHED: "bold red",
    None: "dim",
}
# Event details already shown elsewhere on the case (or only machine-readable).
HIDDEN = frozenset({"until", "received_at", "previous_type", "history"})
CLOCK_LABELS = {"triage": "Triage", "acknowledgement": "Acknowledgement", "response": "Response"}


def local(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return moment.astimezone(LONDON).strftime(fmt) if moment is not None else "-"


def short(moment: datetime | None) -> str:
    return local(moment, "%d/%m %H:%M")


def countdown(clock: Clock | None, now: datetime) -> Text:
    if clock is None or not clock.running:
        return Text("-", style="dim", justify="right")
    return Text(clock.countdown(now), style=BAND_STYLES[clock.band(now)], justify="right")


def clock_state(clock: Clock, now: datetime) -> Text:
    if clock.due_at is None:
        return Text("not started", style="dim")
    if clock.running:
        return Text(clock.countdown(now), style=BAND_STYLES[clock.band(now)])
    if clock.met():
        return Text("met", style="green")
    return Text("missed", style="red")


def holder(case: CaseView, now: datetime) -> str:
    """Who has the case: its officer, or who holds a live claim on a new contact."""
    if case.officer:
        return case.officer
    claimant = live_claim(case, now)
    return f"{claimant} (claim)" if claimant else ""


def case_head(case: CaseView, now: datetime) -> RenderableType:
    """Who and what: the first part of a case's detail."""
    head = rich_assemble(
        (case.reference, "bold"),
        "  ",
        (case.type.label, "bold cyan"),
        " · ",
        (case.status.label, "bold"),
        (f" · {case.officer}" if case.officer else ""),
    )
    facts = Table.grid(padding=(0, 1))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column()

    def fact(label: str, value: str) -> None:
        facts.add_row(Text(label), rich_line(value))

    fact("Received", f"{local(case.received_at)} by {case.channel.replace('_', ' ')}")
    fact("Customer", " · ".join(v for v in (case.customer_name, case.customer_email, case.customer_phone) if v))
    facts.add_row(Text("Summary"), rich_lines(case.summary))
    claimant = live_claim(case, now)
    if claimant:
        fact("Claimed", f"by {claimant} until {local(case.claimed_until, '%H:%M')}")
    for label, value in (
        ("Service", case.service),
        ("Signposted", case.signposted_to),
        ("Closed", case.close_reason.replace("_", " ") if case.close_reason else None),
        ("Duplicate of", case.duplicate_of),
        ("Outcome", case.outcome.replace("_", " ") if case.outcome else None),
        ("Cohort", case.cohort),
    ):
        if value:
            fact(label, value)
    return Group(head, facts)


def case_clocks(case: CaseView, policy: Policy, now: datetime) -> RenderableType:
    """Each clock separately: its due time and where it stands."""
    clocks = Table.grid(padding=(0, 2))
    clocks.add_column(no_wrap=True)
    clocks.add_column(no_wrap=True)
    clocks.add_column()
    for clock in case.clocks(policy).all():
        due = f"due {local(clock.due_at)}" if clock.due_at else ""
        clocks.add_row(Text(CLOCK_LABELS[clock.name]), Text(due), clock_state(clock, now))
    return Group(Text("Clocks", style="bold underline"), clocks)


def case_story(case: CaseView) -> RenderableType:
    """The full text and the history of events."""
    parts: list[RenderableType] = []
    if case.details:
        parts += [Text("Details", style="bold underline"), rich_lines(case.details)]
    if case.events:
        events = Table.grid(padding=(0, 1))
        events.add_column(style="dim", no_wrap=True)
        events.add_column(no_wrap=True)
        events.add_column(no_wrap=True)
        events.add_column()
        for e in case.events:
            move = ""
            if e.to_status is not None and e.from_status != e.to_status:
                move = f"{e.from_status.value + ' → ' if e.from_status else ''}{e.to_status.value}"
            extra = ", ".join(
                f"{k.replace('_', ' ')}: {v}" for k, v in e.details.items() if v not in (None, "") and k not in HIDDEN
            )
            what = " ".join(x for x in (move, extra) if x)
            events.add_row(Text(short(e.at)), rich_line(e.actor), rich_line(e.action), rich_lines(what))
        parts += [Text("History", style="bold underline"), events]
    return Group(*parts)
