"""The Complaint Handling Code's stages, extensions and the ombudsman on the same case.

`cases` gains the stage it is at (its milestones are that stage's), when the stage was asked for, the working
days its response was extended by, the children's stage-3 panel, and the ombudsman's enquiry. `case_stages`
keeps each earlier stage's milestones when the customer escalates. Existing cases are at stage 1, never
extended: the server defaults say so without touching a row.

Revision ID: 0007_stages_and_ombudsman
Revises: 0006_case_search
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from triage_tui.store.types import UTCDateTime

revision = "0007_stages_and_ombudsman"
down_revision = "0006_case_search"
branch_labels = None
depends_on = None

# Plain ADD COLUMN on both databases: no table copy (a batch copy of `cases` would lose its expression indexes
# and search triggers), however many cases there are.
CASE_COLUMNS = [
    sa.Column("stage", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("stage_started_at", UTCDateTime(), nullable=True),
    sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("panel_at", UTCDateTime(), nullable=True),
    sa.Column("ombudsman_reference", sa.String(64), nullable=True),
    sa.Column("ombudsman_opened_at", UTCDateTime(), nullable=True),
    sa.Column("ombudsman_respond_by", sa.Date(), nullable=True),
    sa.Column("ombudsman_answered_at", UTCDateTime(), nullable=True),
    sa.Column("ombudsman_decision", sa.String(20), nullable=True),
    sa.Column("ombudsman_decided_at", UTCDateTime(), nullable=True),
    sa.Column("ombudsman_remedy", sa.String(2000), nullable=True),
    sa.Column("ombudsman_remedy_due", sa.Date(), nullable=True),
    sa.Column("ombudsman_complied_at", UTCDateTime(), nullable=True),
]


def upgrade() -> None:
    for column in CASE_COLUMNS:
        op.add_column("cases", column)
    op.create_table(
        "case_stages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=True),
        sa.Column("allocated_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("sent_to_service_at", UTCDateTime(), nullable=True),
        sa.Column("service", sa.String(200), nullable=True),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("panel_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ux_case_stages_case_stage", "case_stages", ["case_id", "stage"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_case_stages_case_stage", table_name="case_stages")
    op.drop_table("case_stages")
    for column in reversed(CASE_COLUMNS):
        op.drop_column("cases", column.name)
