"""The benchmark's baseline: the csv module and sqlite3 executemany in one transaction, nothing checked.

    python plain_import.py FILE.csv DATABASE.sqlite [bare | batched | columns]

By default the rows go into the desk's own `cases` table (a freshly migrated database), the columns the file
has plus the constants a new contact needs; with `bare`, into a table of five text columns and no index. With
`batched`, into the cases table in INSERTs of 500 rows each, as the import writes them: the text search's
triggers make SQLite write out its search terms at the end of every statement, which executemany's one
statement per row pays 100,000 times over, so this is the quicker (and stricter) baseline. With `columns`, the
baseline as the issue first measured it: a table of the same columns as `cases` (declared as the desk declares
them) and a unique index on the reference, and nothing else (no search, no other index): what a script that
only stores the file's rows would do.
"""

import csv
import sqlite3
import sys
from datetime import UTC, datetime
from itertools import islice

source, target = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "cases"
connection = sqlite3.connect(target)
now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
INSERT = (
    "INSERT INTO cases (reference, received_at, channel, customer_name, summary, type, status, version, created_at,"
    " updated_at) VALUES "
)
ROW = "(?, ?, ?, ?, ?, 'unclassified', 'new', 1, ?, ?)"
with open(source, newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    with connection:
        if mode == "columns":
            declared = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'cases'")
            connection.execute(declared.fetchone()[0].replace("CREATE TABLE cases", "CREATE TABLE plain_cases", 1))
            connection.execute("CREATE UNIQUE INDEX ux_plain_cases_reference ON plain_cases (reference)")
            connection.executemany(
                INSERT.replace("INTO cases", "INTO plain_cases") + ROW,
                ((r[0], r[1], r[2], r[3], r[4], now, now) for r in rows),
            )
        elif mode == "bare":
            connection.execute("CREATE TABLE plain (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT)")
            connection.executemany("INSERT INTO plain VALUES (?, ?, ?, ?, ?)", rows)
        elif mode == "batched":
            while batch := list(islice(rows, 500)):
                values = [v for r in batch for v in (r[0], r[1], r[2], r[3], r[4], now, now)]
                connection.execute(INSERT + ", ".join([ROW] * len(batch)), values)
        else:
            connection.executemany(INSERT + ROW, ((r[0], r[1], r[2], r[3], r[4], now, now) for r in rows))
connection.close()
