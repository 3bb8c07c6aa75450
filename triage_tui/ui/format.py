"""How cases, times and clocks read on screen. Every piece of stored text goes in as literal Rich Text (see
text.py): a Rich table would otherwise parse a plain string cell as markup."""

from __future__ import annotations

import contextlib
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from triage_tui.domain.clock import Band, Clock
from triage_tui.domain.codes import (
    STATUS_LABELS,
    TYPE_LABELS,
    CaseType,
    Channel,
    CloseReason,
    Outcome,
    Status,
)
from triage_tui.domain.policy import Policy
from triage_tui.domain.queue import live_claim
from triage_tui.domain.views import CaseView, EventView, RelatedCase
from triage_tui.ui.text import rich_assemble, rich_line, rich_lines

# The policy's timezone (DEFAULT_POLICY.timezone): every time on screen is UK local time.
LONDON = ZoneInfo("Europe/London")
E = TypeVar("E", bound=StrEnum)

# The text of a countdown says its band on its own; colour repeats it for a quick scan.
BAND_STYLES: dict[Band | None, str] = {
    Band.OK: "green",
    Band.DUE_SOON: "yellow",
    Band.OVERDUE: "bold dark_orange",
    Band.BREACHED: "bold red",
    None: "dim",
}
# As the My cases columns head them.
CLOCK_LABELS = {"triage": "Triage", "acknowledgement": "Acknowledge", "response": "Respond"}

# Labels for the codes the database stores, as an officer reads them.
TYPE_SHORT: dict[CaseType, str] = {
    CaseType.ADULTS: "Adults",
    CaseType.CHILDREN: "Children",
    CaseType.CORPORATE: "Corporate",
    CaseType.OTHER: "Other",
    CaseType.SERVICE_REQUEST: "Service request",
    CaseType.UNCLASSIFIED: "Unclassified",
}
CHANNEL_LABELS = {
    Channel.EMAIL: "Email",
    Channel.PHONE: "Phone",
    Channel.WEB: "Web",
    Channel.LETTER: "Letter",
    Channel.IN_PERSON: "In person",
}
CLOSE_REASON_LABELS = {
    CloseReason.WITHDRAWN: "Withdrawn",
    CloseReason.DUPLICATE: "Duplicate",
    CloseReason.OUT_OF_TIME: "Out of time",
    CloseReason.SERVICE_REQUEST: "Passed on as a service request",
    CloseReason.SIGNPOSTED: "Signposted elsewhere",
}
OUTCOME_LABELS = {
    Outcome.UPHELD: "Upheld",
    Outcome.PARTLY_UPHELD: "Partly upheld",
    Outcome.NOT_UPHELD: "Not upheld",
}
# What each event in a case's history is called.
ACTION_LABELS = {
    "intake": "Received",
    "classify": "Classified",
    "acknowledge": "Acknowledged",
    "signpost": "Signposted",
    "allocate": "Allocated",
    "send": "Sent to service",
    "respond": "Responded",
    "close": "Closed",
    "reassign": "Reassigned",
    "note": "Note",
    "cohort": "Cohort",
    "claim": "Claimed",
    "release": "Claim released",
    "import": "Imported",
    "edit": "Edited",
    "reopen": "Reopened",
}
# Why another case is shown as the customer's (domain/views.py RELATED_WHY), in words.
RELATED_WHY_LABELS = {
    "possible_duplicate": "possible duplicate (similar summary within 30 days)",
    "same_email": "same email",
    "same_phone": "same phone",
    "same_name_postcode": "same name and postcode",
}
# The customer's fields an edit names, in words.
FIELD_LABELS = {
    "customer_name": "Name",
    "customer_email": "Email",
    "customer_phone": "Phone",
    "customer_address": "Address",
    "summary": "Summary",
    "details": "Details",
}
# An edit's old and new values are quoted up to this many characters (details can be pages long).
QUOTED = 80
# A step recorded this long after the time it took is "backdated": its line says when it was recorded.
BACKDATED_AFTER_SECONDS = 60
# Event details the history line words itself (codes shown by their labels, times in local time) or that are
# only machine-readable; any other detail is shown as stored, after its name.
HIDDEN = frozenset(
    {
        "until",
        "received_at",
        "type",
        "previous_type",
        "close_reason",
        "reason",
        "outcome",
        "signposted_to",
        "service",
        "officer",
        "from_officer",
        "to_officer",
        "duplicate_of",
        "cohort",
        "previous",
        "text",
        "note",
        "channel",
        "history",
        "source",
        "line",
        "changes",
        "recorded_at",
        "to_status",
        "cleared",
        "correction",
    }
)


def _label(labels: dict[E, str], enum: type[E], code: object) -> str:
    """The label of a stored code; a code this version does not know is shown as stored, readably."""
    if code is None or code == "":
        return "-"
    try:
        return labels[enum(str(code))]
    except (ValueError, KeyError):
        return str(code).replace("_", " ")


def type_label(code: object) -> str:
    """The briefing's name of a case type: `children` reads "Statutory Children Stage 1"."""
    return _label(TYPE_LABELS, CaseType, code)


def type_short(code: object) -> str:
    """A case type in a list column: `children` reads "Children"."""
    return _label(TYPE_SHORT, CaseType, code)


def status_label(code: object) -> str:
    """`with_service` reads "With service"."""
    return _label(STATUS_LABELS, Status, code)


def channel_label(code: object) -> str:
    return _label(CHANNEL_LABELS, Channel, code)


def close_reason_label(code: object) -> str:
    return _label(CLOSE_REASON_LABELS, CloseReason, code)


def outcome_label(code: object) -> str:
    return _label(OUTCOME_LABELS, Outcome, code)


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code) or code.replace("_", " ").capitalize()


def related_why(code: object) -> str:
    """Why another case is thought to be the same customer's: `same_email` reads "same email"."""
    return RELATED_WHY_LABELS.get(str(code)) or str(code).replace("_", " ")


def possible_duplicate(case: CaseView) -> RelatedCase | None:
    """The case this one may duplicate (flagged, never merged), if any."""
    return next((r for r in case.related if r.why == "possible_duplicate"), None)


def _quoted(value: object) -> str:
    """An edited value as the history quotes it: short, on one line, "(blank)" for nothing."""
    if value in (None, ""):
        return "(blank)"
    text = " ".join(str(value).split())
    return f"'{text}'" if len(text) <= QUOTED else f"'{text[: QUOTED - 1]}…'"


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
        state = Text(clock.countdown(now), style=BAND_STYLES[clock.band(now)])
        if clock.band(now) is Band.BREACHED and clock.limit_at is not None:
            # The breach is counted from the limit, not from the target shown beside it: say which time it was.
            state.append(f" (limit {deadline(clock.limit_at)})", style="dim")
        return state
    if clock.met():
        return Text(f"met {deadline(clock.stopped_at)}", style="green")
    return Text(f"missed, done {deadline(clock.stopped_at)}", style="red")


def deadline(moment: datetime | None) -> str:
    """A deadline with its weekday: deadlines count working days, so the day of the week matters."""
    return local(moment, "%a %d/%m %H:%M")


def holder(case: CaseView, now: datetime) -> str:
    """Who has the case: its officer, or who holds a live claim on a new contact."""
    if case.officer:
        return case.officer
    claimant = live_claim(case, now)
    return f"{claimant} (claim)" if claimant else ""


def channel_words(code: object) -> str:
    """How a contact came: "by email", "in person"."""
    if code == Channel.IN_PERSON:
        return "in person"
    return f"by {channel_label(code).lower()}"


def duplicate_flag(case: CaseView, key: str | None = None) -> Text | None:
    """The warning that leads a case's detail when it may duplicate another: what, which, and the key to open it."""
    original = possible_duplicate(case)
    if original is None:
        return None
    flag = rich_assemble(
        ("⚠ Possible duplicate of ", "bold"),
        (original.reference, "bold"),
        (f" (received {local(original.received_at, '%d/%m/%Y')}, {status_label(original.status).lower()})", ""),
    )
    if key:
        flag.append_text(rich_assemble(" — press ", (key, "bold"), " to open it"))
    flag.stylize("on dark_red")
    return flag


def case_head(case: CaseView, now: datetime, duplicate_key: str | None = None) -> RenderableType:
    """Who and what: the first part of a case's detail, a possible duplicate flagged above it."""
    flag = duplicate_flag(case, duplicate_key)
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

    fact("Received", f"{local(case.received_at)} {channel_words(case.channel)}")
    fact("Customer", " · ".join(v for v in (case.customer_name, case.customer_email, case.customer_phone) if v))
    if case.customer_address:
        facts.add_row(Text("Address"), rich_lines(case.customer_address))
    facts.add_row(Text("Summary"), rich_lines(case.summary))
    claimant = live_claim(case, now)
    if claimant:
        fact("Claimed", f"by {claimant} until {local(case.claimed_until, '%H:%M')}")
    for label, value in (
        ("Service", case.service),
        ("Signposted", case.signposted_to),
        ("Closed", close_reason_label(case.close_reason) if case.close_reason else None),
        ("Duplicate of", case.duplicate_of),
        ("Outcome", outcome_label(case.outcome) if case.outcome else None),
        ("Cohort", case.cohort),
    ):
        if value:
            fact(label, value)
    return Group(flag, head, facts) if flag is not None else Group(head, facts)


def case_clocks(case: CaseView, policy: Policy, now: datetime) -> RenderableType:
    """Each clock that has started: its due time and where it stands. Clocks not started yet (the
    acknowledgement of a contact still in triage) are left out: on a short pane they would push the history
    out of view and say nothing the status does not."""
    clocks = Table.grid(padding=(0, 2))
    clocks.add_column(style="dim", no_wrap=True)
    clocks.add_column(no_wrap=True)
    clocks.add_column()
    for clock in case.clocks(policy).all():
        if clock.due_at is None:
            continue
        clocks.add_row(Text(CLOCK_LABELS[clock.name]), Text(f"due {deadline(clock.due_at)}"), clock_state(clock, now))
    return clocks


def _change(what: str, before: str, after: str) -> str:
    return f"{what}: {before} → {after}"


def event_words(event: EventView) -> str:
    """What an event did, in words: codes by their labels, corrections from -> to, times in UK local time.
    Stored text (notes, names, services) is returned as stored; the caller shows it literally."""
    d: dict[str, Any] = event.details
    action = event.action
    parts: list[str] = []
    if action == "intake":
        if d.get("channel"):
            parts.append(channel_words(d["channel"]))
    elif action == "classify":
        parts.append(_change("Type", type_label(d.get("previous_type")), type_label(d.get("type"))))
    elif action == "edit":
        changes = d.get("changes")
        if isinstance(changes, dict):
            for name, change in changes.items():
                before, after = (change.get("old"), change.get("new")) if isinstance(change, dict) else (None, None)
                label = FIELD_LABELS.get(str(name)) or str(name).replace("_", " ").capitalize()
                parts.append(_change(label, _quoted(before), _quoted(after)))
    elif action == "reopen":
        if d.get("previous_type") and d.get("type"):
            parts.append(_change("Type", type_label(d["previous_type"]), type_label(d["type"])))
        cleared = d.get("cleared")
        if isinstance(cleared, dict) and cleared:
            parts.append("Cleared: " + ", ".join(str(name).replace("_", " ") for name in cleared))
    elif action == "signpost":
        if d.get("signposted_to"):
            parts.append(f"To {d['signposted_to']}")
        if d.get("service"):
            parts.append(f"Service request for {d['service']}")
        parts.append(_change("Type", type_label(d.get("previous_type")), type_label(CaseType.SERVICE_REQUEST)))
    elif action == "allocate" and d.get("officer"):
        parts.append(f"To {d['officer']}")
    elif action == "acknowledge" and d.get("channel"):
        parts.append(channel_words(d["channel"]))
    elif action == "send" and d.get("service"):
        parts.append(f"To {d['service']}")
    elif action == "respond" and d.get("outcome"):
        parts.append(f"Outcome: {outcome_label(d['outcome'])}")
    elif action == "close":
        if d.get("reason"):
            parts.append(close_reason_label(d["reason"]))
        if d.get("duplicate_of"):
            parts.append(f"of {d['duplicate_of']}")
    elif action == "reassign":
        parts.append(_change("Officer", d.get("from_officer") or "no one", d.get("to_officer") or "no one"))
        if d.get("reason"):
            parts.append(f"Reason: {d['reason']}")
    elif action == "cohort":
        parts.append(_change("Cohort", d.get("previous") or "none", d.get("cohort") or "none"))
    elif action == "claim" and d.get("until"):
        with contextlib.suppress(ValueError):  # a time this version cannot read is left out
            parts.append(f"Until {local(datetime.fromisoformat(str(d['until'])), '%H:%M')}")
    if event.to_status is not None and event.from_status is not None and event.from_status != event.to_status:
        parts.append(_change("Status", event.from_status.label, event.to_status.label))
    if action in ("classify", "edit", "reopen") and d.get("reason"):
        parts.append(f"Reason: {d['reason']}")
    recorded = _recorded(event)
    if recorded is not None:
        parts.append(f"recorded {local(recorded)}")
    if d.get("note"):
        parts.append(f"Note: {d['note']}")
    if d.get("text"):
        parts.append(str(d["text"]))
    parts += [
        f"{key.replace('_', ' ')}: {value}"
        for key, value in d.items()
        if value not in (None, "") and key not in HIDDEN and not isinstance(value, bool)
    ]
    if d.get("history"):
        source = f" of {d['source']}" if d.get("source") else ""
        line = f", line {d['line']}" if d.get("line") is not None else ""
        parts.append(f"(from the import{source}{line})")
    return " · ".join(parts)


def _recorded(event: EventView) -> datetime | None:
    """When a step recorded after it happened was recorded (None if it was recorded as it happened)."""
    raw = event.details.get("recorded_at")
    if not raw or event.action in ("intake", "import"):  # a contact's receipt is its own time: not a step
        return None
    try:
        recorded = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    if recorded.tzinfo is None or (recorded - event.at).total_seconds() < BACKDATED_AFTER_SECONDS:
        return None
    return recorded


def event_label(event: EventView) -> str:
    """The event's name in the history: a classification of a case already classified is a correction."""
    previous = event.details.get("previous_type")
    if event.action == "classify" and previous not in (None, "", CaseType.UNCLASSIFIED.value):
        return "Reclassified"
    return action_label(event.action)


def history(events: list[EventView]) -> RenderableType:
    """A case's events, newest first: the latest thing that happened is the first line under the heading."""
    rows = Table.grid(padding=(0, 1))
    rows.add_column(style="dim", no_wrap=True)
    rows.add_column(no_wrap=True)
    rows.add_column(style="bold", no_wrap=True)
    rows.add_column()
    for e in sorted(events, key=lambda e: (e.at, e.id), reverse=True):
        rows.add_row(
            Text(local(e.at, "%d/%m/%y %H:%M")),
            rich_line(e.actor),
            Text(event_label(e)),
            rich_lines(event_words(e)),
        )
    return Group(Text("History (newest first)", style="bold underline"), rows)


def related_cases(related: list[RelatedCase]) -> RenderableType:
    """The customer's other cases, the likeliest duplicate first: reference, status, type, received, why."""
    rows = Table.grid(padding=(0, 1))
    rows.add_column(style="bold", no_wrap=True)
    rows.add_column(no_wrap=True)
    rows.add_column(no_wrap=True)
    rows.add_column(style="dim", no_wrap=True)
    rows.add_column()
    for r in related:
        why = related_why(r.why)
        rows.add_row(
            rich_line(r.reference),
            Text(status_label(r.status)),
            Text(type_short(r.type)),
            Text(local(r.received_at, "%d/%m/%Y")),
            rich_assemble((why, "bold yellow" if r.why == "possible_duplicate" else ""), " · ", r.summary)
            if r.summary
            else Text(why, style="bold yellow" if r.why == "possible_duplicate" else ""),
        )
    return Group(Text("Customer's other cases", style="bold underline"), rows)


def case_story(case: CaseView) -> RenderableType:
    """The customer's other cases, the history of events (newest first), then the full text the customer sent."""
    parts: list[RenderableType] = []
    if case.related:
        parts += [Text(""), related_cases(list(case.related)), Text("")]
    if case.events:
        parts.append(history(list(case.events)))
    if case.details:
        parts += [Text(""), Text("Details", style="bold underline"), rich_lines(case.details)]
    return Group(*parts)
