"""How many cases are now in each (type, status), kept as states are written (store/tally.py).

`report position` counted every current state from the index, so its time grew with every case ever held: at
a million cases, mostly closed, that was a million index entries for each report. state_tally holds those
counts, filled here from case_states and kept up to date in the transaction of each change afterwards.

Revision ID: 0011_state_tally
Revises: 0010_report_indexes
Create Date: 2026-12-07
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from triage_tui.store.types import UTCDateTime

revision = "0011_state_tally"
down_revision = "0010_report_indexes"
branch_labels = None
depends_on = None

# The end of a state still current (store/tables.py STILL), as the column type writes it on each database.
STILL = datetime(9999, 12, 31, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "state_tally",
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("type", "status"),
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO state_tally (type, status, n) "
            "SELECT type, status, count(*) FROM case_states WHERE valid_to = :still GROUP BY type, status"
        ).bindparams(sa.bindparam("still", STILL, type_=UTCDateTime)),
    )


def downgrade() -> None:
    op.drop_table("state_tally")
