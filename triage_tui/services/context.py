"""What every service call needs: the store, the policy in force, the clock, and who is acting."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from triage_tui.domain.clock import use_holiday_cache
from triage_tui.domain.policy import Policy, load_policy

if TYPE_CHECKING:
    from triage_tui.store.engine import Store


def _utc_now() -> datetime:
    # A plain aware datetime: much cheaper to compare and subtract than pendulum's, and it honours
    # pendulum.travel_to in tests (time-machine moves the clock underneath datetime.now).
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    store: Store
    policy: Policy
    clock: Callable[[], datetime] = field(default=_utc_now)

    def now(self) -> datetime:
        return self.clock()


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "triage"


def policy_path() -> Path:
    """TRIAGE_POLICY, else policy.toml in the user's config folder (absent: the defaults of DOMAIN.md)."""
    explicit = os.environ.get("TRIAGE_POLICY")
    return Path(explicit) if explicit else config_dir() / "policy.toml"


def current_username(explicit: str | None = None) -> str:
    """`--as`, else TRIAGE_USER, else the login name."""
    if explicit:
        return explicit
    env = os.environ.get("TRIAGE_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "triage"


def open_context(db: str | None = None, *, migrate: bool = True) -> ServiceContext:
    """Open the database named by `--db`/TRIAGE_DB/the default, checking (and on SQLite upgrading) its schema."""
    # Imported here, not above: the desk's first frame is drawn without SQLAlchemy (see store/quick.py).
    from triage_tui.store.engine import Store, resolve_url
    from triage_tui.store.migrate import ensure_schema

    use_holiday_cache(cache_dir())
    store = Store(resolve_url(db))
    try:
        if migrate:
            ensure_schema(store)
        policy = load_policy(policy_path())
    except BaseException:
        store.dispose()
        raise
    return ServiceContext(store=store, policy=policy)
