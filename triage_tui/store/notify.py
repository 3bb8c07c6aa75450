"""PostgreSQL's own change notifications: one dedicated connection that LISTENs for them.

Migration 0008 makes every statement that writes audit events send a notification on CHANNEL when its
transaction commits (never for one rolled back). A listener holds its own autocommit connection, opened with
the same settings as the store's engine, outside its pool: a pooled connection would be handed to reads and
writes, and the server delivers notifications only between statements of the session that listens.

The wait watches the connection's socket and a wake-up socket together, so the thread waiting can be stopped
at once from another thread; the driver's own `notifies()` is only asked once the socket has something to
read, so it never blocks.
"""

from __future__ import annotations

import select
import socket
from contextlib import suppress
from typing import Any

from triage_tui.domain.errors import StoreUnavailable
from triage_tui.store.engine import CONNECT_TIMEOUT_SECONDS, Store
from triage_tui.store.paths import describe

# The channel migration 0008's trigger sends on.
CHANNEL = "triage_changes"
# A connection that died without a word (a cable pulled, a firewall forgetting it) is noticed by TCP keepalives
# within about a minute, so the desk falls back to polling instead of waiting forever for notifications.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


def can_listen(store: Store) -> bool:
    return store.dialect == "postgresql"


class Listener:
    """An open connection LISTENing on CHANNEL. Not thread-safe: one thread waits on it, `Waker` stops it."""

    def __init__(self, store: Store) -> None:
        import psycopg

        self.where = describe(store.url)
        # The engine's own connection arguments (host, port, user, database, password, sslmode...).
        _, params = store.engine.dialect.create_connect_args(store.engine.url)
        params.pop("context", None)  # SQLAlchemy's type adapters: the listener reads no values
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        for key, value in KEEPALIVE.items():
            params.setdefault(key, value)
        params.setdefault("application_name", "triage desk (listening)")
        try:
            self._connection: Any = psycopg.connect(autocommit=True, **params)
        except psycopg.Error as exc:
            raise StoreUnavailable(self._explain("cannot listen for changes on", exc)) from None
        try:
            self._connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            self._connection.close()
            raise StoreUnavailable(self._explain("cannot listen for changes on", exc)) from None

    @property
    def backend_pid(self) -> int:
        """The server process serving this connection (what pg_terminate_backend takes)."""
        return int(self._connection.info.backend_pid)

    def wait(self, timeout: float, waker: Waker | None = None) -> int:
        """Wait up to `timeout` seconds for notifications; how many arrived (0: none, or woken). Raises
        StoreUnavailable when the connection is lost."""
        import psycopg

        watched = [self._connection.fileno()]
        if waker is not None:
            watched.append(waker.fileno())
        try:
            readable, _, _ = select.select(watched, [], [], max(timeout, 0.0))
            if waker is not None and waker.fileno() in readable:
                waker.drain()
            if self._connection.fileno() not in readable:
                return 0
            # Something to read: a notification, or the server's goodbye (which raises here).
            return sum(1 for _ in self._connection.notifies(timeout=0))
        except (psycopg.Error, OSError, ValueError) as exc:  # ValueError: fileno() of a connection already closed
            raise StoreUnavailable(self._explain("lost the listening connection to", exc)) from None

    def close(self) -> None:
        self._connection.close()

    def _explain(self, doing: str, exc: Exception) -> str:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        return f"{doing} database {self.where}: {first}"


class Waker:
    """Wakes a `Listener.wait` from another thread (a socket pair: select() watches sockets everywhere)."""

    def __init__(self) -> None:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)

    def fileno(self) -> int:
        return self._read.fileno()

    def wake(self) -> None:
        # Refused only when already woken (the buffer full of wake-ups) or closed: either way nothing is lost.
        with suppress(OSError):
            self._write.send(b"x")

    def drain(self) -> None:
        with suppress(OSError):  # BlockingIOError: drained
            while self._read.recv(4096):
                pass

    def close(self) -> None:
        self._read.close()
        self._write.close()
