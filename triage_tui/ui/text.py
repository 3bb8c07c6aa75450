"""The one place where stored or typed text becomes screen content.

Customer names, summaries, notes, officer names, cohorts, and the error messages that echo them come from
people, and some of those people are hostile. Textual parses a plain string given to a widget as markup: `[/]`
stops the desk with a MarkupError, `[bold red]` restyles it and `[@click=app.quit]` acts when clicked. Rich
and Textual also pass escape sequences through to the terminal, which then clears the screen, retitles
itself or answers with keys the desk would read as the officer's. So every widget gets Content or Rich Text
built here, from the text with its control characters replaced by visible placeholders, never a string.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.content import Content

from triage_tui.domain.text import visible, visible_line

# A notice is a glance, not a document: beyond this many characters it ends with an ellipsis.
NOTICE_LIMIT = 1_000
# One line of a dialog or a heading: a recognisable start, not a megabyte laid out on one line.
LINE_LIMIT = 2_000

Part = str | tuple[str, str]


def one_line(text: object, limit: int = LINE_LIMIT) -> str:
    """The text as it may appear on one line: control characters and line breaks as placeholders."""
    shown = visible_line("" if text is None else str(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def block(text: object) -> str:
    """The text as it may appear over several lines: line breaks and tabs kept, other controls shown."""
    return visible("" if text is None else str(text))


def fit(text: object, width: int) -> str:
    """One line exactly `width` cells wide: clipped with an ellipsis, or padded. Measured in cells, so wide
    and combining characters keep the columns of a table aligned."""
    shown = one_line(text, limit=max(width * 4, 16))
    if cell_len(shown) <= width:
        return set_cell_size(shown, width)
    return set_cell_size(shown, width - 1) + "…"


def line(*parts: Part) -> Content:
    """Literal one-line content from pieces of text, each optionally with a style: ("name", "bold")."""
    return Content.assemble(*((one_line(p[0]), p[1]) if isinstance(p, tuple) else one_line(p) for p in parts))


def lines(text: object, style: str = "") -> Content:
    """Literal content over several lines."""
    content = Content(block(text))
    return content.stylize(style) if style else content


def rich_line(text: object, style: str = "") -> Text:
    """Literal Rich Text for one line (a cell of a Rich table)."""
    return Text(one_line(text), style=style)


def rich_lines(text: object, style: str = "") -> Text:
    """Literal Rich Text over several lines."""
    return Text(block(text), style=style)


def rich_assemble(*parts: Part) -> Text:
    """Literal Rich Text from pieces of text, each optionally with a style."""
    return Text.assemble(*((one_line(p[0]), p[1]) if isinstance(p, tuple) else one_line(p) for p in parts))


def notice(message: object) -> str:
    """A notification's text: literal (shown with markup off), controls visible, clipped."""
    shown = block(message)
    return shown if len(shown) <= NOTICE_LIMIT else shown[: NOTICE_LIMIT - 1] + "…"
