"""The second wave's case commands: edit, classify --reason, reopen, release, --at on every lifecycle action, and
intake's postal address. Each success and refusal is checked on the database itself; a refusal is exit 2, one
`error:` line, and nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.cli.test_contract import NOW, Triage, one_error_line
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services.context import ServiceContext
from triage_tui.services.desk import take_next
from triage_tui.store.engine import Store
from triage_tui.store.tables import Case, Event


class Database:
    """Reads the database the commands write, to check what they did (or did not) write."""

    def __init__(self, url: str) -> None:
        self.store = Store(url)

    def case(self, reference: str) -> Case:
        with self.store.read() as s:
            return s.exec(select(Case).where(Case.reference == reference)).one()

    def events(self, reference: str) -> list[Event]:
        with self.store.read() as s:
            case = s.exec(select(Case).where(Case.reference == reference)).one()
            return list(s.exec(select(Event).where(Event.case_id == case.id).order_by(col(Event.id))))

    def state(self) -> tuple[int, list[tuple[Any, ...]]]:
        """Every event and every case's changing columns: equal before and after means nothing was written."""
        with self.store.read() as s:
            count = s.exec(select(func.count()).select_from(Event)).one()
            rows = [r.model_dump() for r in s.exec(select(Case).order_by(col(Case.id)))]
        return count, [tuple(sorted(r.items())) for r in rows]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.store.dispose()


@pytest.fixture
def triage(db_url: str) -> Triage:
    t = Triage(db_url)
    t("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    t("officer", "add", "alice", "--name", "Alice Adams")
    t("officer", "add", "bob", "--name", "Bob Brown")
    t("officer", "add", "carol", "--name", "Carol Cole", "--team", "complaints")
    return t


def contact(triage: Triage, *extra: str, received: str = "07/01/2022 09:00") -> str:
    """A contact received on Friday 7 January 2022 (the commands run on Monday the 10th at 09:00)."""
    args = ["intake", "add", "--customer-name", "Margaret Smith", "--summary", "Bins missed", "--received-at", received]
    return triage(*args, *extra, who="alice").stdout.strip()


def refused(triage: Triage, db: Database, *args: str, who: str = "boss", fragments: tuple[str, ...] = ()) -> None:
    before = db.state()
    one_error_line(triage(*args, who=who, code=2), *fragments)
    assert db.state() == before


# --- --at -------------------------------------------------------------------------------------------------------


def test_every_lifecycle_action_takes_the_time_it_happened(triage: Triage, db: Database) -> None:
    ref = contact(triage)
    triage("case", "classify", ref, "corporate", "--at", "07/01/2022 10:00", who="alice")
    triage("case", "allocate", ref, "carol", "--at", "2022-01-07T11:00", who="alice")
    triage("case", "acknowledge", ref, "--channel", "email", "--at", "07/01/2022 12:30", who="carol")
    triage("case", "send", ref, "--service", "Waste", "--at", "2022-01-07T13:00:00+00:00", who="carol")
    out = triage("case", "respond", ref, "--outcome", "upheld", "--at", "08/01/2022 09:15", who="carol")
    assert "complete" in out.stdout
    shown: dict[str, Any] = triage.json("case", "show", ref)  # type: ignore[assignment]
    assert (shown["triaged_at"], shown["allocated_at"], shown["acknowledged_at"]) == (
        "2022-01-07T10:00:00+00:00",
        "2022-01-07T11:00:00+00:00",
        "2022-01-07T12:30:00+00:00",
    )
    assert (shown["sent_to_service_at"], shown["responded_at"]) == (
        "2022-01-07T13:00:00+00:00",
        "2022-01-08T09:15:00+00:00",
    )
    # Corporate: the response is due 10 working days from the acknowledgement on Friday the 7th.
    assert shown["response_due_at"] == "2022-01-21T23:59:59+00:00"
    events = db.events(ref)
    assert [e.at.isoformat() for e in events[1:]] == [
        "2022-01-07T10:00:00+00:00",
        "2022-01-07T11:00:00+00:00",
        "2022-01-07T12:30:00+00:00",
        "2022-01-07T13:00:00+00:00",
        "2022-01-08T09:15:00+00:00",
    ]
    assert all(e.details["recorded_at"] == NOW.in_timezone("UTC").isoformat() for e in events[1:])
    assert db.case(ref).updated_at == NOW

    signposted, closed = contact(triage), contact(triage)
    triage("case", "signpost", signposted, "--to", "NHS trust", "--at", "07/01/2022 16:00", who="alice")
    triage("case", "close", closed, "--reason", "withdrawn", "--at", "08/01/2022 10:00", who="alice")
    assert str(db.case(signposted).closed_at) == "2022-01-07 16:00:00+00:00"
    assert str(db.case(closed).closed_at) == "2022-01-08 10:00:00+00:00"
    triage("case", "reopen", closed, "--reason", "not withdrawn", "--at", "09/01/2022 10:00")
    assert db.events(closed)[-1].at.isoformat() == "2022-01-09T10:00:00+00:00"


@pytest.mark.parametrize(
    "args",
    [
        ["classify", "{ref}", "corporate"],
        ["signpost", "{ref}", "--to", "NHS trust"],
        ["close", "{ref}", "--reason", "withdrawn"],
    ],
    ids=["classify", "signpost", "close"],
)
def test_at_in_the_future_or_before_the_receipt_is_refused(triage: Triage, db: Database, args: list[str]) -> None:
    ref = contact(triage)
    command = ["case", *(a.format(ref=ref) for a in args)]
    refused(triage, db, *command, "--at", "10/01/2022 09:30", fragments=("is in the future", "10/01/2022 09:00"))
    refused(triage, db, *command, "--at", "07/01/2022 08:59", fragments=("before it was received (07/01/2022 09:00)",))
    refused(triage, db, *command, "--at", "yesterday", fragments=("--at", "2022-01-14T09:30"))


def test_at_before_the_previous_step_is_refused(triage: Triage, db: Database) -> None:
    ref = contact(triage)
    triage("case", "classify", ref, "corporate", "--at", "07/01/2022 10:00", who="alice")
    triage("case", "allocate", ref, "carol", "--at", "07/01/2022 11:00", who="alice")
    triage("case", "note", ref, "Customer rang", who="bob")  # recorded now: not a step
    for command in (
        ["acknowledge", ref],
        ["send", ref, "--service", "Waste"],
        ["close", ref, "--reason", "out_of_time"],
    ):
        refused(
            triage,
            db,
            "case",
            *command,
            "--at",
            "07/01/2022 10:59",
            fragments=("before its last step (allocate at 07/01/2022 11:00)",),
        )
    triage("case", "send", ref, "--service", "Waste", "--at", "07/01/2022 11:00", who="carol")
    refused(triage, db, "case", "respond", ref, "--at", "07/01/2022 10:00", fragments=("last step (send at",))


# --- classify --reason --------------------------------------------------------------------------------------------


def test_a_correction_needs_a_reason(triage: Triage, db: Database) -> None:
    ref = contact(triage)
    triage("case", "classify", ref, "corporate", who="alice")
    triage("case", "allocate", ref, "carol", who="alice")
    refused(triage, db, "case", "classify", ref, "adults", who="carol", fragments=("needs a reason",))
    out = triage("case", "classify", ref, "adults", "--reason", "Care package", who="carol")
    assert "classified as Statutory Adults" in out.stdout
    stored = db.case(ref)
    assert (stored.type, stored.status) == ("adults", "allocated")
    assert db.events(ref)[-1].details == {
        "type": "adults",
        "previous_type": "corporate",
        "correction": True,
        "reason": "Care package",
    }
    triage("case", "close", ref, "--reason", "withdrawn", who="carol")
    refused(triage, db, "case", "classify", ref, "other", "--reason", "r", fragments=("reopens it first",))


# --- reopen -------------------------------------------------------------------------------------------------------


def test_reopen(triage: Triage, db: Database) -> None:
    ref = contact(triage)
    triage("case", "classify", ref, "corporate", who="alice")
    triage("case", "allocate", ref, "carol", who="alice")
    refused(triage, db, "case", "reopen", ref, "--reason", "r", fragments=("is allocated: reopen is not allowed",))
    triage("case", "send", ref, "--service", "Waste", who="carol")
    triage("case", "respond", ref, "--outcome", "not_upheld", who="carol")
    refused(triage, db, "case", "reopen", ref, "--reason", "r", who="carol", fragments=("only supervisors may reopen",))
    refused(triage, db, "case", "reopen", ref, fragments=("--reason",))
    refused(triage, db, "case", "reopen", ref, "--reason", "  ", fragments=("reason must not be empty",))
    out = triage("case", "reopen", ref, "--reason", "Response missed the second point")
    assert out.stdout.strip() == f"{ref}: reopened; with service"
    stored = db.case(ref)
    assert (stored.status, stored.responded_at, stored.outcome) == ("with_service", None, None)
    last = db.events(ref)[-1]
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        "reopen",
        "responded",
        "with_service",
        "boss",
    )
    assert last.details["reason"] == "Response missed the second point"


# --- edit ---------------------------------------------------------------------------------------------------------


def test_edit(triage: Triage, db: Database) -> None:
    ref = contact(triage, "--customer-email", "m@example.org")
    out = triage(
        "case",
        "edit",
        ref,
        "--customer-name",
        "Margaret Smyth",
        "--customer-email",
        "",
        "--customer-address",
        "1 High Street",
        "--reason",
        "typo",
        who="bob",
    )
    assert out.stdout.strip() == f"{ref}: corrected customer name, customer email, customer address"
    stored = db.case(ref)
    assert (stored.customer_name, stored.customer_email, stored.customer_address) == (
        "Margaret Smyth",
        None,
        "1 High Street",
    )
    assert db.events(ref)[-1].details == {
        "reason": "typo",
        "changes": {
            "customer_name": {"old": "Margaret Smith", "new": "Margaret Smyth"},
            "customer_email": {"old": "m@example.org", "new": None},
            "customer_address": {"old": None, "new": "1 High Street"},
        },
    }
    refused(triage, db, "case", "edit", ref, "--customer-name", "Margaret Smyth", "--reason", "r",
            fragments=("nothing to change",))  # fmt: skip
    refused(triage, db, "case", "edit", ref, "--reason", "r", fragments=("nothing to change",))
    refused(triage, db, "case", "edit", ref, "--summary", "", "--reason", "r", fragments=("summary must not be empty",))
    refused(triage, db, "case", "edit", ref, "--summary", "New", fragments=("--reason",))
    refused(triage, db, "case", "edit", "CMP-404", "--summary", "New", "--reason", "r", fragments=("unknown case",))
    refused(triage, db, "case", "edit", ref, "--summary", "New", "--reason", "r", "--expect-version", "1",
            fragments=("changed by someone else",))  # fmt: skip


# --- release ------------------------------------------------------------------------------------------------------


def test_release(triage: Triage, db: Database, db_url: str) -> None:
    ref = contact(triage)
    ctx = ServiceContext(store=db.store, policy=DEFAULT_POLICY, clock=lambda: NOW)
    taken = take_next(ctx, "alice")
    assert taken is not None and taken.reference == ref
    refused(triage, db, "case", "release", ref, who="bob", fragments=(f"case {ref} is claimed by alice, not you",))
    out = triage("case", "release", ref, who="alice")
    assert out.stdout.strip() == f"{ref}: claim released"
    stored = db.case(ref)
    assert (stored.claimed_by_id, stored.claimed_until) == (None, None)
    assert db.events(ref)[-1].action == "release"
    refused(triage, db, "case", "release", ref, who="alice", fragments=(f"case {ref} is not claimed",))
    triage("case", "classify", ref, "other", who="alice")
    refused(triage, db, "case", "release", ref, who="alice", fragments=("release is not allowed",))


# --- intake's address, and case show ----------------------------------------------------------------------------------


def test_intake_keeps_the_address_and_show_prints_it_literally(triage: Triage, db: Database) -> None:
    ref = contact(triage, "--customer-address", "Flat 2\n3 Mill Lane \x1b[31mAnytown")
    assert db.case(ref).customer_address == "Flat 2\n3 Mill Lane \x1b[31mAnytown"
    assert json.loads(triage("case", "show", ref, "--json").stdout)["customer_address"] == (
        "Flat 2\n3 Mill Lane \x1b[31mAnytown"
    )
    shown = triage("case", "show", ref).stdout
    assert "  address    Flat 2\n             3 Mill Lane \u241b[31mAnytown\n" in shown
    assert "\x1b" not in shown
    refused(triage, db, "intake", "add", "--customer-name", "A", "--summary", "S", "--customer-address", "x" * 501,
            who="alice", fragments=("customer_address is longer than 500",))  # fmt: skip


def test_show_names_the_customers_other_cases_and_a_possible_duplicate(triage: Triage) -> None:
    email = ["--customer-email", "Peter.White@example.org"]
    first = contact(triage, *email, "--summary", "Bins missed three weeks running", received="07/01/2022 09:00")
    chasing = "Chasing: bins missed three weeks running"
    again = contact(triage, *email, "--summary", chasing, received="07/01/2022 09:33")
    other = contact(triage, "--customer-email", "peter.white@EXAMPLE.org", "--summary", "Pothole on Elm Road")
    shown = triage("case", "show", again).stdout
    assert f"  related    {first}  possible duplicate · new · received 07/01/2022 09:00\n" in shown
    assert f"             {other}  same email · new" in shown
    related = json.loads(triage("case", "show", again, "--json").stdout)["related"]
    assert [(r["reference"], r["why"]) for r in related] == [(first, "possible_duplicate"), (other, "same_email")]
