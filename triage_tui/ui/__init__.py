"""The desk: a Textual app over the services."""
