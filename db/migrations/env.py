"""Alembic environment: runs on the connection the program hands over (see triage_tui/store/migrate.py)."""

from alembic import context
from sqlmodel import SQLModel

import triage_tui.store.tables  # noqa: F401  (registers the tables on the metadata)
from triage_tui.store import unmapped

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `triage db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    # The text search's structures and the annual report's facts live in the migrations only (store/unmapped.py).
    include_name=unmapped.include_name,
)
with context.begin_transaction():
    context.run_migrations()
