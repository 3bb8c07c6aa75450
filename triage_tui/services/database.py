"""Database administration: the explicit schema upgrade that PostgreSQL needs, and who may run it.

`db upgrade` is schema work that can come before any officer exists (a new PostgreSQL database has no tables to
hold one), so it is open to anyone while the database has no officers; after that, like every command, it
needs an active officer.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from triage_tui.domain.errors import StoreUnavailable
from triage_tui.services.identity import inactive_user, unknown_user
from triage_tui.store.engine import Store, describe, resolve_url
from triage_tui.store.migrate import officer_standing, upgrade


def check_upgrader(db: str | None, username: str) -> None:
    """Refuse `db upgrade` to an unknown or deactivated user of a database that already has officers."""
    store = Store(resolve_url(db))
    try:
        officers, active = officer_standing(store, username)
    finally:
        store.dispose()
    if officers == 0 or active:
        return
    raise unknown_user(username) if active is None else inactive_user(username)


def upgrade_database(db: str | None) -> tuple[str, str | None, str]:
    """Create or migrate the schema of the database named by `--db`/TRIAGE_DB/the default.

    Returns (where, revision before, revision after), `where` with any password masked. A migration that
    cannot go ahead (names that differ only in letter case) refuses with a TriageError and changes nothing.
    """
    store = Store(resolve_url(db))
    try:
        with store.errors():
            before, after = upgrade(store)
    except DBAPIError as exc:
        # Anything else the server refused mid-migration: rolled back whole, said in one line.
        first = str(exc.orig or exc).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        raise StoreUnavailable(
            f"cannot upgrade database {describe(store.url)}: {reason}; nothing was changed"
        ) from None
    finally:
        store.dispose()
    return describe(store.url), before, after
