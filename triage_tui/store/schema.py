"""The schema revision this program expects, importable without SQLAlchemy or Alembic."""

# The newest revision under db/migrations/versions. Kept here so that opening a current database costs one
# small query instead of importing Alembic; a test checks it against Alembic's own idea of the head.
SCHEMA_HEAD = "0012_case_facts"
KNOWN_REVISIONS = (
    "0001_initial",
    "0002_case_states",
    "0003_event_chain",
    "0004_case_insensitive_names",
    "0005_customers_and_preferences",
    "0006_case_search",
    "0007_stages_and_ombudsman",
    "0008_change_notifications",
    "0009_queue_index",
    "0010_report_indexes",
    "0011_state_tally",
    "0012_case_facts",
)
