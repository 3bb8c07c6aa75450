"""Finding any case, and knowing the customer's other cases, with each database's own text search.

SQLite: an FTS5 table with the trigram tokenizer (any part of a word, in any letter case) over the reference,
the customer's name, email and phone, and the summary. It reads its text from `cases` (external content) and is
kept current by triggers on `cases`, so every way a case is written (the services' ORM, the import's raw
executemany) updates it in the same transaction, and no service code has to remember it.

PostgreSQL: pg_trgm. One GIN trigram index over the same fields (lower case, joined), which answers
`LIKE '%words%'` for each word; an expression index is kept current by the server itself.

Both: expression indexes for finding the same customer's other cases: the email in lower case, the phone as
digits with +44 written as 0, the name in lower case with runs of blanks made one; and the reference and that
name for prefix searches of one or two characters. Expressions and names must match triage_tui/store/search.py
(a test checks the queries use these indexes).

These structures are not in the ORM's metadata: the comparison of the migrations with the tables leaves them out
by name (store/search.py `is_search_structure`).

Revision ID: 0006_case_search
Revises: 0005_customers_and_preferences
Create Date: 2026-12-03
"""

from alembic import op

revision = "0006_case_search"
down_revision = "0005_customers_and_preferences"
branch_labels = None
depends_on = None

FIELDS = "reference, customer_name, customer_email, customer_phone, summary"


def _sqlite_digits(column: str) -> str:
    expr = column
    for sep in (" ", "-", "(", ")", ".", "+", "/"):
        expr = f"replace({expr}, '{sep}', '')"
    return expr


def _sqlite_phone_key(column: str) -> str:
    d = _sqlite_digits(column)
    return (
        f"CASE WHEN substr({d}, 1, 5) = '00440' THEN '0' || substr({d}, 6) "
        f"WHEN substr({d}, 1, 4) = '0044' THEN '0' || substr({d}, 5) "
        f"WHEN substr({d}, 1, 3) = '440' THEN '0' || substr({d}, 4) "
        f"WHEN substr({d}, 1, 2) = '44' THEN '0' || substr({d}, 3) "
        f"ELSE {d} END"
    )


def _sqlite_name_key(column: str) -> str:
    expr = f"replace(replace({column}, char(9), ' '), char(10), ' ')"
    for _ in range(3):
        expr = f"replace({expr}, '  ', ' ')"
    return f"lower(trim({expr}))"


PG_DOC = (
    "lower(reference || ' ' || customer_name || ' ' || coalesce(customer_email, '') || ' ' || "
    "coalesce(customer_phone, '') || ' ' || summary)"
)
PG_PHONE_KEY = "regexp_replace(regexp_replace(customer_phone, '[^0-9]', '', 'g'), '^(00)?440?', '0')"
PG_NAME_KEY = "lower(btrim(regexp_replace(customer_name, '\\s+', ' ', 'g')))"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgresql()


def _upgrade_sqlite() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE cases_fts USING fts5({FIELDS}, content='cases', content_rowid='id', "
        "tokenize='trigram')"
    )
    new = ", ".join(f"new.{f.strip()}" for f in FIELDS.split(","))
    old = ", ".join(f"old.{f.strip()}" for f in FIELDS.split(","))
    op.execute(
        f"CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN "
        f"INSERT INTO cases_fts(rowid, {FIELDS}) VALUES (new.id, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
        f"INSERT INTO cases_fts(cases_fts, rowid, {FIELDS}) VALUES ('delete', old.id, {old}); END"
    )
    # Only when a searched field is set: a status change leaves the index alone.
    op.execute(
        f"CREATE TRIGGER cases_fts_update AFTER UPDATE OF {FIELDS} ON cases BEGIN "
        f"INSERT INTO cases_fts(cases_fts, rowid, {FIELDS}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO cases_fts(rowid, {FIELDS}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')")
    op.execute("CREATE INDEX ix_cases_email_key ON cases (lower(customer_email))")
    op.execute(f"CREATE INDEX ix_cases_phone_key ON cases ({_sqlite_phone_key('customer_phone')})")
    op.execute(f"CREATE INDEX ix_cases_name_key ON cases ({_sqlite_name_key('customer_name')})")


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX ix_cases_search_trgm ON cases USING gin (({PG_DOC}) gin_trgm_ops)")
    op.execute("CREATE INDEX ix_cases_reference_prefix ON cases (lower(reference) text_pattern_ops)")
    op.execute("CREATE INDEX ix_cases_email_key ON cases (lower(customer_email))")
    op.execute(f"CREATE INDEX ix_cases_phone_key ON cases (({PG_PHONE_KEY}))")
    op.execute(f"CREATE INDEX ix_cases_name_key ON cases (({PG_NAME_KEY}) text_pattern_ops)")


def downgrade() -> None:
    # Plain DROPs: no table is copied, so the other expression indexes on cases stay.
    for index in ("ix_cases_name_key", "ix_cases_phone_key", "ix_cases_email_key"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("cases_fts_update", "cases_fts_delete", "cases_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS cases_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_cases_reference_prefix")
        op.execute("DROP INDEX IF EXISTS ix_cases_search_trgm")
        # pg_trgm stays: other databases' objects in this server may use it, and it costs nothing idle.
