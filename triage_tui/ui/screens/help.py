"""Help (?): the keys of the screen it was opened from, as currently mapped, and how countdowns read."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from triage_tui.ui.text import rich_line

COUNTDOWNS = (
    ("23h 59m", "time left to the target (the 24-hour triage target while new)", "green"),
    ("due 2h 10m", "inside the warning window: 4 hours for triage, the last working day otherwise", "yellow"),
    ("overdue 1h 02m", "past the target, by this much", "bold dark_orange"),
    ("breached 3h 10m", "past the limit (48 hours for triage), by this much", "bold red"),
    ("4d 03h", "spans of 100 hours or more, in days and hours", ""),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss_help", "Close", id="help.close"),
        Binding("question_mark", "dismiss_help", "Close", show=False),
        Binding("q", "dismiss_help", "Close", show=False),
    ]

    def __init__(self, title: str, keys: list[tuple[str, str]], notes: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys
        self.notes = notes

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, description in self.keys:  # keys as the officer remapped them: shown literally
            table.add_row(rich_line(key), rich_line(description))
        countdowns = Table.grid(padding=(0, 2))
        countdowns.add_column(no_wrap=True)
        countdowns.add_column()
        for text, meaning, style in COUNTDOWNS:
            countdowns.add_row(Text(text, style=style), Text(meaning))
        with VerticalScroll(id="help"):
            yield Static(rich_line(f"Keys: {self.title_text}", style="bold"))
            yield Static(table)
            if self.notes:
                yield Static(Text("\n" + self.notes))
            yield Static(Text("\nCountdowns", style="bold"))
            yield Static(countdowns)
            yield Static(
                Text(
                    "\nDeadlines skip weekends and the bank holidays of England and Wales. Keys can be remapped "
                    'in ~/.config/triage/config.toml, e.g. [keys] classify = "k". ctrl+p lists every action '
                    "of this screen. Escape, ? or q close this help; the arrow keys scroll it.",
                    style="dim",
                )
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
