"""plain_table draws a report's tables exactly as Rich draws them, or leaves them to Rich: every report command
prints the same text whichever drew it."""

from __future__ import annotations

import io
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from triage_tui.reports import plain_table
from triage_tui.reports.plain_table import CONSOLE_WIDTH, Table, draw


def drawn_by_rich(tables: list[Table], trailer: str | None) -> str:
    """As reports/render.py has Rich draw them."""
    console = Console(
        width=CONSOLE_WIDTH, record=True, file=io.StringIO(), color_system=None, emoji=False, highlight=False
    )
    for n, table in enumerate(tables):
        if n:
            console.print()
        shown = RichTable(title=Text(table.title), title_justify="left", show_lines=False, min_width=len(table.title))
        for i, name in enumerate(table.header):
            shown.add_column(Text(name), justify="left" if i == 0 else "right", no_wrap=i == 0)
        for i, row in enumerate(table.rows):
            last = i == len(table.rows) - 1
            end = table.rule_before_last and i == len(table.rows) - 2
            shown.add_row(*(Text(cell) for cell in row), style="bold" if last else None, end_section=end)
        console.print(shown)
    if trailer is not None:
        console.print(Text(trailer))
    return console.export_text()


# Mostly what reports hold (words, figures, percentages), with the edges: spaces at the ends and doubled,
# titles about as wide as the console, other scripts, control characters.
cell = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " %()-.,:/'", max_size=30),
    st.text(max_size=8),
)
title = st.one_of(st.text(alphabet=string.ascii_letters + " -:", max_size=210), st.text(max_size=10))


@st.composite
def tables(draw_: st.DrawFn) -> list[Table]:
    columns = draw_(st.integers(min_value=1, max_value=10))
    made = []
    for _ in range(draw_(st.integers(min_value=1, max_value=3))):
        header = draw_(st.lists(cell, min_size=columns, max_size=columns))
        rows = draw_(st.lists(st.lists(cell, min_size=columns, max_size=columns), max_size=6))
        made.append(Table(draw_(title), header, rows, draw_(st.booleans())))
    return made


@settings(max_examples=300, deadline=None)
@given(tables(), st.one_of(st.none(), st.text(alphabet=string.printable, max_size=90)))
def test_drawn_as_rich_draws_them_or_left_to_rich(shown: list[Table], trailer: str | None) -> None:
    mine = draw(shown, trailer)
    if mine is not None:
        assert mine == drawn_by_rich(shown, trailer)


words = st.text(alphabet=string.ascii_letters + string.digits + " %()-.,:/'", max_size=24).map(str.strip)


@st.composite
def report_like(draw_: st.DrawFn) -> list[Table]:
    """What the reports print: plain words and figures, a few columns, titles often wider than the table."""
    columns = draw_(st.integers(min_value=1, max_value=6))
    made = []
    for _ in range(draw_(st.integers(min_value=1, max_value=3))):
        header = draw_(st.lists(words, min_size=columns, max_size=columns))
        rows = draw_(st.lists(st.lists(words, min_size=columns, max_size=columns), max_size=6))
        heading = draw_(st.text(alphabet=string.ascii_letters + " -:", max_size=200).map(str.strip))
        made.append(Table(heading, header, rows, draw_(st.booleans())))
    return made


@settings(max_examples=300, deadline=None)
@given(report_like())
def test_report_like_tables_are_drawn_here_as_rich_draws_them(shown: list[Table]) -> None:
    mine = draw(shown)
    assert mine is not None  # nothing in them needs Rich
    assert mine == drawn_by_rich(shown, None)


def test_the_usual_tables_are_drawn_without_rich() -> None:
    usual = Table(
        "Cases received by type",
        ["Type", "Total", "Open"],
        [["Corporate Complaints", "120", "7"], ["Total", "120", "7"]],
        True,
    )
    mine = draw([usual], "Not council complaints: 3 of 120 (2.5%)")
    assert mine is not None and mine == drawn_by_rich([usual], "Not council complaints: 3 of 120 (2.5%)")


def test_what_rich_would_fold_or_measure_otherwise_is_left_to_it() -> None:
    assert draw([Table("t", ["a"], [["x" * 199]], False)], None) is None  # wider than the console
    assert draw([Table("t", ["a"], [["東京"]], False)], None) is None  # two columns a character
    assert draw([Table("t", ["a"], [[" padded"]], False)], None) is None  # Rich trims as it justifies
    assert draw([Table("t" * 201, ["a"], [["x"]], False)], None) is None  # a title Rich would fold
    assert not plain_table.plain("tab\there")
