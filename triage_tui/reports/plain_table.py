"""A report's tables drawn as text in Python alone, as Rich draws them, for the commands that print one.

A report command's own work can take less time than loading Rich and laying its tables out (about 30 ms of a
`triage report` that takes 0.2 s). Report tables are simple: a title, a header, rows of short cells, perhaps a
rule before the total. For those, drawn in plain ASCII within the console's width, this module draws exactly
what Rich draws (a property test holds the two equal); for anything else (a cell in any other script, a table
too wide for the console, which Rich would fold) it returns None and the caller asks Rich.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

CONSOLE_WIDTH = 200  # the width render.as_table gives Rich's console
_PLAIN = frozenset(chr(c) for c in range(0x20, 0x7F))


class Table:
    """One table as render.as_table builds it for Rich: left-justified title, first column left, the others
    right, a rule before the last row where asked for."""

    def __init__(self, title: str, header: Sequence[str], rows: Sequence[Sequence[str]], rule_before_last: bool):
        self.title = title
        self.header = list(header)
        self.rows = [list(row) for row in rows]
        self.rule_before_last = rule_before_last


def plain(text: str) -> bool:
    """Printable ASCII only (one character, one column, as Rich measures it), with no space at either end (which
    Rich may trim as it justifies)."""
    return _PLAIN.issuperset(text) and text == text.strip(" ")


def draw(tables: Sequence[Table], trailer: str | None = None) -> str | None:
    """The tables one after another, a blank line between, then `trailer` on its own line, as Rich's console
    exports them; None where only Rich can draw them the same."""
    lines: list[str] = []
    for n, table in enumerate(tables):
        drawn = _draw(table)
        if drawn is None:
            return None
        if n:
            lines.append("")
        lines.extend(drawn)
    if trailer is not None:
        if not plain(trailer) or len(trailer) > CONSOLE_WIDTH:
            return None
        lines.append(trailer)
    return "".join(line + "\n" for line in lines)


def _draw(table: Table) -> list[str] | None:
    columns = len(table.header)
    cells = [table.header, *table.rows]
    if not columns or any(len(row) != columns for row in cells) or not plain(table.title):
        return None
    if not all(plain(cell) for row in cells for cell in row):
        return None
    # Each column as wide as its widest cell, with a space either side; borders between and around.
    widths = [max(len(row[i]) for row in cells) + 2 for i in range(columns)]
    borders = columns + 1
    if sum(widths) + borders > CONSOLE_WIDTH or len(table.title) > CONSOLE_WIDTH:
        return None
    # At least as wide as the title (render.py gives Rich that minimum), the extra shared as Rich shares it.
    short = len(table.title) - borders - sum(widths)
    if short > 0:
        widths = [w + extra for w, extra in zip(widths, _shares(short, widths), strict=True)]
    width = sum(widths) + borders

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * w for w in widths) + right

    def row(cells: Sequence[str], side: str) -> str:
        shown = [
            " " + (cell.ljust(w - 2) if i == 0 else cell.rjust(w - 2)) + " "
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return side + side.join(shown) + side

    lines = [table.title.ljust(width)] if table.title else []
    lines.append(rule("┏", "━", "┳", "┓"))
    lines.append(row(table.header, "┃"))
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, cells_of_row in enumerate(table.rows):
        lines.append(row(cells_of_row, "│"))
        if table.rule_before_last and i == len(table.rows) - 2:
            lines.append(rule("├", "─", "┼", "┤"))
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _shares(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared in proportion to `weights`, each share rounded up while any is left (as Rich does)."""
    left, weight_left = total, sum(weights)
    shares = []
    for weight in weights:
        share = ceil(weight * left / weight_left) if weight_left > 0 else left
        shares.append(share)
        weight_left -= weight
        left -= share
    return shares
