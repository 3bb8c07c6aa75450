"""How the commands write for people and programs: one literal line per message, UK local times, JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from triage_tui.domain.text import json_text, visible_line

LOCAL = ZoneInfo("Europe/London")


# An error line echoes what was typed or stored; a megabyte of it helps nobody and floods the terminal.
ERROR_LINE_LIMIT = 1_000


def one_line(text: str) -> str:
    """A message as one line a terminal shows literally: control characters as placeholders, cut short."""
    line = " ".join(visible_line(text).split())
    return line if len(line) <= ERROR_LINE_LIMIT else line[:ERROR_LINE_LIMIT] + "…"


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_bytes(text: str, limit: int = 60) -> str:
    """The argument as the bytes it was, undecodable ones escaped (\\xff), cut short if long."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from undecodable bytes
        raw = text.encode("utf-8", "surrogatepass")
    escaped = raw.decode("utf-8", "backslashreplace")
    shown = escaped if len(escaped) <= limit else escaped[:limit] + "…"
    return f"'{visible_line(shown)}'"


def local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M") if moment is not None else "-"


def emit_json(data: Any) -> None:
    click.echo(json_text(data))
