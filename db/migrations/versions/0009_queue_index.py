"""The queue's candidates read from one index alone.

Before its first frame the desk reads, for every case waiting in the queue (new and triaged), the few columns
its deadlines come from, to rank them all by urgency. With the index on (status, received_at) alone each of
those rows was then fetched from the table, one page read per case scattered through the file: at a million
cases, with tens of thousands waiting, that read grew to several times the rest of the start. The index now
holds those columns too (SQLite has no INCLUDE, so they are key columns after the old two, which keeps every
query the old index answered), and the read is one range of it. It replaces the old index rather than adding
a second, so writes keep the same number of indexes to maintain.

Revision ID: 0009_queue_index
Revises: 0008_change_notifications
Create Date: 2026-12-07
"""

from alembic import op

revision = "0009_queue_index"
down_revision = "0008_change_notifications"
branch_labels = None
depends_on = None

# What store/quick.py and store/queries.py read for each candidate (domain/queue.py Candidate), after the key.
QUEUE_COLUMNS = [
    "status",
    "received_at",
    "id",
    "type",
    "triaged_at",
    "acknowledged_at",
    "stage",
    "stage_started_at",
    "extension_days",
    "panel_at",
]


def upgrade() -> None:
    op.create_index("ix_cases_queue", "cases", QUEUE_COLUMNS)
    op.drop_index("ix_cases_status_received", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_status_received", "cases", ["status", "received_at"])
    op.drop_index("ix_cases_queue", table_name="cases")
