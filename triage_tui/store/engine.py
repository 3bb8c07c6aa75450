"""Opening a database: where the default one lives, SQLite's settings, and write transactions.

SQLite gets WAL (readers never block the writer), a busy timeout, foreign keys, and `BEGIN IMMEDIATE` for every
write transaction: pysqlite's deferred BEGIN takes the write lock only at the first write, and two desks that
both read first then deadlock into 'database is locked'. Reads use a plain deferred BEGIN.

How long a write waits for a lock another program holds (SQLite's busy timeout, PostgreSQL's lock_timeout) is
the same on both: `lock_wait` seconds, 30 unless `TRIAGE_LOCK_WAIT` says otherwise. SQLite retries inside that
time by itself; when it runs out the action is refused with a message saying so, and nothing is written.

Statement parameters are hidden from SQLAlchemy's logs and error texts: they hold customers' names and words.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, DataError, DBAPIError, InternalError, OperationalError
from sqlmodel import Session

from triage_tui.domain.errors import InvalidInput, StoreUnavailable
from triage_tui.store import tally
from triage_tui.store.paths import default_database_path, describe, resolve_url, sqlite_path

__all__ = ["Store", "default_database_path", "describe", "explain_operational_error", "resolve_url", "sqlite_path"]


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG, and rows hold customers' data: those records are dropped.
    Statements (their parameters hidden) still log for whoever turns the logger up to find a problem."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


_ENGINE_LOGGER = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoResultRows) for f in _ENGINE_LOGGER.filters):
    _ENGINE_LOGGER.addFilter(_NoResultRows())

LOCK_WAIT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10


def lock_wait_from_environment() -> float:
    value = os.environ.get("TRIAGE_LOCK_WAIT", "")
    try:
        seconds = float(value)
    except ValueError:
        return LOCK_WAIT_SECONDS
    return seconds if seconds > 0 else LOCK_WAIT_SECONDS


class Store:
    """One database: an engine for reads and one whose transactions take the write lock at BEGIN."""

    def __init__(self, url: str, *, echo: bool = False, lock_wait: float | None = None) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.lock_wait = lock_wait if lock_wait is not None else lock_wait_from_environment()
        self._registered: str | None = None
        if url.startswith("sqlite"):
            if self.path is not None:
                _prepare_sqlite_file(self.path)
                self._registered = str(self.path)
                _OPENED[self._registered] = _OPENED.get(self._registered, 0) + 1
            self.engine = create_engine(
                url,
                echo=echo,
                hide_parameters=True,
                connect_args={"timeout": self.lock_wait, "check_same_thread": False},
            )
            _install_sqlite_hooks(self.engine, self.lock_wait)
        else:
            options = f"-c lock_timeout={int(self.lock_wait * 1000)}"
            try:
                self.engine = create_engine(
                    url,
                    echo=echo,
                    hide_parameters=True,
                    pool_pre_ping=True,
                    connect_args={"options": options, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
                )
            except ModuleNotFoundError as exc:  # the driver is an extra a desk on SQLite does without
                raise StoreUnavailable(
                    f"cannot use database {describe(url)}: its driver ({exc.name}) is not installed; install the "
                    "project's 'postgres' extra: pip install -e '.[postgres]'"
                ) from None
            except Exception as exc:  # unknown driver or a malformed URL
                raise StoreUnavailable(f"cannot use database {describe(url)}: {exc}") from None
        self.write_engine = self.engine.execution_options(triage_write=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.errors(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back whole on any error."""
        with self.errors(), Session(self.write_engine, expire_on_commit=False) as session, session.begin():
            yield session
            tally.settle(session)  # the counts of current states, with the states written (store/tally.py)

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InternalError) as exc:
            # OperationalError: the database could not do it (locked, full, read-only, gone). InternalError is
            # PostgreSQL's class for a read-only transaction (a standby server); it is the same fault to a user.
            raise StoreUnavailable(explain_operational_error(exc, self.url, self.lock_wait)) from None
        except DataError as exc:
            # A value the database's types cannot hold: PostgreSQL's text takes no NUL character, which SQLite
            # stores. It is the input's fault; the message is the server's first line, which names no value.
            raise InvalidInput(explain_data_error(exc, self.url)) from None
        except DatabaseError as exc:
            # The base class itself (not its IntegrityError and other subclasses, which callers handle) is what
            # sqlite3 raises for a damaged file: 'database disk image is malformed', 'file is not a database'.
            if type(exc) is not DatabaseError:
                raise
            raise StoreUnavailable(explain_operational_error(exc, self.url, self.lock_wait)) from None

    def dispose(self) -> None:
        self.engine.dispose()
        if self._registered is not None:
            left = _OPENED.get(self._registered, 1) - 1
            if left > 0:
                _OPENED[self._registered] = left
            else:
                _OPENED.pop(self._registered, None)
            self._registered = None


def explain_operational_error(exc: DBAPIError, url: str, lock_wait: float = LOCK_WAIT_SECONDS) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lowered = text.lower()
    where = describe(url)
    if "readonly" in lowered or "read-only" in lowered:
        if url.startswith("sqlite"):
            return (
                f"database {where} is read-only: nothing was written; ask for write access to the file and its folder"
            )
        return f"database {where} is read-only (a standby server or a read-only login); nothing was written"
    if "disk is full" in lowered or "no space" in lowered or _disk_full(url, lowered):
        return f"database {where}: the disk is full; nothing was written (free some space and try again)"
    if "database is locked" in lowered or "database is busy" in lowered or "lock timeout" in lowered:
        return f"database {where} stayed locked by another program for {lock_wait:g}s; nothing was written, try again"
    if "malformed" in lowered or "not a database" in lowered:
        return f"{where} is not a SQLite database, or it is damaged ({text.strip()}); nothing was written to it"
    if "unable to open" in lowered:
        return f"cannot open database {where}: check the path and its permissions"
    if "connection" in lowered or "could not" in lowered or "does not exist" in lowered:
        first = text.strip().splitlines()[0] if text.strip() else "connection failed"
        return f"cannot connect to database {where}: {first}"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"database {where}: {first}"


def explain_data_error(exc: DBAPIError, url: str) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "nul" in text.lower() and "0x00" in text.lower():
        return f"{describe(url)} cannot store or look up text with a NUL character (\\x00); nothing was written"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"database {describe(url)} cannot take a value given: {first}; nothing was written"


FULL_BELOW_BYTES = 1 << 20


def _disk_full(url: str, lowered: str) -> bool:
    """SQLite reports a disk too full to grow its shared-memory file as a plain 'disk I/O error': look."""
    path = sqlite_path(url)
    if path is None or "disk i/o error" not in lowered:
        return False
    try:
        usage = shutil.disk_usage(path.parent)
    except OSError:
        return False
    return usage.total > 0 and usage.free < FULL_BELOW_BYTES  # /proc and its kind report no size at all


SQLITE_HEADER = b"SQLite format 3\x00"


# SQLite files this process has a Store open on. Their header is checked once, before the first: opening and
# closing a database file outside SQLite drops every POSIX lock this process holds on it, the locks of its own
# open connections included, and another program could then write under them (SQLite's "malformed" error).
_OPENED: dict[str, int] = {}


def _prepare_sqlite_file(path: Path) -> None:
    if _OPENED.get(str(path)):
        return  # checked when the first Store opened it; checking again would read the file under our locks
    try:
        _prepare(path)
    except OSError as exc:  # a path the file system refuses to look at (a loop of links, a name too long)
        raise StoreUnavailable(f"cannot use database {str(path)[:200]}: {exc.strerror or exc}") from None


def _prepare(path: Path) -> None:
    if path.exists():
        _refuse_unless_sqlite(path)
        return
    if not path.parent.is_dir():
        if path == default_database_path():
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            raise StoreUnavailable(f"cannot create database {path}: folder {path.parent} does not exist")
    # Customer data: a new database is readable by its owner only (share it with a group by chmod/chgrp).
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        _refuse_unless_sqlite(path)  # another desk created it a moment ago, or something else did
    except OSError as exc:
        raise StoreUnavailable(f"cannot create database {path}: {exc.strerror}") from None


def _refuse_unless_sqlite(path: Path) -> None:
    """Refuse, before SQLite opens it, a path that is not a SQLite database: SQLite would take an empty
    directory's or a device's name and fail deep inside, and `--db notes.txt` must never be written to.

    An empty file passes: it is how every new database starts (see above), and SQLite reads it as one.
    """
    if path.is_dir():
        raise StoreUnavailable(f"{path} is a folder, not a SQLite database: give the database file's path")
    if not path.is_file():
        raise StoreUnavailable(f"{path} is not a SQLite database (not a regular file)")
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError:
        return  # unreadable: SQLite says so itself, in the words explain_operational_error knows
    if header and header != SQLITE_HEADER:
        raise StoreUnavailable(
            f"{path} is not a SQLite database (it does not start like one); nothing was written to it"
        )


def _install_sqlite_hooks(engine: Engine, lock_wait: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: SQLAlchemy's "begin" hook below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(lock_wait * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("triage_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
