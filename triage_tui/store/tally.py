"""How many cases are in each (type, status) now, kept as their states are written.

`report position` counts the states that held at a moment. Almost all of them are still current, and counting
those from the index takes longer with every case the council has ever held (a million, at a million cases).
state_tally holds their number for each (type, status), changed in the same transaction as the states
themselves, so the position reads a few rows, takes off the current states that began after the moment (few:
the moment is usually about now) and adds the ended states that still held then.

The changes a transaction makes are noted on its session as the states are written, and applied once, just
before it commits (store/engine.py Store.write), in the order of their keys. On PostgreSQL two transactions
then always lock tally rows in the same order, so they cannot deadlock on them, and a transaction that moves
many cases updates each row once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from triage_tui.store.quick import STILL_TEXT
from triage_tui.store.tables import STILL

PENDING = "state_tally"  # the session.info key of a transaction's changes not yet applied

_APPLY = text(
    "INSERT INTO state_tally (type, status, n) VALUES (:type, :status, :n) "
    "ON CONFLICT (type, status) DO UPDATE SET n = state_tally.n + excluded.n"
)


def _pending(session: Session) -> Counter[tuple[str, str]]:
    pending: Counter[tuple[str, str]] | None = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = Counter()
    return pending


def note(session: Session, kind: str, status: str, change: int) -> None:
    """A current state of (kind, status) begun (+1) or ended (-1) in this transaction."""
    _pending(session)[(kind, status)] += change


def note_rows(session: Session, rows: Iterable[Sequence[Any]]) -> None:
    """State rows inserted in this transaction (case_id, type, status, valid_from, valid_to, the times as the
    column type takes them or as bulk.time_formatter writes them for the driver): the current ones count."""
    pending = _pending(session)
    stills = (STILL, STILL_TEXT)
    for row in rows:
        if row[4] in stills:
            pending[(row[1], row[2])] += 1


def settle(session: Session) -> None:
    """Apply the transaction's noted changes (Store.write calls this before it commits)."""
    pending: Counter[tuple[str, str]] | None = session.info.pop(PENDING, None)
    if not pending:
        return
    changes = [{"type": str(kind), "status": str(status), "n": n} for (kind, status), n in sorted(pending.items()) if n]
    if changes:
        session.connection().execute(_APPLY, changes)
