"""The customer's words and details: record a new contact (a phone call, a walk-in, a letter) and edit them.

Both forms hold the same fields in the same order, so an officer learns one. Enter saves from a one-line box;
in the address and the details enter starts a new line, and ctrl+s saves from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Label, RadioButton

from triage_tui.domain.codes import Channel
from triage_tui.domain.text import limit_of, visible, visible_line
from triage_tui.domain.views import CaseView
from triage_tui.ui.dialogs.base import ActionDialog, Choice, ChoiceSet, LiteralTextArea
from triage_tui.ui.widgets.literal_input import LiteralInput

# (the service's keyword, the label, required, over several lines)
FIELDS: tuple[tuple[str, str, bool, bool], ...] = (
    ("customer_name", "Customer's name", True, False),
    ("customer_email", "Email", False, False),
    ("customer_phone", "Phone", False, False),
    ("customer_address", "Postal address", False, True),
    ("summary", "Summary (one line: what it is about)", True, False),
    ("details", "Details (what the customer said)", False, True),
)
# What each field is called in a refusal and a notice ("the customer's name is required").
FIELD_NAMES = {
    "customer_name": "customer's name",
    "customer_email": "email",
    "customer_phone": "phone",
    "customer_address": "address",
    "summary": "summary",
    "details": "details",
}
# How a contact arrives at the desk, most common first (email and web contacts come in by themselves).
CHANNELS = (
    (Channel.PHONE, "Phone"),
    (Channel.LETTER, "Letter"),
    (Channel.IN_PERSON, "In person"),
    (Channel.EMAIL, "Email"),
    (Channel.WEB, "Web"),
)
T = TypeVar("T")
SAVE_HINT = "Enter saves; in the address and the details it starts a new line, and ctrl+s saves from there."


class CustomerForm(ActionDialog[T], Generic[T]):
    """The customer's fields, as boxes; `values` fills them (shown literally: control characters as
    placeholders)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ActionDialog.BINDINGS,
        Binding("ctrl+s", "submit", "Save", id="dialog.save"),
    ]

    def __init__(self, case: CaseView | None = None, values: dict[str, str | None] | None = None) -> None:
        super().__init__(case)
        given = values or {}
        # What each box shows at first: the stored text as it is shown, so an untouched box is not a change.
        self.initial = {
            name: (visible if multiline else visible_line)(given.get(name) or "") for name, _, _, multiline in FIELDS
        }

    def customer_fields(self) -> ComposeResult:
        for name, label, required, multiline in FIELDS:
            yield Label(label if required else f"{label} (optional)")
            value = self.initial[name]
            if multiline:
                area = LiteralTextArea(value, id=name, soft_wrap=True, show_line_numbers=False)
                area.add_class("multiline")
                yield area
            else:
                yield LiteralInput(value=value, id=name)

    def typed(self) -> dict[str, str] | None:
        """Every field as typed (trimmed), or None after saying which is missing or too long."""
        values: dict[str, str] = {}
        for name, _label, required, multiline in FIELDS:
            widget = self.query_one(f"#{name}")
            raw = widget.text if isinstance(widget, LiteralTextArea) else widget.value  # type: ignore[attr-defined]
            value = raw.strip() if multiline else visible_line(raw).strip()
            problem = None
            if required and not value:
                problem = f"The {FIELD_NAMES[name]} is required"
            elif len(value) > limit_of(name):
                problem = f"Keep the {FIELD_NAMES[name]} to {limit_of(name):,} characters (it has {len(value):,})"
            if problem is not None:
                self.problem(problem)
                widget.focus()
                return None
            values[name] = value
        return values


@dataclass(frozen=True)
class NewContact:
    channel: str
    customer_name: str
    customer_email: str | None
    customer_phone: str | None
    customer_address: str | None
    summary: str
    details: str | None


class RecordContactDialog(CustomerForm[NewContact]):
    """A contact that came by phone, in person or by letter: how and when it came, who, and what about."""

    heading = "Record a new contact"
    confirm = "Record contact"
    asks_when = True
    when_label = "Received (blank: now)"
    when_name = "Received"

    def body(self) -> ComposeResult:
        yield Label("How did it come? (arrows choose)")
        with ChoiceSet(id="channel", classes="across"):
            for i, (channel, label) in enumerate(CHANNELS):
                yield Choice(label, value=i == 0, id=channel.value)
        yield from self.when_field()
        yield from self.customer_fields()
        yield Label(SAVE_HINT, classes="hint")

    def asked_fields(self) -> ComposeResult:
        yield from ()  # "Received" is asked near the top, beside the channel

    def result(self) -> NewContact | None:
        pressed = self.query_one("#channel", ChoiceSet).pressed_button
        if not isinstance(pressed, RadioButton) or pressed.id is None:
            self.problem("Choose how the contact came")
            return None
        values = self.typed()
        if values is None:
            return None
        return NewContact(
            channel=pressed.id,
            customer_name=values["customer_name"],
            customer_email=values["customer_email"] or None,
            customer_phone=values["customer_phone"] or None,
            customer_address=values["customer_address"] or None,
            summary=values["summary"],
            details=values["details"] or None,
        )


class EditDialog(CustomerForm[dict[str, str]]):
    """Correct the customer's details or the case's words: every field filled as stored, only the changed ones
    saved, with a reason that goes into the history beside what changed from what to what."""

    heading = "Edit the customer's details"
    confirm = "Save changes"
    asks_reason = True
    reason_label = "Why are they changed? (required)"
    reason_missing = "Say why they are changed: the reason goes into the history"

    def __init__(self, case: CaseView) -> None:
        super().__init__(
            case,
            {
                "customer_name": case.customer_name,
                "customer_email": case.customer_email,
                "customer_phone": case.customer_phone,
                "customer_address": case.customer_address,
                "summary": case.summary,
                "details": case.details,
            },
        )

    def body(self) -> ComposeResult:
        yield from self.customer_fields()
        yield Label(SAVE_HINT, classes="hint")

    def result(self) -> dict[str, str] | None:
        values = self.typed()
        if values is None:
            return None
        changes = {name: value for name, value in values.items() if value != self.initial[name].strip()}
        if not changes:
            self.problem("Nothing has changed: change a field, or escape to leave it as it is")
            return None
        return changes


def changed_words(changes: dict[str, str]) -> str:
    """The fields an edit changed, in words: "customer's name and phone"."""
    names = [FIELD_NAMES.get(name, name.replace("_", " ")) for name in changes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
