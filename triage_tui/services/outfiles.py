"""Files the program writes for a person (rejected rows, report exports): never over the database or the file
being read, private to their owner, never over an existing file unless asked, and never half-made.

The content goes to a temporary file in the target's folder, created 0600; only when it is complete is it
put in place, by a hard link (which fails if a file of that name appeared meanwhile) or, with `force`, by an
atomic rename. A failure on the way leaves the folder as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from triage_tui.domain.errors import InvalidInput

# SQLite's companions of a database file: written beside it, part of it.
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def database_files(database: Path | None) -> list[Path]:
    """The files that make up a SQLite database (none for a server's)."""
    if database is None:
        return []
    return [Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS]


def _is_database(path: Path) -> bool:
    """Whether `path` is one of a SQLite database's files, judged by name and companions only: opening and
    closing a database file would drop the locks this process's own connections hold on it (POSIX locks
    belong to the process, and any close of the file releases them)."""
    return path.name.endswith(SQLITE_COMPANIONS[1:]) or any(
        os.path.exists(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS[1:]
    )


def same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samefile(a, b)  # hard links and bind mounts: the same inode by another name
    except OSError:
        return False


def check_target(path: Path, *, force: bool, protected: Iterable[Path]) -> None:
    """Refuse, in one line, a path the command must not write; nothing is touched."""
    for kept in protected:
        if same_file(path, kept):
            what = "the database" if _is_database(kept) else "the file being read"
            raise InvalidInput(f"refusing to write {path}: it is {what} ({kept}); nothing was written")
    if path.is_dir():
        raise InvalidInput(f"refusing to write {path}: it is a folder")
    if os.path.lexists(path) and not force:
        raise InvalidInput(f"refusing to write {path}: the file exists (use --force to replace it)")
    if os.path.lexists(path) and not path.is_file():
        raise InvalidInput(f"refusing to write {path}: it is not a regular file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot write {path}: folder {folder} is not writable")


@contextmanager
def new_file(
    path: Path,
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = "",
) -> Iterator[IO[Any]]:
    """A handle to write `path`'s content to; the file appears, complete, when the block ends without error."""
    path = Path(path)
    kept = list(protected)
    check_target(path, force=force, protected=kept)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None
    published = False
    try:
        handle: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with handle:
            try:
                yield handle
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
                    raise
                raise InvalidInput(f"cannot write {path}: {exc.strerror}; nothing was written") from None
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None
        # Checked again: the folder may have changed while the content was made.
        check_target(path, force=force, protected=kept)
        try:
            _publish(Path(temporary), path, force=force)
        except OSError as exc:
            raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None
        published = True
    finally:
        if not published:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _publish(temporary: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)  # fails if the name was taken meanwhile: nothing is overwritten
    except FileExistsError:
        raise InvalidInput(f"refusing to write {path}: the file exists (use --force to replace it)") from None
    except OSError:
        # A filesystem without hard links: the check above is the best that can be done.
        if os.path.lexists(path):
            raise InvalidInput(f"refusing to write {path}: the file exists (use --force to replace it)") from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)


def write_new_file(
    path: Path, content: str | bytes, *, force: bool = False, protected: Iterable[Path] = (), encoding: str = "utf-8"
) -> None:
    """Write a whole file at once under the same rules as `new_file`."""
    binary = isinstance(content, bytes)
    with new_file(path, force=force, protected=protected, binary=binary, encoding=encoding) as handle:
        handle.write(content)
