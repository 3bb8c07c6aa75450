"""Codes, lifecycle rules and the deadline clock: no Textual, no SQL."""
