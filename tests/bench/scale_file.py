"""A council's years of history as one import file, and a database built from it through `triage import`.

    python -m tests.bench.scale_file --db PATH [--cases 1000000] [--open 50000] [--years 10] [--seed 1]

Both databases of the scale table are made this way, with the same yearly volume (the cases divided by the
years), so a million cases is twenty years of a 50,000-a-year council rather than one year ten times as busy:
a year's annual report covers the same cases in both, and what grows is the history around it. The open cases
arrived in the last forty days; the rest are closed or responded histories, with every milestone an officer
records (so the import writes the events and states of each), and officers the file names created by the
import itself. The file is streamed to disk, never held whole; building the million takes some minutes.

The build prints one JSON line: the import's wall time and peak memory, and the file's rows and size.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TRIAGE = Path(sys.executable).parent / "triage"
COLUMNS = (
    "reference",
    "received_at",
    "channel",
    "customer_name",
    "customer_email",
    "customer_phone",
    "summary",
    "type",
    "status",
    "officer",
    "triaged_at",
    "allocated_at",
    "acknowledged_at",
    "sent_to_service_at",
    "service",
    "responded_at",
    "outcome",
    "closed_at",
    "close_reason",
    "signposted_to",
)
FIRST = ("Amira", "Ben", "Chloe", "Dev", "Ellen", "Femi", "Grace", "Hugo", "Isla", "Jon", "Kiran", "Lena", "Mo")
LAST = ("Adams", "Bello", "Clarke", "Doyle", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones", "Khan", "Lee")
COMPLAINTS = {
    "adults": (("Care package cut without assessment", "Adult Social Care"), ("Carer late again", "Home Care")),
    "children": (("Child in need plan not followed", "Children's Services"), ("Social worker changed", "Family")),
    "corporate": (
        ("Bin missed three weeks running", "Waste"),
        ("Pothole reported twice, not fixed", "Highways"),
        ("Council tax bill wrong after moving", "Council Tax"),
        ("Library closed without notice", "Libraries"),
    ),
    "other": (("Debt recovery letter in error", "Finance"),),
}
KINDS = ("adults", "children", "corporate", "corporate", "corporate", "other")
NOT_COMPLAINTS = (
    ("Bus route changed", "Bus operator"),
    ("Noisy neighbour's dog", "Environmental Health"),
    ("Hospital appointment cancelled", "NHS trust"),
)
OFFICERS = tuple(f"officer{n:02d}" for n in range(1, 41))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _row(rng: random.Random, i: int, is_open: bool, now: datetime, years: float) -> list[str]:
    if is_open:
        received = now - timedelta(hours=rng.uniform(0.5, 40 * 24))
    else:
        received = now - timedelta(days=rng.uniform(45, 45 + years * 365))
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    cells = dict.fromkeys(COLUMNS, "")
    cells.update(
        reference=f"HIST-{i + 1:07d}",
        received_at=_iso(received),
        channel=rng.choice(("email", "email", "web", "phone", "letter")),
        customer_name=name,
        customer_email=f"{name.split()[0].lower()}.{i}@example.org" if rng.random() < 0.6 else "",
        customer_phone=f"07{rng.randrange(10**8, 10**9)}" if rng.random() < 0.4 else "",
    )
    triaged = received + timedelta(hours=rng.uniform(0.5, 40))
    if rng.random() < 0.30:  # not a council complaint: signposted or passed on at triage
        summary, elsewhere = rng.choice(NOT_COMPLAINTS)
        cells["summary"] = summary
        if is_open:  # still waiting for triage
            cells["status"] = "new"
        else:
            cells.update(status="closed", closed_at=_iso(triaged), close_reason="signposted", signposted_to=elsewhere)
        return [cells[c] for c in COLUMNS]
    kind = rng.choice(KINDS)
    summary, service = rng.choice(COMPLAINTS[kind])
    officer = rng.choice(OFFICERS)
    allocated = triaged + timedelta(hours=rng.uniform(1, 24))
    acknowledged = allocated + timedelta(hours=rng.uniform(1, 48))
    sent = acknowledged + timedelta(hours=rng.uniform(1, 24))
    responded = sent + timedelta(days=rng.uniform(3, 20))
    cells.update(summary=summary, type=kind, triaged_at=_iso(triaged))
    if is_open:
        stage = rng.choices(("triaged", "allocated", "with_service"), weights=(8, 30, 62))[0]
        if stage == "triaged" or allocated > now:
            cells.update(status="triaged", triaged_at=_iso(min(triaged, now)))
        elif stage == "allocated" or sent > now:
            cells.update(status="allocated", officer=officer, allocated_at=_iso(allocated))
            if acknowledged <= now:
                cells["acknowledged_at"] = _iso(acknowledged)
        else:
            cells.update(
                status="with_service",
                officer=officer,
                allocated_at=_iso(allocated),
                acknowledged_at=_iso(acknowledged),
                sent_to_service_at=_iso(sent),
                service=service,
            )
        return [cells[c] for c in COLUMNS]
    if rng.random() < 0.08:
        closed = allocated + timedelta(hours=rng.uniform(1, 96))
        cells.update(
            status="closed",
            officer=officer,
            allocated_at=_iso(allocated),
            closed_at=_iso(closed),
            close_reason=rng.choice(("withdrawn", "out_of_time")),
        )
        return [cells[c] for c in COLUMNS]
    cells.update(
        status="responded",
        officer=officer,
        allocated_at=_iso(allocated),
        acknowledged_at=_iso(acknowledged),
        sent_to_service_at=_iso(sent),
        service=service,
        responded_at=_iso(responded),
        outcome=rng.choice(("upheld", "partly_upheld", "not_upheld")),
    )
    return [cells[c] for c in COLUMNS]


def write_history(
    path: Path, cases: int, open_cases: int, *, years: float, now: datetime | None = None, seed: int = 1
) -> Path:
    """`cases` rows, the last `open_cases` of them still open, the rest spread over `years` years."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(cases):
            writer.writerow(_row(rng, i, i >= cases - open_cases, now, years))
    return path


# The peak memory of an import, printed in MB by the process that ran it: its own peak (VmHWM: ru_maxrss of
# the process would include its parent's, inherited at fork) added to the largest of its children's (a bulk
# load's writer is a forked copy of it). The sum counts twice the pages the two share: an upper bound.
PEAK = (
    "import resource\n"
    "own = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "print((own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)\n"
)

PEAK_SCRIPT = f"""
import sys
from triage_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
{PEAK}"""


def build(db: Path, cases: int, open_cases: int, *, years: float, seed: int = 1) -> dict[str, float]:
    """A new database at `db` holding the generated history, imported by `triage import` as a supervisor would."""
    env = {**os.environ, "TRIAGE_DB": str(db), "TRIAGE_USER": "boss"}
    subprocess.run(
        [str(TRIAGE), "officer", "add", "boss", "--name", "Boss", "--role", "supervisor"],
        env=env,
        check=True,
        capture_output=True,
    )
    with tempfile.TemporaryDirectory(prefix="triage-scale-") as folder:
        source = write_history(Path(folder) / "history.csv", cases, open_cases, years=years, seed=seed)
        size_mb = source.stat().st_size / 1e6
        began = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, "import", str(source), "--create-officers", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - began
    if out.returncode != 0:
        raise RuntimeError(f"the import failed: {out.stderr[-2000:]}")
    lines = out.stdout.strip().splitlines()
    summary = json.loads("\n".join(lines[:-1]))
    if summary["imported"] != cases:
        raise RuntimeError(f"imported {summary['imported']} of {cases}: {summary['errors'][:5]}")
    return {"rows": cases, "file_mb": size_mb, "import_s": took, "import_peak_mb": float(lines[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the new database file (must not exist)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=50_000, dest="open_cases")
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.db.exists():
        parser.error(f"{args.db} exists: give a new file")
    print(json.dumps(build(args.db, args.cases, args.open_cases, years=args.years, seed=args.seed)))


if __name__ == "__main__":
    main()
