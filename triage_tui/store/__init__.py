"""SQLModel tables, engine setup, migrations and queries: knows SQL, nothing of Textual."""
