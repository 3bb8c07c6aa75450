"""The check of a file's duplicates once every row has been read: each must name a case that exists (later in
the file or already stored), and following duplicate_of from case to case, through the file and the database,
must never come back round. What it follows is kept in the import's scratch file, not in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from triage_tui.importer.scratch import Scratch
from triage_tui.importer.source import shown
from triage_tui.services.history import BATCH, stored_cases

# (line, key, problem as (column, message)) of a duplicate row that cannot be imported.
Problem = tuple[int, str, tuple[str, str]]


def duplicate_problems(session: Any, scratch: Scratch) -> Iterator[Problem]:
    _look_up_stored(session, scratch)
    for missing, given, line in scratch.missing_targets():
        yield line, missing, ("duplicate_of", f"no case {shown(given)} in the file or the database")

    def following(key: str) -> str | None:
        stored = scratch.stored(key)
        if stored is not None:  # stored already (a file row naming it is a duplicate, skipped): the stored one's
            return stored[1]
        link = scratch.link(key)
        return link[0] if link is not None else None  # a file row to be written: its own duplicate_of

    for start in scratch.links():
        path: list[str] = []
        place: dict[str, int] = {}
        key: str | None = start
        while key is not None and key not in place and not scratch.is_settled(key):
            place[key] = len(path)
            path.append(key)
            key = following(key)
        if key is not None and key in place:
            circle = path[place[key] :]
            names = [_name(scratch, k) for k in circle]
            route = " → ".join(shown(name)[1:-1] for name in [*names[:6], names[0]])
            for member in circle:
                link = scratch.link(member)
                if link is not None and scratch.stored(member) is None:
                    yield link[2], member, ("duplicate_of", f"duplicates would go round in a circle: {route}")
        scratch.settle(path)


def _look_up_stored(session: Any, scratch: Scratch) -> None:
    """The stored cases the duplicates name, and the ones those name, as far as the database goes."""
    scratch.want(scratch.link_keys())
    while batch := scratch.next_wanted(BATCH):
        found = stored_cases(session, batch)
        scratch.keep_stored(
            [(key, reference, target.lower() if target else None) for key, (reference, _, target) in found.items()]
        )
        scratch.want([target.lower() for _, _, target in found.values() if target])


def _name(scratch: Scratch, key: str) -> str:
    link = scratch.link(key)
    if link is not None:
        return link[1]
    stored = scratch.stored(key)
    assert stored is not None  # a circle passes only through the file's rows and stored cases
    return stored[0]
