"""Refusals a person can act on. Each is shown as one line (exit 2 on the CLI, a notification in the desk)."""

from __future__ import annotations


class TriageError(Exception):
    """Base of every refusal that is the user's or the input's doing, never a bug."""


class InvalidInput(TriageError):
    """A value that cannot be read: a bad time, an unknown code, a missing field."""


class NotFound(TriageError):
    """An unknown case reference or username."""


class TransitionRefused(TriageError):
    """The case's state does not allow the action."""


class RoleRefused(TriageError):
    """The acting user's role does not allow the action."""


class Conflict(TriageError):
    """Someone else changed the case between reading and writing it."""


class SchemaOutOfDate(TriageError):
    """The database schema is older (or newer) than this version of the program."""


class StoreUnavailable(TriageError):
    """The database cannot be opened or written: a missing server, a read-only file, a full disk."""
