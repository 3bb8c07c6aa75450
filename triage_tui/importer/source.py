"""Reading a spreadsheet as numbered rows of named cells, whatever the real world did to it.

CSV: a UTF-8 byte-order mark (Excel's "CSV UTF-8"), CRLF line ends, quoted newlines and commas, trailing
empty rows, header names in any case with spaces; a file that is not UTF-8 is read as Windows-1252 (Excel's
plain "CSV" on a UK PC) when every byte means something there, else refused. XLSX: the first sheet, streamed,
with real date cells as well as text. Line numbers are the file's lines (header = line 1) or the sheet's rows.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from triage_tui.domain.errors import InvalidInput

COLUMNS = (
    "reference",
    "received_at",
    "channel",
    "customer_name",
    "customer_email",
    "customer_phone",
    "summary",
    "details",
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
    "duplicate_of",
    "cohort",
)
REQUIRED = ("received_at", "customer_name", "summary")
# Fields far beyond any real complaint; the csv module's own default (128 KiB) would stop the whole file.
FIELD_LIMIT = 16 * 1024 * 1024

Cell = str | datetime | None


@dataclass(frozen=True)
class Sheet:
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str | None
    columns: list[str]  # the known columns present, in file order
    ignored: list[str]  # unknown columns skipped with --ignore-unknown


def normalise_header(name: str) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def detect_kind(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return "xlsx"
        raise InvalidInput(f"{path.name} is a zip archive, not a CSV file or an XLSX workbook")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise InvalidInput(f"{path.name} is not a valid XLSX workbook")
    if path.suffix.lower() == ".xls":
        raise InvalidInput(f"{path.name} is an old Excel .xls file: save it as .xlsx or CSV UTF-8 and import that")
    if b"\x00" in head:
        raise InvalidInput(f"{path.name} is not a text CSV file (it contains binary data)")
    return "csv"


def choose_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark) if the whole file is valid UTF-8, else Windows-1252 if every
    byte has a meaning there, else refuse: never guess into mojibake."""
    with path.open("rb") as handle:
        head = handle.read(3)
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{path.name} is neither UTF-8 nor Windows-1252 text: save it from Excel as 'CSV UTF-8' and import that"
            ) from None
    return "cp1252"


def _check_header(path: Path, raw: list[Any], ignore_unknown: bool) -> tuple[list[str | None], Sheet]:
    names = [normalise_header(h) if h is not None else "" for h in raw]
    while names and not names[-1]:
        names.pop()  # trailing empty header cells (Excel leaves them)
    if not any(names):
        raise InvalidInput(f"{path.name}: the first row must be the header (column names); it is empty")
    seen: set[str] = set()
    problems = []
    keep: list[str | None] = []
    ignored: list[str] = []
    for name in names:
        if name in seen:
            problems.append(f"column {name!r} appears twice")
        seen.add(name)
        if name in COLUMNS:
            keep.append(name)
        else:
            keep.append(None)
            if name:
                ignored.append(name)
    if ignored and not ignore_unknown:
        problems.append(
            f"unknown column{'s' if len(ignored) > 1 else ''} {', '.join(ignored)} (use --ignore-unknown to skip "
            f"{'them' if len(ignored) > 1 else 'it'}; known columns: {', '.join(COLUMNS)})"
        )
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.append(f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if problems:
        raise InvalidInput(f"{path.name}: header (line 1): " + "; ".join(problems))
    columns = [c for c in keep if c is not None]
    return keep, Sheet(path, "csv", None, columns, ignored)


def read_rows(path: Path, *, ignore_unknown: bool = False) -> tuple[Sheet, Iterator[tuple[int, dict[str, Cell]]]]:
    """The sheet's description and its data rows as (line number, {column: cell}), empty rows skipped."""
    kind = detect_kind(path)
    if kind == "xlsx":
        return _xlsx(path, ignore_unknown)
    return _csv(path, ignore_unknown)


def _csv(path: Path, ignore_unknown: bool) -> tuple[Sheet, Iterator[tuple[int, dict[str, Cell]]]]:
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path.name} is empty")
    encoding = choose_encoding(path)
    csv.field_size_limit(FIELD_LIMIT)
    handle = open(path, newline="", encoding=encoding)  # noqa: SIM115 - closed by rows() below or on error
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise InvalidInput(f"{path.name} is empty") from None
    except csv.Error as exc:
        handle.close()
        raise InvalidInput(f"{path.name}: line 1: not readable as CSV ({exc})") from None
    try:
        keep, sheet = _check_header(path, header, ignore_unknown)
    except InvalidInput:
        handle.close()
        raise
    sheet = Sheet(path, "csv", encoding, sheet.columns, sheet.ignored)
    width = len(keep)

    def rows() -> Iterator[tuple[int, dict[str, Cell]]]:
        with handle:
            start = reader.line_num + 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise InvalidInput(f"{path.name}: line {start}: not readable as CSV ({exc})") from None
                line = start
                start = reader.line_num + 1
                if not any(cell.strip() for cell in record):
                    continue  # an empty row (Excel's trailing rows, a blank line)
                if len(record) > width and any(cell.strip() for cell in record[width:]):
                    yield line, {"__extra__": f"{len(record)} cells, the header has {width}"}
                    continue
                yield line, {name: cell for name, cell in zip(keep, record, strict=False) if name is not None}

    return sheet, rows()


def _xlsx(path: Path, ignore_unknown: bool) -> tuple[Sheet, Iterator[tuple[int, dict[str, Cell]]]]:
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise InvalidInput("reading XLSX needs openpyxl: install the project's 'xlsx' extra") from None
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InvalidInput(f"{path.name} is not a readable XLSX workbook ({type(exc).__name__})") from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        book.close()
        raise InvalidInput(f"{path.name} has no sheets")
    rows_iter = sheet.iter_rows(values_only=True)
    header = next(rows_iter, None)
    if header is None:
        book.close()
        raise InvalidInput(f"{path.name}: the first sheet is empty")
    try:
        keep, described = _check_header(path, list(header), ignore_unknown)
    except InvalidInput:
        book.close()
        raise
    described = Sheet(path, "xlsx", None, described.columns, described.ignored)

    def cell(value: Any) -> Cell:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time(0, 0))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def rows() -> Iterator[tuple[int, dict[str, Cell]]]:
        try:
            for number, values in enumerate(rows_iter, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield number, {name: cell(v) for name, v in zip(keep, values, strict=False) if name is not None}
        finally:
            book.close()

    return described, rows()
