"""The keys of the screen, on one or two lines at the bottom.

Textual's Footer builds a widget per key and rebuilds them all whenever the screen changes, which cost about
70 ms each time a dialog closed: most of the time between an officer's key press and the repainted row. This
bar is text, drawn from the screen's active bindings (so remapped keys show as remapped) when focus moves or
the screen comes back.

`?` (help, which lists every key) and `q` (quit) come first, so they are in view at any width. The screen's own
keys follow, then the keys that switch screens; what does not fit on two lines is shortened to its short word
(see SHORT), and what still does not fit is left to the help and the palette, which the bar ends by pointing at.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from triage_tui.ui.text import one_line

# The actions that lead the bar, whatever screen it is on.
FIRST = ("help", "quit")
# Shorter words for long descriptions, used when the full ones do not fit.
SHORT = {
    "Acknowledge": "Ack",
    "Take next": "Next",
    "Split view": "Split",
    "My cases": "Mine",
    "Send to service": "Send",
    "Leave the form": "Leave",
    "Export CSV": "Export",
    "Add note": "Note",
    "Reassign": "Move",
    "Release claim": "Release",
    "Panel sat": "Panel",
}
MAX_LINES = 2
SEPARATOR = "  "
TAIL = ("^p", "all keys")

Item = tuple[str, str]  # (key as shown, description)


def arrange(items: list[Item], width: int, lines: int = MAX_LINES) -> list[list[Item]]:
    """The items laid out on at most `lines` lines of `width` cells, in order, each whole: full words if they
    fit, else the short words; items that still do not fit are left out (the tail, pointing at the palette, is
    always the last item kept)."""
    shown: list[Item] = items
    for short in (False, True):
        shown = [(key, SHORT.get(description, description) if short else description) for key, description in items]
        placed = _flow(shown, width, lines)
        if sum(len(row) for row in placed) == len(shown):
            return placed
    # Keep as many as fit from the start, and the tail at the end.
    *body, tail = shown
    while body:
        placed = _flow([*body, tail], width, lines)
        if sum(len(row) for row in placed) == len(body) + 1:
            return placed
        body.pop()
    return _flow([tail], width, lines)


def _width(item: Item) -> int:
    key, description = item
    return cell_len(key) + 1 + cell_len(description)


def _flow(items: list[Item], width: int, lines: int) -> list[list[Item]]:
    rows: list[list[Item]] = [[]]
    used = 0
    for item in items:
        need = _width(item) + (len(SEPARATOR) if rows[-1] else 0)
        if used + need > width and rows[-1]:
            if len(rows) == lines:
                break
            rows.append([])
            used = 0
            need = _width(item)
        if need > width:
            break
        rows[-1].append(item)
        used += need
    return rows


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved)
        # Which keys apply may change with what the screen shows (a case read again after a change elsewhere).
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: object) -> None:
        self.refresh(layout=True)

    def _focus_moved(self) -> None:
        # The keys (and so the number of lines) may change with the focus.
        self.refresh(layout=True)

    def on_resize(self) -> None:
        self.refresh(layout=True)

    def items(self) -> list[Item]:
        """The keys to show, `?` and `q` first, then the screen's own, then the app's, then the palette."""
        first: dict[str, Item] = {}
        rest: list[Item] = []
        seen: set[str] = set()
        # A screen showing one case offers only the keys that apply to it (see CaseScreen.key_applies).
        applies = getattr(self.screen, "key_applies", None) or (lambda action: True)
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            if not applies(binding.action):
                continue  # the key still answers (with the reason it does not apply), it just takes no room
            seen.add(binding.action)
            item = (one_line(self.app.get_key_display(binding)), one_line(binding.description))
            if binding.action in FIRST:
                first[binding.action] = item
            else:
                rest.append(item)
        return [*(first[action] for action in FIRST if action in first), *rest, TAIL]

    def layout_for(self, width: int) -> list[list[Item]]:
        return arrange(self.items(), max(1, width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.layout_for(width))

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, row in enumerate(self.layout_for(self.size.width)):
            if number:
                text.append("\n")
            for index, (key, description) in enumerate(row):
                if index:
                    text.append(SEPARATOR)
                text.append(key, style="bold")
                text.append(f" {description}")
        return text
