"""Shared fixtures: databases (SQLite from a migrated template, PostgreSQL when TRIAGE_TEST_PG_URL is set),
service contexts with a frozen clock, and a small staff."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import text

from triage_tui.domain.codes import Role, Team
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services.context import ServiceContext
from triage_tui.services.officers import add_officer
from triage_tui.store.engine import Store
from triage_tui.store.migrate import ensure_schema, upgrade

PG_URL = os.environ.get("TRIAGE_TEST_PG_URL")
PG_SKIP = "PostgreSQL tests need TRIAGE_TEST_PG_URL (postgresql+psycopg://user@host:port/throwaway_db)"

# Thursday 25 November 2021, 10:00 GMT: a plain working day.
DEFAULT_NOW = pendulum.datetime(2021, 11, 25, 10, 0, tz="Europe/London")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own database, policy or login."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # A command run without --db reaches a database of the test's own, never the checkout's db/triage.sqlite.
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "default.sqlite"))
    monkeypatch.delenv("TRIAGE_USER", raising=False)
    monkeypatch.delenv("TRIAGE_POLICY", raising=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    store = Store(f"sqlite:///{path}")
    ensure_schema(store)
    store.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "triage.sqlite"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_store() -> Iterator[Store]:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    store = Store(PG_URL)
    upgrade(store)
    yield store
    store.dispose()


def _truncate(store: Store) -> None:
    with store.engine.begin() as connection:
        # The events table refuses TRUNCATE (migration 0003): a test database is emptied with triggers off.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("TRUNCATE events, cases, officers, state_tally RESTART IDENTITY CASCADE"))


@pytest.fixture
def pg_url(pg_store: Store) -> str:
    _truncate(pg_store)
    return PG_URL  # type: ignore[return-value]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite and on PostgreSQL (skipped with a reason without a server)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A PostgreSQL database created for the test, with no schema, dropped afterwards."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    name = f"triage_empty_{os.getpid()}"
    admin = Store(PG_URL)

    def run(sql: str) -> None:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(sql))

    run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    run(f"CREATE DATABASE {name}")
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all: a new SQLite file, or a PostgreSQL database created for the test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("empty_pg_url")


class Clock:
    """A settable clock for services: tests move it explicitly."""

    def __init__(self, start: pendulum.DateTime) -> None:
        self.now = start.in_timezone("UTC")

    def __call__(self) -> pendulum.DateTime:
        return self.now

    def advance(self, **kwargs: float) -> pendulum.DateTime:
        self.now = self.now.add(**kwargs)  # type: ignore[arg-type]
        return self.now

    def set(self, moment: pendulum.DateTime) -> pendulum.DateTime:
        self.now = moment.in_timezone("UTC")
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(DEFAULT_NOW)


@pytest.fixture
def ctx(db_url: str, clock: Clock) -> Iterator[ServiceContext]:
    store = Store(db_url)
    yield ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    store.dispose()


@pytest.fixture
def staff(ctx: ServiceContext) -> dict[str, str]:
    """A supervisor, two triage officers and a complaint officer."""
    add_officer(ctx, "boss", "boss", "Helen Morgan", Role.SUPERVISOR, Team.COMPLAINTS)
    add_officer(ctx, "boss", "alice", "Alice Adams", Role.OFFICER, Team.TRIAGE)
    add_officer(ctx, "boss", "bob", "Bob Brown", Role.OFFICER, Team.TRIAGE)
    add_officer(ctx, "boss", "carol", "Carol Cole", Role.OFFICER, Team.COMPLAINTS)
    return {"supervisor": "boss", "officer": "alice", "other": "bob", "complaints": "carol"}
