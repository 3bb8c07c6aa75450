"""Large import files for the interruption test and the benchmark."""

from __future__ import annotations

import csv
import random
from pathlib import Path

SUMMARIES = (
    "Bins missed three weeks running",
    "Pothole reported in March still not repaired",
    "Council tax charged twice this month",
    "Care package reduced without a reassessment",
    "Social worker not returning calls",
)


def write_contacts(path: Path, rows: int, *, seed: int = 7) -> Path:
    """`rows` new contacts with references, received across 2025, in the columns a feed would send."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "received_at", "channel", "customer_name", "summary"])
        for i in range(rows):
            month, day, hour, minute = rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 17), rng.randint(0, 59)
            writer.writerow(
                [
                    f"FEED-{i:07d}",
                    f"2025-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}",
                    rng.choice(("email", "web", "phone", "letter")),
                    f"Customer {i}",
                    rng.choice(SUMMARIES),
                ]
            )
    return path


OFFICERS = tuple(f"officer{n:02d}" for n in range(1, 31))
HISTORY_COLUMNS = (
    "reference",
    "received_at",
    "channel",
    "customer_name",
    "customer_email",
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


def write_history(path: Path, rows: int, *, open_share: float = 0.05, seed: int = 7) -> Path:
    """`rows` cases of a council's past, as a large database is loaded: most closed or responded with every
    milestone (so each writes its events and states), the last `open_share` of them new contacts. The officers
    are named, not stored: import with --create-officers."""
    rng = random.Random(seed)
    open_from = rows - int(rows * open_share)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HISTORY_COLUMNS)
        for i in range(rows):
            cells = dict.fromkeys(HISTORY_COLUMNS, "")
            year, month, day = rng.randint(2016, 2024), rng.randint(1, 12), rng.randint(1, 20)
            hour = rng.randint(8, 12)
            cells.update(
                reference=f"HIST-{i:07d}",
                received_at=f"{year}-{month:02d}-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}",
                channel=rng.choice(("email", "web", "phone", "letter")),
                customer_name=f"Customer {i}",
                customer_email=f"customer.{i}@example.org" if rng.random() < 0.5 else "",
                summary=rng.choice(SUMMARIES),
            )
            if i < open_from:
                at = [f"{year}-{month:02d}-{day + step:02d}T{hour + 1:02d}:00" for step in range(6)]
                if rng.random() < 0.25:  # not a complaint: signposted at triage
                    cells.update(status="closed", closed_at=at[1], close_reason="signposted", signposted_to="NHS")
                else:
                    cells.update(
                        type=rng.choice(("adults", "children", "corporate", "other")),
                        officer=rng.choice(OFFICERS),
                        triaged_at=at[1],
                        allocated_at=at[2],
                        acknowledged_at=at[3],
                        sent_to_service_at=at[4],
                        service="Highways",
                    )
                    if rng.random() < 0.1:
                        cells.update(status="closed", closed_at=at[5], close_reason="withdrawn")
                    else:
                        cells.update(status="responded", responded_at=at[5], outcome="upheld")
            writer.writerow([cells[column] for column in HISTORY_COLUMNS])
    return path
