"""SQLite: per case, the facts the annual report reads from its events, kept by a trigger as events are written.

The annual report read straight from a SQLite file (reports/quick_annual.py) used to aggregate every event of
every case that counts in the year: the latest classification, the first acknowledgement, the latest response
and its outcome, the latest service it was sent to, and whether anything it cannot count by itself happened (a
later stage, a response taken back, an extension, a panel, the ombudsman). About 280,000 events for a year of
50,000 contacts: most of the report's time. Each of those facts is a latest or an earliest, so it can be kept
as events arrive: `case_facts` holds them per case, with the time of the case's latest such event, and a
trigger on `events` folds each new event in (events are never changed or removed: migration 0003). The rows
are kept in the order of the cases' receipt, so a year's are one range read without touching `cases`. The
report then reads one row per case where that latest event is within the year, and aggregates the events of
the others (those changed since the year ended) as before.

Only the events the report reads (reports/stages.py STAGE_ACTIONS) fire the trigger's work: an imported new
contact (its intake alone) costs one test. The keys are written exactly as the report's own aggregation writes
them (a test holds the table equal to that aggregation over generated years). Not on PostgreSQL, whose annual
report replays the events through the services; like the search structures (0006) this table is the
migrations' alone, left out of the comparison with the ORM's metadata (store/unmapped.py).

Revision ID: 0012_case_facts
Revises: 0011_state_tally
Create Date: 2026-12-07
"""

from alembic import op

revision = "0012_case_facts"
down_revision = "0011_state_tally"
branch_labels = None
depends_on = None

READ = (
    "'classify', 'signpost', 'reopen', 'escalate', 'acknowledge', 'extend', 'panel', 'send', 'respond', "
    "'ombudsman_open', 'ombudsman_decide', 'ombudsman_complied'"
)
REPLAYED = "'escalate', 'reopen', 'extend', 'panel', 'ombudsman_open', 'ombudsman_decide', 'ombudsman_complied'"
# A time and the event's id made 13 digits long, then the value: the latest by (time, id) sorts last as text.
ID_KEY = "({e}.id + 1000000000000)"


def _facts(e: str) -> dict[str, str]:
    """Each fact of one event `e` (NULL where the event says nothing of it)."""
    key = f"{e}.at || {ID_KEY.format(e=e)}"
    return {
        "replayed": f"{e}.action IN ({REPLAYED})",
        "kind_key": f"CASE WHEN {e}.action IN ('classify', 'signpost') THEN {key} || CASE WHEN {e}.action = "
        f"'signpost' THEN 'service_request' ELSE coalesce(json_extract({e}.details, '$.type'), '') END END",
        "acknowledged_at": f"CASE WHEN {e}.action = 'acknowledge' THEN {e}.at END",
        "responded_key": f"CASE WHEN {e}.action = 'respond' THEN {key} "
        f"|| coalesce('+' || json_extract({e}.details, '$.outcome'), '-') END",
        "sent_key": f"CASE WHEN {e}.action = 'send' THEN {key} || coalesce(json_type({e}.details, '$.service'), "
        f"'null') || ':' || coalesce(json_extract({e}.details, '$.service'), '') END",
        "last_at": f"{e}.at",
    }


EARLIEST = {"acknowledged_at"}

# What the keys say, worked out once as each row is written (the report reads these): the type, the response's
# time and outcome, the service, and whether the report can count the case without replaying its events
# (nothing it must replay, every time in the usual form, a type it knows, a service given as text). The same
# expressions as the report's own for the cases it aggregates (reports/quick_annual.py DECODED).
TIME_WIDTH = 26  # 'YYYY-MM-DD HH:MM:SS.ffffff'
KEY_WIDTH = TIME_WIDTH + 13
TYPES = "'adults', 'children', 'corporate', 'other', 'service_request', 'unclassified'"
DECODED = {
    "received_month": ("TEXT", "substr(received_at, 1, 7)"),
    "kind": ("TEXT", f"coalesce(substr(kind_key, {KEY_WIDTH + 1}), 'unclassified')"),
    "responded_at": ("TEXT", f"substr(responded_key, 1, {TIME_WIDTH})"),
    "outcome": ("TEXT", f"substr(responded_key, {KEY_WIDTH + 1})"),
    "service": ("TEXT", f"substr(sent_key, {KEY_WIDTH + 1})"),
    "usable": (
        "INTEGER",
        f"NOT replayed AND length(received_at) = {TIME_WIDTH}"
        f" AND coalesce(length(acknowledged_at), {TIME_WIDTH}) = {TIME_WIDTH}"
        f" AND coalesce(substr(responded_key, {TIME_WIDTH + 1}, 1), '1') = '1'"
        f" AND coalesce(substr(kind_key, {TIME_WIDTH + 1}, 1), '1') = '1'"
        f" AND coalesce(substr(sent_key, {TIME_WIDTH + 1}, 1), '1') = '1'"
        f" AND coalesce(substr(kind_key, {KEY_WIDTH + 1}), 'unclassified') IN ({TYPES})"
        f" AND (sent_key IS NULL OR substr(sent_key, {KEY_WIDTH + 1}, 5) IN ('text:', 'null:'))",
    ),
}


def _fold(column: str) -> str:
    """The kept value and a new event's, folded: the earliest or the latest of the two that are not NULL."""
    better = "<" if column in EARLIEST else ">"
    return (
        f"{column} = CASE WHEN {column} IS NULL OR excluded.{column} {better} {column} "
        f"THEN coalesce(excluded.{column}, {column}) ELSE {column} END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"""
        CREATE TABLE case_facts (
            received_at TEXT NOT NULL,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            replayed INTEGER NOT NULL,
            kind_key TEXT,
            acknowledged_at TEXT,
            responded_key TEXT,
            sent_key TEXT,
            last_at TEXT NOT NULL,
            {", ".join(f"{name} {kind} GENERATED ALWAYS AS ({expression}) STORED" for name, (kind, expression) in DECODED.items())},
            PRIMARY KEY (received_at, case_id)
        ) WITHOUT ROWID
        """
    )
    op.execute("CREATE UNIQUE INDEX ux_case_facts_case ON case_facts (case_id)")
    # A year's kept facts in the order the report counts them (month received, then what it counts them by),
    # holding every column it reads: it counts them as it reads the index, without sorting them.
    op.execute(
        "CREATE INDEX ix_case_facts_counted ON case_facts (received_month, usable, kind, service, outcome, "
        "received_at, responded_at, acknowledged_at, last_at)"
    )
    # The cases received before a year that changed in it or after (those that can count in it: a response, a
    # later stage or an enquiry in it), found by the time of their latest change.
    op.execute("CREATE INDEX ix_case_facts_changed ON case_facts (last_at, received_at)")
    facts = _facts("e")
    aggregate = {"replayed": "max", "acknowledged_at": "min"}
    columns = ", ".join(facts)
    op.execute(
        f"INSERT INTO case_facts (received_at, case_id, {columns}) SELECT c.received_at, e.case_id, "
        + ", ".join(f"{aggregate.get(name, 'max')}({expression})" for name, expression in facts.items())
        + f" FROM events e JOIN cases c ON c.id = e.case_id WHERE e.action IN ({READ}) GROUP BY e.case_id"
    )
    new = _facts("NEW")
    op.execute(
        f"""
        CREATE TRIGGER events_case_facts AFTER INSERT ON events
        WHEN NEW.case_id IS NOT NULL AND NEW.action IN ({READ})
        BEGIN
            INSERT INTO case_facts (received_at, case_id, {columns})
            VALUES ((SELECT received_at FROM cases WHERE id = NEW.case_id), NEW.case_id, {", ".join(new.values())})
            ON CONFLICT (case_id) DO UPDATE SET replayed = max(replayed, excluded.replayed),
                {", ".join(_fold(name) for name in facts if name != "replayed")};
        END
        """
    )
    # A case's receipt is never changed once recorded; were it, its facts would follow.
    op.execute(
        """
        CREATE TRIGGER cases_received_case_facts AFTER UPDATE OF received_at ON cases
        BEGIN
            UPDATE case_facts SET received_at = NEW.received_at WHERE case_id = NEW.id;
        END
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER cases_received_case_facts")
    op.execute("DROP TRIGGER events_case_facts")
    op.execute("DROP TABLE case_facts")
