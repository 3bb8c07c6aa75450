"""The tables. Times are UTC; the events table is append-only (triggers in the migrations enforce it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, func, text
from sqlmodel import Field, SQLModel

from triage_tui.store import chain
from triage_tui.store.types import UTCDateTime


def _time(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Officer(SQLModel, table=True):
    __tablename__ = "officers"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    team: str = Field(max_length=20)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        # The queue: open cases by status, oldest first.
        # The queue's candidates, read from the index alone (migration 0009): the key, then every column a
        # candidate's deadlines need.
        Index(
            "ix_cases_queue",
            "status",
            "received_at",
            "id",
            "type",
            "triaged_at",
            "acknowledged_at",
            "stage",
            "stage_started_at",
            "extension_days",
            "panel_at",
        ),
        Index("ix_cases_officer_status", "officer_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, max_length=40)
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    channel: str = Field(max_length=20)
    customer_name: str = Field(max_length=200)
    customer_email: str | None = Field(default=None, max_length=254)
    customer_phone: str | None = Field(default=None, max_length=40)
    customer_address: str | None = Field(default=None, max_length=500)
    summary: str = Field(max_length=500)
    details: str | None = None
    type: str = Field(max_length=20, index=True)
    status: str = Field(max_length=20)
    officer_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("officers.id"), nullable=True))
    triaged_at: datetime | None = _time()
    allocated_at: datetime | None = _time()
    acknowledged_at: datetime | None = _time()
    sent_to_service_at: datetime | None = _time()
    service: str | None = Field(default=None, max_length=200)
    responded_at: datetime | None = _time()
    outcome: str | None = Field(default=None, max_length=20)
    closed_at: datetime | None = _time()
    close_reason: str | None = Field(default=None, max_length=20)
    signposted_to: str | None = Field(default=None, max_length=200)
    duplicate_of: str | None = Field(default=None, max_length=40)
    cohort: str | None = Field(default=None, max_length=64, index=True)
    claimed_by_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("officers.id"), nullable=True))
    claimed_until: datetime | None = _time()
    # The stage the complaint is at (the milestones above are this stage's; earlier ones are in case_stages),
    # when the customer asked for it (NULL at stage 1: it starts at receipt), the working days its response
    # deadline has been extended by, and when a children's stage-3 review panel sat.
    stage: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    stage_started_at: datetime | None = _time()
    extension_days: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    panel_at: datetime | None = _time()
    # The ombudsman's enquiry, if any: its reference, when it opened and the date the council must answer by,
    # when the council answered, the decision, any remedy with its due date, and when the remedy was carried out.
    ombudsman_reference: str | None = Field(default=None, max_length=64)
    ombudsman_opened_at: datetime | None = _time()
    ombudsman_respond_by: date | None = None
    ombudsman_answered_at: datetime | None = _time()
    ombudsman_decision: str | None = Field(default=None, max_length=20)
    ombudsman_decided_at: datetime | None = _time()
    ombudsman_remedy: str | None = Field(default=None, max_length=2000)
    ombudsman_remedy_due: date | None = None
    ombudsman_complied_at: datetime | None = _time()
    # Optimistic concurrency: every change bumps it, and an update names the version it read.
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


# The annual report's counted actions, as its query and migration 0010's partial index write them.
COUNTED_WHERE = "action IN ('escalate', 'respond', 'ombudsman_open')"


class Event(SQLModel, table=True):
    """One row per action: who, when, what, from and to which status, and the details; its place in the audit
    chain and its hash (set when the session flushes it: see chain.py)."""

    __tablename__ = "events"
    # AUTOINCREMENT on SQLite: ids are never reused, so the highest id seen is a safe watermark for polling.
    __table_args__ = (
        Index("ix_events_case_id", "case_id", "id"),
        Index("ux_events_seq", "seq", unique=True),
        # The events that bring an earlier year's case into a year's annual report (migration 0010; the list
        # is reports/stages.py COUNTED).
        Index(
            "ix_events_counted_at",
            "at",
            "case_id",
            sqlite_where=text(COUNTED_WHERE),
            postgresql_where=text(COUNTED_WHERE),
        ),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("cases.id"), nullable=True))
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=20)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    seq: int | None = Field(default=None, nullable=False)
    hash: str | None = Field(default=None, max_length=64, nullable=False)


chain.watch(Event)


class OfficerPreference(SQLModel, table=True):
    """What an officer set at the desk and expects to find next time (the queue's filter and sort), by name."""

    __tablename__ = "officer_preferences"

    officer_id: int = Field(sa_column=Column(Integer, ForeignKey("officers.id"), primary_key=True))
    name: str = Field(primary_key=True, max_length=64)
    value: Any = Field(sa_type=JSON, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


# The end of a state that still holds: a real time, so "held at T" is one range condition an index can answer.
STILL = datetime(9999, 12, 31, tzinfo=UTC)


class CaseState(SQLModel, table=True):
    """How long a case had each (type, status): derived from its events as they are written, so a report of
    the position at any moment counts the states that held then with one index range scan."""

    __tablename__ = "case_states"
    __table_args__ = (
        # The states held at a moment, counted by type and status from the index alone (migration 0010).
        Index("ix_case_states_counted", "valid_to", "type", "status", "valid_from"),
        Index("ix_case_states_case", "case_id", "valid_to"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("cases.id"), nullable=False))
    type: str = Field(max_length=20)
    status: str = Field(max_length=20)
    valid_from: datetime = Field(sa_type=UTCDateTime, nullable=False)
    valid_to: datetime = Field(sa_type=UTCDateTime, nullable=False)


class StateTally(SQLModel, table=True):
    """How many cases are now in each (type, status): the current case_states counted, kept up to date as they
    are written (store/tally.py), so a position now need not count them one by one."""

    __tablename__ = "state_tally"

    type: str = Field(max_length=20, primary_key=True)
    status: str = Field(max_length=20, primary_key=True)
    n: int = Field(default=0, nullable=False)


class CaseStage(SQLModel, table=True):
    """A stage a case has been through, kept when the customer escalated: its milestones as they stood, so the
    case screen, `case show` and the reports show every stage with its own clocks (derived, as ever, from these
    times and the policy)."""

    __tablename__ = "case_stages"
    __table_args__ = (Index("ux_case_stages_case_stage", "case_id", "stage", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("cases.id"), nullable=False))
    stage: int
    type: str = Field(max_length=20)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    officer_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("officers.id"), nullable=True))
    allocated_at: datetime | None = _time()
    acknowledged_at: datetime | None = _time()
    sent_to_service_at: datetime | None = _time()
    service: str | None = Field(default=None, max_length=200)
    responded_at: datetime | None = _time()
    outcome: str | None = Field(default=None, max_length=20)
    extension_days: int = Field(default=0)
    panel_at: datetime | None = _time()
    ended_at: datetime = Field(sa_type=UTCDateTime, nullable=False)  # when the customer asked for the next


# Usernames and references are unique regardless of letter case (migration 0004); the lookups in queries.py
# compare lower(column) with lower(value), which these indexes answer.
Index("ux_officers_username_lower", func.lower(Officer.__table__.c.username), unique=True)  # type: ignore[attr-defined]
Index("ux_cases_reference_lower", func.lower(Case.__table__.c.reference), unique=True)  # type: ignore[attr-defined]
