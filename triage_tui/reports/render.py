"""Reports as the committee reads them (a table like the briefing's), as CSV safe to open in a spreadsheet,
and as JSON for scripts.

A report carries text someone typed (a cohort): the table gives Rich only Text objects, never markup, so
`[/]` or `[link=...]` is printed as it was typed, and every cell is made visible (control characters as
placeholders) in all three forms.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from triage_tui.domain.codes import Bucket, CaseType
from triage_tui.domain.text import json_text, safe_cell, visible_line
from triage_tui.reports.compute import BUCKET_LABELS, REPORT_LABELS, BucketReport, SlaReport, TrendReport

Report = BucketReport | SlaReport | TrendReport
LONDON = ZoneInfo("Europe/London")
__all__ = [
    "Report",
    "as_csv",
    "as_json",
    "as_table",
    "columns",
    "file_stem",
    "period_columns",
    "render",
    "safe_cell",
    "title",
]


def _label(row: dict[str, Any]) -> str:
    return REPORT_LABELS.get(CaseType(row["type"]), row["label"]) if "type" in row else row["label"]


def columns(report: Report) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (the totals last), the same for the table and the CSV."""
    if isinstance(report, BucketReport):
        header = ["Type", "Total", *(BUCKET_LABELS[b] for b in report.buckets)]
        body = [[_label(r), r["total"], *(r[b.value] for b in report.buckets)] for r in report.rows]
        body.append(["Total", report.totals["total"], *(report.totals[b.value] for b in report.buckets)])
        return header, body
    if isinstance(report, SlaReport):
        header = [
            "Type",
            "Cases",
            "Triaged",
            "Within 24h",
            "Within 48h",
            "Acknowledged",
            "Ack. in time",
            "Responded",
            "Response in time",
            "Median triage hours",
        ]
        body = []
        for r in [*report.rows, {**report.totals, "label": "Total"}]:
            body.append(
                [
                    _label(r) if r["label"] != "Total" else "Total",
                    r["cases"],
                    r["triaged"],
                    _share(r["triaged_within_target"], r["triaged"]),
                    _share(r["triaged_within_limit"], r["triaged"]),
                    r["acknowledged"],
                    _share(r["acknowledged_within_target"], r["acknowledged"]),
                    r["responded"],
                    _share(r["responded_within_target"], r["responded"]),
                    "" if r["median_triage_hours"] is None else r["median_triage_hours"],
                ]
            )
        return header, body
    header = ["Date", "Open", *(BUCKET_LABELS[b] for b in (Bucket.UNALLOCATED, Bucket.COMPLAINTS_TEAM, Bucket.SERVICE))]
    body = [[p["date"], p["total"], p["unallocated"], p["complaints_team"], p["service"]] for p in report.points]
    return header, body


def _share(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else "0"


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def title(report: Report) -> str:
    if isinstance(report, BucketReport) and report.name == "position":
        cohort = f", cohort {visible_line(report.header['cohort'])}" if report.header.get("cohort") else ""
        return f"Position at {_local(report.header['as_of'])}{cohort}"
    if isinstance(report, BucketReport):
        h = report.header
        return f"Contacts received {h['from']} to {h['to']}, as at {_local(h['as_of'])}"
    if isinstance(report, SlaReport):
        return f"Deadlines met for contacts received {report.first} to {report.last}"
    cohort = f", cohort {visible_line(report.cohort)}" if report.cohort else ""
    return f"Open cases each {report.every}, {report.first} to {report.last}{cohort}"


def file_stem(report: Report) -> str:
    """A name for an exported report that says which report and which dates it holds, so two exports of
    different dates never share a name: `triage-report-position-2022-01-14`, `triage-report-sla-2021-11-30-to-...`."""
    if isinstance(report, BucketReport) and report.name == "position":
        moment = datetime.fromisoformat(report.header["as_of"]).astimezone(LONDON)
        return f"triage-report-position-{moment:%Y-%m-%d-%H%M}"
    if isinstance(report, BucketReport):
        h = report.header
        moment = datetime.fromisoformat(h["as_of"]).astimezone(LONDON)
        return f"triage-report-{report.name}-{h['from']}-to-{h['to']}-as-at-{moment:%Y-%m-%d-%H%M}"
    kind = "sla" if isinstance(report, SlaReport) else "trend"
    return f"triage-report-{kind}-{report.first}-to-{report.last}"


def period_columns(report: Report) -> list[tuple[str, str]]:
    """What moment or period the figures are for, as (column, value): an exported row says it by itself."""
    if isinstance(report, BucketReport) and report.name == "position":
        return [("As at", _local(report.header["as_of"]))]
    if isinstance(report, BucketReport):
        h = report.header
        return [("From", str(h["from"])), ("To", str(h["to"])), ("As at", _local(h["as_of"]))]
    if isinstance(report, SlaReport):
        return [("From", str(report.first)), ("To", str(report.last))]
    return []  # a trend's rows carry their own dates


def as_table(report: Report) -> str:
    header, body = columns(report)
    table = Table(title=Text(title(report)), title_justify="left", show_lines=False)
    for i, name in enumerate(header):
        table.add_column(Text(name), justify="left" if i == 0 else "right", no_wrap=i == 0)
    for i, row in enumerate(body):
        last = i == len(body) - 1 and not isinstance(report, TrendReport)
        table.add_row(*(_text(cell) for cell in row), style="bold" if last else None, end_section=i == len(body) - 2)
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None, emoji=False, highlight=False)
    console.print(table)
    if isinstance(report, BucketReport) and report.not_complaint_share is not None:
        not_complaints = sum(r["total"] for r in report.rows if r["type"] == CaseType.SERVICE_REQUEST.value)
        console.print(
            Text(
                f"Not council complaints (service requests and signposted): {not_complaints} of "
                f"{report.totals['total']} ({report.not_complaint_share:.1%})"
            )
        )
    return console.export_text()


def _text(cell: Any) -> Text:
    """A cell as literal text for Rich: markup in it is not read, control characters show as placeholders."""
    return Text(visible_line(str(cell)))


def _csv_cell(cell: Any) -> Any:
    return safe_cell(visible_line(cell)) if isinstance(cell, str) else cell


def as_csv(report: Report) -> str:
    header, body = columns(report)
    cohort = report.header.get("cohort") if isinstance(report, BucketReport) else getattr(report, "cohort", None)
    if cohort:
        # The cohort is text someone typed: it goes in its own column, so a spreadsheet shows what was chosen.
        header = ["Cohort", *header]
        body = [[cohort, *row] for row in body]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_csv_cell(h) for h in header])
    for row in body:
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def as_json(report: Report) -> str:
    return json_text(report.to_json())


def render(report: Report, fmt: str) -> str:
    return {"table": as_table, "csv": as_csv, "json": as_json}[fmt](report)
