"""The frame every action dialog shares: a title naming the case, escape to cancel, the result by dismiss().

A dialog that saves (`save` set by whoever opened it) stays open while the service works: a refusal comes back
to `refused(message)`, shown inside the dialog with everything typed kept, so the officer corrects and saves
again; only `saved(...)` closes it.

The case line, prompts and problems are given to their widgets as literal content (text.line): they quote
customers' and officers' words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from triage_tui.domain.views import CaseView
from triage_tui.ui.text import line
from triage_tui.ui.widgets.literal_input import LiteralInput

T = TypeVar("T")


class ActionDialog(ModalScreen[T | None], Generic[T]):
    """A modal form. Subclasses compose `body()` and return their result from `result()`."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    heading: str = ""
    confirm: str = "Save"

    def __init__(self, case: CaseView | None = None) -> None:
        super().__init__()
        self.case = case
        # Set by the opener: saves the answer (off the UI thread) and calls back saved() or refused().
        self.save: Callable[[T], None] | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(line(self.heading), id="dialog-title")
            if self.case is not None:
                case = self.case
                yield Static(line(case.reference, " · ", case.customer_name, " · ", case.summary), id="dialog-case")
            yield from self.body()
            yield Label("", id="dialog-error")
            with Horizontal(id="dialog-buttons"):
                yield Button(self.confirm, variant="primary", id="confirm")
                yield Button("Cancel", id="cancel")

    def body(self) -> ComposeResult:
        yield from ()

    def result(self) -> T | None:
        """The dialog's answer, or None (after calling `self.problem(...)`) while it is incomplete.

        Every dialog overrides this; the frame alone has nothing to answer."""
        return None

    def problem(self, message: str) -> None:
        self.query_one("#dialog-error", Label).update(line(message))

    def submit(self) -> None:
        if self.saving:
            return  # one save at a time: a second enter while the first is on its way does nothing
        value = self.result()
        if value is None:
            return
        if self.save is None:
            self.dismiss(value)
            return
        self.saving = True
        self.problem("")
        self.save(value)

    def saved(self, value: Any = None) -> None:
        """The service took the answer: close, handing the opener its result."""
        self.saving = False
        self.dismiss(value)

    def refused(self, message: str) -> None:
        """The service refused: say why inside the dialog and keep it open, as typed."""
        self.saving = False
        self.problem(message)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextDialog(ActionDialog[str]):
    """A dialog that asks for one line of text: enter saves, an empty answer is refused unless allowed."""

    prompt: str = ""  # the line above the input (none if empty)
    placeholder: str = ""
    missing: str | None = "Write something first"  # None: an empty answer is allowed (it means "none")
    suggestions: tuple[str, ...] = ()

    def __init__(self, case: CaseView | None = None, *, value: str = "", prompt: str | None = None) -> None:
        super().__init__(case)
        self.value = value
        if prompt is not None:
            self.prompt = prompt

    def body(self) -> ComposeResult:
        if self.prompt:
            yield Label(line(self.prompt))
        suggester = SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None
        yield LiteralInput(value=self.value, placeholder=self.placeholder, suggester=suggester, id="text")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def result(self) -> str | None:
        text = self.query_one(Input).value.strip()
        if not text and self.missing is not None:
            self.problem(self.missing)
            return None
        return text
