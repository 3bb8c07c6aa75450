"""PostgreSQL tells the listening desks when something changed, instead of each desk asking every second.

Every change to a case writes an audit event in the same transaction (the services' ORM and the import's raw
executemany alike), and a desk reads what changed as the events after the last one it read. So one trigger on
`events` covers every way a change is written: after each INSERT statement it sends a notification on the
fixed channel `triage_changes`. The server holds a notification until its transaction commits, drops it if the
transaction rolls back, and folds identical ones of one transaction into one: the payload is empty, so an
import of many rows, or an action writing several events, wakes each desk once, at its commit. A desk reads the
events after its own watermark when woken; the notification says only "look now".

SQLite has no notifications (a desk on SQLite keeps polling): there this revision changes nothing.

Revision ID: 0008_change_notifications
Revises: 0007_stages_and_ombudsman
Create Date: 2026-12-04
"""

from alembic import op

revision = "0008_change_notifications"
down_revision = "0007_stages_and_ombudsman"
branch_labels = None
depends_on = None

# The channel the desks LISTEN on: triage_tui/store/notify.py CHANNEL.
CHANNEL = "triage_changes"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        "CREATE FUNCTION events_notify_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    # Per statement, not per row: one call however many rows a statement inserts.
    op.execute(
        "CREATE TRIGGER events_notify_change AFTER INSERT ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_notify_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS events_notify_change ON events")
    op.execute("DROP FUNCTION IF EXISTS events_notify_change()")
