"""The Complaint Handling Code's commands: escalate, extend, panel and the ombudsman's enquiry, through `triage`
with time frozen on Monday 10 January 2022. The journey runs over Christmas 2021, whose bank holidays fell on
Monday the 27th and Tuesday the 28th (Christmas Day and Boxing Day were a weekend) and Monday 3 January
(New Year's Day was a Saturday). Each refusal is exit 2, one `error:` line, and nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.test_contract import Triage
from tests.cli.test_second_wave import Database, refused


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.store.dispose()


@pytest.fixture
def triage(db_url: str) -> Triage:
    """A supervisor, a triage officer and two complaint officers (a later stage needs someone else)."""
    t = Triage(db_url)
    t("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    t("officer", "add", "alice", "--name", "Alice Adams")
    t("officer", "add", "bob", "--name", "Bob Brown", "--team", "complaints")
    t("officer", "add", "carol", "--name", "Carol Cole", "--team", "complaints")
    return t


def corporate_at_stage_one(triage: Triage) -> str:
    """A corporate complaint received Monday 29 November 2021, acknowledged Tuesday the 30th."""
    ref = triage(
        "intake",
        "add",
        "--customer-name",
        "Peter White",
        "--summary",
        "Bins missed",
        "--received-at",
        "29/11/2021 09:00",
        who="alice",
    ).stdout.strip()
    triage("case", "classify", ref, "corporate", "--at", "29/11/2021 10:00", who="alice")
    triage("case", "allocate", ref, "carol", "--at", "29/11/2021 11:00", who="boss")
    triage("case", "acknowledge", ref, "--at", "30/11/2021 09:00", who="carol")
    return ref


def test_a_corporate_complaint_through_both_stages_and_the_ombudsman(triage: Triage, db: Database) -> None:
    ref = corporate_at_stage_one(triage)
    # Response: 10 working days from Tue 30 Nov is Tue 14 Dec; five more is Tue 21 Dec.
    out = triage(
        "case",
        "extend",
        ref,
        "--working-days",
        "5",
        "--reason",
        "Contractor's records awaited; customer told",
        "--at",
        "01/12/2021 09:00",
        who="carol",
    )
    # The limit: 20 working days from the acknowledgement, over the bank holidays of 27 and 28 December.
    assert "response now due Tue 21/12/2021 (originally Tue 14/12/2021)" in out.stdout
    assert "the stage's limit is Thu 30/12/2021" in out.stdout
    refused(
        triage,
        db,
        "case",
        "extend",
        ref,
        "--working-days",
        "6",
        "--reason",
        "more",
        who="carol",
        fragments=("Thu 30/12/2021", "20 working days from the acknowledgement", "at most 5 more working days"),
    )
    triage("case", "send", ref, "--service", "Waste", "--at", "01/12/2021 10:00", who="carol")
    triage("case", "respond", ref, "--outcome", "not_upheld", "--at", "20/12/2021 16:00", who="carol")
    out = triage("case", "escalate", ref, "--reason", "Unhappy with the answer", "--at", "22/12/2021 09:00")
    # Stage 2's acknowledgement: 5 working days from the request: 23, 24, 29, 30, 31 December.
    assert "escalated to stage 2, awaiting allocation; acknowledgement due Fri 31/12/2021" in out.stdout
    refused(triage, db, "case", "allocate", ref, "carol", fragments=("carol handled stage 1", "someone else"))
    triage("case", "allocate", ref, "bob", "--at", "22/12/2021 10:00")
    triage("case", "acknowledge", ref, "--at", "23/12/2021 09:00", who="bob")
    triage("case", "send", ref, "--service", "Waste", "--at", "23/12/2021 10:00", who="bob")
    triage("case", "respond", ref, "--outcome", "partly_upheld", "--at", "07/01/2022 12:00", who="bob")
    refused(
        triage,
        db,
        "case",
        "escalate",
        ref,
        "--reason",
        "again",
        fragments=("this is the last", "Local Government and Social Care Ombudsman", "ombudsman open"),
    )
    refused(triage, db, "case", "ombudsman", "decide", ref, "--decision", "upheld", fragments=("no ombudsman enquiry",))
    out = triage("case", "ombudsman", "open", ref, "--reference", "21 012 345", "--at", "08/01/2022 09:00")
    # 20 working days from Saturday 8 January: 10-14, 17-21, 24-28 January, 31 January to 4 February.
    assert "respond by Fri 04/02/2022" in out.stdout
    refused(triage, db, "case", "ombudsman", "open", ref, "--reference", "x", fragments=("already has",))
    refused(
        triage,
        db,
        "case",
        "ombudsman",
        "decide",
        ref,
        "--decision",
        "not_upheld",
        "--remedy",
        "Apologise",
        "--remedy-due",
        "01/02/2022",
        fragments=("upheld decision",),
    )
    refused(
        triage,
        db,
        "case",
        "ombudsman",
        "decide",
        ref,
        "--decision",
        "upheld",
        "--remedy",
        "Apologise",
        fragments=("both --remedy TEXT and --remedy-due DATE",),
    )
    refused(triage, db, "case", "ombudsman", "complied", ref, fragments=("no remedy",))
    triage(
        "case",
        "ombudsman",
        "decide",
        ref,
        "--decision",
        "upheld",
        "--remedy",
        "Apologise and pay £150",
        "--remedy-due",
        "2022-02-01",
        "--at",
        "09/01/2022 10:00",
    )
    out = triage("case", "ombudsman", "complied", ref, "--at", "10/01/2022 08:30")
    assert "remedy carried out (in time)" in out.stdout

    shown: dict[str, Any] = triage.json("case", "show", ref)  # type: ignore[assignment]
    assert (shown["stage"], shown["status"], shown["officer"]) == (2, "responded", "bob")
    # Stage 2's response: 20 working days from Thu 23 Dec: 24 Dec, 29-31 Dec, 4-7, 10-14, 17-21, 24-25 Jan.
    assert shown["response_due_at"] == "2022-01-25T23:59:59+00:00"
    assert shown["response_limit_at"] is not None
    assert [(s["stage"], s["officer"], s["outcome"]) for s in shown["stages"]] == [
        (1, "carol", "not_upheld"),
        (2, "bob", "partly_upheld"),
    ]
    first = shown["stages"][0]
    assert (first["response_due_at"], first["original_response_due_at"], first["response_limit_at"]) == (
        "2021-12-21T23:59:59+00:00",
        "2021-12-14T23:59:59+00:00",
        "2021-12-30T23:59:59+00:00",
    )
    assert shown["extensions"] == [
        {
            "at": "2021-12-01T09:00:00+00:00",
            "stage": 1,
            "working_days": 5,
            "reason": "Contractor's records awaited; customer told",
            "response_due_at": "2021-12-21T23:59:59+00:00",
        }
    ]
    assert shown["ombudsman"] == {
        "reference": "21 012 345",
        "opened_at": "2022-01-08T09:00:00+00:00",
        "respond_by": "2022-02-04",
        "answered_at": None,
        "decision": "upheld",
        "decided_at": "2022-01-09T10:00:00+00:00",
        "remedy": "Apologise and pay £150",
        "remedy_due": "2022-02-01",
        "complied_at": "2022-01-10T08:30:00+00:00",
    }
    actions = [e.action for e in db.events(ref)]
    assert actions.count("escalate") == 1 and actions[-3:] == [
        "ombudsman_open",
        "ombudsman_decide",
        "ombudsman_complied",
    ]
    text = triage("case", "show", ref).stdout
    assert "Corporate Stage 2 · Responded · bob" in text
    assert "stage 1/2" in text and "ombudsman  21 012 345" in text


def test_adults_have_one_stage_and_the_customer_is_pointed_to_the_ombudsman(triage: Triage, db: Database) -> None:
    ref = triage(
        "intake",
        "add",
        "--customer-name",
        "A",
        "--summary",
        "Care package",
        "--received-at",
        "01/11/2021 09:00",
        who="alice",
    ).stdout.strip()
    triage("case", "classify", ref, "adults", "--at", "01/11/2021 10:00", who="alice")
    triage("case", "allocate", ref, "carol", "--at", "01/11/2021 11:00")
    triage("case", "acknowledge", ref, "--at", "02/11/2021 09:00", who="carol")
    # Six months from receipt (1 November) is 1 May 2022, a Sunday: the limit is that day's end (BST).
    shown: dict[str, Any] = triage.json("case", "show", ref)  # type: ignore[assignment]
    assert shown["response_limit_at"] == "2022-05-01T22:59:59+00:00"
    triage("case", "send", ref, "--service", "Adult Social Care", "--at", "02/11/2021 10:00", who="carol")
    triage("case", "respond", ref, "--at", "10/12/2021 10:00", who="carol")
    refused(
        triage,
        db,
        "case",
        "escalate",
        ref,
        "--reason",
        "unhappy",
        fragments=("Statutory Adults complaint has one stage", "Ombudsman"),
    )


def test_refusals_of_bad_input(triage: Triage, db: Database) -> None:
    ref = corporate_at_stage_one(triage)
    refused(triage, db, "case", "extend", ref, "--working-days", "0", "--reason", "x", fragments=("--working-days",))
    refused(triage, db, "case", "extend", ref, "--working-days", "2", fragments=("--reason",))
    refused(triage, db, "case", "extend", ref, "--working-days", "2", "--reason", "  ", fragments=("reason",))
    refused(triage, db, "case", "escalate", ref, "--reason", "x", fragments=("once this stage's response",))
    refused(triage, db, "case", "panel", ref, fragments=("no review panel",))
    refused(triage, db, "case", "ombudsman", "open", ref, "--reference", "1", fragments=("response has gone",))
    refused(triage, db, "case", "ombudsman", "open", "CMP-999999", "--reference", "1", fragments=("unknown case",))
    refused(
        triage,
        db,
        "case",
        "extend",
        ref,
        "--working-days",
        "2",
        "--reason",
        "x",
        "--at",
        "01/01/2030 09:00",
        fragments=("in the future",),
    )


def test_hostile_reasons_are_kept_as_given_and_shown_literally(triage: Triage, db: Database) -> None:
    ref = corporate_at_stage_one(triage)
    hostile = '[bold]loud[/] \x1b[31mred\x1b[0m =HYPERLINK("x") \u202eevil'
    triage("case", "extend", ref, "--working-days", "1", "--reason", hostile, who="carol")
    assert db.events(ref)[-1].details["reason"] == hostile
    text = triage("case", "show", ref).stdout
    assert "\x1b" not in text and "\u202e" not in text
    assert "[bold]loud[/]" in text
