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
    OmbudsmanDecision,
    Outcome,
    Status,
)
from triage_tui.domain.policy import Policy
from triage_tui.domain.queue import live_claim
from triage_tui.domain.views import CaseView, EventView, ExtensionView, OmbudsmanView, RelatedCase, StageView
from triage_tui.ui.text import one_line, rich_assemble, rich_line, rich_lines

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
CLOCK_LABELS = {
    "triage": "Triage",
    "acknowledgement": "Acknowledge",
    "response": "Respond",
    "panel": "Panel",
    "ombudsman": "Answer by",
    "remedy": "Remedy",
}

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
    "escalate": "Escalated",
    "extend": "Extended",
    "panel": "Review panel",
    "ombudsman_open": "Ombudsman",
    "ombudsman_answer": "Ombudsman",
    "ombudsman_decide": "Ombudsman",
    "ombudsman_complied": "Ombudsman",
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
        # The later stages and the ombudsman (services/stages.py): each worded by event_words.
        "stage",
        "previous_stage",
        "previous_outcome",
        "previous_service",
        "working_days",
        "previous_due_at",
        "response_due_at",
        "reference",
        "respond_by",
        "decision",
        "remedy",
        "remedy_due",
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


def decision_label(code: object) -> str:
    """The ombudsman's decision: `not_upheld` reads "Not upheld"."""
    if code is None or code == "":
        return "-"
    try:
        return OmbudsmanDecision(str(code)).label
    except ValueError:
        return str(code).replace("_", " ")


def type_cell(case: CaseView) -> str:
    """A case's type in a list, with its stage after the first: "Corporate · 2". A stage-1 case reads as before."""
    short = type_short(case.type)
    return f"{short} · {case.stage}" if case.stage > 1 else short


def type_and_stage(case: CaseView) -> str:
    """The type's full name, and its stage after the first: "Corporate Complaints · Stage 2". (The children's
    label names stage 1, as the briefing's tables do; at a later stage it names the stage the case is at.)"""
    if case.stage <= 1:
        return type_label(case.type)
    return f"{type_label(case.type).removesuffix(' Stage 1')} · Stage {case.stage}"


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
        (type_and_stage(case), "bold cyan"),
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


# The clocks' columns: what the clock is, when it is due, where it stands. Fixed widths, so the blocks of each
# stage and of the ombudsman line up under one another.
LABEL_WIDTH = 11  # "Acknowledge"
DUE_WIDTH = 19  # "due Thu 25/11 10:00"


def _clock_grid(aligned: bool = True) -> Table:
    """A block of clocks; `aligned` gives it the fixed column widths that line it up with the blocks around it
    (a case with one block sizes its columns to what it shows, as it always has)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True, width=LABEL_WIDTH if aligned else None)
    grid.add_column(no_wrap=True, width=DUE_WIDTH if aligned else None)
    grid.add_column()
    return grid


def _clock_row(grid: Table, clock: Clock, now: datetime, label: str | None = None) -> None:
    grid.add_row(
        Text(label or CLOCK_LABELS[clock.name]), Text(f"due {deadline(clock.due_at)}"), clock_state(clock, now)
    )


def _extended_row(grid: Table, clock: Clock) -> None:
    """Under an extended response: the deadline it had first and the latest it may go to."""
    if clock.first_due_at is None:
        return
    limit = f"extended; limit {deadline(clock.limit_at)}" if clock.limit_at is not None else "extended"
    grid.add_row(Text(""), Text(f"was {deadline(clock.first_due_at)}", style="dim"), Text(limit, style="dim"))


def _extension_rows(grid: Table, extensions: list[ExtensionView]) -> None:
    """Each extension of a stage: how many working days, to when, who agreed it and when, and why (as typed)."""
    for x in extensions:
        plural = "" if x.working_days == 1 else "s"
        due = f"to {local(x.response_due_at, '%a %d/%m')} · " if x.response_due_at else ""
        grid.add_row(
            Text("Extended"),
            Text(f"+{x.working_days} working day{plural}"),
            rich_assemble(due, (f"{local(x.at, '%d/%m/%y')} {one_line(x.actor)}", "dim"), " · Reason: ", x.reason),
        )


def _stage_rows(
    grid: Table, stage: StageView, case: CaseView, extensions: list[ExtensionView], policy: Policy, now: datetime
) -> None:
    """A stage's clocks that have started (the triage clock is the case's, shown once above) and its extensions."""
    for clock in stage.clocks(case.received_at, case.triaged_at, policy).all():
        if clock.name == "triage" or clock.due_at is None:
            continue
        _clock_row(grid, clock, now)
        if clock.name == "response":
            _extended_row(grid, clock)
    _extension_rows(grid, [x for x in extensions if x.stage == stage.stage])


def stage_heading(stage: StageView, current: bool) -> Text:
    """A stage's line above its clocks, short enough for one line at 80 columns: which stage, from when to its
    response, the outcome, who had it and the service: "Stage 1 · 29/11/26 to 02/12/26 · not upheld · sevans"."""
    began = local(stage.started_at, "%d/%m/%y")
    parts: list[str] = []
    if stage.responded_at is not None:
        parts.append(f"{began} to {local(stage.responded_at, '%d/%m/%y')}")
        if stage.outcome:
            parts.append(outcome_label(stage.outcome).lower())
    else:
        parts.append(f"since {began}")
    parts.append(stage.officer or ("awaiting allocation" if current else "no officer"))
    if stage.service:
        parts.append(stage.service)
    heading = Text.assemble((f"Stage {stage.stage}", "bold underline"), " · ")
    heading.append_text(rich_line(" · ".join(parts), "" if current else "dim"))
    return heading


def ombudsman_block(ombudsman: OmbudsmanView, policy: Policy, now: datetime) -> RenderableType:
    """The ombudsman's enquiry: its reference, the council's answer clock, the decision, any remedy and its clock."""
    heading = rich_assemble(("Ombudsman", "bold underline"), " · enquiry ", (ombudsman.reference, "bold"))
    heading.append(f" · opened {local(ombudsman.opened_at, '%d/%m/%Y')}", style="dim")
    grid = _clock_grid()
    enquiry = ombudsman.enquiry_clock(policy)
    if enquiry is not None:
        _clock_row(grid, enquiry, now)
    if ombudsman.answered_at is not None:
        grid.add_row(Text("Answered"), Text(local(ombudsman.answered_at, "%a %d/%m %H:%M")), Text(""))
    if ombudsman.decision:
        grid.add_row(
            Text("Decision"),
            Text(decision_label(ombudsman.decision), style="bold"),
            Text(f"decided {local(ombudsman.decided_at, '%d/%m/%Y')}", style="dim"),
        )
    else:
        grid.add_row(Text("Decision"), Text("awaited", style="dim"), Text(""))
    if ombudsman.remedy:
        grid.add_row(Text("Remedy"), Text(""), rich_lines(ombudsman.remedy))
    remedy = ombudsman.remedy_clock(policy)
    if remedy is not None:
        _clock_row(grid, remedy, now, "Remedy due")
    return Group(heading, grid)


def case_clocks(case: CaseView, policy: Policy, now: datetime) -> RenderableType:
    """Each clock that has started: its due time and where it stands. Clocks not started yet (the
    acknowledgement of a contact still in triage) are left out: on a short pane they would push the history
    out of view and say nothing the status does not.

    A case past its first stage shows each stage under its own heading, oldest first, with its clocks and
    extensions (the triage clock is stage 1's); a stage-1 case reads as it always has, with any extension under
    its response. The ombudsman's enquiry, if any, comes last."""
    extensions = case.extensions
    parts: list[RenderableType] = []
    stages = case.stages
    aligned = len(stages) > 1 or case.ombudsman is not None
    for stage in stages:
        grid = _clock_grid(aligned)
        if stage.stage == 1:
            triage = case.clocks(policy).triage
            if triage.due_at is not None:
                _clock_row(grid, triage, now)
        _stage_rows(grid, stage, case, extensions, policy, now)
        if len(stages) > 1:
            parts.append(stage_heading(stage, stage.stage == case.stage))
        parts.append(grid)
    if case.ombudsman is not None:
        parts.append(ombudsman_block(case.ombudsman, policy, now))
    return Group(*parts)


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
    elif action == "respond":
        if _stage_of(d) > 1:
            parts.append(f"Stage {_stage_of(d)}")
        if d.get("outcome"):
            parts.append(f"Outcome: {outcome_label(d['outcome'])}")
    elif action in STAGE_ACTIONS:
        parts += _stage_words(action, d)
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


STAGE_ACTIONS = frozenset(
    {"escalate", "extend", "panel", "ombudsman_open", "ombudsman_answer", "ombudsman_decide", "ombudsman_complied"}
)


def _stage_of(details: dict[str, Any]) -> int:
    try:
        return int(details.get("stage") or 1)
    except (TypeError, ValueError):
        return 1


def _stored_day(value: object) -> str | None:
    """A date or time the event stored as ISO text, as a deadline's day: "Mon 23/11/2026" (None if unreadable)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None and len(value) == 10:  # a plain date (respond-by, a remedy's due date)
        return moment.strftime("%a %d/%m/%Y")
    return local(moment, "%a %d/%m/%Y") if moment.tzinfo is not None else None


def _stage_words(action: str, d: dict[str, Any]) -> list[str]:
    """The later stages and the ombudsman in words: "to stage 2 · Reason: …", "by 5 working days · due …"."""
    parts: list[str] = []
    enquiry = f"enquiry {d['reference']}" if d.get("reference") else "enquiry"
    if action == "escalate":
        parts.append(f"to stage {_stage_of(d)}")
        if d.get("previous_outcome"):
            parts.append(
                f"stage {d.get('previous_stage') or _stage_of(d) - 1} outcome: {outcome_label(d['previous_outcome'])}"
            )
        if d.get("reason"):
            parts.append(f"Reason: {d['reason']}")
    elif action == "extend":
        days = d.get("working_days")
        parts.append(
            f"by {days} working day{'' if days == 1 else 's'}"
            + (f" (stage {_stage_of(d)})" if _stage_of(d) > 1 else "")
        )
        due, was = _stored_day(d.get("response_due_at")), _stored_day(d.get("previous_due_at"))
        if due:
            parts.append(f"due {due}" + (f" (was {was})" if was else ""))
        if d.get("reason"):
            parts.append(f"Reason: {d['reason']}")
    elif action == "panel":
        parts.append(f"sat (stage {_stage_of(d)})")
    elif action == "ombudsman_open":
        parts.append(f"{enquiry} opened")
        if _stored_day(d.get("respond_by")):
            parts.append(f"respond by {_stored_day(d.get('respond_by'))}")
    elif action == "ombudsman_answer":
        parts.append(f"{enquiry} answered")
    elif action == "ombudsman_decide":
        parts.append(f"{enquiry} decided: {decision_label(d.get('decision'))}")
        if d.get("remedy"):
            parts.append(f"Remedy: {d['remedy']}")
        if _stored_day(d.get("remedy_due")):
            parts.append(f"remedy due {_stored_day(d.get('remedy_due'))}")
    elif action == "ombudsman_complied":
        in_time = d.get("in_time")
        timing = "" if not isinstance(in_time, bool) else (", in time" if in_time else ", late")
        parts.append(f"remedy carried out{timing} ({enquiry})")
    return parts


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
