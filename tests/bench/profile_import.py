"""Where `triage import` spends its time: the whole command under cProfile, on a file it writes itself.

    python -m tests.bench.profile_import [--rows 100000] [--history] [--top 25]

New contacts by default (the benchmark's file); --history for closed and responded cases with every milestone
(the file a large database is loaded from). Prints the wall time, then the top functions by cumulative time
and by their own time, for the main thread (reading, checking, pass two), then for a bulk load's writer
(importer/run.py _BulkLoad): the forked copy of the command that writes it where it can be one (profiled in
the copy, which leaves its figures in a file), else the thread that does. Profiling roughly doubles the run's
time; the shares are what to read.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.bench.scale_file import write_history
from tests.importer.sample_file import write_contacts
from triage_tui.cli import main as triage
from triage_tui.domain.codes import Role, Team
from triage_tui.importer import run
from triage_tui.services.context import open_context
from triage_tui.services.officers import add_officer


def profile(rows: int, history: bool, top: int) -> str:
    with tempfile.TemporaryDirectory(prefix="triage-profile-") as folder:
        source = Path(folder) / "import.csv"
        if history:  # the scale benchmark's files: two years of a council's past, 5% still open
            write_history(source, rows, rows // 20, years=2)
        else:
            write_contacts(source, rows)
        db = str(Path(folder) / "desk.sqlite")
        ctx = open_context(db)
        add_officer(ctx, "boss", "boss", "Boss", Role.SUPERVISOR, Team.COMPLAINTS)
        ctx.store.dispose()
        args = ["import", str(source), "--db", db, "--as", "boss", *(["--create-officers"] if history else [])]
        profiler = cProfile.Profile()
        threads: list[cProfile.Profile] = []

        def profile_thread(*_: object) -> None:
            """Run once in each thread started while profiling (threading.setprofile): its own profiler."""
            sys.setprofile(None)
            threads.append(thread := cProfile.Profile())
            thread.enable()

        threading.setprofile(profile_thread)
        copy_figures = Path(folder) / "writer.prof"
        forked_load = run._forked_load

        def profiled_copy(*args: object) -> bytes:
            """Runs in the forked copy, which inherits this replacement: its own profile, left in a file."""
            copy = cProfile.Profile()
            copy.enable()
            try:
                return forked_load(*args)  # type: ignore[arg-type]
            finally:
                copy.disable()
                copy.dump_stats(copy_figures)

        run._forked_load = profiled_copy  # type: ignore[assignment]
        began = time.perf_counter()
        profiler.enable()
        try:
            triage(args)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        finally:
            profiler.disable()
            threading.setprofile(None)
            run._forked_load = forked_load
        took = time.perf_counter() - began
        out = io.StringIO()
        kind = "history rows" if history else "new contacts"
        out.write(f"triage import of {rows:,} {kind}: {took:.1f} s under the profiler\n")
        writers: list[tuple[str, cProfile.Profile | str]] = [("writer thread", thread) for thread in threads]
        if copy_figures.exists():
            writers.append(("writer (the forked copy of the command)", str(copy_figures)))
        for name, each in [("main thread", profiler), *writers]:
            out.write(f"--- {name}\n")
            stats = pstats.Stats(each, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(top)
            stats.sort_stats("tottime").print_stats(top)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--history", action="store_true", help="closed and responded histories, not new contacts")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(profile(args.rows, args.history, args.top))


if __name__ == "__main__":
    main()
