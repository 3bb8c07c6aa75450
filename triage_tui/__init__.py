"""A keyboard-driven complaints triage desk for a council's complaints team."""

__version__ = "0.1.0"
