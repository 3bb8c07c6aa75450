"""The benchmark's baseline: the csv module and sqlite3 executemany in one transaction, nothing checked.

    python plain_import.py FILE.csv DATABASE.sqlite [bare]

By default the rows go into the desk's own `cases` table (a freshly migrated database), the columns the file
has plus the constants a new contact needs; with `bare`, into a table of five text columns and no index.
"""

import csv
import sqlite3
import sys
from datetime import UTC, datetime

source, target = sys.argv[1], sys.argv[2]
bare = len(sys.argv) > 3 and sys.argv[3] == "bare"
connection = sqlite3.connect(target)
now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
with open(source, newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    with connection:
        if bare:
            connection.execute("CREATE TABLE plain (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT)")
            connection.executemany("INSERT INTO plain VALUES (?, ?, ?, ?, ?)", rows)
        else:
            connection.executemany(
                "INSERT INTO cases (reference, received_at, channel, customer_name, summary, type, status, version,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'unclassified', 'new', 1, ?, ?)",
                ((r[0], r[1], r[2], r[3], r[4], now, now) for r in rows),
            )
connection.close()
