"""Usernames and references unique regardless of letter case.

Unique indexes on lower(username) and lower(reference): `JNowak` and `jnowak` are one person, `CMP-1` and
`cmp-1` one case. The stored spelling stays as first given; lookups compare lower() with lower(), which these
indexes answer. A database that already holds such a pair cannot take the index: the upgrade stops, changes
nothing, and names the pairs, since only a person can say which spelling is right.

Revision ID: 0004_case_insensitive_names
Revises: 0003_event_chain
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from triage_tui.domain.errors import SchemaOutOfDate

revision = "0004_case_insensitive_names"
down_revision = "0003_event_chain"
branch_labels = None
depends_on = None

# (table, column, index, what the message calls them)
NAMES = (
    ("officers", "username", "ux_officers_username_lower", "usernames"),
    ("cases", "reference", "ux_cases_reference_lower", "case references"),
)
SHOWN = 10  # clashes named in the message; the rest are counted


def _clashes(table: str, column: str) -> list[list[str]]:
    """Groups of values that differ only in letter case, each group sorted."""
    rows = op.get_bind().execute(
        sa.text(
            f"SELECT {column} FROM {table} WHERE lower({column}) IN "
            f"(SELECT lower({column}) FROM {table} GROUP BY lower({column}) HAVING count(*) > 1) "
            f"ORDER BY lower({column}), {column}"
        )
    )
    groups: dict[str, list[str]] = {}
    for (value,) in rows:
        groups.setdefault(value.lower(), []).append(value)
    return list(groups.values())


def upgrade() -> None:
    problems = []
    for table, column, _, label in NAMES:
        groups = _clashes(table, column)
        if groups:
            shown = " and ".join(", ".join(group) for group in groups[:SHOWN])
            more = f" and {len(groups) - SHOWN} more" if len(groups) > SHOWN else ""
            problems.append(f"{label} that differ only in letter case: {shown}{more}")
    if problems:
        raise SchemaOutOfDate(
            "cannot upgrade: " + "; ".join(problems) + "; rename one of each first (nothing was changed)"
        )
    for table, column, index, _ in NAMES:
        op.create_index(index, table, [sa.text(f"lower({column})")], unique=True)


def downgrade() -> None:
    for table, _, index, _ in NAMES:
        op.drop_index(index, table_name=table)
