"""What pass one must remember about every row, kept in a temporary SQLite file rather than in memory.

A file's references (to refuse one repeated, naming its first line) and its duplicates (to check that each
names a case that exists, and that none goes round in a circle) grow with the file; held in dictionaries they
made a million-row import need twice the memory of a 100,000-row one. Here they live on disk, in a throwaway
database with a small page cache, and are asked about a block of rows at a time, so memory stays the same
however long the file is. The file is deleted when the import ends, however it ends.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# The page cache of the scratch file: enough for the B-tree's upper levels; the rest is the operating system's.
CACHE_KIB = 8 * 1024


class Scratch:
    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="triage-import-")
        self.db = sqlite3.connect(Path(self._folder.name) / "scratch.sqlite", isolation_level=None)
        db = self.db
        # Nothing here outlives the run, so nothing needs to survive a crash: no journal, no syncing.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # One transaction for the whole run, never committed: a commit per block writes its pages out each
        # time, ten times the cost of the look-ups themselves. Pages beyond the cache spill to the file.
        db.execute("BEGIN")
        # The first line of each reference (lower-cased: references are one regardless of case).
        db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        # Rows closed as the duplicate of another case, in file order (rowid), with their cells for the rejects
        # file and whether they name an officer still to be created.
        db.execute(
            "CREATE TABLE links (key TEXT NOT NULL UNIQUE, target TEXT NOT NULL, reference TEXT NOT NULL,"
            " given TEXT NOT NULL, line INTEGER NOT NULL, cells BLOB NOT NULL, new_officer INTEGER NOT NULL)"
        )
        # The duplicate check's look-ups in the database (keys wanted, stored cases found) and its walk along
        # duplicate_of (the keys it has been past).
        db.execute("CREATE TABLE wanted (key TEXT PRIMARY KEY, asked INTEGER NOT NULL) WITHOUT ROWID")
        db.execute("CREATE INDEX wanted_asked ON wanted (asked, key)")
        db.execute("CREATE TABLE stored (key TEXT PRIMARY KEY, reference TEXT NOT NULL, target TEXT) WITHOUT ROWID")
        db.execute("CREATE TABLE settled (key TEXT PRIMARY KEY) WITHOUT ROWID")

    def close(self) -> None:
        self.db.close()
        self._folder.cleanup()

    # --- references -----------------------------------------------------------------------------------------

    def first_lines(self, keys: Sequence[str]) -> dict[str, int]:
        """The first line of each of these (lower-cased) references remembered so far."""
        if not keys:
            return {}
        query = "SELECT key, line FROM seen WHERE key IN (SELECT value FROM json_each(?))"
        return dict(self.db.execute(query, (json.dumps(list(keys)),)))

    def remember(self, firsts: Sequence[tuple[str, int]]) -> None:
        self.db.executemany("INSERT INTO seen (key, line) VALUES (?, ?)", firsts)

    def is_in_file(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone() is not None

    # --- duplicates -------------------------------------------------------------------------------------------

    def add_links(self, links: Sequence[tuple[str, str, str, str, int, dict[str, Any], bool]]) -> None:
        """(key, target key, reference, duplicate_of as given, line, cells, names a new officer) per row."""
        self.db.executemany(
            "INSERT INTO links (key, target, reference, given, line, cells, new_officer) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(k, t, r, g, n, pickle.dumps(c, pickle.HIGHEST_PROTOCOL), o) for k, t, r, g, n, c, o in links],
        )

    def has_links(self) -> bool:
        return self.db.execute("SELECT 1 FROM links LIMIT 1").fetchone() is not None

    def link_keys(self) -> Iterator[str]:
        """Every key a duplicate check must look up in the database: the duplicates' own and their targets."""
        yield from (key for (key,) in self.db.execute("SELECT key FROM links UNION SELECT target FROM links"))

    def link(self, key: str) -> tuple[str, str, int] | None:
        """(target key, reference, line) of the file's duplicate row with this key."""
        return self.db.execute("SELECT target, reference, line FROM links WHERE key = ?", (key,)).fetchone()

    def links(self) -> Iterator[str]:
        """The key of each duplicate row, in file order."""
        cursor = self.db.cursor()  # its own cursor: the caller asks other questions while it walks
        yield from (key for (key,) in cursor.execute("SELECT key FROM links ORDER BY rowid"))

    def cells(self, key: str) -> tuple[dict[str, Any], bool]:
        """A duplicate row's cells (for the rejects file) and whether it names an officer still to be created."""
        blob, new_officer = self.db.execute("SELECT cells, new_officer FROM links WHERE key = ?", (key,)).fetchone()
        return pickle.loads(blob), bool(new_officer)

    def missing_targets(self) -> Iterator[tuple[str, str, int]]:
        """(key, duplicate_of as given, line) of each duplicate row, in file order, whose target is neither in
        the file nor among the stored cases found (see keep_stored)."""
        query = (
            "SELECT key, given, line FROM links WHERE target NOT IN (SELECT key FROM seen)"
            " AND target NOT IN (SELECT key FROM stored) ORDER BY rowid"
        )
        yield from self.db.cursor().execute(query)

    # --- stored cases the duplicates lead to, and the walk along them ----------------------------------------

    def want(self, keys: Iterator[str] | Sequence[str]) -> None:
        """Keys to look up among the stored cases (each is looked up once)."""
        self.db.executemany("INSERT OR IGNORE INTO wanted (key, asked) VALUES (?, 0)", ((key,) for key in keys))

    def next_wanted(self, limit: int) -> list[str]:
        """Up to `limit` keys not looked up yet, marked as looked up."""
        query = "SELECT key FROM wanted WHERE asked = 0 ORDER BY key LIMIT ?"
        keys = [key for (key,) in self.db.execute(query, (limit,))]
        self.db.executemany("UPDATE wanted SET asked = 1 WHERE key = ?", ((key,) for key in keys))
        return keys

    def keep_stored(self, found: Sequence[tuple[str, str, str | None]]) -> None:
        """Stored cases found: (key, reference as stored, its duplicate_of's key or None)."""
        self.db.executemany("INSERT OR REPLACE INTO stored (key, reference, target) VALUES (?, ?, ?)", found)

    def stored(self, key: str) -> tuple[str, str | None] | None:
        """(reference as stored, its duplicate_of's key or None) of a stored case found, else None."""
        return self.db.execute("SELECT reference, target FROM stored WHERE key = ?", (key,)).fetchone()

    def settle(self, keys: Sequence[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO settled (key) VALUES (?)", ((key,) for key in keys))

    def is_settled(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM settled WHERE key = ?", (key,)).fetchone() is not None
