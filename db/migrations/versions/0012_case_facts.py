"""SQLite: per case, the facts the annual report reads from its events, kept by a trigger as events are written.

The annual report read straight from a SQLite file (reports/quick_annual.py) used to aggregate every event of
every case that counts in the year: the latest classification, the first acknowledgement, the latest response
and its outcome, the latest service it was sent to, and whether anything it cannot count by itself happened (a
later stage, a response taken back, an extension, a panel, the ombudsman). About 280,000 events for a year of
50,000 contacts: most of the report's time. Each of those facts is a latest or an earliest, so it can be kept
as events arrive: `case_facts` holds them per case, with the time of the case's latest such event, and a
trigger on `events` folds each new event in (events are never changed or removed: migration 0003). The report
then reads one row per case where that latest event is within the year, and aggregates the events of the
others (those changed since the year ended) as before.

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
        """
        CREATE TABLE case_facts (
            case_id INTEGER PRIMARY KEY REFERENCES cases (id),
            replayed INTEGER NOT NULL,
            kind_key TEXT,
            acknowledged_at TEXT,
            responded_key TEXT,
            sent_key TEXT,
            last_at TEXT NOT NULL
        )
        """
    )
    facts = _facts("e")
    aggregate = {"replayed": "max", "acknowledged_at": "min"}
    columns = ", ".join(facts)
    op.execute(
        f"INSERT INTO case_facts (case_id, {columns}) SELECT e.case_id, "
        + ", ".join(f"{aggregate.get(name, 'max')}({expression})" for name, expression in facts.items())
        + f" FROM events e WHERE e.case_id IS NOT NULL AND e.action IN ({READ}) GROUP BY e.case_id"
    )
    new = _facts("NEW")
    op.execute(
        f"""
        CREATE TRIGGER events_case_facts AFTER INSERT ON events
        WHEN NEW.case_id IS NOT NULL AND NEW.action IN ({READ})
        BEGIN
            INSERT INTO case_facts (case_id, {columns}) VALUES (NEW.case_id, {", ".join(new.values())})
            ON CONFLICT (case_id) DO UPDATE SET replayed = max(replayed, excluded.replayed),
                {", ".join(_fold(name) for name in facts if name != "replayed")};
        END
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER events_case_facts")
    op.execute("DROP TABLE case_facts")
