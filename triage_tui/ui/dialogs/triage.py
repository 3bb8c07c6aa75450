"""Triage decisions: classify, signpost, close."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

from triage_tui.domain.codes import COMPLAINT_TYPES, MANUAL_CLOSE_REASONS, CaseType, CloseReason
from triage_tui.ui.dialogs.base import ActionDialog
from triage_tui.ui.text import line
from triage_tui.ui.widgets.literal_input import LiteralInput

ORGANISATIONS = (
    "NHS Integrated Care Board",
    "NHS hospital trust",
    "GP surgery (practice manager)",
    "Thames Valley Police",
    "The school's governing body",
    "Housing association",
    "Department for Work and Pensions",
    "Local Government and Social Care Ombudsman",
    "Citizens Advice",
    "Bus operator",
    "Utility company",
    "District council",
)
SERVICES = (
    "Adult Social Care",
    "Adult Social Care Finance",
    "Children's Social Care",
    "SEND Service",
    "Home to School Transport",
    "Highways",
    "Waste and Recycling",
    "Revenues and Benefits",
    "Parking Services",
    "Planning",
    "Libraries",
    "Blue Badge Team",
    "Environmental Enforcement",
    "Customer Services",
)
CLOSE_LABELS = {
    CloseReason.WITHDRAWN: "Withdrawn by the customer",
    CloseReason.DUPLICATE: "Duplicate of another case",
    CloseReason.OUT_OF_TIME: "Out of time (over 12 months, no discretion)",
}


class ClassifyDialog(ActionDialog[CaseType]):
    """Choose one of the four complaint types (1-4, or arrows and enter)."""

    heading = "Classify as a complaint"
    confirm = "Classify"
    BINDINGS = [
        *ActionDialog.BINDINGS,
        *(Binding(str(i + 1), f"pick({i})", show=False) for i in range(len(COMPLAINT_TYPES))),
    ]

    def body(self) -> ComposeResult:
        yield OptionList(
            *(Option(line(f"{i + 1}  {kind.label}"), id=kind.value) for i, kind in enumerate(COMPLAINT_TYPES)),
            id="types",
        )
        yield Label("Not a council complaint? Escape, then s to signpost.", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if self.case is not None and self.case.type in COMPLAINT_TYPES:
            options.highlighted = COMPLAINT_TYPES.index(self.case.type)
        else:
            options.highlighted = 0

    def action_pick(self, index: int) -> None:
        self.query_one(OptionList).highlighted = index
        self.submit()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> CaseType | None:
        index = self.query_one(OptionList).highlighted
        if index is None:
            self.problem("Choose a type")
            return None
        return COMPLAINT_TYPES[index]


@dataclass(frozen=True)
class SignpostChoice:
    to: str | None
    service_request: str | None
    note: str | None


class SignpostDialog(ActionDialog[SignpostChoice]):
    """Where a contact that is not a complaint goes. The text box has the focus, so that the usual answer is
    typed at once; up and down choose between the two kinds without leaving it."""

    heading = "Not a council complaint"
    confirm = "Signpost"
    BINDINGS = [
        Binding("up", "kind('org')", "Another organisation", show=False),
        Binding("down", "kind('service')", "Service request", show=False),
    ]

    def body(self) -> ComposeResult:
        with RadioSet(id="kind"):
            yield RadioButton("Signpost to another organisation  ↑", value=True, id="org")
            yield RadioButton("Pass on as a service request  ↓", id="service")
        yield Label("Organisation", id="where-label")
        yield LiteralInput(
            placeholder="Start typing: NHS, police, school...",
            suggester=SuggestFromList(ORGANISATIONS, case_sensitive=False),
            id="where",
        )
        yield Label("Note (optional)")
        yield LiteralInput(placeholder="What the customer was told", id="note")

    def on_mount(self) -> None:
        self.query_one("#where", Input).focus()

    def action_kind(self, which: str) -> None:
        self.query_one(f"#{which}", RadioButton).value = True

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        service = event.pressed.id == "service"
        where = self.query_one("#where", Input)
        self.query_one("#where-label", Label).update("Council service" if service else "Organisation")
        where.placeholder = "Start typing: Highways, Waste..." if service else "Start typing: NHS, police, school..."
        where.suggester = SuggestFromList(SERVICES if service else ORGANISATIONS, case_sensitive=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def result(self) -> SignpostChoice | None:
        where = self.query_one("#where", Input).value.strip()
        if not where:
            self.problem("Say where it goes")
            return None
        note = self.query_one("#note", Input).value.strip() or None
        if self.query_one("#service", RadioButton).value:
            return SignpostChoice(None, where, note)
        return SignpostChoice(where, None, note)


@dataclass(frozen=True)
class CloseChoice:
    reason: CloseReason
    duplicate_of: str | None
    note: str | None


class CloseDialog(ActionDialog[CloseChoice]):
    heading = "Close the case"
    confirm = "Close case"

    def body(self) -> ComposeResult:
        with RadioSet(id="reason"):
            for i, reason in enumerate(MANUAL_CLOSE_REASONS):
                yield RadioButton(CLOSE_LABELS[reason], value=i == 0, id=reason.value)
        yield Label("Original case (for a duplicate)")
        yield LiteralInput(placeholder="e.g. CMP-000123", id="original", disabled=True)
        yield Label("Note (optional)")
        yield LiteralInput(id="note")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        original = self.query_one("#original", Input)
        original.disabled = event.pressed.id != CloseReason.DUPLICATE.value
        if not original.disabled:
            original.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def result(self) -> CloseChoice | None:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            self.problem("Choose a reason")
            return None
        reason = CloseReason(pressed.id)
        original = self.query_one("#original", Input).value.strip() or None
        if reason is CloseReason.DUPLICATE and not original:
            self.problem("A duplicate needs the reference of the original case")
            return None
        note = self.query_one("#note", Input).value.strip() or None
        return CloseChoice(reason, original if reason is CloseReason.DUPLICATE else None, note)
