"""The customer's other cases: same email, same phone, same name and postcode; a possible duplicate (same
customer, similar summary, within 30 days) flagged first; on SQLite and PostgreSQL. The similarity threshold is
held to realistic summaries here."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import Clock
from triage_tui.domain.errors import NotFound
from triage_tui.services import cases, demo
from triage_tui.services.context import ServiceContext
from triage_tui.services.related import SIMILAR, related_cases, related_in_session, similar_summaries
from triage_tui.store import queries, search


def add(ctx: ServiceContext, clock: Clock, name: str, summary: str, **kw: Any) -> str:
    clock.advance(minutes=kw.pop("after_minutes", 10))
    return cases.intake(ctx, "alice", customer_name=name, summary=summary, **kw).reference


def why(ctx: ServiceContext, reference: str) -> list[tuple[str, str]]:
    return [(r.reference, r.why) for r in related_cases(ctx, reference)]


def test_peter_white_twice_in_33_minutes_is_a_possible_duplicate(ctx, staff, clock: Clock) -> None:
    """The issue's example: CMP-000039 and CMP-000237, 33 minutes apart, the same email."""
    first = add(
        ctx, clock, "Peter White", "Complaint about my child's teacher", customer_email="peter.white@example.org"
    )
    add(ctx, clock, "Ruth Hughes", "Complaint about my child's teacher", customer_email="ruth@example.org")
    second = add(
        ctx,
        clock,
        "Peter White",
        "Complaint about my child's teacher - sent again",
        customer_email="Peter.White@example.org",
        after_minutes=23,
    )
    assert why(ctx, second) == [(first, "possible_duplicate")]
    assert why(ctx, first) == [(second, "possible_duplicate")]  # either direction
    only = related_cases(ctx, second)[0]
    assert (only.customer_name, only.summary, only.status.value) == (
        "Peter White",
        "Complaint about my child's teacher",
        "new",
    )


def test_each_reason_and_the_strongest_named(ctx, staff, clock: Clock) -> None:
    me = add(
        ctx,
        clock,
        "Anita  Patel",
        "Bins missed three weeks running",
        customer_email="anita@example.org",
        customer_phone="07700 900123",
        customer_address="4 High Street\nLeeds\nls1 4ab",
    )
    by_email = add(ctx, clock, "A Patel", "Library closed without notice", customer_email="ANITA@example.org")
    by_phone = add(ctx, clock, "Mr R Patel", "Parking fine issued", customer_phone="+44 (0)7700-900123")
    by_name_postcode = add(
        ctx, clock, "anita patel", "Pothole not repaired", customer_address="Flat 2, 4 High St, LS1 4AB"
    )
    add(ctx, clock, "Anita Patel", "Pothole not repaired", customer_address="9 Low Road, LS2 9XY")  # another postcode
    add(ctx, clock, "Anita Patel", "Pothole not repaired")  # no address: a name alone is not enough
    add(ctx, clock, "Someone Else", "Bins missed three weeks running", customer_phone="07700 900124")
    both = add(
        ctx, clock, "B Patel", "Noise at night", customer_email="anita@example.org", customer_phone="07700900123"
    )
    assert why(ctx, me) == [
        (both, "same_email"),  # newest first; email is the stronger of its two reasons
        (by_name_postcode, "same_name_postcode"),
        (by_phone, "same_phone"),
        (by_email, "same_email"),
    ]


def test_a_possible_duplicate_needs_a_similar_summary_within_30_days(ctx, staff, clock: Clock) -> None:
    first = add(ctx, clock, "Grace Hughes", "Council tax charged twice this month", customer_email="g@example.org")
    clock.advance(days=29, hours=23)
    within = add(ctx, clock, "Grace Hughes", "Charged twice for council tax", customer_email="g@example.org")
    clock.advance(days=31)
    too_late = add(ctx, clock, "Grace Hughes", "Council tax charged twice this month", customer_email="g@example.org")
    different = add(ctx, clock, "Grace Hughes", "Library closed without notice", customer_email="g@example.org")
    assert why(ctx, within) == [(first, "possible_duplicate"), (different, "same_email"), (too_late, "same_email")]
    assert (first, "same_email") in why(ctx, too_late)  # the same summary, 61 days apart


def test_possible_duplicates_first_then_newest_and_capped(ctx, staff, clock: Clock) -> None:
    old = add(ctx, clock, "Joan Wood", "Bins missed three weeks running", customer_phone="0161 496 0000")
    for i in range(55):
        add(ctx, clock, "Joan Wood", f"Enquiry number {i} about something new", customer_phone="0161 496 0000")
    me = add(ctx, clock, "Joan Wood", "Bins missed three weeks running again", customer_phone="01614960000")
    found = related_cases(ctx, me)
    assert len(found) == 50
    assert (found[0].reference, found[0].why) == (old, "possible_duplicate")
    rest = [r.received_at for r in found[1:]]
    assert rest == sorted(rest, reverse=True)


def test_blank_and_junk_details_relate_nothing(ctx, staff, clock: Clock) -> None:
    a = add(ctx, clock, "Kim Park", "Graffiti", customer_phone="n/a", customer_email=None)
    add(ctx, clock, "Lee Chan", "Graffiti", customer_phone="none")
    add(ctx, clock, "Ann Ray", "Graffiti", customer_phone="0")
    assert why(ctx, a) == []


def test_an_unknown_case_is_a_clear_refusal(ctx, staff) -> None:
    with pytest.raises(NotFound, match="unknown case 'NOPE-1'"):
        related_cases(ctx, "NOPE-1")
    with pytest.raises(NotFound, match="…"):
        related_cases(ctx, "X" * 10_000)


def test_inside_a_session_with_the_row(ctx, staff, clock: Clock) -> None:
    a = add(ctx, clock, "Peter White", "Hedge overgrown", customer_email="pw@example.org")
    b = add(ctx, clock, "Peter White", "Hedge overgrown", customer_email="pw@example.org")
    with ctx.store.read() as session:
        row = queries.case_by_reference(session, b)
        assert row is not None
        assert [(r.reference, r.why) for r in related_in_session(session, row)] == [(a, "possible_duplicate")]


def test_an_edited_row_is_related_by_its_new_details(ctx, staff, clock: Clock) -> None:
    a = add(ctx, clock, "Olu Adeyemi", "Fly-tipping", customer_phone="07700 900555")
    b = add(ctx, clock, "Olu Adeyemi", "Streetlight out", customer_phone="07700 900556")
    assert why(ctx, b) == []
    with ctx.store.write() as session:
        session.connection().execute(
            text("UPDATE cases SET customer_phone = '07700900555' WHERE reference = :r"), {"r": b}
        )
    assert why(ctx, b) == [(a, "same_phone")]


# --- the threshold, held to realistic summaries -------------------------------------------------------------

REPEATED = [  # the same complaint sent again, chased, or reworded keeping its words
    ("Bins missed three weeks running", "Bins missed three weeks running - chasing"),
    ("Bin not collected", "Bins not collected again"),
    ("Complaint about my child's teacher", "Complaint about my child's teacher (sent again)"),
    ("Care package reduced without a reassessment", "My mum's care package was reduced without any reassessment"),
    ("Council tax charged twice this month", "Charged twice for council tax"),
    ("Pothole reported in March still not repaired", "Pothole still not repaired since March"),
    ("Social worker not returning calls", "Social worker still not returning my calls"),
    ("Housing repair outstanding for months", "RE: Housing repair outstanding for months"),
    ("No EHCP review for over a year", "Still no EHCP review - over a year now"),
]
DIFFERENT = [  # one customer's different complaints that share words
    ("Complaint about my child's teacher", "Complaint about my care package"),
    ("Pothole reported in March still not repaired", "Street light reported in March still not working"),
    ("Noise from neighbours every night", "Neighbours' tree blocking light"),
    ("Parking fine issued while displaying a permit", "Parking permit renewal not received"),
    ("Care package reduced without a reassessment", "Care home fees increased without notice"),
    ("Social worker not returning calls", "Social worker assessment contains errors"),
    ("Housing repair outstanding for months", "Housing benefit payment stopped"),
]


@pytest.mark.parametrize(("a", "b"), REPEATED)
def test_a_repeated_complaint_is_similar(a: str, b: str) -> None:
    assert similar_summaries(a, b) and similar_summaries(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_complaints_sharing_words_are_not(a: str, b: str) -> None:
    assert not similar_summaries(a, b) and not similar_summaries(b, a)


def test_no_two_of_the_demos_and_the_briefings_summaries_are_similar() -> None:
    summaries = {s for kind in demo.SUMMARIES.values() for s, _ in kind} | {s for s, *_ in demo.NOT_COMPLAINTS}
    briefing = Path(__file__).resolve().parents[2] / "fixtures" / "briefing.csv"
    with briefing.open(encoding="utf-8") as handle:
        summaries |= {row["summary"] for row in csv.DictReader(handle)}
    assert len(summaries) > 25
    similar = [(a, b) for a, b in itertools.combinations(sorted(summaries), 2) if similar_summaries(a, b)]
    assert similar == [], f"threshold {SIMILAR}"


# --- the keys ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("+44 (0)7700 900-123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("(0161) 496.0000", "01614960000"),
        ("n/a", ""),
        (None, ""),
    ],
)
def test_phone_keys(raw: str | None, key: str) -> None:
    assert search.phone_key(raw) == key


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("4 High Street\nLeeds\nLS1 4AB", "LS14AB"),
        ("10 Downing St, London sw1a 2aa", "SW1A2AA"),
        ("Flat 1, M1 1AE (was M2 2BB)", "M22BB"),
        ("B33 8TH", "B338TH"),
        ("no postcode here", None),
        ("", None),
    ],
)
def test_postcodes(address: str, code: str | None) -> None:
    assert search.postcode(address) == code


def test_the_database_keys_match_the_python_keys(ctx) -> None:
    """The SQL the indexes hold (store/search.py) agrees with phone_key and name_key for the usual spellings."""
    from triage_tui.store.search import DIALECTS

    d = DIALECTS["sqlite" if ctx.store.is_sqlite else "postgresql"]
    phones = [
        "07700 900123",
        "+44 7700 900123",
        "+44 (0)7700-900-123",
        "0044 7700 900123",
        "(0161) 496.0000",
        "0161/496/0000",
    ]
    names = ["Anita  Patel", " anita patel ", "ANITA\tPATEL", "Anita   Patel"]
    with ctx.store.read() as session:
        c = session.connection()
        for phone in phones:
            assert c.execute(text(f"SELECT {d.phone_key(':p')}"), {"p": phone}).scalar() == search.phone_key(phone)
        for name in names:
            assert c.execute(text(f"SELECT {d.name_key(':n')}"), {"n": name}).scalar() == search.name_key(name)
