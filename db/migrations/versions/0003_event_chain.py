"""Each event's place in the audit chain and its hash; the chain filled for the events already stored.

The events stored so far are chained in id order (the order they were written). On PostgreSQL the columns are
added, filled in batches and then made NOT NULL; SQLite cannot make a column NOT NULL in place, so there the
table is copied once into its new shape, chained on the way, and its indexes and triggers made again.

Also closes two ways around the append-only triggers: TRUNCATE on PostgreSQL, and on SQLite `REPLACE INTO`
(which deletes the old row without firing the DELETE trigger while recursive_triggers is off).

Revision ID: 0003_event_chain
Revises: 0002_case_states
Create Date: 2026-12-01
"""

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

from triage_tui.store.chain import GENESIS, content_text, link
from triage_tui.store.types import UTCDateTime

revision = "0003_event_chain"
down_revision = "0002_case_states"
branch_labels = None
depends_on = None

BATCH = 5000
REFUSE = "SELECT RAISE(ABORT, 'events are append-only')"
# The append-only triggers of 0001 (SQLite), made again after the copy.
SQLITE_APPEND_ONLY = {
    f"events_append_only_{verb.lower()}": f"BEFORE {verb} ON events BEGIN {REFUSE}; END"
    for verb in ("UPDATE", "DELETE")
}
# REPLACE INTO (and INSERT OR REPLACE) would delete the row it collides with, silently: refused before that.
SQLITE_NO_REPLACE = (
    "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
    "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id) OR EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq) "
    f"BEGIN {REFUSE}; END"
)
CONTENT = ("id", "case_id", "at", "actor", "action", "from_status", "to_status", "details")


def _events(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("case_id", sa.Integer()),
        sa.column("at", UTCDateTime()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("from_status", sa.String()),
        sa.column("to_status", sa.String()),
        sa.column("details", sa.JSON()),
        sa.column("seq", sa.Integer()),
        sa.column("hash", sa.String()),
    )


def _chained_batches(bind: sa.Connection) -> Iterator[list[dict]]:
    """The stored events in id order, a batch at a time (read whole before the next, so writing between
    batches never disturbs an open cursor), each with its seq and hash."""
    source = _events("events")
    columns = [source.c[name] for name in CONTENT]
    seq, previous, last_id = 0, GENESIS, None
    while True:
        query = sa.select(*columns).order_by(source.c.id).limit(BATCH)
        if last_id is not None:
            query = query.where(source.c.id > last_id)
        rows = bind.execute(query).all()
        if not rows:
            return
        out = []
        for id_, case_id, at, actor, action, from_status, to_status, details in rows:
            seq += 1
            previous = link(previous, content_text(seq, case_id, at, actor, action, from_status, to_status, details))
            out.append({"id": id_, "seq": seq, "hash": previous})
        last_id = rows[-1][0]
        yield out


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    op.add_column("events", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(64), nullable=True))
    # Filling the new columns is an update the append-only trigger would refuse: it is off for this alone.
    op.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
    fill = sa.text(
        "UPDATE events SET seq = v.seq, hash = v.hash "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:seqs AS integer[]), CAST(:hashes AS text[])) AS v(id, seq, hash) "
        "WHERE events.id = v.id"
    )
    for batch in _chained_batches(bind):
        bind.execute(
            fill,
            {
                "ids": [row["id"] for row in batch],
                "seqs": [row["seq"] for row in batch],
                "hashes": [row["hash"] for row in batch],
            },
        )
    op.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
    op.alter_column("events", "seq", nullable=False)
    op.alter_column("events", "hash", nullable=False)
    op.create_index("ux_events_seq", "events", ["seq"], unique=True)
    op.execute(
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()"
    )


def _upgrade_sqlite() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    sa.Table("cases", meta, sa.Column("id", sa.Integer(), primary_key=True))  # for the foreign key only
    chained = sa.Table(
        "events_chained",
        meta,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    chained.create(bind)
    # AUTOINCREMENT's high-water mark, so no id is ever handed out twice.
    high = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'events'")).scalar()
    # Copied as stored text (no conversions), with the chain from the same rows read through their types.
    copy = sa.text(
        "INSERT INTO events_chained (id, case_id, at, actor, action, from_status, to_status, details, seq, hash) "
        "SELECT id, case_id, at, actor, action, from_status, to_status, details, :seq, :hash "
        "FROM events WHERE id = :id"
    )
    for batch in _chained_batches(bind):
        bind.execute(copy, batch)
    op.drop_table("events")  # and with it its indexes and triggers
    op.rename_table("events_chained", "events")
    if high is not None:
        raised = bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :high) WHERE name = 'events'"), {"high": high}
        )
        if raised.rowcount == 0:  # no rows were copied, so the new table had no mark yet
            bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', :high)"), {"high": high})
    op.create_index("ix_events_case_id", "events", ["case_id", "id"])
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ux_events_seq", "events", ["seq"], unique=True)
    for name, body in SQLITE_APPEND_ONLY.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(SQLITE_NO_REPLACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_replace")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
    op.drop_index("ux_events_seq", table_name="events")
    op.drop_column("events", "hash")
    op.drop_column("events", "seq")
