"""Whether a report can read its database file directly, through the standard library's sqlite3.

Kept apart from the reports themselves so that a report read this way imports only what it counts with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from triage_tui.store.paths import resolve_url, sqlite_path
from triage_tui.store.quick import QuickRead
from triage_tui.store.schema import SCHEMA_HEAD


def direct_path(db: str | None) -> Path | None:
    """The SQLite file to read directly, if the database is one and its schema is current (None: the report
    takes the long way, through the store, which also gives the proper errors)."""
    path = sqlite_path(resolve_url(db))
    if path is None or not path.is_file():
        return None
    try:
        with QuickRead(path) as read:
            return path if read.revision() == SCHEMA_HEAD else None
    except sqlite3.Error:
        return None
