"""The customer's other cases, and the likely duplicate among them (DOMAIN.md, "Customers, corrections and
mistakes"): same email (any letter case), same phone (digits, +44 as 0), or same name (case and blanks aside)
and postcode. A possible duplicate is the same customer, a similar summary, received within 30 days either way:
flagged for an officer to judge, never merged.

Summaries are compared with rapidfuzz's token_set_ratio: words in any order, one summary's words found within the
other's ("Bins missed" and "RE: Bins missed again"), from a maintained C implementation rather than hand-written
string distances. SIMILAR is set from tests/services/test_related.py: different complaints that share words
("Complaint about my child's teacher" / "Complaint about my care package", 74; "Pothole reported in March still
not repaired" / "Street light reported in March still not working", 76) and every pair of the demo's and the
briefing's distinct summaries (at most 58) stay below it; a complaint sent again, chased, or reworded keeping its
words (87 and above) is over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, utils

from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.errors import NotFound
from triage_tui.domain.text import limit_of
from triage_tui.domain.views import RELATED_WHY, RelatedCase
from triage_tui.store import search

if TYPE_CHECKING:
    from sqlmodel import Session

    from triage_tui.services.context import ServiceContext
    from triage_tui.store.tables import Case

SIMILAR = 80  # token_set_ratio, 0..100
DUPLICATE_WINDOW = timedelta(days=30)
MAX_RELATED = 50


def similar_summaries(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(a, b, processor=utils.default_process) >= SIMILAR


def related_cases(ctx: ServiceContext, reference: str) -> list[RelatedCase]:
    """The other cases of the customer of case `reference`, possible duplicates first, then newest first."""
    from triage_tui.store import queries

    with ctx.store.read() as session:
        case = queries.case_by_reference(session, reference.strip())
        if case is None:
            limit = limit_of("reference")
            shown = reference if len(reference) <= limit else reference[:limit] + "…"
            raise NotFound(f"unknown case {shown!r}")
        return related_in_session(session, case)


def related_in_session(session: Session, case: Case) -> list[RelatedCase]:
    """As related_cases, for a case row already read in `session` (services/cases.get_case uses it)."""
    from sqlalchemy import text as sql_text

    assert case.id is not None
    connection = session.connection()

    def run(sql: str, params: dict[str, Any]) -> list[Any]:
        return list(connection.execute(sql_text(sql), params).all())

    found = search.related_rows(
        run,
        connection.dialect.name,
        case.id,
        email=case.customer_email,
        phone=case.customer_phone,
        name=case.customer_name,
    )
    return judge(case.received_at, case.summary, case.customer_address, found)


def judge(
    received_at: datetime,
    summary: str,
    address: str | None,
    found: dict[str, list[Sequence[Any]]],
) -> list[RelatedCase]:
    """Why each found case is the customer's (strongest reason first, RELATED_WHY), sorted and cut."""
    reasons: dict[int, set[str]] = {}
    rows: dict[int, Sequence[Any]] = {}
    own_postcode = search.postcode(address)
    for reason, found_rows in found.items():
        for row in found_rows:
            if reason == "same_name" and (own_postcode is None or search.postcode(row[7]) != own_postcode):
                continue  # the same name alone is not the same person
            reasons.setdefault(row[0], set()).add("same_name_postcode" if reason == "same_name" else reason)
            rows[row[0]] = row
    out: list[RelatedCase] = []
    for case_id, why in reasons.items():
        row = rows[case_id]
        other_received = _aware(row[4])
        if abs(other_received - received_at) <= DUPLICATE_WINDOW and similar_summaries(summary, row[6]):
            why = {*why, "possible_duplicate"}
        out.append(
            RelatedCase(
                reference=row[1],
                status=Status(row[2]),
                type=CaseType(row[3]),
                received_at=other_received,
                why=next(w for w in RELATED_WHY if w in why),
                customer_name=row[5],
                summary=row[6],
            )
        )
    out.sort(key=lambda r: (r.why != "possible_duplicate", -r.received_at.timestamp(), r.reference))
    return out[:MAX_RELATED]


def _aware(value: Any) -> datetime:
    """A time from a text() row: a datetime on PostgreSQL, SQLAlchemy's naive UTC text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
