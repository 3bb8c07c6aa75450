"""Schema migrations (Alembic, under db/migrations).

SQLite databases upgrade themselves when opened, inside one `BEGIN IMMEDIATE` transaction, so of several desks
starting at once one migrates and the others wait, then find the schema current. PostgreSQL is upgraded on
purpose with `triage db upgrade`; until then the program refuses to start and says why.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from triage_tui.domain.errors import SchemaOutOfDate
from triage_tui.store.engine import Store
from triage_tui.store.schema import KNOWN_REVISIONS, SCHEMA_HEAD

__all__ = ["KNOWN_REVISIONS", "SCHEMA_HEAD", "current_revision", "ensure_schema", "officer_standing", "upgrade"]


def migrations_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "db" / "migrations"


def current_revision(store: Store) -> str | None:
    with store.errors(), store.engine.connect() as connection:
        return _revision_on(connection)


def upgrade(store: Store) -> tuple[str | None, str]:
    """Bring the schema to the head revision; returns (before, after)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with store.errors(), store.write_engine.connect() as connection, connection.begin():
        if not store.is_sqlite:
            # One upgrader at a time on a shared server.
            connection.execute(text("SELECT pg_advisory_xact_lock(72817001)"))
        before = _revision_on(connection)
        if before != SCHEMA_HEAD:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return before, SCHEMA_HEAD


def _has_table(connection, name: str) -> bool:
    found = connection.execute(
        text(
            "SELECT name FROM sqlite_master WHERE type='table' AND name=:name"
            if connection.dialect.name == "sqlite"
            else "SELECT to_regclass(:name)::text"
        ),
        {"name": name},
    ).scalar()
    return bool(found)


def _revision_on(connection) -> str | None:
    if not _has_table(connection, "alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def officer_standing(store: Store, username: str) -> tuple[int, bool | None]:
    """How many officers there are, and whether `username` (any letter case) is one and active (None: not
    one). Read without assuming a current schema, or any: `db upgrade` asks before it migrates."""
    with store.errors(), store.engine.connect() as connection:
        if not _has_table(connection, "officers"):
            return 0, None
        count = connection.execute(text("SELECT count(*) FROM officers")).scalar() or 0
        active = connection.execute(
            text("SELECT active FROM officers WHERE lower(username) = lower(:username)"), {"username": username}
        ).scalar()
    return count, None if active is None else bool(active)


def ensure_schema(store: Store) -> None:
    """Make sure the schema is the one this program expects (upgrading SQLite in place)."""
    revision = current_revision(store)
    if revision == SCHEMA_HEAD:
        return
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise SchemaOutOfDate(
            f"the database schema ({revision}) is newer than this program ({SCHEMA_HEAD}): update the program"
        )
    if store.is_sqlite:
        upgrade(store)
        return
    if revision is None:
        raise SchemaOutOfDate("the database has no schema yet: run `triage db upgrade --db URL` first")
    raise SchemaOutOfDate(
        f"the database schema is at {revision}, this program needs {SCHEMA_HEAD}: run `triage db upgrade`"
    )
