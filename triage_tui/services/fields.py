"""Free text from people and files, held to the one table of limits (domain/text.py LIMITS) whichever
service it reaches: the command line, the desk and the import all refuse the same text the same way."""

from __future__ import annotations

from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.text import limit_of


def text_field(value: str | None, field: str, *, required: bool = False, label: str | None = None) -> str | None:
    """`value` without surrounding blanks, None when blank; refused when required and blank, or too long.

    `field` names the row of LIMITS; `label` is what the message calls it, when the person typed it under
    another name (`--to` is the signposted_to field).
    """
    name = label or field
    cleaned = value.strip() if value is not None else None
    if not cleaned:
        if required:
            raise InvalidInput(f"{name} must not be empty")
        return None
    if "\x00" in cleaned:
        # PostgreSQL cannot store a NUL character and most programs cut text at one: refused alike everywhere.
        raise InvalidInput(f"{name} contains a NUL character (\\x00), which cannot be stored")
    limit = limit_of(field)
    if len(cleaned) > limit:
        raise InvalidInput(f"{name} is longer than {limit:,} characters ({len(cleaned):,})")
    return cleaned


def required_text(value: str | None, field: str, *, label: str | None = None) -> str:
    cleaned = text_field(value, field, required=True, label=label)
    assert cleaned is not None
    return cleaned
