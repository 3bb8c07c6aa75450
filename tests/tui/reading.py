"""Reading what the desk shows: the text of the screen as drawn, and what it would write to a terminal."""

from __future__ import annotations

import io
import re

from rich.console import Console
from textual._compositor import LayoutUpdate
from textual.app import App
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Static
from textual.widgets._toast import Toast

from triage_tui.ui.app import DeskApp

# What the desk itself writes: colours and styles (SGR) and cursor moves; nothing else may reach a terminal.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*[mHABCDGJK]")
# Control characters a terminal acts on: C0 (all of it, a drawn frame has no line breaks of its own), DEL, C1,
# and the bidirectional controls and separators that reorder or break what a reader sees.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def screen_lines(app: App[object]) -> list[str]:
    """The lines of the current screen as drawn (dialogs and notices included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_lines(app))


def _drawn(app: App[object]) -> tuple[list[str], str]:
    """The current screen drawn once, in full: its lines, and what the desk would write to a terminal."""
    compositor = app.screen._compositor
    region = compositor.size.region
    chops = compositor._render_chops(region, lambda y: True)
    lines = [Strip.join(chop.values()).text for chop in chops[: region.height]]
    written = LayoutUpdate([chop.values() for chop in chops], region).render_segments(app.console)
    return lines, written


def terminal_output(app: App[object]) -> str:
    """What the desk would write to a terminal to draw the current screen in full."""
    return _drawn(app)[1]


def assert_terminal_safe(app: App[object]) -> None:
    """Nothing drawn carries a control sequence of its own: only the desk's styles, cursor moves and the line
    breaks between the lines of a full frame remain."""
    lines, output = _drawn(app)
    written = _OWN_SEQUENCES.sub("", output).replace("\n", "")
    found = UNSAFE.search(written)
    if found is not None:
        around = written[max(0, found.start() - 40) : found.end() + 40]
        raise AssertionError(f"control character {found.group()!r} would reach the terminal: {around!r}")
    for line in lines:
        assert UNSAFE.search(line) is None, f"control character drawn: {line!r}"


def widget_text(widget: Static, width: int = 100_000) -> str:
    """Everything a Static or Label holds, as it is drawn but laid out wide enough that a field stays on one line."""
    visual = widget.visual
    if isinstance(visual, Content):
        return visual.plain
    renderable = getattr(visual, "_renderable", visual)  # a Rich renderable, wrapped (textual.visual.RichVisual)
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None, legacy_windows=False)
    console.print(renderable)
    return console.export_text()


def toast_texts(app: App[object]) -> list[str]:
    """The notices on screen, each as its toast draws it (title, then message), before wrapping."""
    return [toast.render().plain for toast in app.screen.query(Toast)]


def assert_healthy(app: DeskApp) -> None:
    """Still running, nothing went wrong on the way (a failed worker is a notice, not an exception)."""
    assert app.is_running and app.return_code is None
    failures = [n for n in app.notices if "went wrong" in n]
    assert not failures, failures
