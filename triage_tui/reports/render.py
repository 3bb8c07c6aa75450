"""Reports as the committee reads them (a table like the briefing's), as CSV safe to open in a spreadsheet,
and as JSON for scripts.

A report carries text someone typed (a cohort): the table gives Rich only Text objects, never markup, so
`[/]` or `[link=...]` is printed as it was typed, and every cell is made visible (control characters as
placeholders) in all three forms.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from triage_tui.domain.codes import Bucket, CaseType
from triage_tui.domain.text import json_text, safe_cell, visible_line
from triage_tui.reports import plain_table
from triage_tui.reports.annual import STAGE_TYPE_LABELS, AnnualReport
from triage_tui.reports.compute import BUCKET_LABELS, REPORT_LABELS, BucketReport, SlaReport, TrendReport

Report = BucketReport | SlaReport | TrendReport | AnnualReport
LONDON = ZoneInfo("Europe/London")
__all__ = [
    "Report",
    "as_csv",
    "as_json",
    "as_table",
    "columns",
    "export_csv",
    "file_stem",
    "period_columns",
    "render",
    "safe_cell",
    "sections",
    "title",
]


@dataclass(frozen=True)
class Section:
    """One table of a report: a report of several (the annual report, the SLA with its stages) shows each under
    its title, in the table, the CSV and the desk alike. `totals`: the last row is a total (shown bold)."""

    title: str
    header: list[str]
    body: list[list[Any]]
    totals: bool = True


def _label(row: dict[str, Any]) -> str:
    return REPORT_LABELS.get(CaseType(row["type"]), row["label"]) if "type" in row else row["label"]


def columns(report: Report) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (the totals last) of the report's first table, the same for the table and the CSV."""
    first = sections(report)[0]
    return first.header, first.body


def sections(report: Report) -> list[Section]:
    """Every table of the report, in the order shown."""
    if isinstance(report, AnnualReport):
        return _annual_sections(report)
    header, body = _first_columns(report)
    shown = [Section(title(report), header, body, not isinstance(report, TrendReport))]
    if isinstance(report, SlaReport):
        shown.append(_sla_stage_section(report))
    return shown


def _first_columns(report: BucketReport | SlaReport | TrendReport) -> tuple[list[str], list[list[Any]]]:
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


SLA_STAGE_HEADER = [
    "Type",
    "Stage",
    "Started",
    "Acknowledged",
    "Ack. in time",
    "Responded",
    "Response in time",
    "Within extension",
    "Extended",
]


def _sla_stage_section(report: SlaReport) -> Section:
    """The stages started in the period, by type and stage (stage 1 at receipt, later ones when asked for)."""
    body = []
    totals = {"started": 0, "acknowledged": 0, "acknowledged_within_target": 0, "responded": 0}
    totals |= {"responded_within_target": 0, "responded_within_extension": 0, "extended": 0}
    for r in report.stages:
        body.append(
            [
                r["label"],
                r["stage"],
                r["started"],
                r["acknowledged"],
                _share(r["acknowledged_within_target"], r["acknowledged"]),
                r["responded"],
                _share(r["responded_within_target"], r["responded"]),
                _share(r["responded_within_extension"], r["responded"]),
                r["extended"],
            ]
        )
        for name in totals:
            totals[name] += r[name]
    t = totals
    body.append(
        [
            "All stages",
            "",
            t["started"],
            t["acknowledged"],
            _share(t["acknowledged_within_target"], t["acknowledged"]),
            t["responded"],
            _share(t["responded_within_target"], t["responded"]),
            _share(t["responded_within_extension"], t["responded"]),
            t["extended"],
        ]
    )
    return Section(f"By stage: stages started {report.first} to {report.last}", SLA_STAGE_HEADER, body)


def _annual_sections(report: AnnualReport) -> list[Section]:
    contacts = Section(
        title(report),
        ["Financial year", _year_name(report.year)],
        [
            ["From", _uk_date(report.first)],
            ["To", _uk_date(report.last)],
            ["Contacts received", report.contacts],
            ["Not council complaints (service requests, signposted)", _share(report.not_complaints, report.contacts)],
        ],
        totals=False,
    )
    header = [
        "Type",
        "Stage",
        "Started",
        "Extended",
        "Responded",
        "Response in time",
        "Within extension",
        "Upheld",
        "Partly upheld",
        "Not upheld",
    ]
    body: list[list[Any]] = []
    sums = dict.fromkeys(report.stages[0] if report.stages else (), 0)
    for r in report.stages:
        body.append(_annual_stage_row(STAGE_TYPE_LABELS.get(CaseType(r["type"]), r["type"]), r["stage"], r))
        for name, value in r.items():
            if name not in ("type", "stage"):
                sums[name] += value
    if report.stages:
        body.append(_annual_stage_row("All complaints", "", sums))
    stages = Section("Complaints by stage: started and responded to in the year", header, body)
    o = report.ombudsman
    ombudsman = Section(
        "Ombudsman enquiries opened in the year",
        ["Ombudsman (LGSCO)", "Enquiries"],
        [
            ["Enquiries opened", o["enquiries"]],
            ["Decided: upheld", o["upheld"]],
            ["Decided: not upheld", o["not_upheld"]],
            ["Decided: not investigated", o["not_investigated"]],
            ["Remedies asked for", o["remedies"]],
            ["Remedies complied with in time", _share(o["remedies_complied_in_time"], o["remedies"])],
        ],
        totals=False,
    )
    services = [[s["service"], s["complaints"], _share(s["upheld"], s["complaints"])] for s in report.services]
    services.append(["All services", sum(s["complaints"] for s in report.services), _share(*_upheld_total(report))])
    by_service = Section(
        "Complaints received in the year by service (stage 1)",
        ["Service", "Complaints", "Upheld or partly upheld"],
        services,
    )
    return [contacts, stages, ombudsman, by_service]


def _upheld_total(report: AnnualReport) -> tuple[int, int]:
    return sum(s["upheld"] for s in report.services), sum(s["complaints"] for s in report.services)


def _annual_stage_row(label: str, stage: Any, r: dict[str, Any]) -> list[Any]:
    return [
        label,
        stage,
        r["started"],
        r["extended"],
        r["responded"],
        _share(r["responded_in_time"], r["responded"]),
        _share(r["responded_within_extension"], r["responded"]),
        r["upheld"],
        r["partly_upheld"],
        r["not_upheld"],
    ]


def _year_name(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _uk_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _share(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else "0"


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def title(report: Report) -> str:
    if isinstance(report, AnnualReport):
        return (
            f"Annual complaints performance report {_year_name(report.year)}: "
            f"{_uk_date(report.first)} to {_uk_date(report.last)}"
        )
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
    kind = "sla" if isinstance(report, SlaReport) else "annual" if isinstance(report, AnnualReport) else "trend"
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
    return []  # a trend's rows carry their own dates; the annual report's first table says its year


def as_table(report: Report) -> str:
    """The report's tables as Rich draws them (plain_table draws the usual ones the same, without loading Rich)."""
    shown = sections(report)
    rules = [section.totals or isinstance(report, TrendReport) for section in shown]
    trailer = None
    if isinstance(report, BucketReport) and report.not_complaint_share is not None:
        not_complaints = sum(r["total"] for r in report.rows if r["type"] == CaseType.SERVICE_REQUEST.value)
        trailer = (
            f"Not council complaints (service requests and signposted): {not_complaints} of "
            f"{report.totals['total']} ({report.not_complaint_share:.1%})"
        )
    drawn = plain_table.draw(
        [
            plain_table.Table(
                visible_line(section.title),
                list(section.header),
                [[visible_line(str(cell)) for cell in row] for row in section.body],
                rule,
            )
            for section, rule in zip(shown, rules, strict=True)
        ],
        trailer,
    )
    return drawn if drawn is not None else _rich_text(shown, rules, trailer)


def _rich_text(shown: list[Section], rules: list[bool], trailer: str | None) -> str:
    from rich.console import Console
    from rich.text import Text

    console = Console(width=200, record=True, file=io.StringIO(), color_system=None, emoji=False, highlight=False)
    for n, (section, rule) in enumerate(zip(shown, rules, strict=True)):
        if n:
            console.print()
        console.print(_rich_table(section, rule_before_last=rule))
    if trailer is not None:
        console.print(Text(trailer))
    return console.export_text()


def _rich_table(section: Section, *, rule_before_last: bool) -> Any:
    from rich.table import Table
    from rich.text import Text

    heading = visible_line(section.title)
    # At least as wide as its title, so the title reads on one line.
    table = Table(title=Text(heading), title_justify="left", show_lines=False, min_width=len(heading))
    for i, name in enumerate(section.header):
        table.add_column(Text(name), justify="left" if i == 0 else "right", no_wrap=i == 0)
    body = section.body
    for i, row in enumerate(body):
        last = i == len(body) - 1 and section.totals
        end = rule_before_last and i == len(body) - 2
        table.add_row(*(_text(cell) for cell in row), style="bold" if last else None, end_section=end)
    return table


def _text(cell: Any) -> Any:
    """A cell as literal text for Rich: markup in it is not read, control characters show as placeholders."""
    from rich.text import Text

    return Text(visible_line(str(cell)))


def _csv_cell(cell: Any) -> Any:
    return safe_cell(visible_line(cell)) if isinstance(cell, str) else cell


def as_csv(report: Report) -> str:
    """The report's tables as CSV: the first with its header on the first line, each further one after a blank
    line, under a line with its title."""
    cohort = report.header.get("cohort") if isinstance(report, BucketReport) else getattr(report, "cohort", None)
    return _csv(report, [], cohort)


def export_csv(report: Report) -> str:
    """As as_csv, each row also saying the moment or period its figures are for (a file exported from the desk
    says it without its name)."""
    cohort = getattr(report, "cohort", None) or getattr(report, "header", {}).get("cohort")
    return _csv(report, period_columns(report), cohort)


def _csv(report: Report, period: list[tuple[str, str]], cohort: str | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for n, section in enumerate(sections(report)):
        header = [name for name, _ in period] + section.header
        body = [[value for _, value in period] + row for row in section.body]
        if cohort:
            # The cohort is text someone typed: it goes in its own column, so a spreadsheet shows what was chosen.
            header = ["Cohort", *header]
            body = [[cohort, *row] for row in body]
        if n:
            writer.writerow([])
            writer.writerow([_csv_cell(section.title)])
        writer.writerow([_csv_cell(h) for h in header])
        for row in body:
            writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def as_json(report: Report) -> str:
    return json_text(report.to_json())


def render(report: Report, fmt: str) -> str:
    return {"table": as_table, "csv": as_csv, "json": as_json}[fmt](report)
