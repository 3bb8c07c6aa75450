"""Indexes the reports count from, so their cost follows the period asked about rather than the years held.

- `case_states (valid_to, type, status, valid_from)` replaces `(valid_to, valid_from, type, status)`. The
  position at a moment is counted in two parts, the states still current (valid_to at its far-future mark) and
  those that ended after the moment. With the type and status straight after valid_to, the current states are
  counted in index order, one group after another, instead of sorted: at a million cases that sort was most of
  `report position`. The ended part is still one range of valid_to, and both are read from the index alone.
- A partial index on the events that make a case received in an earlier year count in a year's annual report
  (a later stage starting, a response going out, an ombudsman enquiry opening), by time. Without it the report
  read every event of the year to find the few of these; it holds those few alone, so the other writes do not
  pay for it. The list must stay the report's (reports/stages.py COUNTED), written the same way in its query,
  for either database to use it.

Revision ID: 0010_report_indexes
Revises: 0009_queue_index
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_report_indexes"
down_revision = "0009_queue_index"
branch_labels = None
depends_on = None

COUNTED_WHERE = "action IN ('escalate', 'respond', 'ombudsman_open')"


def upgrade() -> None:
    op.create_index("ix_case_states_counted", "case_states", ["valid_to", "type", "status", "valid_from"])
    op.drop_index("ix_case_states_held", table_name="case_states")
    op.create_index(
        "ix_events_counted_at",
        "events",
        ["at", "case_id"],
        sqlite_where=sa.text(COUNTED_WHERE),
        postgresql_where=sa.text(COUNTED_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_events_counted_at", table_name="events")
    op.create_index("ix_case_states_held", "case_states", ["valid_to", "valid_from", "type", "status"])
    op.drop_index("ix_case_states_counted", table_name="case_states")
