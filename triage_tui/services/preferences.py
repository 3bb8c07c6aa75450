"""What an officer set at the desk and expects to find next time (a list's filter, its sort), by name.

Preferences are not case changes: saving one writes no case event and touches no case, so the audit trail
stays the record of what happened to cases and officers. The officer must still be active, as for any read or
write. A stored value that no longer reads (not JSON any more, or written by something else) is treated as
absent: the desk then shows its defaults, never an error. What a value means is the caller's to check
(domain/sorting.py reads the lists' settings back the same forgiving way).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text, cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from triage_tui.domain.errors import InvalidInput
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import require_officer
from triage_tui.store.tables import OfficerPreference

NAME_LIMIT = 64
VALUE_LIMIT = 16_000  # characters of JSON: a list's settings are a few hundred


def load(ctx: ServiceContext, username: str, name: str) -> Any | None:
    """The value saved under `name` for the officer, or None if none is (or it no longer reads)."""
    with ctx.store.read() as session:
        officer = require_officer(session, username)
        # Read as text and parsed here, not by the driver: a value that is not JSON any more is then None,
        # not an error of the read.
        raw = session.exec(
            select(cast(col(OfficerPreference.value), Text)).where(
                OfficerPreference.officer_id == officer.id, OfficerPreference.name == name
            )
        ).first()
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return None


def save(ctx: ServiceContext, username: str, name: str, value: Any) -> None:
    """Keep `value` (anything JSON can hold) under `name` for the officer, replacing what was there."""
    if not name or len(name) > NAME_LIMIT:
        raise InvalidInput(f"a preference's name is 1 to {NAME_LIMIT} characters")
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"preference {name!r} cannot be kept: {exc}") from None
    if len(text) > VALUE_LIMIT:
        raise InvalidInput(f"preference {name!r} is too long to keep ({len(text)} characters)")
    now = ctx.now()
    with ctx.store.write() as session:
        officer = require_officer(session, username)
        insert = sqlite_insert if ctx.store.is_sqlite else pg_insert
        row = {"officer_id": officer.id, "name": name, "value": json.loads(text), "updated_at": now}
        # One row per officer and name, written in one statement: two desks saving at once never collide.
        statement = insert(OfficerPreference).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["officer_id", "name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
        session.exec(statement)
