"""The structures the migrations make that the ORM's metadata does not declare: the text search's (0006) and
the annual report's per-case facts on SQLite (0012). A comparison of a database with the metadata (Alembic's
autogenerate, and the test that the migrations build the declared tables) leaves them out."""

from __future__ import annotations

from typing import Any

from triage_tui.store.search import is_search_structure

CASE_FACTS = "case_facts"


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """For Alembic's `include_name`."""
    return not (is_search_structure(name) or name == CASE_FACTS)
