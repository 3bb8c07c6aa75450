"""The Complaint Handling Code's later steps: escalate to the next stage (E), extend the response deadline (W),
the ombudsman's enquiry (O) and children's stage-3 review panel (P).

Each dialog says what the officer needs to decide before saving: the stage the customer is asking for and its
deadlines, the deadline an extension moves and how far it may go, what the enquiry is waiting for. The rules
themselves are the services' (services/stages.py): a refusal comes back into the dialog, as in every other."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioSet

from triage_tui.domain.clock import Clock, calendar_for, request_deadline
from triage_tui.domain.codes import OmbudsmanDecision
from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.policy import FROM_ACK, FROM_PANEL, Policy, StageRule
from triage_tui.domain.timeparse import parse_date
from triage_tui.domain.views import CaseView, OmbudsmanView
from triage_tui.ui import format as fmt
from triage_tui.ui.dialogs.base import ActionDialog, Choice, ChoiceSet
from triage_tui.ui.text import line
from triage_tui.ui.widgets.literal_input import LiteralInput

# More than a working year is a typing mistake, whatever the limit (the service refuses it too).
MOST_WORKING_DAYS = 260
DATE_PLACEHOLDER = "e.g. 22/12/2026 or 2026-12-22"


def day(moment: datetime | None) -> str:
    """A deadline (the end of a working day) by its date: "Mon 23/11/2026"."""
    return fmt.local(moment, "%a %d/%m/%Y")


def _origin_words(origin: str) -> str:
    return {FROM_ACK: "the acknowledgement", FROM_PANEL: "the panel"}.get(origin, "the request")


def stage_deadlines(rule: StageRule) -> str:
    """A stage's deadlines in words, for the officer deciding to open it."""
    words = [f"acknowledge within {rule.ack_days} working days of the request"]
    if rule.panel_days is not None:
        words.append(f"the review panel within {rule.panel_days} working days of the request")
    words.append(f"respond within {rule.respond_days} working days of {_origin_words(rule.respond_from)}")
    if rule.extend_days is not None:
        words.append(f"extendable to {rule.extend_days} working days from {_origin_words(rule.extend_from)}")
    elif rule.extend_months is not None:
        words.append(f"extendable to {rule.extend_months} months")
    return "; ".join(words)


# --- E: escalate -----------------------------------------------------------------------------------------------------


class EscalateDialog(ActionDialog[bool]):
    """The customer asks for the next stage: why (what they want looked at again) and when they asked."""

    heading = "Escalate to the next stage"
    confirm = "Escalate"
    asks_reason = True
    asks_when = True
    reason_label = "What does the customer want looked at again? (required)"
    reason_missing = "Say why the customer escalates: the reason goes into the history"
    when_label = "When did the customer ask? (blank: now)"

    def __init__(self, case: CaseView, policy: Policy) -> None:
        super().__init__(case)
        self.policy = policy

    def body(self) -> ComposeResult:
        assert self.case is not None
        case = self.case
        nxt = case.stage + 1
        rule = self.policy.stage_rule(case.type, nxt)
        yield Label(line((f"Stage {case.stage} → stage {nxt}", "bold"), f" of a {fmt.type_short(case.type)} complaint"))
        if rule is not None:
            yield Label(line(f"Stage {nxt}: {stage_deadlines(rule)}."), classes="hint")
            if case.responded_at is not None:
                window = request_deadline(case.responded_at, rule, self.policy)
                if window is not None:
                    yield Label(
                        line(
                            f"It must be asked for within {rule.request_within_days} working days of the stage-"
                            f"{case.stage} response: by {fmt.deadline(window)}."
                        ),
                        classes="hint",
                    )

    def effect(self) -> str | None:
        case = self.case
        if case is None:
            return None
        who = f"; {case.officer} handled stage {case.stage}, so someone else must take it" if case.officer else ""
        return f"Saving opens stage {case.stage + 1}: the case goes back to awaiting allocation{who}"

    def result(self) -> bool:
        return True


# --- W: extend -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionRoom:
    """The response deadline an extension moves, the latest it may go to, and how many working days that is."""

    clock: Clock
    most_days: int


def extension_room(case: CaseView, policy: Policy) -> ExtensionRoom:
    clock = case.clocks(policy).response
    most = 0
    if clock.due_at is not None and clock.limit_at is not None:
        while most < MOST_WORKING_DAYS:
            due = moved_due(case, policy, most + 1)
            if due is None or due > clock.limit_at:
                break
            most += 1
    return ExtensionRoom(clock, most)


def moved_due(case: CaseView, policy: Policy, days: int) -> datetime | None:
    """When the response would be due after `days` more working days."""
    return replace(case, extension_days=case.extension_days + days).clocks(policy).response.due_at


class ExtendDialog(ActionDialog[int]):
    """Move the stage's response deadline by a number of working days, with the reason the customer is told."""

    heading = "Extend the response deadline"
    confirm = "Extend"
    first = "#days"
    asks_reason = True
    asks_when = True
    reason_label = "Reason, as the customer is told it (required)"
    reason_missing = "Say why: the customer is told the reason, and it goes into the history"
    when_label = "When was it agreed? (blank: now)"

    def __init__(self, case: CaseView, policy: Policy) -> None:
        super().__init__(case)
        self.policy = policy
        self.room = extension_room(case, policy)

    def body(self) -> ComposeResult:
        clock = self.room.clock
        was = f" (first due {day(clock.first_due_at)})" if clock.first_due_at is not None else ""
        yield Label(line("Response due ", (day(clock.due_at), "bold"), was), id="due")
        most = self.room.most_days
        reach = f"at most {most} more working day{'s' if most != 1 else ''}" if most else "no more working days"
        yield Label(line("Limit ", (day(clock.limit_at), "bold"), f": {reach}"), id="limit")
        yield Label("Working days to add")
        yield LiteralInput(placeholder=f"1 to {most}" if most else "none left", id="days")

    def typed_days(self) -> int | None:
        typed = self.query_one("#days", Input).value.strip()
        return int(typed) if typed.isdigit() and len(typed) <= 4 else None

    def effect(self) -> str | None:
        days = self.typed_days()
        if not days or self.case is None:
            return None
        due = moved_due(self.case, self.policy, days)
        past = self.room.clock.limit_at is not None and due is not None and due > self.room.clock.limit_at
        return f"Saving moves the response to {day(due)}" + (", past the limit" if past else "")

    def result(self) -> int | None:
        days = self.typed_days()
        if days is None or days < 1:
            self.problem("Working days: a whole number, 1 or more")
            self.query_one("#days", Input).focus()
            return None
        return days


# --- P: the review panel ---------------------------------------------------------------------------------------------


class PanelDialog(ActionDialog[bool]):
    """Children's stage 3: the review panel sat; the response is due a set number of working days after it."""

    heading = "Review panel sat"
    confirm = "Panel sat"
    asks_when = True
    when_label = "When did the panel sit? (blank: now)"

    def __init__(self, case: CaseView, policy: Policy) -> None:
        super().__init__(case)
        self.policy = policy

    def body(self) -> ComposeResult:
        assert self.case is not None
        panel = self.case.clocks(self.policy).panel
        rule = self.policy.stage_rule(self.case.type, self.case.stage)
        if panel is not None and panel.due_at is not None:
            yield Label(line("The panel is due to sit by ", (day(panel.due_at), "bold")), id="due")
        if rule is not None:
            yield Label(line(f"The response is due {rule.respond_days} working days after it sits."), classes="hint")

    def result(self) -> bool:
        return True


# --- O: the ombudsman ------------------------------------------------------------------------------------------------

OPEN, ANSWER, DECIDE, COMPLIED = "open", "answer", "decide", "complied"
STEP_LABELS = {
    OPEN: "Enquiry opened",
    ANSWER: "Council answered",
    DECIDE: "Decision",
    COMPLIED: "Remedy carried out",
}
DECISIONS = (OmbudsmanDecision.UPHELD, OmbudsmanDecision.NOT_UPHELD, OmbudsmanDecision.NOT_INVESTIGATED)


def ombudsman_steps(ombudsman: OmbudsmanView | None) -> list[str]:
    """What can be recorded next on the enquiry, in the order it usually happens (empty: nothing left)."""
    if ombudsman is None:
        return [OPEN]
    if ombudsman.decision is None:
        return [ANSWER, DECIDE] if ombudsman.answered_at is None else [DECIDE]
    if ombudsman.remedy is not None and ombudsman.complied_at is None:
        return [COMPLIED]
    return []


def enquiry_words(ombudsman: OmbudsmanView) -> str:
    """Where the enquiry stands, in a line."""
    parts = [f"Enquiry {ombudsman.reference}, opened {fmt.local(ombudsman.opened_at, '%d/%m/%Y')}"]
    if ombudsman.answered_at is not None:
        parts.append(f"answered {fmt.local(ombudsman.answered_at, '%d/%m/%Y')}")
    elif ombudsman.respond_by is not None and ombudsman.decision is None:
        parts.append(f"answer due {ombudsman.respond_by:%a %d/%m/%Y}")
    if ombudsman.decision:
        parts.append(f"decided: {fmt.decision_label(ombudsman.decision).lower()}")
    if ombudsman.remedy_due is not None:
        parts.append(f"remedy due {ombudsman.remedy_due:%a %d/%m/%Y}")
    return "; ".join(parts)


@dataclass(frozen=True)
class OmbudsmanStep:
    step: str  # OPEN, ANSWER, DECIDE or COMPLIED
    reference: str | None = None
    respond_by: date | None = None
    decision: OmbudsmanDecision | None = None
    remedy: str | None = None
    remedy_due: date | None = None


class OmbudsmanDialog(ActionDialog[OmbudsmanStep]):
    """One dialog for the enquiry, offering what its state allows: open it (their reference, the date the council
    must answer by); then the council's answer or the decision (with any remedy and its due date); then the
    remedy carried out."""

    heading = "The ombudsman's enquiry"
    confirm = "Save"
    asks_when = True

    def __init__(self, case: CaseView, policy: Policy, now: datetime) -> None:
        super().__init__(case)
        self.policy = policy
        self.now = now
        self.steps = ombudsman_steps(case.ombudsman)
        self.first = {OPEN: "#omb-ref", DECIDE: "#decision"}.get(self.steps[0]) if len(self.steps) == 1 else "#step"
        if self.steps == [OPEN]:
            self.when_label = "When did the enquiry open? (blank: now)"

    def default_respond_by(self, opened: datetime) -> date:
        cal = calendar_for(self.policy)
        return cal.local(cal.add_working_days(opened, self.policy.ombudsman_respond_days)).date()

    def body(self) -> ComposeResult:
        assert self.case is not None
        ombudsman = self.case.ombudsman
        if ombudsman is not None:
            yield Label(line(enquiry_words(ombudsman)), classes="hint", id="enquiry")
        if self.steps == [OPEN]:
            yield Label("The ombudsman's reference (required)")
            yield LiteralInput(placeholder="e.g. 25 001 234", id="omb-ref")
            days = self.policy.ombudsman_respond_days
            yield Label(line(f"The council must answer by (blank: {days} working days from the enquiry)"))
            yield LiteralInput(placeholder=DATE_PLACEHOLDER, id="respond-by")
            return
        if len(self.steps) > 1:
            yield Label("What happened? (arrows choose)")
            with ChoiceSet(id="step", classes="across"):
                for index, step in enumerate(self.steps):
                    yield Choice(STEP_LABELS[step], value=index == 0, id=f"step-{step}")
        else:
            yield Label(line((STEP_LABELS[self.steps[0]], "bold")), id="only-step")
        if ombudsman is not None and ombudsman.remedy and self.steps == [COMPLIED]:
            yield Label(line("Remedy: ", ombudsman.remedy), id="remedy-text")
        if DECIDE in self.steps:
            with Vertical(id="decide-fields"):
                yield Label("The ombudsman's decision (arrows choose)")
                with ChoiceSet(id="decision", classes="across"):
                    for index, decision in enumerate(DECISIONS):
                        yield Choice(decision.label, value=index == 0, id=decision.value)
                yield Label("Remedy the council must carry out (optional; upheld only)")
                yield LiteralInput(placeholder="e.g. apologise and pay £150", id="remedy")
                yield Label("Remedy due by (with a remedy)")
                yield LiteralInput(placeholder=DATE_PLACEHOLDER, id="remedy-due")

    def on_mount(self) -> None:
        super().on_mount()
        self.show_fields()

    def chosen_step(self) -> str:
        if len(self.steps) == 1:
            return self.steps[0]
        pressed = self.query_one("#step", ChoiceSet).pressed_button
        return (pressed.id or "").removeprefix("step-") if pressed is not None else self.steps[0]

    def show_fields(self) -> None:
        """The decision's fields show only while the decision is what is being recorded."""
        fields = self.query("#decide-fields")
        if fields:
            fields.first().display = self.chosen_step() == DECIDE

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.show_fields()
        super().on_radio_set_changed(event)

    def _date(self, selector: str, name: str) -> tuple[bool, date | None]:
        """(read, the date typed in a box or None if blank); not read after saying why."""
        box = self.query_one(selector, Input)
        typed = box.value.strip()
        if not typed:
            return True, None
        try:
            return True, parse_date(typed, self.tz)
        except InvalidInput as refusal:
            self.problem(f"{name}: {refusal}")
            box.focus()
            return False, None

    def effect(self) -> str | None:
        if self.steps != [OPEN] or not self.is_mounted:
            return None
        typed = self.query_one("#respond-by", Input).value.strip()
        if typed:
            return None
        return f"Without a date the council must answer by {self.default_respond_by(self.now):%a %d/%m/%Y}"

    def result(self) -> OmbudsmanStep | None:
        step = self.chosen_step()
        if step == OPEN:
            box = self.query_one("#omb-ref", Input)
            reference = box.value.strip()
            if not reference:
                self.problem("Give the ombudsman's reference for the enquiry")
                box.focus()
                return None
            read, respond_by = self._date("#respond-by", "Answer by")
            if not read:
                return None
            return OmbudsmanStep(OPEN, reference=reference, respond_by=respond_by)
        if step == DECIDE:
            pressed = self.query_one("#decision", ChoiceSet).pressed_button
            if pressed is None or pressed.id is None:
                self.problem("Choose the ombudsman's decision")
                return None
            remedy = self.query_one("#remedy", Input).value.strip() or None
            read, due = self._date("#remedy-due", "Remedy due")
            if not read:
                return None
            if (remedy is None) != (due is None):
                self.problem("A remedy needs both what it is and when it is due")
                self.query_one("#remedy" if remedy is None else "#remedy-due", Input).focus()
                return None
            return OmbudsmanStep(DECIDE, decision=OmbudsmanDecision(pressed.id), remedy=remedy, remedy_due=due)
        return OmbudsmanStep(step)
