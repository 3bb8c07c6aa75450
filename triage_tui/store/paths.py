"""Where databases are: the default SQLite file, and what `--db` means. No SQLAlchemy here: the desk resolves
its database before deciding whether it needs it for the first frame."""

from __future__ import annotations

import os
import re
from pathlib import Path

from triage_tui.domain.errors import InvalidInput

# A longer file name or path than these no file system here takes (NAME_MAX, PATH_MAX).
LONGEST_NAME = 255
LONGEST_PATH = 4095


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
    """`--db` value, else TRIAGE_DB, else the default database; a plain path means SQLite.

    A blank `--db` is refused rather than read as "not given": `--db "$UNSET"` must not quietly open (and
    migrate) the default database.
    """
    if value is not None and not value.strip():
        raise InvalidInput("--db is empty: give a SQLite file's path or a database URL")
    value = value or os.environ.get("TRIAGE_DB") or str(default_database_path())
    if "\x00" in value:
        raise InvalidInput("the database path or URL contains a NUL character")
    if "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Same server, the driver we ship: psycopg 3.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:") and value.split("://", 1)[1].strip("/") == "":
            # SQLite's in-memory database: whatever a command wrote would be gone when it ends.
            raise InvalidInput(f"{value} names no file: give one, as in sqlite:///path/to/triage.sqlite")
        path = sqlite_path(value)
        if path is not None:
            _check_length(str(path))
        return value
    _check_length(value)
    try:
        expanded = Path(value).expanduser()
    except RuntimeError:  # ~someone, and no such user
        raise InvalidInput(f"cannot use database {value[:80]!r}: no home folder for {value.split('/')[0]!r}") from None
    return "sqlite:///" + str(expanded.resolve())


def _check_length(path: str) -> None:
    """Refused here: the file system's own 'name too long' would otherwise surface from whichever check
    touched the path first, and a message repeating the path whole would be as long."""
    longest = max((len(os.fsencode(part)) for part in path.split("/")), default=0)
    if longest > LONGEST_NAME or len(os.fsencode(path)) > LONGEST_PATH:
        raise InvalidInput(f"the database path is too long ({len(path):,} characters): {path[:60]!r}...")


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
