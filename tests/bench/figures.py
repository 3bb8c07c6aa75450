"""Every benchmark's headline figures, gathered into the one table `make bench` prints at the end.

A benchmark calls `record` for each figure the issue names: what was measured (in words and numbers), the value
compared with the target (a ratio, or an absolute figure in its own unit) and the target itself. The table is
printed by conftest.py when the run ends and also written as JSON (TRIAGE_BENCH_TABLE, default
triage-bench-figures.json in the bench cache folder) so a run's figures can be quoted later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    name: str  # what is compared: "import 100,000 new contacts vs the plain script"
    measured: str  # the raw figures behind the value: "9.1 s vs 1.4 s (medians of 3)"
    value: float  # what the target bounds: a ratio (unit "x") or an absolute figure
    target: float  # the most the value may be
    unit: str = "x"

    @property
    def met(self) -> bool:
        return self.value <= self.target

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "met": self.met}


FIGURES: list[Figure] = []


def record(name: str, measured: str, value: float, target: float, unit: str = "x") -> Figure:
    figure = Figure(name, measured, value, target, unit)
    FIGURES.append(figure)
    return figure


def _shown(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def table(figures: list[Figure]) -> list[str]:
    """The figures as a plain-text table: figure, measured, value, target, met."""
    rows = [("figure", "measured", "value", "target", "")]
    for f in figures:
        rows.append(
            (f.name, f.measured, _shown(f.value, f.unit), "<= " + _shown(f.target, f.unit), "ok" if f.met else "MISSED")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
