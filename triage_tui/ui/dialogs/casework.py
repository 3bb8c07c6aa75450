"""Casework: allocate, acknowledge, send to the service, record the response, add a note."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from triage_tui.domain.codes import Outcome, Role, Team
from triage_tui.domain.queue import OfficerLoad
from triage_tui.domain.views import CaseView
from triage_tui.ui.dialogs.base import ActionDialog, Choice, ChoiceSet, MarkedOptionList, TextDialog
from triage_tui.ui.dialogs.triage import SERVICES
from triage_tui.ui.text import fit, line
from triage_tui.ui.widgets.literal_input import LiteralInput


class AllocateDialog(ActionDialog[str]):
    """Pick the complaint officer, seeing each one's open cases and breaches."""

    heading = "Allocate to a complaint officer"
    confirm = "Allocate"
    asks_when = True

    def __init__(self, case: CaseView, loads: list[OfficerLoad]) -> None:
        super().__init__(case)
        # Complaint and recovery officers first, then triage officers, supervisors last; the least loaded first.
        self.loads = sorted(
            loads,
            key=lambda x: (
                x.officer.role is Role.SUPERVISOR,
                x.officer.team is Team.TRIAGE,
                x.breached,
                x.open,
                x.officer.username,
            ),
        )

    # The counts' columns: heading and width (the heading's own width, so each reads in full).
    COUNTS = (("Open", 4), ("Due soon", 8), ("Overdue", 7), ("Breached", 8))

    def body(self) -> ComposeResult:
        options = []
        for load in self.loads:
            o = load.officer
            numbers = (load.open, load.due_soon, load.overdue, load.breached)
            counts = " ".join(f"{n:>{width}}" for n, (_, width) in zip(numbers, self.COUNTS, strict=True))
            row = f"{fit(o.username, 10)} {fit(o.name, 18)} {fit(o.team.value, 10)} {counts}"
            options.append(Option(line(row), id=o.username))
        heads = " ".join(f"{name:>{width}}" for name, width in self.COUNTS)
        yield Label("Arrows choose, enter allocates. Counts are each officer's open cases.", classes="hint")
        yield Label(line(f"{fit('Officer', 10)} {fit('Name', 18)} {fit('Team', 10)} {heads}"), classes="option-head")
        yield MarkedOptionList(*options, id="officers")

    def on_mount(self) -> None:
        officers = self.query_one(OptionList)
        if self.loads:
            officers.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> str | None:
        officers = self.query_one(OptionList)
        if officers.highlighted is None:
            self.problem("Choose an officer")
            return None
        return self.loads[officers.highlighted].officer.username


@dataclass(frozen=True)
class Acknowledgement:
    channel: str
    note: str | None


class AcknowledgeDialog(ActionDialog[Acknowledgement]):
    heading = "Acknowledge to the customer"
    confirm = "Acknowledge"
    asks_when = True

    def __init__(self, case: CaseView, due: str) -> None:
        super().__init__(case)
        self.due = due

    CHANNELS = (("Email", "email"), ("Phone", "phone"), ("Letter", "letter"), ("In person", "in_person"))

    def body(self) -> ComposeResult:
        yield Label(line("Acknowledgement due ", self.due), id="due")
        yield Label("How was the customer told? (arrows choose)")
        preferred = "email" if self.case is not None and self.case.customer_email else "letter"
        with ChoiceSet(id="channel", classes="across"):
            for label, value in self.CHANNELS:
                yield Choice(label, value=value == preferred, id=value)
        yield Label("Note (optional)")
        yield LiteralInput(placeholder="e.g. Spoke to Mrs Smith, agreed a call on Friday", id="note")

    def result(self) -> Acknowledgement | None:
        pressed = self.query_one("#channel", ChoiceSet).pressed_button
        if pressed is None or pressed.id is None:
            self.problem("Choose how the customer was told")
            return None
        note = self.query_one("#note", Input).value.strip() or None
        return Acknowledgement(pressed.id, note)


class SendDialog(TextDialog):
    heading = "Send to the service"
    confirm = "Send"
    asks_when = True
    prompt = "Service that must investigate and reply"
    placeholder = "Start typing: Adult Social Care, Highways..."
    missing = "Name the service"
    suggestions = SERVICES


@dataclass(frozen=True)
class Response:
    outcome: Outcome | None


class RespondDialog(ActionDialog[Response]):
    heading = "Record that the response was sent"
    confirm = "Response sent"
    asks_when = True
    CHOICES = (
        ("Upheld", Outcome.UPHELD),
        ("Partly upheld", Outcome.PARTLY_UPHELD),
        ("Not upheld", Outcome.NOT_UPHELD),
        ("Not recorded", None),
    )

    def body(self) -> ComposeResult:
        yield Label("Outcome (arrows choose, enter saves)")
        yield MarkedOptionList(*(Option(label, id=label) for label, _ in self.CHOICES), id="outcome")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> Response | None:
        index = self.query_one(OptionList).highlighted
        if index is None:
            self.problem("Choose an outcome")
            return None
        return Response(self.CHOICES[index][1])


class NoteDialog(TextDialog):
    heading = "Add a note"
    confirm = "Add note"
    placeholder = "What happened, what was agreed"
    missing = "Write the note first"


class ReopenDialog(ActionDialog[bool]):
    """A supervisor takes a responded or closed case back to the status it left: why, and when."""

    heading = "Reopen the case"
    confirm = "Reopen"
    asks_reason = True
    asks_when = True
    reason_label = "Why is it reopened? (required)"
    reason_missing = "Say why the case is reopened: the reason goes into the history"

    def body(self) -> ComposeResult:
        status = self.case.status.label.lower() if self.case is not None else "done"
        yield Label(
            line(f"The case is {status}; reopening takes it back to the status it left, with its deadlines."),
            classes="hint",
        )

    def result(self) -> bool:
        return True
