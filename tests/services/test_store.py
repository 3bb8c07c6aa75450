"""The store: migrations, schema checks, SQLite settings, several desks starting at once, errors people meet."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

from triage_tui.domain.errors import SchemaOutOfDate, StoreUnavailable
from triage_tui.store import unmapped
from triage_tui.store.engine import Store, resolve_url
from triage_tui.store.migrate import SCHEMA_HEAD, current_revision, ensure_schema, migrations_dir, upgrade


def test_the_recorded_head_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]


def test_migrations_build_exactly_the_tables_the_code_declares(db_url: str) -> None:
    store = Store(db_url)
    try:
        upgrade(store)
        with store.engine.connect() as connection:
            # The text search's structures and the report's facts are the migrations' alone (store/unmapped.py).
            context = MigrationContext.configure(connection, opts={"include_name": unmapped.include_name})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == []
    finally:
        store.dispose()


def test_sqlite_settings(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    try:
        with store.read() as session:
            c = session.connection()
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert c.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        store.dispose()


def test_a_new_sqlite_database_is_created_migrated_and_private(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    store = Store(resolve_url(str(path)))
    try:
        ensure_schema(store)
        assert current_revision(store) == SCHEMA_HEAD
    finally:
        store.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match=r"folder .* does not exist"):
        Store(resolve_url(str(tmp_path / "nope" / "x.sqlite")))


def test_several_desks_starting_at_once_on_a_new_file_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    script = (
        "import sys\n"
        "from triage_tui.store.engine import Store, resolve_url\n"
        "from triage_tui.store.migrate import ensure_schema, current_revision\n"
        "s = Store(resolve_url(sys.argv[1])); ensure_schema(s); print(current_revision(s))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(5)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [err.decode()[-500:] for _, err in results]
    assert {out.decode().strip() for out, _ in results} == {SCHEMA_HEAD}
    store = Store(resolve_url(str(path)))
    try:
        with store.read() as s:
            assert s.connection().execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        store.dispose()


def test_only_sqlite_migrates_itself_a_server_waits_for_db_upgrade(empty_db: str) -> None:
    """SQLite migrates itself when opened; a server's schema changes only by `triage db upgrade`."""
    store = Store(empty_db)
    try:
        if store.is_sqlite:
            ensure_schema(store)
            assert current_revision(store) == SCHEMA_HEAD
            return
        with pytest.raises(SchemaOutOfDate, match="triage db upgrade"):
            ensure_schema(store)
        assert upgrade(store) == (None, SCHEMA_HEAD)
        ensure_schema(store)  # now current
        assert upgrade(store) == (SCHEMA_HEAD, SCHEMA_HEAD)
    finally:
        store.dispose()


def test_an_unknown_server_is_a_clear_error() -> None:
    store = Store("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="cannot connect to database"):
        current_revision(store)
