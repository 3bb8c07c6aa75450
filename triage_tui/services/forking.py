"""Whether this process may hand work to a forked copy of itself, to run on a core of its own.

A command (the annual report, a bulk load) forks a copy only where the copy is safe to go on with and has a
core to run on: on Linux (macOS forbids much after fork, elsewhere there is none), with more than one core,
and from a process running no other thread, which might hold a lock the copy would then wait on forever. The
copy opens its own connections (none is carried across the fork) and leaves with os._exit, so it never runs
the caller's code after its work, nor closes what it inherited.
"""

from __future__ import annotations

import os
import sys
import threading


def can_fork() -> bool:
    return (
        sys.platform == "linux" and hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1
    )
