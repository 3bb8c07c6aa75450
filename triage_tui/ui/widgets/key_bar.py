"""The keys of the screen, on one line at the bottom.

Textual's Footer builds a widget per key and rebuilds them all whenever the screen changes, which cost about
70 ms each time a dialog closed: most of the time between an officer's key press and the repainted row. This
bar is one line of text, drawn from the screen's active bindings (so remapped keys show as remapped) when
focus moves or the screen comes back.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from triage_tui.ui.text import one_line


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved)

    def _focus_moved(self) -> None:
        self.refresh()

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            if line:
                line.append("  ")
            line.append(one_line(self.app.get_key_display(binding)), style="bold")
            line.append(f" {one_line(binding.description)}")
        line.append("  ^p", style="bold")
        line.append(" palette")
        return line
