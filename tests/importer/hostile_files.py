"""Import files built in memory: a good sample as CSV or XLSX, and the means to damage a workbook's XML."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence

HEADER = [
    "reference",
    "received_at",
    "channel",
    "customer_name",
    "summary",
    "type",
    "status",
    "officer",
    "triaged_at",
    "allocated_at",
    "close_reason",
    "closed_at",
    "duplicate_of",
]
# New contacts, a history row for each officer-bearing status, a duplicate closed against an earlier row.
ROWS = [
    ["S-1", "2022-01-14T09:30", "web", "Siân Evans", "Bins missed", "", "", "", "", "", "", "", ""],
    ["S-2", "14/01/2022 10:05", "email", "Zoë O'Brien", "Pothole, deep", "", "", "", "", "", "", "", ""],
    [
        "S-3",
        "2022-01-15",
        "phone",
        "Ruth Hughes",
        "Noise at night",
        "adults",
        "triaged",
        "",
        "2022-01-15 10:00",
        "",
        "",
        "",
        "",
    ],
    [
        "S-4",
        "2022-01-16 09:00",
        "letter",
        "Tom Ng",
        "Care plan",
        "children",
        "allocated",
        "jnowak",
        "2022-01-16 10:00",
        "2022-01-16 11:00",
        "",
        "",
        "",
    ],
    [
        "S-5",
        "2022-01-17 09:00",
        "web",
        "Ann Lee",
        "Bins again",
        "corporate",
        "closed",
        "",
        "2022-01-17 10:00",
        "",
        "duplicate",
        "2022-01-17 11:00",
        "S-1",
    ],
    ["S-6", "2022-01-18 09:00", "web", "Bo Hart", "Council tax twice", "", "", "", "", "", "", "", ""],
]


def csv_bytes(rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite_part(workbook: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part's bytes changed (a missing part is left missing)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def drop_part(workbook: bytes, part: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def declare_entity(xml: bytes, value: str = "boom") -> bytes:
    """An internal entity declared and used: the start of every "billion laughs"."""
    doctype = f'<!DOCTYPE x [<!ENTITY e "{value}">]>'.encode()
    declaration = re.match(rb"<\?xml[^>]*\?>", xml)
    at = declaration.end() if declaration else 0
    body = xml[:at] + doctype + xml[at:]
    return body.replace(b"Bins missed", b"Bins &e;", 1)


def zip_bomb(size: int = 300 * 1024 * 1024) -> bytes:
    """A workbook-shaped zip whose sheet unpacks to `size` bytes of nothing."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return out.getvalue()


SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.S)


def shared_strings(workbook: bytes) -> bytes:
    """The workbook as Excel writes it: text in xl/sharedStrings.xml, cells holding its index (openpyxl itself
    writes inline strings)."""
    strings: list[bytes] = []

    def index(match: re.Match[bytes]) -> bytes:
        strings.append(match.group(3))
        return b'<c r="' + match.group(1) + b'"' + match.group(2) + b' t="s"><v>%d</v></c>' % (len(strings) - 1)

    sheet = "xl/worksheets/sheet1.xml"
    source = zipfile.ZipFile(io.BytesIO(workbook))
    body = _INLINE.sub(index, source.read(sheet))
    table = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        % (len(strings), len(strings))
        + b"".join(b"<si><t>" + text + b"</t></si>" for text in strings)
        + b"</sst>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == sheet:
                data = body
            elif info.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_TYPE}"/>'
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            target.writestr(info.filename, data)
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()
