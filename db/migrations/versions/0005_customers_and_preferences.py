"""A customer's postal address (letters still come), and each officer's kept desk settings.

`cases.customer_address` is free text as the customer wrote it. `officer_preferences` holds what an officer
set at the desk and expects to find next time (the queue's filter and sort): one JSON value per name.

Revision ID: 0005_customers_and_preferences
Revises: 0004_case_insensitive_names
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from triage_tui.store.types import UTCDateTime

revision = "0005_customers_and_preferences"
down_revision = "0004_case_insensitive_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: no table copy, however many cases there are.
    op.add_column("cases", sa.Column("customer_address", sa.String(500), nullable=True))
    op.create_table(
        "officer_preferences",
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("officer_preferences")
    # Plain DROP COLUMN (SQLite 3.35 and later): a batch copy of the table would lose its expression indexes.
    op.drop_column("cases", "customer_address")
