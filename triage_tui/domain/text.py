"""Text from the public: how long each field may be, how it is shown, and how a spreadsheet is kept from running it.

Customers' words are stored as given (within LIMITS) and shown literally everywhere: control characters that
would move a terminal's cursor, retitle it or make it answer (ESC, CSI, OSC), and the bidirectional overrides
that reorder what a reader sees, are replaced by visible placeholders whenever text reaches a screen.
"""

from __future__ import annotations

import json
import re
from typing import Any

# One table for every free-text field, whichever way it arrives (command line, desk or import).
LIMITS: dict[str, int] = {
    "reference": 40,
    "channel": 20,
    "customer_name": 200,
    "customer_email": 254,
    "customer_phone": 40,
    "customer_address": 500,
    "summary": 500,
    "details": 20_000,
    "note": 5_000,
    "reason": 2_000,
    "service": 200,
    "signposted_to": 200,
    "cohort": 64,
    "username": 64,
    "officer_name": 200,
    "ombudsman_reference": 64,
    "remedy": 2_000,
}


def limit_of(field: str) -> int:
    return LIMITS[field]


# C0 controls but tab and newline, DEL, C1 controls; the bidirectional embeddings, overrides, isolates and marks;
# the line and paragraph separators (a line break to some terminals, none to others).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")


def _placeholder(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ … ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def _placeholder_line(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\t":
        return " "
    if char == "\n":
        return "\u2424"  # ␤: a line break, in text kept to one line
    return _placeholder(match)


def visible(text: str) -> str:
    """The text with every control character shown as a placeholder; tabs and line breaks kept."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_placeholder, text)


def visible_line(text: str) -> str:
    """As `visible`, for one line of a table or a list: a tab is a space, a line break shows as ␤."""
    if not _UNSAFE_LINE.search(text):
        return text
    return _UNSAFE_LINE.sub(_placeholder_line, text)


def has_control(text: str) -> bool:
    return _UNSAFE.search(text) is not None


# JSON: json.dumps escapes C0 itself; DEL, C1, the bidi controls and the separators are escaped here too, so
# a reader that prints a JSON string raw (a shell's `jq -r` aside) cannot be steered by them.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}]")


def json_text(data: Any, *, indent: int | None = 2) -> str:
    dumped = json.dumps(data, indent=indent, ensure_ascii=False)
    if not _JSON_UNSAFE.search(dumped):
        return dumped
    # These characters appear only inside JSON strings (the syntax is ASCII), where \\uXXXX means the same.
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


# Spreadsheets run a cell that starts like a formula (and some strip leading controls or spaces first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value
