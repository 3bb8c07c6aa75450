"""A case's past written in one go: its row and one event per milestone, each at its own time.

Used where history arrives whole (a spreadsheet import, the large demo) rather than action by action, so
that reports at past dates see each case in the state it had then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from triage_tui.domain.codes import CaseType, CloseReason, Role, Status, Team
from triage_tui.domain.lifecycle import Action
from triage_tui.store import bulk
from triage_tui.store.chain import canonical_details
from triage_tui.store.tables import STILL, Event, Officer


@dataclass(slots=True)  # not frozen: a frozen dataclass costs several microseconds more per row to build
class HistoryRow:
    reference: str
    received_at: datetime
    channel: str
    customer_name: str
    summary: str
    type: CaseType
    status: Status
    customer_email: str | None = None
    customer_phone: str | None = None
    customer_address: str | None = None
    details: str | None = None
    officer_id: int | None = None
    officer: str | None = None
    triaged_at: datetime | None = None
    allocated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    sent_to_service_at: datetime | None = None
    service: str | None = None
    responded_at: datetime | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    signposted_to: str | None = None
    duplicate_of: str | None = None
    cohort: str | None = None


SIGNPOSTING = (CloseReason.SIGNPOSTED, CloseReason.SERVICE_REQUEST)


@dataclass(slots=True)
class Prepared:
    """A case and its events as the database takes them (bulk.CASE_FIELDS and bulk.EVENT_FIELDS order);
    each event's case id is filled in once the case has been inserted. Events' details are in the audit chain's
    canonical form (chain.canonical_details), which write_prepared tells the chain."""

    reference: str
    case: list[Any]
    events: list[list[Any]]
    states: list[list[Any]]  # bulk.STATE_FIELDS order: each (type, status) the case had, and when


# See HistoryWriter.details: a line number no file has, written where the line goes and then cut out.
_LINE_MARK = -7_302_915_846_113_059_871
DETAILS_KEPT = 4096


class HistoryWriter:
    """Turns history rows into database rows: one event per milestone, each at its own time.

    Built for the hot loop of a 100,000-row import: the time format, the JSON encoder and the details every
    event of a run shares are set up once, and rows are built as lists in column order.
    """

    def __init__(self, dialect: str, actor: str, now: datetime, source: str | None = None) -> None:
        self.fmt = bulk.time_formatter(dialect)
        self.actor = actor
        self.stamp = self.fmt(now)
        self.still = self.fmt(STILL)
        extra: dict[str, Any] = {"history": True}
        if source is not None:
            extra["source"] = source
        self.extra = extra
        self._around: dict[tuple[tuple[str, Any], ...], tuple[str, str]] = {}

    def details(self, values: dict[str, Any], line: int | None) -> str:
        """An event's details: its own values, the run's, and the file's line; as canonical JSON text, so the
        audit chain hashes them as they are (chain.chain_rows).

        Most events of a file share their values (an intake's channel, a classification's type) and differ only
        in the line: the text around the line is made once for each set of values and kept (up to DETAILS_KEPT
        of them), and the line written into it."""
        if line is None or line.__class__ is not int:
            return canonical_details({**values, **self.extra, **({} if line is None else {"line": line})})
        try:
            key = tuple(values.items())
            around = self._around.get(key)
        except TypeError:  # a value that cannot be a key (a list): made whole
            return canonical_details({**values, **self.extra, "line": line})
        if around is None:
            text = canonical_details({**values, **self.extra, "line": _LINE_MARK})
            parts = text.split(str(_LINE_MARK))
            if len(parts) != 2:  # the mark's digits in a value as well: made whole every time
                return canonical_details({**values, **self.extra, "line": line})
            around = (parts[0], parts[1])
            if len(self._around) < DETAILS_KEPT:
                self._around[key] = around
        return f"{around[0]}{line}{around[1]}"

    def prepare(self, row: HistoryRow, line: int | None = None) -> Prepared:
        fmt = self.fmt
        received = fmt(row.received_at)  # formatted once: the intake, the first state and the case all hold it
        intake = [None, received, self.actor, "intake", None, "new", self.details({"channel": row.channel}, line)]
        events: list[list[Any]] = [intake]
        states: list[list[Any]] = [[None, "unclassified", "new", received, self.still]]
        if row.status is Status.NEW:
            return Prepared(row.reference, self._case(row, received, None, row.type, 1), events, states)
        signposted = row.status is Status.CLOSED and row.close_reason in SIGNPOSTING
        triaged_at = row.triaged_at or (row.closed_at if row.status is Status.CLOSED else None)
        status: str | None = "new"

        def step(action: Action, at: datetime, to: str, details: dict[str, Any]) -> None:
            nonlocal status
            when = fmt(at)
            events.append([None, when, self.actor, action.value, status, to, self.details(details, line)])
            status = to
            last = states[-1]
            kind = last[1]
            if action is Action.CLASSIFY:
                kind = row.type.value
            elif action is Action.SIGNPOST:
                kind = CaseType.SERVICE_REQUEST.value
            if (kind, to) != (last[1], last[2]):
                moment = max(when, last[3])  # text on SQLite, datetimes elsewhere: both order as time
                last[4] = moment
                states.append([None, kind, to, moment, self.still])

        if signposted:
            assert row.closed_at is not None and row.close_reason is not None
            step(
                Action.SIGNPOST,
                row.closed_at,
                "closed",
                {"close_reason": row.close_reason.value, "signposted_to": row.signposted_to, "service": row.service},
            )
        else:
            if row.triaged_at is not None and row.type.is_complaint:
                step(Action.CLASSIFY, row.triaged_at, "triaged", {"type": row.type.value})
            if row.allocated_at is not None:
                step(Action.ALLOCATE, row.allocated_at, "allocated", {"officer": row.officer})
            # The acknowledgement may come before or after the hand-off: keep the events in time order.
            later: list[tuple[datetime, int]] = []
            if row.acknowledged_at is not None:
                later.append((row.acknowledged_at, 0))
            if row.sent_to_service_at is not None:
                later.append((row.sent_to_service_at, 1))
            for at, which in sorted(later):
                if which == 0:
                    step(Action.ACKNOWLEDGE, at, status or "allocated", {})
                else:
                    step(Action.SEND, at, "with_service", {"service": row.service})
            if row.responded_at is not None:
                # History is at stage 1 (an import's later stages are added by importer/stages.py); the response
                # names its stage as one sent at the desk does.
                step(Action.RESPOND, row.responded_at, "responded", {"outcome": row.outcome, "stage": 1})
            if row.status is Status.CLOSED and row.closed_at is not None:
                reason = row.close_reason.value if row.close_reason else None
                step(Action.CLOSE, row.closed_at, "closed", {"reason": reason, "duplicate_of": row.duplicate_of})
        kind = CaseType.SERVICE_REQUEST if signposted else row.type
        return Prepared(row.reference, self._case(row, received, triaged_at, kind, len(events)), events, states)

    def _case(
        self, row: HistoryRow, received: Any, triaged_at: datetime | None, kind: CaseType, version: int
    ) -> list[Any]:
        """The case's values in bulk.CASE_FIELDS order (a test checks the order against the table); `received`
        is row.received_at as formatted."""
        fmt = self.fmt
        stamp = self.stamp
        return [
            row.reference,
            received,
            row.channel,
            row.customer_name,
            row.customer_email,
            row.customer_phone,
            row.customer_address,
            row.summary,
            row.details,
            kind.value,
            row.status.value,
            row.officer_id,
            fmt(triaged_at) if triaged_at else None,
            fmt(row.allocated_at) if row.allocated_at else None,
            fmt(row.acknowledged_at) if row.acknowledged_at else None,
            fmt(row.sent_to_service_at) if row.sent_to_service_at else None,
            row.service,
            fmt(row.responded_at) if row.responded_at else None,
            row.outcome,
            fmt(row.closed_at) if row.closed_at else None,
            row.close_reason.value if row.close_reason else None,
            row.signposted_to,
            row.duplicate_of,
            row.cohort,
            None,  # claimed_by_id
            None,  # claimed_until
            1,  # stage
            None,  # stage_started_at
            0,  # extension_days
            None,  # panel_at
            *([None] * 9),  # the ombudsman's enquiry: none yet
            version,  # one per event, as if each had been an action
            stamp,
            stamp,
        ]


def write_prepared(session: Session, prepared: Sequence[Prepared]) -> None:
    """Insert prepared cases and their events in the caller's transaction."""
    bulk.insert_case_rows(session, [p.case for p in prepared])
    ids = bulk.ids_by_reference(session, [p.reference for p in prepared])
    events = []
    states = []
    for p in prepared:
        case_id = ids[p.reference]
        for event in p.events:
            event[0] = case_id
            events.append(event)
        for state in p.states:
            state[0] = case_id
            states.append(state)
    bulk.insert_event_rows(session, events, canonical=True)
    bulk.insert_state_rows(session, states)


# --- lookups that fold letter case as the unique indexes on lower(reference) and lower(username) do ------------

BATCH = 2000


def stored_cases(session: Session, references: Sequence[str]) -> dict[str, tuple[str, int, str | None]]:
    """Stored cases by lower-cased reference: (reference as stored, id, duplicate_of). References are ASCII
    (the import and intake allow nothing else), where Python's lower() and the database's agree."""
    cases = bulk.CASES
    found: dict[str, tuple[str, int, str | None]] = {}
    wanted = sorted({reference.lower() for reference in references})
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # The references as one JSON parameter: no statement for SQLAlchemy to build for each batch (a third of
        # a chunk's own time beside the inserts), and the lower(reference) index answers each.
        sql = "SELECT reference, id, duplicate_of FROM cases WHERE lower(reference) IN (SELECT value FROM json_each(?))"
        for reference, case_id, duplicate_of in connection.exec_driver_sql(sql, (json.dumps(wanted),)):
            found[reference.lower()] = (reference, case_id, duplicate_of)
        return found
    for start in range(0, len(wanted), BATCH):
        query = select(cases.c.reference, cases.c.id, cases.c.duplicate_of).where(
            func.lower(cases.c.reference).in_(wanted[start : start + BATCH])
        )
        for reference, case_id, duplicate_of in connection.execute(query):
            found[reference.lower()] = (reference, case_id, duplicate_of)
    return found


def add_officers(session: Session, actor: str, usernames: Sequence[str], now: datetime) -> dict[str, int]:
    """Officers a history file names, added in the caller's transaction (so they exist only if its rows do),
    each with the same event as `officer add`. Returns every named officer's id by lower-cased username; one
    added meanwhile by someone else is used as it is."""
    officers = Officer.__table__  # type: ignore[attr-defined]
    wanted = {username.lower(): username for username in usernames}
    query = select(officers.c.username, officers.c.id).where(func.lower(officers.c.username).in_(sorted(wanted)))
    ids = {username.lower(): officer_id for username, officer_id in session.connection().execute(query)}
    for key, username in sorted(wanted.items()):
        if key in ids:
            continue
        name = username.replace(".", " ").replace("_", " ").title()
        row = Officer(username=username, name=name, role=Role.OFFICER.value, team=Team.COMPLAINTS.value, created_at=now)
        session.add(row)
        session.add(
            Event(
                case_id=None,
                at=now,
                actor=actor,
                action=Action.OFFICER_ADD.value,
                details={"username": username, "name": name, "role": row.role, "team": row.team, "import": True},
            )
        )
        session.flush()
        assert row.id is not None
        ids[key] = row.id
    return ids
