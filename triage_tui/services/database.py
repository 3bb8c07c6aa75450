"""Database administration: the explicit schema upgrade that PostgreSQL needs."""

from __future__ import annotations

from triage_tui.store.engine import Store, describe, resolve_url
from triage_tui.store.migrate import upgrade


def upgrade_database(db: str | None) -> tuple[str, str | None, str]:
    """Create or migrate the schema of the database named by `--db`/TRIAGE_DB/the default.

    Returns (where, revision before, revision after), `where` with any password masked.
    """
    store = Store(resolve_url(db))
    try:
        with store.errors():
            before, after = upgrade(store)
    finally:
        store.dispose()
    return describe(store.url), before, after
