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
