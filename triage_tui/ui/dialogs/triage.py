"""Triage decisions: classify, signpost, close."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet
from textual.widgets.option_list import Option

from triage_tui.domain.codes import COMPLAINT_TYPES, MANUAL_CLOSE_REASONS, CaseType, CloseReason
from triage_tui.domain.text import limit_of
from triage_tui.domain.views import CaseView
from triage_tui.ui.dialogs.base import ActionDialog, Choice, ChoiceSet, MarkedOptionList, Suggestions
from triage_tui.ui.text import line, one_line
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
# What the result line says after "Saving closes CMP-000123 ...".
CLOSE_EFFECTS = {
    CloseReason.WITHDRAWN: "as withdrawn by the customer",
    CloseReason.OUT_OF_TIME: "as out of time",
}
# A case reference is one word of letters, digits and separators (CMP-000123, or a reference kept from an import).
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*")


def subject(case: object) -> str:
    """The case a result line speaks of: its reference, or "this case"."""
    reference = getattr(case, "reference", None)
    return one_line(reference) if reference else "this case"


class ClassifyDialog(ActionDialog[CaseType]):
    """Choose one of the four complaint types (1-4, or arrows and enter). On a case already classified this is a
    correction: it asks why, and the reason goes into the history with the type it had."""

    heading = "Classify as a complaint"
    confirm = "Classify"
    asks_when = True
    reason_label = "Why is the type being corrected? (required)"
    reason_missing = "Say why the type is being corrected: the reason goes into the history"
    BINDINGS = [
        *ActionDialog.BINDINGS,
        *(Binding(str(i + 1), f"pick({i})", show=False) for i in range(len(COMPLAINT_TYPES))),
    ]

    def __init__(self, case: CaseView | None = None) -> None:
        super().__init__(case)
        self.correcting = case is not None and case.type in COMPLAINT_TYPES
        if self.correcting:
            self.asks_reason = True
            self.heading = "Correct the classification"
            self.confirm = "Correct"

    def body(self) -> ComposeResult:
        if self.correcting and self.case is not None:
            yield Label(line("Classified now as ", (self.case.type.label, "bold"), "; choose the type it should be"))
        yield Label("Type of complaint (1-4, or arrows then enter)", classes="hint")
        yield MarkedOptionList(
            *(Option(line(f"{i + 1}  {kind.label}"), id=kind.value) for i, kind in enumerate(COMPLAINT_TYPES)),
            id="types",
        )
        if not self.correcting:
            yield Label("Not a council complaint? Escape, then s to signpost.", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
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
        kind = COMPLAINT_TYPES[index]
        if self.correcting and self.case is not None and kind is self.case.type:
            self.problem(f"It is classified as {kind.label} already: choose the type it should be")
            return None
        return kind


@dataclass(frozen=True)
class SignpostChoice:
    to: str | None
    service_request: str | None
    note: str | None


class SignpostDialog(ActionDialog[SignpostChoice]):
    """Where a contact that is not a complaint goes. The kind is chosen already (another organisation), so the
    focus starts in the text box, where the usual answer is typed at once; up and down choose between the two
    kinds without leaving it. Shift+Tab reaches the kinds, Tab the note."""

    heading = "Not a council complaint"
    confirm = "Signpost"
    first = "#where"
    asks_when = True
    BINDINGS = [
        *ActionDialog.BINDINGS,
        Binding("up", "kind('org')", "Another organisation", show=False),
        Binding("down", "kind('service')", "Service request", show=False),
    ]

    def body(self) -> ComposeResult:
        with ChoiceSet(id="kind"):
            yield Choice("Signpost to another organisation  ↑", value=True, id="org")
            yield Choice("Pass on as a service request  ↓", id="service")
        yield Label("Organisation", id="where-label")
        yield LiteralInput(
            placeholder="Start typing: NHS, police, school...",
            suggester=Suggestions(ORGANISATIONS),
            id="where",
        )
        yield Label("Note (optional)")
        yield LiteralInput(placeholder="What the customer was told", id="note")

    def action_kind(self, which: str) -> None:
        self.query_one(f"#{which}", RadioButton).value = True

    def is_service(self) -> bool:
        return self.query_one("#service", RadioButton).value

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        service = self.is_service()
        where = self.query_one("#where", Input)
        self.query_one("#where-label", Label).update("Council service" if service else "Organisation")
        where.placeholder = "Start typing: Highways, Waste..." if service else "Start typing: NHS, police, school..."
        where.suggester = Suggestions(SERVICES if service else ORGANISATIONS)
        where.refresh()

    def effect(self) -> str:
        where = self.shown(self.query_one("#where", Input)).strip()
        case = subject(self.case)
        if not where:
            kind = "the council service" if self.is_service() else "the organisation"
            return f"Name {kind}. Saving then closes {case}, and it leaves the queue."
        if self.is_service():
            return f"Saving closes {case}: passed to {where} as a service request. It leaves the queue."
        return f"Saving closes {case}: signposted to {where}. It leaves the queue."

    def result(self) -> SignpostChoice | None:
        field = self.query_one("#where", Input)
        where = self.take_shown(field)
        service = self.is_service()
        if not where:
            self.problem("Name the council service" if service else "Name the organisation")
            return None
        limit = limit_of("service" if service else "signposted_to")
        if len(where) > limit:
            self.problem(f"Keep the name to {limit} characters (it has {len(where)})")
            return None
        note = self.query_one("#note", Input).value.strip() or None
        if service:
            return SignpostChoice(None, where, note)
        return SignpostChoice(where, None, note)


@dataclass(frozen=True)
class CloseChoice:
    reason: CloseReason
    duplicate_of: str | None
    note: str | None


class CloseDialog(ActionDialog[CloseChoice]):
    """Why the case ends. The original's reference is asked for only for a duplicate, just below the reasons, so
    Tab goes from the reasons to it and then to the note; choosing a reason never moves the focus."""

    heading = "Close the case"
    confirm = "Close case"
    asks_when = True

    def body(self) -> ComposeResult:
        yield Label("Reason (arrows choose)")
        with ChoiceSet(id="reason"):
            for i, reason in enumerate(MANUAL_CLOSE_REASONS):
                yield Choice(CLOSE_LABELS[reason], value=i == 0, id=reason.value)
        yield Label("Original case (the one this duplicates)", id="original-label")
        yield LiteralInput(placeholder="e.g. CMP-000123", id="original")
        yield Label("Note (optional)")
        yield LiteralInput(id="note")

    def on_mount(self) -> None:
        self.show_original()

    def reason(self) -> CloseReason | None:
        pressed = self.query_one(ChoiceSet).pressed_button
        return CloseReason(pressed.id) if pressed is not None and pressed.id is not None else None

    def show_original(self) -> None:
        duplicate = self.reason() is CloseReason.DUPLICATE
        for widget in (self.query_one("#original-label"), self.query_one("#original")):
            widget.display = duplicate

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.show_original()

    def effect(self) -> str:
        reason = self.reason()
        case = subject(self.case)
        if reason is None:
            return f"Choose a reason. Saving then closes {case}, and it leaves the open lists."
        if reason is CloseReason.DUPLICATE:
            original = self.query_one("#original", Input).value.strip()
            if not original:
                return f"Type the original's reference. Saving then closes {case} as its duplicate."
            return f"Saving closes {case} as a duplicate of {original}. It leaves the open lists."
        return f"Saving closes {case} {CLOSE_EFFECTS[reason]}. It leaves the open lists."

    def result(self) -> CloseChoice | None:
        reason = self.reason()
        if reason is None:
            self.problem("Choose a reason")
            return None
        note = self.query_one("#note", Input).value.strip() or None
        if reason is not CloseReason.DUPLICATE:
            return CloseChoice(reason, None, note)
        original = self.query_one("#original", Input).value.strip()
        problem = self.reference_problem(original)
        if problem is not None:
            self.problem(problem)
            self.query_one("#original", Input).focus()
            return None
        return CloseChoice(reason, original, note)

    def reference_problem(self, original: str) -> str | None:
        if not original:
            return "A duplicate needs the reference of the original case"
        if len(original) > limit_of("reference") or REFERENCE.fullmatch(original) is None:
            return "A reference is one word of letters, digits and dashes, like CMP-000123"
        if self.case is not None and original.casefold() == self.case.reference.casefold():
            return "A case cannot be a duplicate of itself: give the original's reference"
        return None
