"""The desk's first read, straight through the standard library's sqlite3.

Starting the desk used to mean importing SQLAlchemy and SQLModel (most of half a second here) before the
first frame. For a SQLite database the first frame needs only the acting officer and the queue's candidates
and page, so they are read here, read-only; the full store is loaded behind the first frame. Anything out of
the ordinary (no file yet, an older schema, another database) returns None and the desk starts the long way,
which also produces the proper error messages. A test checks that both ways read the same page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from triage_tui.domain.codes import CaseType, Role, Status, Team
from triage_tui.domain.queue import Candidate
from triage_tui.domain.views import CaseView, OfficerView, OmbudsmanView

CASE_COLUMNS = (
    "id, reference, received_at, channel, customer_name, customer_email, customer_phone, summary, details, "
    "type, status, officer_id, triaged_at, allocated_at, acknowledged_at, sent_to_service_at, service, "
    "responded_at, outcome, closed_at, close_reason, signposted_to, duplicate_of, cohort, claimed_by_id, "
    "claimed_until, version, customer_address, stage, stage_started_at, extension_days, panel_at, "
    "ombudsman_reference, ombudsman_opened_at, ombudsman_respond_by, ombudsman_answered_at, ombudsman_decision, "
    "ombudsman_decided_at, ombudsman_remedy, ombudsman_remedy_due, ombudsman_complied_at"
)


# case_states.valid_to of a state still current (store/tables.py STILL), as SQLite holds it.
STILL_TEXT = "9999-12-31 00:00:00.000000"
# As store/reports.py CURRENT_AT: each (type, status)'s current states at a moment, from their tally.
CURRENT_AT = (
    "SELECT t.type, t.status, t.n - (SELECT count(*) FROM case_states s WHERE s.valid_to = ?1 "
    "AND s.type = t.type AND s.status = t.status AND s.valid_from > ?2) FROM state_tally t"
)


def sqlite_time(value: datetime | None) -> str | None:
    """What UTCDateTime stores on SQLite: naive UTC text in SQLAlchemy's format (microseconds always shown,
    so that text compares as time does)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


_parse = datetime.fromisoformat  # bound once: stored_time runs for every time column of every open case


def stored_time(text: str) -> datetime:
    """Naive UTC text, as the UTCDateTime column type stores a time, as an aware datetime: parsed with its offset
    written on, a sixth of the time of parsing it and then setting the zone (replace() is slow); text that
    carries an offset of its own, or is not a whole time, is read as before."""
    try:
        return _parse(text + "+00:00")
    except ValueError:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _time(text: str | None) -> datetime | None:
    # Stored as naive UTC text by the UTCDateTime column type.
    return stored_time(text) if text else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _ombudsman(r: Sequence[Any]) -> OmbudsmanView | None:
    """The enquiry's columns (reference ... complied_at, in CASE_COLUMNS order) as the store reads them."""
    if r[0] is None or r[1] is None:
        return None
    return OmbudsmanView(
        reference=r[0],
        opened_at=_time(r[1]),  # type: ignore[arg-type]
        respond_by=_day(r[2]),
        answered_at=_time(r[3]),
        decision=r[4],
        decided_at=_time(r[5]),
        remedy=r[6],
        remedy_due=_day(r[7]),
        complied_at=_time(r[8]),
    )


class QuickRead:
    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)

    def __enter__(self) -> QuickRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.close()

    def revision(self) -> str | None:
        try:
            row = self.connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def officer(self, username: str) -> OfficerView | None:
        """By username regardless of letter case (as store/queries.py looks it up; the index on
        lower(username) answers it)."""
        row = self.connection.execute(
            "SELECT username, name, role, team, active FROM officers WHERE lower(username) = lower(?)", (username,)
        ).fetchone()
        if row is None:
            return None
        return OfficerView(username=row[0], name=row[1], role=Role(row[2]), team=Team(row[3]), active=bool(row[4]))

    def officer_count(self) -> int:
        return self.connection.execute("SELECT count(*) FROM officers").fetchone()[0]

    def latest_event_id(self) -> int:
        return self.connection.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    def candidates(self, statuses: Sequence[str]) -> list[Candidate]:
        marks = ", ".join("?" for _ in statuses)
        rows = self.connection.execute(
            "SELECT id, received_at, type, status, triaged_at, acknowledged_at, stage, stage_started_at, "
            f"extension_days, panel_at FROM cases WHERE status IN ({marks})",
            tuple(statuses),
        )
        # Every open case passes here before the desk's first frame: each time is parsed once (stored_time), and
        # the columns a new contact leaves empty cost a test.
        parse = stored_time
        return [
            Candidate(
                cid,
                parse(rec),
                kind,
                status,
                parse(tri) if tri else None,
                parse(ack) if ack else None,
                stage,
                parse(began) if began else None,
                days,
                parse(panel) if panel else None,
            )
            for cid, rec, kind, status, tri, ack, stage, began, days, panel in rows
        ]

    def state_counts(
        self,
        as_of: datetime,
        *,
        received_from: datetime | None = None,
        received_to: datetime | None = None,
        cohort: str | None = None,
    ) -> list[tuple[str, str, int]]:
        """The same count as store.reports.state_counts (a test holds them together), for the headless report
        commands, which then need not load SQLAlchemy."""
        moment = sqlite_time(as_of)
        join = ""
        where = ["s.valid_to > ?", "s.valid_from <= ?"]
        params: list[object] = [moment, moment]
        if received_from is not None or received_to is not None or cohort is not None:
            join = " JOIN cases c ON c.id = s.case_id"
            for condition, value in (
                ("c.received_at >= ?", sqlite_time(received_from) if received_from else None),
                ("c.received_at <= ?", sqlite_time(received_to) if received_to else None),
                ("c.cohort = ?", cohort),
            ):
                if value is not None:
                    where.append(condition)
                    params.append(value)
        # Every case's: the states still current, from their tally, and those ended after the moment, apart
        # (see store.reports.state_counts); chosen cases: in one part.
        parts = [("", [])] if join else [("s.valid_to < ? AND ", [STILL_TEXT])]
        counted: dict[tuple[str, str], int] = {}
        if not join:
            # The current states from their tally, less those begun after the moment (store/tally.py).
            for kind, status, n in self.connection.execute(CURRENT_AT, (STILL_TEXT, moment)):
                counted[(kind, status)] = n
        for held, still in parts:
            sql = (
                f"SELECT s.type, s.status, count(*) FROM case_states s{join} WHERE {held}"
                + " AND ".join(where)
                + " GROUP BY s.type, s.status"
            )
            for kind, status, n in self.connection.execute(sql, [*still, *params]):
                counted[(kind, status)] = counted.get((kind, status), 0) + n
        return [(kind, status, n) for (kind, status), n in counted.items() if n]

    def cases(self, ids: Sequence[int]) -> list[CaseView]:
        if not ids:
            return []
        names = dict(self.connection.execute("SELECT id, username FROM officers"))
        found: list[CaseView] = []
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start : start + 500])
            marks = ", ".join("?" for _ in chunk)
            for r in self.connection.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({marks})", chunk):
                found.append(
                    CaseView(
                        id=r[0],
                        reference=r[1],
                        received_at=_time(r[2]),  # type: ignore[arg-type]
                        channel=r[3],
                        customer_name=r[4],
                        customer_email=r[5],
                        customer_phone=r[6],
                        customer_address=r[27],
                        summary=r[7],
                        details=r[8],
                        type=CaseType(r[9]),
                        status=Status(r[10]),
                        officer=names.get(r[11]) if r[11] is not None else None,
                        triaged_at=_time(r[12]),
                        allocated_at=_time(r[13]),
                        acknowledged_at=_time(r[14]),
                        sent_to_service_at=_time(r[15]),
                        service=r[16],
                        responded_at=_time(r[17]),
                        outcome=r[18],
                        closed_at=_time(r[19]),
                        close_reason=r[20],
                        signposted_to=r[21],
                        duplicate_of=r[22],
                        cohort=r[23],
                        claimed_by=names.get(r[24]) if r[24] is not None else None,
                        claimed_until=_time(r[25]),
                        version=r[26],
                        stage=r[28],
                        stage_started_at=_time(r[29]),
                        extension_days=r[30],
                        panel_at=_time(r[31]),
                        ombudsman=_ombudsman(r[32:41]),
                    )
                )
        return found
