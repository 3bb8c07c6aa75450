"""Who is acting. Every command and the desk need an active officer, for reads as well as writes: a leaver's
login must not keep reading customers' complaints.

This module loads no SQLAlchemy: on a current SQLite file the check is one read through sqlite3
(store/quick.py), so the commands that answer from the file directly (the quick reports) stay quick. Anything
else (PostgreSQL, an older schema, no file yet) is decided by the services over the full store.
"""

from __future__ import annotations

import sqlite3

from triage_tui.domain.errors import NotFound, RoleRefused
from triage_tui.domain.text import limit_of
from triage_tui.domain.views import OfficerView
from triage_tui.store.paths import resolve_url, sqlite_path
from triage_tui.store.quick import QuickRead
from triage_tui.store.schema import SCHEMA_HEAD


def unknown_user(username: str) -> NotFound:
    if len(username) > limit_of("username"):
        return NotFound(f"unknown user {_clipped(username)!r}: a username is at most {limit_of('username')} characters")
    return NotFound(
        f"unknown user {username!r}: a supervisor can add them with "
        f'`triage officer add {username} --name "Full Name"` (or act as another with --as)'
    )


def unknown_officer(username: str) -> NotFound:
    """An officer named as the one to take or filter cases, not the one acting."""
    return NotFound(f"unknown officer {_clipped(username)!r} (see `triage officer list`)")


def _clipped(username: str) -> str:
    limit = limit_of("username")
    return username if len(username) <= limit else username[:limit] + "…"


def inactive_user(username: str) -> RoleRefused:
    return RoleRefused(
        f"user {username!r} has been deactivated and can no longer read or act: "
        "a supervisor can tell you more (`triage officer list`); or act as another with --as"
    )


def judge(officer: OfficerView | None, username: str, officers: int, *, open_when_empty: bool) -> OfficerView | None:
    """The acting officer; None where no one need be (an empty database, for what may start one); else the
    refusal that says what to do."""
    if officer is not None and officer.active:
        return officer
    if open_when_empty and officers == 0:
        return None
    if officer is None:
        raise unknown_user(username)
    raise inactive_user(username)


def quick_check(db: str | None, username: str, *, open_when_empty: bool = False) -> bool:
    """True when a current SQLite file settles that `username` may go on; raises when it settles that they may
    not; False when the full store has to decide (PostgreSQL, no file yet, an older schema, a locked file)."""
    path = sqlite_path(resolve_url(db))
    if path is None or not path.is_file():
        return False
    try:
        with QuickRead(path) as read:
            if read.revision() != SCHEMA_HEAD:
                return False
            officer = read.officer(username)
            officers = 0 if officer is not None else read.officer_count()
    except sqlite3.Error:
        return False
    judge(officer, username, officers, open_when_empty=open_when_empty)
    return True
