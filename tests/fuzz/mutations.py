"""Import files for the fuzzer: random bytes, and good CSV and XLSX files damaged in the ways files get damaged
(and the ways an attacker would damage them), each drawn from a seeded random generator so a case reproduces."""

from __future__ import annotations

import codecs
import io
import random
import re
import zipfile
from collections.abc import Callable

from tests.importer.hostile_files import HEADER, ROWS, csv_bytes, declare_entity, shared_strings, xlsx_bytes

INSERTS = (
    b"\x00",
    b'"',
    b"\n",
    b"\r",
    b"\r\n",
    b",",
    codecs.BOM_UTF8,
    b"\x1b[31m",
    b"\x7f",
    b"\xc2\x85",  # NEL
    b"\xe2\x80\xae",  # right-to-left override
    b"\xff",
    b"\x81",
    b'=HYPERLINK("http://x")',
    b"'=1+1",
    b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8
)


HOSTILE_CELLS = (
    *("\x00", "=cmd|' /C calc'!A0", "'=1+1", "\x1b]0;t\x07", "\u202e", "0001-01-01T00:30+01:00", "9" * 5000),
    *("31/02/2022", "2022-13-01", "S-1", "s-5", "closed", "duplicate", "jnowak", "JNOWAK", "new.person"),
    *("bad name", "9999-12-31T23:59:59+14:00", "1e308", "-", "@SUM(1)"),
)


def _rows(rng: random.Random) -> list[list[str]]:
    """The good sample, sometimes with more rows (new contacts named so that they sometimes repeat)."""
    rows = [list(r) for r in ROWS]
    for _ in range(rng.randint(0, 20)):
        rows.append([f"F-{rng.randint(0, 60)}", f"2022-02-0{rng.randint(1, 9)} 09:00", "web", "Fuzz", "Fuzzed"])
        rows[-1] += [""] * (len(HEADER) - len(rows[-1]))
    rng.shuffle(rows)
    return rows


# --- bytes --------------------------------------------------------------------------------------------------------


def flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(INSERTS) * rng.choice((1, 1, 2, 50)) + data[at:]


def delete(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 30) :]


def repeat(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    piece = data[at : at + rng.randint(1, 200)]
    return data[:at] + piece * rng.randint(2, 50) + data[at:]


BYTE_MUTATIONS: tuple[Callable[[random.Random, bytes], bytes], ...] = (flip, truncate, insert, delete, repeat)


def random_bytes(rng: random.Random) -> tuple[bytes, str]:
    size = rng.choice((0, 1, 4, 100, 1000, 5000))
    data = bytes(rng.getrandbits(8) for _ in range(size))
    if rng.random() < 0.3:
        data = rng.choice((b"PK\x03\x04", codecs.BOM_UTF8, b"reference,received_at,customer_name,summary\n")) + data
    return data, rng.choice((".csv", ".xlsx", ".txt"))


# --- CSV ------------------------------------------------------------------------------------------------------------


def _table_mutation(rng: random.Random, header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """A change to the table itself: a column repeated, dropped, unknown or moved; a cell huge or hostile."""
    width = len(header)
    choice = rng.randrange(7)
    if choice == 0:  # a column twice
        i = rng.randrange(width)
        return [*header, header[i]], [[*r, r[i]] for r in rows]
    if choice == 1:  # a column dropped (required ones too)
        i = rng.randrange(width)
        return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]
    if choice == 2:  # an unknown column
        return [*header, rng.choice(("postcode", "", "Notes ", "x" * 300))], [[*r, "extra"] for r in rows]
    if choice == 3:  # a huge cell
        r, i = rng.randrange(len(rows)), rng.randrange(width)
        rows[r][i] = rng.choice('xz ,\n"') * rng.choice((501, 20_001, 300_000, 2_000_000))
        return header, rows
    if choice == 4:  # a hostile cell
        r, i = rng.randrange(len(rows)), rng.randrange(width)
        rows[r][i] = rng.choice(HOSTILE_CELLS)
        return header, rows
    if choice == 5:  # columns in another order
        order = list(range(width))
        rng.shuffle(order)
        return [header[i] for i in order], [[r[i] for i in order] for r in rows]
    # a row too long, or a great many columns
    r = rng.randrange(len(rows))
    rows[r] = rows[r] + ["more"] * rng.choice((1, 10, 5000))
    return header, rows


def mutated_csv(rng: random.Random) -> tuple[bytes, str]:
    header, rows = list(HEADER), _rows(rng)
    for _ in range(rng.choice((0, 1, 1, 2))):
        header, rows = _table_mutation(rng, header, rows)
    encoding = rng.choice(("utf-8", "utf-8", "utf-8-sig", "cp1252"))
    try:
        data = csv_bytes(rows, header=header, encoding=encoding)
    except UnicodeEncodeError:
        data = csv_bytes(rows, header=header)
    if rng.random() < 0.3:
        data = data.replace(b"\r\n", rng.choice((b"\n", b"\r")))
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        data = rng.choice(BYTE_MUTATIONS)(rng, data)
    return data, ".csv"


# --- XLSX -----------------------------------------------------------------------------------------------------------


def _xml_mutation(rng: random.Random, part: str, xml: bytes) -> bytes:
    choice = rng.randrange(9)
    if choice == 0:
        return declare_entity(xml, rng.choice(("boom", "&#38;#38;", "x" * 1000)))
    if choice == 1:  # an external entity
        return re.sub(
            rb"(<\?xml[^>]*\?>)?", rb'\g<0><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', xml, count=1
        )
    if choice == 2:  # a cell pointing past the shared strings, or a number no float holds
        return xml.replace(b"<v>1</v>", rng.choice((b"<v>99999</v>", b"<v>-1</v>", b"<v>" + b"9" * 5000 + b"</v>")), 1)
    if choice == 3:  # a row or cell moved far away
        return re.sub(
            rb'r="([A-Z]*)3"', rb'r="\g<1>' + str(rng.choice((0, 70000, 1048577, 10**12))).encode() + b'"', xml
        )
    if choice == 4:  # a cell of another type
        return xml.replace(b't="s"', rng.choice((b't="n"', b't="d"', b't="b"', b't="e"', b't="str"', b't="zz"')), 1)
    if choice == 5:  # a date style on text or a huge serial
        return xml.replace(b"<v>", b"<v>" + rng.choice((b"1e308", b"-5", b"2958466", b"nan")), 1)
    if choice == 6:  # the dimension says something else
        return re.sub(
            rb'<dimension ref="[^"]*"', rng.choice((b'<dimension ref="A1:XFD1048576"', b'<dimension ref="A1"')), xml
        )
    if choice == 7:  # an escape OOXML uses for characters XML cannot hold
        return xml.replace(b"Bins", rng.choice((b"_x0000_", b"_xD800_", b"_x001B_")), 1)
    return rng.choice(BYTE_MUTATIONS)(rng, xml)


def mutated_xlsx(rng: random.Random, bases: dict[str, bytes]) -> tuple[bytes, str]:
    book = bases["shared" if rng.random() < 0.6 else "inline"]
    if rng.random() < 0.3:  # fresh rows, so good workbooks import something new too
        book = xlsx_bytes(_rows(rng))
        if rng.random() < 0.5:
            book = shared_strings(book)
    source = zipfile.ZipFile(io.BytesIO(book))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    for _ in range(rng.choice((0, 1, 1, 2))):
        name = rng.choice(sorted(parts))
        if rng.random() < 0.1:
            del parts[name]
        elif name.endswith(".xml") or name.endswith(".rels"):
            parts[name] = _xml_mutation(rng, name, parts[name])
        else:
            parts[name] = rng.choice(BYTE_MUTATIONS)(rng, parts[name])
    if rng.random() < 0.03:  # a zip bomb: a part that unpacks to a thousand times its size
        parts["xl/worksheets/sheet1.xml"] = b" " * (3 * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    data = out.getvalue()
    if rng.random() < 0.15:  # the zip itself damaged
        data = rng.choice(BYTE_MUTATIONS)(rng, data)
    return data, ".xlsx"


def bases() -> dict[str, bytes]:
    inline = xlsx_bytes(ROWS)
    return {"inline": inline, "shared": shared_strings(inline)}


def generate(rng: random.Random, workbooks: dict[str, bytes]) -> tuple[bytes, str, str]:
    """(content, file suffix, what kind of case it is)."""
    kind = rng.choices(("bytes", "csv", "xlsx"), weights=(1, 5, 4))[0]
    if kind == "bytes":
        return (*random_bytes(rng), kind)
    if kind == "csv":
        return (*mutated_csv(rng), kind)
    return (*mutated_xlsx(rng, workbooks), kind)
