"""Each case's (type, status) over time, kept beside the events so a position report is one index scan.

Revision ID: 0002_case_states
Revises: 0001_initial
Create Date: 2026-11-26
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from triage_tui.store.types import UTCDateTime

revision = "0002_case_states"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

STILL = datetime(9999, 12, 31, tzinfo=UTC)


def upgrade() -> None:
    states = op.create_table(
        "case_states",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_to", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_states_held", "case_states", ["valid_to", "valid_from", "type", "status"])
    op.create_index("ix_case_states_case", "case_states", ["case_id", "valid_to"])

    # The states of the cases already stored, walked from their events in order.
    bind = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("received_at", UTCDateTime()))
    events = sa.table(
        "events",
        sa.column("id"),
        sa.column("case_id"),
        sa.column("at", UTCDateTime()),
        sa.column("action"),
        sa.column("to_status"),
        sa.column("details", sa.JSON()),
    )
    received = dict(bind.execute(sa.select(cases.c.id, cases.c.received_at)).all())
    rows = bind.execute(
        sa.select(events.c.case_id, events.c.at, events.c.action, events.c.to_status, events.c.details)
        .where(events.c.case_id.is_not(None))
        .order_by(events.c.case_id, events.c.id)
    )
    out: list[dict] = []
    current: dict | None = None
    last_case = None
    for case_id, at, action, to_status, details in rows:
        if case_id != last_case:
            last_case = case_id
            current = {"case_id": case_id, "type": "unclassified", "status": "new",
                       "valid_from": received[case_id], "valid_to": STILL}
            out.append(current)
        assert current is not None
        kind = current["type"]
        if action == "classify":
            data = details if isinstance(details, dict) else json.loads(details or "{}")
            kind = data.get("type", kind)
        elif action == "signpost":
            kind = "service_request"
        if (kind, to_status) != (current["type"], current["status"]):
            moment = max(at, current["valid_from"])
            current["valid_to"] = moment
            current = {"case_id": case_id, "type": kind, "status": to_status, "valid_from": moment, "valid_to": STILL}
            out.append(current)
    seen = {row["case_id"] for row in out}
    for case_id, moment in received.items():  # a case with no events yet: new since its receipt
        if case_id not in seen:
            out.append({"case_id": case_id, "type": "unclassified", "status": "new", "valid_from": moment,
                        "valid_to": STILL})
    for start in range(0, len(out), 5000):
        op.bulk_insert(states, out[start : start + 5000])


def downgrade() -> None:
    op.drop_table("case_states")
