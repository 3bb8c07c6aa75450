"""The frame every action dialog shares: a title naming the case, escape to cancel, the result by dismiss().

A dialog that saves (`save` set by whoever opened it) stays open while the service works: a refusal comes back
to `refused(message)`, shown inside the dialog with everything typed kept, so the officer corrects and saves
again; only `saved(...)` closes it.

Every dialog keeps the same habits, because officers learn them once:
- focus starts on the first thing to fill, and Tab goes down the fields in the order they are shown;
- enter saves from any field (a text box, a set of choices, a closed drop-down), except where enter already
  means "this one, save" (a list of options);
- what a field shows is what is saved: a completion shown in grey is taken when the officer saves from that box;
- a choice is marked by a sign (◉/○, ▸), not only by colour;
- the title and the case stay at the top and the result line, any problem and the buttons at the bottom; only
  the fields between them scroll, so Save and Cancel are on screen however small the terminal;
- a lifecycle step asks "When" last (blank: now), typed as every time in the desk is; a correction asks why,
  and both go to the opener beside the answer (`asked`), so each dialog's own answer stays what it was.

The case line, prompts and problems are given to their widgets as literal content (text.line): they quote
customers' and officers' words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Select, Static, TextArea
from textual.widgets._select import SelectCurrent, SelectOverlay

from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.text import has_control, limit_of, visible
from triage_tui.domain.timeparse import LONDON, parse_time
from triage_tui.domain.views import CaseView
from triage_tui.ui.text import line
from triage_tui.ui.widgets.literal_input import LiteralInput

T = TypeVar("T")

MARK = "▸ "  # the highlighted option of a list, drawn in its gutter
UNMARKED = "  "


# The "When" box of a lifecycle step: what it says while blank, and the times it reads (domain/timeparse.py).
WHEN_PLACEHOLDER = "now (or 14/01/2022 09:30, 2022-01-14T09:30)"


@dataclass(frozen=True)
class Asked:
    """What a dialog asks besides its own answer: when the step happened (None: now) and why (a correction)."""

    at: datetime | None = None
    reason: str | None = None


class LiteralTextArea(TextArea):
    """A text box over several lines whose text never holds a control character (as LiteralInput): a paste
    from an email or a terminal has them replaced by the placeholders the desk shows everywhere."""

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if has_control(self.text):
            self.text = visible(self.text)
            self.move_cursor(self.document.end)


class Suggestions(SuggestFromList):
    """Completions from a fixed list, which the dialog can also work out itself, at once: the text box draws
    them a moment after each key, and a save must take the same completion the box shows."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = tuple(choices)
        super().__init__(self.choices, case_sensitive=False)

    def complete(self, value: str) -> str | None:
        # As the text box asks: nothing for an empty box, the first choice that starts with what is typed.
        if not value:
            return None
        typed = value.casefold()
        return next((choice for choice in self.choices if choice.casefold().startswith(typed)), None)


class Choice(RadioButton):
    """A radio button whose state is drawn as a sign, not only as a colour."""

    ON = "◉"
    OFF = "○"

    @property
    def _button(self) -> Content:
        return Content.assemble((self.ON if self.value else self.OFF, self.get_visual_style("toggle--button")))


class ChoiceSet(RadioSet, inherit_bindings=False):
    """A set of choices where the arrows choose (the pressed choice is always the one under the cursor) and enter
    is left to the dialog, which saves.

    A plain RadioSet moves a cursor with the arrows and presses with enter or space: the officer then sees two
    marks, and enter chooses rather than saves. Space still presses, for those who expect it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "move(1)", "Next choice", show=False),
        Binding("up,left", "move(-1)", "Previous choice", show=False),
        Binding("space", "toggle_button", "Choose", show=False),
    ]

    def on_mount(self) -> None:
        # RadioSet puts its cursor on the first button once mounted (after this handler); it belongs on the one
        # already chosen.
        self.call_after_refresh(self.follow_pressed)

    def follow_pressed(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index

    def action_move(self, step: int) -> None:
        self.follow_pressed()
        if step > 0:
            self.action_next_button()
        else:
            self.action_previous_button()
        if self._selected is not None:
            button = self._nodes[self._selected]
            if isinstance(button, RadioButton) and not button.value:
                button.value = True


def _gutter(self: OptionList) -> int:
    return len(MARK)


def _marked_line(self: OptionList, y: int) -> Strip:
    """The option list's line with the mark, or a blank, in the gutter before it."""
    strip = OptionList.render_line(self, y)
    try:
        index, offset = self._lines[self.scroll_offset.y + y]
    except IndexError:
        return strip  # below the last option: a blank line already as wide as the list
    mark = MARK if index == self.highlighted and offset == 0 else UNMARKED
    if index == self.highlighted:
        style = self.get_visual_style("option-list--option", "option-list--option-highlighted")
    else:
        style = self.get_visual_style("option-list--option")
    return Strip([Segment(mark, style.rich_style), *strip], strip.cell_length + len(mark))


class MarkedOptionList(OptionList):
    """An option list that draws a mark beside the highlighted option, so the choice shows without colour."""

    _get_left_gutter_width = _gutter
    render_line = _marked_line


class MarkedOverlay(SelectOverlay):
    """A drop-down's open list, marked like the dialogs' other lists. (Textual names a widget's CSS types after
    its first base only, and Select finds its list by type: so this derives from SelectOverlay alone.)"""

    _get_left_gutter_width = _gutter
    render_line = _marked_line


class FormSelect(Select[Any], inherit_bindings=False):
    """A drop-down where enter on the closed box saves the dialog; down, up or space open the list."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("down,space,up", "show_overlay", "Show the choices", show=False)]

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield MarkedOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)


class Frame(VerticalScroll, inherit_bindings=False):
    """The dialog's frame scrolls when its fields do not fit, following the focus; it takes none of the keys a
    scrolling container would (up and down belong to the fields and the dialog)."""


class ActionDialog(ModalScreen[T | None], Generic[T]):
    """A modal form. Subclasses compose `body()`, return their result from `result()`, may name the field that
    takes the focus first (`first`, a selector; otherwise the first field) and may say what saving will do
    (`effect()`)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        # Reached from any field that does not use enter itself: a set of choices, a closed drop-down.
        Binding("enter", "submit", "Save", show=False, id="dialog.submit"),
    ]
    heading: str = ""
    confirm: str = "Save"
    first: str | None = None
    # A lifecycle step asks when it happened (blank: now); `when_label` names the box.
    asks_when: bool = False
    when_label: str = "When did it happen? (blank: now)"
    when_name: str = "When"  # how a refusal of the typed time names the box
    # A correction asks why (required); `reason_label` names the box, `reason_missing` says it is empty.
    asks_reason: bool = False
    reason_label: str = "Reason (required: it goes into the history)"
    reason_missing: str = "Say why: the reason goes into the case's history"

    def __init__(self, case: CaseView | None = None) -> None:
        super().__init__()
        self.case = case
        # Set by the opener: saves the answer (off the UI thread) and calls back saved() or refused().
        self.save: Callable[[T], None] | None = None
        self.saving = False
        # The time zone a typed "When" is read in (the opener sets the session's).
        self.tz = LONDON
        # When and why, read on the last save (the opener passes them to the service beside the answer).
        self.asked = Asked()

    def compose(self) -> ComposeResult:
        # The whole frame scrolls; its head and foot are docked, so only the fields between them move.
        with Frame(id="dialog"):
            with Vertical(id="dialog-head"):
                yield Label(line(self.heading), id="dialog-title")
                if self.case is not None:
                    case = self.case
                    yield Static(line(case.reference, " · ", case.customer_name, " · ", case.summary), id="dialog-case")
            with Vertical(id="dialog-body"):
                yield from self.body()
                yield from self.asked_fields()
            with Vertical(id="dialog-foot"):
                yield Static("", id="dialog-effect")
                yield Label("", id="dialog-error")
                with Horizontal(id="dialog-buttons"):
                    yield Button(self.confirm, variant="primary", id="confirm")
                    yield Button("Cancel", id="cancel")

    def body(self) -> ComposeResult:
        yield from ()

    def asked_fields(self) -> ComposeResult:
        """The reason (for a correction) and the "When" of a lifecycle step, after the dialog's own fields."""
        if self.asks_reason:
            yield Label(self.reason_label)
            yield LiteralInput(placeholder="Why, in a sentence", id="reason")
        if self.asks_when:
            yield from self.when_field()

    def when_field(self) -> ComposeResult:
        yield Label(self.when_label)
        yield LiteralInput(placeholder=WHEN_PLACEHOLDER, id="when")

    def read_asked(self) -> Asked | None:
        """The reason and the time typed, or None (after saying what is wrong, in the box that is) if either
        is missing or unreadable."""
        reason: str | None = None
        at: datetime | None = None
        if self.asks_reason:
            box = self.query_one("#reason", Input)
            reason = box.value.strip()
            problem = None
            if not reason:
                problem = self.reason_missing
            elif len(reason) > limit_of("reason"):
                problem = f"Keep the reason to {limit_of('reason')} characters (it has {len(reason)})"
            if problem is not None:
                self.problem(problem)
                box.focus()
                return None
        if self.asks_when:
            box = self.query_one("#when", Input)
            typed = box.value.strip()
            if typed:
                try:
                    at = parse_time(typed, self.tz)
                except InvalidInput as refusal:
                    self.problem(f"{self.when_name}: {refusal}")
                    box.focus()
                    return None
        return Asked(at, reason)

    def on_mount(self) -> None:
        error = self.query("#dialog-error")
        if not error:
            return  # closed before it finished mounting (escape at once after the key that opened it)
        error.first().display = False
        self.focus_first()
        self.show_effect()

    def focus_first(self) -> None:
        body = self.query_one("#dialog-body")
        if self.first is not None:
            self.query_one(self.first).focus()
            return
        for widget in self.focus_chain:
            if body in widget.ancestors:
                widget.focus()
                return

    def result(self) -> T | None:
        """The dialog's answer, or None (after calling `self.problem(...)`) while it is incomplete.

        Every dialog overrides this; the frame alone has nothing to answer."""
        return None

    def effect(self) -> str | None:
        """What saving will do, shown above the buttons and kept current as the officer fills the form (for
        the actions that end a case). None: the dialog says nothing more than its title."""
        return None

    def show_effect(self) -> None:
        said = self.effect()
        effect = self.query_one("#dialog-effect", Static)
        effect.update(line(said or ""))
        effect.display = bool(said)

    def shown(self, field: Input) -> str:
        """What a text box shows: what is typed, completed by the suggestion drawn after it while it has the
        focus. The box then holds exactly that, so a refusal leaves it as it was seen."""
        suggester = field.suggester
        if field.has_focus and isinstance(suggester, Suggestions):
            completed = suggester.complete(field.value)
            if completed is not None:
                return completed
        return field.value

    def take_shown(self, field: Input) -> str:
        value = self.shown(field)
        if value != field.value:
            field.value = value
            field.cursor_position = len(value)
        return value.strip()

    def problem(self, message: str) -> None:
        error = self.query_one("#dialog-error", Label)
        error.update(line(message))
        error.display = bool(message)

    def submit(self) -> None:
        if self.saving:
            return  # one save at a time: a second enter while the first is on its way does nothing
        value = self.result()
        if value is None:
            return
        asked = self.read_asked()
        if asked is None:
            return
        self.asked = asked
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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_effect()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.show_effect()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_effect()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A completion shows only in the box that has the focus, so what saving would take changes with it.
        self.show_effect()
        # Textual scrolls a focused widget into view only when none of it shows; a field half under the buttons
        # must come fully into view too (once the result line above the buttons has taken its new height).
        self.call_after_refresh(event.widget.scroll_visible, animate=False)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.show_effect()

    def action_submit(self) -> None:
        self.submit()

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
        suggester = Suggestions(self.suggestions) if self.suggestions else None
        yield LiteralInput(value=self.value, placeholder=self.placeholder, suggester=suggester, id="text")
        if self.suggestions:
            yield Label("A suggestion in grey is taken when you save; keep typing to change it.", classes="hint")

    def result(self) -> str | None:
        text = self.take_shown(self.query_one("#text", Input))
        if not text and self.missing is not None:
            self.problem(self.missing)
            return None
        return text
