"""The headless commands of CONTRACT.md, over the same services as the desk.

Every refusal is one `error:` line on stderr with exit 2 and nothing written; exit 1 is reserved for bugs,
which are also reported in one line (set TRIAGE_DEBUG=1 for the traceback). Each group of commands lives in
its own module; importing them here registers them on `main`.
"""

from triage_tui.cli import (  # noqa: F401
    cases,
    database,
    demo,
    find,
    importing,
    officers,
    reports,
    stages,
    supervision,
)
from triage_tui.cli.base import main

__all__ = ["main"]
