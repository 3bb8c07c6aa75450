"""Where databases are: the default SQLite file, and what `--db` means. No SQLAlchemy here: the desk resolves
its database before deciding whether it needs it for the first frame."""

from __future__ import annotations

import os
import re
from pathlib import Path


def project_root() -> Path | None:
    """The source checkout the package runs from, if any (where `db/` lives)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").exists() and (root / "db").is_dir() else None


def default_database_path() -> Path:
    root = project_root()
    if root is not None:
        return root / "db" / "triage.sqlite"
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "triage" / "triage.sqlite"


def resolve_url(value: str | None) -> str:
    """`--db` value, else TRIAGE_DB, else the default database; a plain path means SQLite."""
    value = value or os.environ.get("TRIAGE_DB") or str(default_database_path())
    if "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Same server, the driver we ship: psycopg 3.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return None if path in ("", ":memory:") else Path(path)


def describe(url: str) -> str:
    """For messages: a SQLite database by its file, a server's URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
