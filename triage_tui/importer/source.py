"""Reading a spreadsheet as numbered rows of named cells, whatever the real world did to it.

CSV: a UTF-8 byte-order mark (Excel's "CSV UTF-8"), CRLF line ends, quoted newlines and commas, trailing
empty rows, header names in any case with spaces; a file that is not UTF-8 is read as Windows-1252 (Excel's
plain "CSV" on a UK PC) when every byte means something there, else refused. XLSX: the first sheet, streamed,
with real date cells as well as text. Line numbers are the file's lines (header = line 1) or the sheet's rows.

Files are hostile too: every way a file can fail to read is an InvalidInput naming the line (exit 2), never an
exception of the parser's own. A NUL byte, which no database text column takes, is a problem of its row; a
workbook that declares XML entities, or unpacks to far more than it weighs, is refused before it is parsed.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from triage_tui.domain.errors import InvalidInput

COLUMNS = (
    "reference",
    "received_at",
    "channel",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_address",
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
    # A case escalated to stage 2 (importer/stages.py): the columns above then describe stage 1, and `status`
    # with the closure columns describes stage 2.
    "stage2_requested_at",
    "stage2_officer",
    "stage2_allocated_at",
    "stage2_acknowledged_at",
    "stage2_sent_to_service_at",
    "stage2_service",
    "stage2_responded_at",
    "stage2_outcome",
)
REQUIRED = ("received_at", "customer_name", "summary")
# Fields far beyond any real complaint; the csv module's own default (128 KiB) would stop the whole file.
FIELD_LIMIT = 16 * 1024 * 1024
# A physical line is read whole before the csv module sees it: bounded, so a file without line ends is refused
# instead of read into memory at once.
LINE_LIMIT = FIELD_LIMIT + 1024 * 1024
# Far more columns than any export a council would send (32 are known); a header wider than this is not one.
MAX_COLUMNS = 1000
# Excel's last row: a sheet claiming rows beyond it is not a spreadsheet Excel wrote.
MAX_SHEET_ROW = 1_048_576
# A workbook's parts, unpacked: real ones compress 5 to 20 times; a "zip bomb" thousands of times.
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_BOOK_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100
MAX_PARTS = 10_000
# Row problems found while reading (a NUL byte, more cells than columns) travel with the row under this key.
PROBLEMS = "__problems__"
NUL_MESSAGE = "contains a NUL byte"
_SURROGATE = re.compile("[\ud800-\udfff]")

Cell = str | datetime | None
Problems = list[tuple[str, str]]


@dataclass(frozen=True)
class Sheet:
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str | None
    columns: list[str]  # the known columns present, in file order
    ignored: list[str]  # unknown columns skipped with --ignore-unknown


def shown(value: object, limit: int = 40) -> str:
    """A value quoted for a message: cut short, control characters escaped (repr does that)."""
    text = str(value)
    return repr(text[:limit] + "…") if len(text) > limit else repr(text)


def normalise_header(name: str) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def detect_kind(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
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
    return "csv"


def _looks_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\x00" in handle.read(4096)


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
        fallback = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(1 << 20):
                fallback.decode(chunk)
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{path.name} is neither UTF-8 nor Windows-1252 text: save it from Excel as 'CSV UTF-8' and import that"
            ) from None
    return "cp1252"


def _listed(names: list[str]) -> str:
    shown_names = ", ".join(shown(name, 30)[1:-1] for name in names[:10])
    return shown_names + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _check_header(path: Path, raw: list[Any], ignore_unknown: bool) -> tuple[list[str | None], Sheet, list[str]]:
    """Which column each header cell is (None: skipped), the sheet, and every header cell's name for messages."""
    names = [normalise_header(h) if h is not None else "" for h in raw]
    while names and not names[-1]:
        names.pop()  # trailing empty header cells (Excel leaves them)
    if not any(names):
        raise InvalidInput(f"{path.name}: the first row must be the header (column names); it is empty")
    if len(names) > MAX_COLUMNS:
        raise InvalidInput(f"{path.name}: header (line 1): {len(names):,} columns; an import has at most {MAX_COLUMNS}")
    if any("\x00" in name for name in names):
        raise InvalidInput(f"{path.name}: header (line 1): a column name {NUL_MESSAGE}")
    seen: set[str] = set()
    problems = []
    keep: list[str | None] = []
    ignored: list[str] = []
    for name in names:
        if name in seen and name:
            problems.append(f"column {shown(name, 30)} appears twice")
        seen.add(name)
        if name in COLUMNS:
            keep.append(name)
        else:
            keep.append(None)
            if name:
                ignored.append(name)
    if ignored and not ignore_unknown:
        problems.append(
            f"unknown column{'s' if len(ignored) > 1 else ''} {_listed(ignored)} (use --ignore-unknown to skip "
            f"{'them' if len(ignored) > 1 else 'it'}; known columns: {', '.join(COLUMNS)})"
        )
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.append(f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if problems:
        raise InvalidInput(f"{path.name}: header (line 1): " + "; ".join(problems))
    columns = [c for c in keep if c is not None]
    return keep, Sheet(path, "csv", None, columns, ignored), [name or "row" for name in names]


def read_rows(path: Path, *, ignore_unknown: bool = False) -> tuple[Sheet, Iterator[tuple[int, dict[str, Any]]]]:
    """The sheet's description and its data rows as (line number, {column: cell}), empty rows skipped. A row
    with problems found while reading carries them under PROBLEMS, beside the cells it has."""
    kind = detect_kind(path)
    if kind == "xlsx":
        return _xlsx(path, ignore_unknown)
    return _csv(path, ignore_unknown)


# --- CSV ----------------------------------------------------------------------------------------------------------


class _Lines:
    """The file's physical lines for the csv module, each bounded in length; notes a NUL byte as it passes, so
    only the rows that have one are searched cell by cell."""

    def __init__(self, handle: IO[str], name: str) -> None:
        self.handle = handle
        self.name = name
        self.nul = False
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        readline = self.handle.readline
        while line := readline(LINE_LIMIT):
            self.number += 1
            if len(line) >= LINE_LIMIT and line[-1] not in "\r\n":
                raise InvalidInput(
                    f"{self.name}: line {self.number}: not readable as CSV "
                    f"(a line longer than {LINE_LIMIT:,} characters)"
                )
            if "\x00" in line:
                self.nul = True
            yield line


def _csv(path: Path, ignore_unknown: bool) -> tuple[Sheet, Iterator[tuple[int, dict[str, Any]]]]:
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path.name} is empty")
    encoding = choose_encoding(path)
    csv.field_size_limit(FIELD_LIMIT)
    handle = open(path, newline="", encoding=encoding)  # noqa: SIM115 - closed by rows() below or on error
    lines = _Lines(handle, path.name)
    reader = csv.reader(iter(lines))
    try:
        header = next(reader)
        keep, sheet, names = _check_header(path, header, ignore_unknown)
    except StopIteration:
        handle.close()
        raise InvalidInput(f"{path.name} is empty") from None
    except csv.Error as exc:
        handle.close()
        raise InvalidInput(f"{path.name}: line 1: not readable as CSV ({exc})") from None
    except InvalidInput:
        handle.close()
        if _looks_binary(path):  # a PDF, a UTF-16 "Unicode text" export...: say what it is, not which columns
            raise InvalidInput(f"{path.name} is not a text CSV file (it contains binary data)") from None
        raise
    except BaseException:
        handle.close()
        raise
    sheet = Sheet(path, "csv", encoding, sheet.columns, sheet.ignored)
    width = len(keep)
    # No column left out: each row's cells are its record, named (half the time of picking them out).
    every: list[str] | None = sheet.columns if None not in keep else None
    lines.nul = False

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with handle:
            start = reader.line_num + 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise InvalidInput(f"{path.name}: line {start}: not readable as CSV ({exc})") from None
                except UnicodeDecodeError:  # the file changed after its encoding was chosen
                    raise InvalidInput(f"{path.name}: line {start}: not {encoding} text") from None
                except OSError as exc:
                    raise InvalidInput(f"{path.name}: line {start}: cannot read ({exc.strerror or exc})") from None
                line = start
                start = reader.line_num + 1
                if not "".join(record).strip():
                    continue  # an empty row (Excel's trailing rows, a blank line); a NUL is not blank
                if every is not None:
                    cells: dict[str, Any] = dict(zip(every, record, strict=False))
                else:
                    cells = {name: cell for name, cell in zip(keep, record, strict=False) if name}
                problems: Problems = []
                if lines.nul:
                    lines.nul = False
                    problems = [
                        (names[i] if i < len(names) else "row", NUL_MESSAGE)
                        for i, cell in enumerate(record)
                        if "\x00" in cell
                    ]
                if len(record) > width and any(cell.strip() for cell in record[width:]):
                    problems.append(("row", f"more cells than columns ({len(record):,} cells, the header has {width})"))
                if problems:
                    cells[PROBLEMS] = problems
                yield line, cells

    return sheet, rows()


# --- XLSX ---------------------------------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    """Refuse a workbook that is not a zip, or unpacks to far more than any real one, before parsing it."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidInput(f"{path.name} is not a valid XLSX workbook (a damaged zip: {exc})") from None
    if len(parts) > MAX_PARTS:
        raise InvalidInput(f"{path.name} is not a workbook this program will read: {len(parts):,} parts")
    total = 0
    for part in parts:
        total += part.file_size
        bomb = part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1)
        if part.file_size > MAX_PART_BYTES or total > MAX_BOOK_BYTES or bomb:
            raise InvalidInput(
                f"{path.name} is not a workbook this program will read: it unpacks to "
                f"{part.file_size:,} bytes from {part.compress_size:,} ({shown(part.filename, 60)})"
            )


def _unreadable(path: Path, exc: BaseException, where: str = "") -> InvalidInput:
    """openpyxl and the XML and zip layers under it raise many kinds for a damaged or hostile workbook, often
    wrapped (openpyxl re-raises a parser's refusal as ValueError): the cause says which it was."""
    kinds: set[str] = set()
    cause: BaseException | None = exc
    while cause is not None and len(kinds) < 10:
        kinds.add(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    if kinds & {"EntitiesForbidden", "DTDForbidden"}:
        why = "it declares XML entities"
    elif kinds & {"ExternalReferenceForbidden", "NotSupportedError"}:
        why = "it refers to external XML"
    elif "MemoryError" in kinds:
        why = "too large to read"
    else:
        why = f"damaged ({type(exc).__name__})"
    return InvalidInput(f"{path.name} is not a workbook this program will read{where}: {why}")


def _xlsx(path: Path, ignore_unknown: bool) -> tuple[Sheet, Iterator[tuple[int, dict[str, Any]]]]:
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise InvalidInput("reading XLSX needs openpyxl: install the project's 'xlsx' extra") from None
    _check_zip(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns on stderr about styles it cannot read
            book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl, zip, XML: see _unreadable
        raise _unreadable(path, exc) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise InvalidInput(f"{path.name} has no sheets")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                header = next(sheet.iter_rows(max_row=1, values_only=True), None)
        except InvalidInput:
            raise
        except Exception as exc:  # openpyxl, zip, XML: see _unreadable
            raise _unreadable(path, exc, " (row 1)") from None
        if header is None:
            raise InvalidInput(f"{path.name}: the first sheet is empty")
        keep, described, names = _check_header(path, list(header), ignore_unknown)
    except BaseException:
        book.close()
        raise
    described = Sheet(path, "xlsx", None, described.columns, described.ignored)
    width = len(keep)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values_iter = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
                while True:
                    number += 1
                    try:
                        values = next(values_iter, None)
                        if values is None:
                            return
                        if number > MAX_SHEET_ROW:
                            raise InvalidInput(f"{path.name}: row {number:,} is beyond Excel's last row")
                        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                            continue
                        cells, problems = _xlsx_cells(keep, names, values)
                    except InvalidInput:
                        raise
                    except Exception as exc:  # openpyxl, zip, XML: see _unreadable
                        raise _unreadable(path, exc, f" (row {number})") from None
                    if problems:
                        cells[PROBLEMS] = problems
                    yield number, cells
        finally:
            book.close()

    return described, rows()


def _xlsx_cells(keep: list[str | None], names: list[str], values: tuple[Any, ...]) -> tuple[dict[str, Any], Problems]:
    cells: dict[str, Any] = {}
    problems: Problems = []
    for index, value in enumerate(values):
        text = _xlsx_cell(value)
        if isinstance(text, str) and ("\x00" in text or _SURROGATE.search(text)):
            # OOXML escapes such as _x0000_ and _xD800_ bring them in; no database text column takes them.
            why = NUL_MESSAGE if "\x00" in text else "contains an invalid character (a lone surrogate)"
            problems.append((names[index] if index < len(names) else "row", why))
        name = keep[index] if index < len(keep) else None
        if name is not None:
            cells[name] = text
    return cells, problems


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
