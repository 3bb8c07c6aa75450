"""A text box whose value never holds a control character.

Textual's Input writes its value to the terminal as it is, and a paste can carry escape sequences (a summary
copied from an email, a line from a terminal). Here every value, typed, pasted or set, has its control
characters replaced by the visible placeholders the rest of the desk shows, so what the officer sees in the
box is exactly what is saved.
"""

from __future__ import annotations

from textual.widgets import Input

from triage_tui.domain.text import visible_line


class LiteralInput(Input):
    def validate_value(self, value: str) -> str:
        # Textual calls validate_<reactive> on every assignment to `value`.
        return visible_line(value)
