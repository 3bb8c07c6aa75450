"""Reads, and the conversion of rows into the plain views the rest of the program uses."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from triage_tui.domain.codes import CaseType, Role, Status, Team
from triage_tui.domain.queue import Candidate
from triage_tui.domain.views import CaseView, EventView, OfficerView, OmbudsmanView, StageView
from triage_tui.store.tables import Case, CaseStage, Event, Officer


def _same_name(column: Any, value: str) -> Any:
    """Usernames and references are unique regardless of letter case, stored as first spelt. Both sides go
    through the database's lower(), so the comparison folds exactly as the unique index on lower(column) does,
    and that index answers it."""
    return func.lower(column) == func.lower(value)


def officer_by_username(session: Session, username: str) -> Officer | None:
    return session.exec(select(Officer).where(_same_name(Officer.username, username))).first()


def officer_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Officer)).one()


def active_supervisor_count(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Officer).where(Officer.role == Role.SUPERVISOR.value, col(Officer.active))
    ).one()


def officer_open_cases(session: Session, officer_id: int, statuses: Sequence[str], now: Any) -> list[Case]:
    """An officer's cases in `statuses`, and the new contacts they hold a live claim on; oldest first."""
    held = or_(
        and_(col(Case.officer_id) == officer_id, col(Case.status).in_(list(statuses))),
        and_(
            col(Case.claimed_by_id) == officer_id, col(Case.status) == Status.NEW.value, col(Case.claimed_until) > now
        ),
    )
    return list(session.exec(select(Case).where(held).order_by(col(Case.received_at), col(Case.id))))


def demo_officers(session: Session) -> set[str]:
    """Usernames (lower case) of the officers a demo made up, as their officer_add events say."""
    rows = session.exec(select(Event.details).where(col(Event.case_id).is_(None), Event.action == "officer_add"))
    return {str(d["username"]).lower() for d in rows if isinstance(d, dict) and d.get("demo") and "username" in d}


def officers(session: Session) -> list[Officer]:
    return list(session.exec(select(Officer).order_by(Officer.team, Officer.username)))


def usernames(session: Session) -> dict[int, str]:
    return {oid: name for oid, name in session.exec(select(Officer.id, Officer.username)) if oid is not None}


def case_by_reference(session: Session, reference: str, *, for_update: bool = False) -> Case | None:
    query = select(Case).where(_same_name(Case.reference, reference))
    if for_update:
        # A row lock on PostgreSQL; on SQLite the BEGIN IMMEDIATE transaction already serialises writers.
        query = query.with_for_update()
    return session.exec(query).first()


def reference_exists(session: Session, reference: str) -> bool:
    return session.exec(select(Case.id).where(_same_name(Case.reference, reference))).first() is not None


def events_for_case(session: Session, case_id: int) -> list[Event]:
    """A case's history, oldest first by when each thing happened (a step recorded today may have happened
    yesterday: see services/cases.py on `at`), in the order written where times are equal. The intake opens it
    whatever its time: a case stored before intake events took the receipt's time has one recorded later than
    the steps that may now be dated back to the receipt."""
    query = select(Event).where(Event.case_id == case_id)
    query = query.order_by(col(Event.action) != "intake", col(Event.at), col(Event.id))
    return list(session.exec(query))


def last_event(session: Session, case_id: int) -> Event | None:
    """The event written last (the latest change, whenever it happened)."""
    return session.exec(select(Event).where(Event.case_id == case_id).order_by(col(Event.id).desc()).limit(1)).first()


def last_event_of(session: Session, case_id: int, actions: Collection[str]) -> Event | None:
    """The event written last among those of `actions`."""
    query = select(Event).where(Event.case_id == case_id, col(Event.action).in_(list(actions)))
    return session.exec(query.order_by(col(Event.id).desc()).limit(1)).first()


def latest_step(session: Session, case_id: int, actions: Collection[str]) -> Event | None:
    """The latest in time of the case's events among `actions` (its lifecycle steps), the last written if two
    share a time."""
    query = select(Event).where(Event.case_id == case_id, col(Event.action).in_(list(actions)))
    return session.exec(query.order_by(col(Event.at).desc(), col(Event.id).desc()).limit(1)).first()


@dataclass(frozen=True)
class CaseFilter:
    statuses: Sequence[Status] = ()
    types: Sequence[CaseType] = ()
    officer_id: int | None = None
    cohort: str | None = None
    limit: int | None = None


def find_cases(session: Session, flt: CaseFilter) -> list[Case]:
    query = select(Case)
    if flt.statuses:
        query = query.where(col(Case.status).in_([s.value for s in flt.statuses]))
    if flt.types:
        query = query.where(col(Case.type).in_([t.value for t in flt.types]))
    if flt.officer_id is not None:
        query = query.where(Case.officer_id == flt.officer_id)
    if flt.cohort is not None:
        query = query.where(Case.cohort == flt.cohort)
    query = query.order_by(col(Case.received_at), col(Case.id))
    if flt.limit is not None:
        query = query.limit(flt.limit)
    return list(session.exec(query))


def officer_view(row: Officer) -> OfficerView:
    return OfficerView(
        username=row.username, name=row.name, role=Role(row.role), team=Team(row.team), active=row.active
    )


def event_view(row: Event) -> EventView:
    assert row.id is not None
    return EventView(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        from_status=Status(row.from_status) if row.from_status else None,
        to_status=Status(row.to_status) if row.to_status else None,
        details=dict(row.details or {}),
    )


def case_view(row: Case, names: dict[int, str], events: Iterable[Event] = ()) -> CaseView:
    assert row.id is not None
    return CaseView(
        id=row.id,
        reference=row.reference,
        received_at=row.received_at,
        channel=row.channel,
        customer_name=row.customer_name,
        customer_email=row.customer_email,
        customer_phone=row.customer_phone,
        customer_address=row.customer_address,
        summary=row.summary,
        details=row.details,
        type=CaseType(row.type),
        status=Status(row.status),
        officer=names.get(row.officer_id) if row.officer_id is not None else None,
        triaged_at=row.triaged_at,
        allocated_at=row.allocated_at,
        acknowledged_at=row.acknowledged_at,
        sent_to_service_at=row.sent_to_service_at,
        service=row.service,
        responded_at=row.responded_at,
        outcome=row.outcome,
        closed_at=row.closed_at,
        close_reason=row.close_reason,
        signposted_to=row.signposted_to,
        duplicate_of=row.duplicate_of,
        cohort=row.cohort,
        claimed_by=names.get(row.claimed_by_id) if row.claimed_by_id is not None else None,
        claimed_until=row.claimed_until,
        version=row.version,
        stage=row.stage or 1,
        stage_started_at=row.stage_started_at,
        extension_days=row.extension_days or 0,
        panel_at=row.panel_at,
        ombudsman=ombudsman_view(row),
        events=[event_view(e) for e in events],
    )


def ombudsman_view(row: Case) -> OmbudsmanView | None:
    if row.ombudsman_reference is None or row.ombudsman_opened_at is None:
        return None
    return OmbudsmanView(
        reference=row.ombudsman_reference,
        opened_at=row.ombudsman_opened_at,
        respond_by=row.ombudsman_respond_by,
        answered_at=row.ombudsman_answered_at,
        decision=row.ombudsman_decision,
        decided_at=row.ombudsman_decided_at,
        remedy=row.ombudsman_remedy,
        remedy_due=row.ombudsman_remedy_due,
        complied_at=row.ombudsman_complied_at,
    )


def earlier_stages(session: Session, case_id: int, names: dict[int, str]) -> list[StageView]:
    """The stages a case went through before the one it is at, oldest first."""
    rows = session.exec(select(CaseStage).where(CaseStage.case_id == case_id).order_by(col(CaseStage.stage))).all()
    return [
        StageView(
            stage=r.stage,
            type=CaseType(r.type),
            started_at=r.started_at,
            officer=names.get(r.officer_id) if r.officer_id is not None else None,
            allocated_at=r.allocated_at,
            acknowledged_at=r.acknowledged_at,
            sent_to_service_at=r.sent_to_service_at,
            service=r.service,
            responded_at=r.responded_at,
            outcome=r.outcome,
            extension_days=r.extension_days,
            panel_at=r.panel_at,
            ended_at=r.ended_at,
        )
        for r in rows
    ]


def earlier_stage_officers(session: Session, case_id: int) -> dict[int, int]:
    """Officer id -> the earlier stage they handled (the Code: a later stage is someone else's)."""
    rows = session.exec(select(CaseStage.officer_id, CaseStage.stage).where(CaseStage.case_id == case_id)).all()
    return {officer: stage for officer, stage in rows if officer is not None}


# --- the desk's reads: lean column selections, no ORM objects for rows the officer may never see ----------------


def queue_candidates(
    session: Session,
    statuses: Sequence[str],
    *,
    types: Sequence[str] = (),
    officer_id: int | None = None,
    cohort: str | None = None,
    search: str | None = None,
    officer_ids: Sequence[int] = (),
) -> list[Candidate]:
    query = select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
        col(Case.id),
        col(Case.received_at),
        col(Case.type),
        col(Case.status),
        col(Case.triaged_at),
        col(Case.acknowledged_at),
        col(Case.stage),
        col(Case.stage_started_at),
        col(Case.extension_days),
        col(Case.panel_at),
    ).where(col(Case.status).in_(list(statuses)))
    if types:
        query = query.where(col(Case.type).in_(list(types)))
    if officer_id is not None:
        query = query.where(Case.officer_id == officer_id)
    if officer_ids:
        query = query.where(col(Case.officer_id).in_(list(officer_ids)))
    if cohort:
        query = query.where(Case.cohort == cohort)
    if search:
        pattern = f"%{_escape_like(search.strip().lower())}%"
        query = query.where(
            or_(
                func.lower(Case.reference).like(pattern, escape="\\"),
                func.lower(Case.customer_name).like(pattern, escape="\\"),
                func.lower(Case.summary).like(pattern, escape="\\"),
            )
        )
    return [Candidate(*row) for row in session.exec(query)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def cases_by_ids(session: Session, ids: Sequence[int]) -> list[Case]:
    if not ids:
        return []
    found: list[Case] = []
    for start in range(0, len(ids), 500):  # stay under every database's bound-parameter limit
        chunk = list(ids[start : start + 500])
        found.extend(session.exec(select(Case).where(col(Case.id).in_(chunk))))
    return found


def latest_event_id(session: Session) -> int:
    return int(session.exec(select(func.coalesce(func.max(Event.id), 0))).one() or 0)


def events_after(session: Session, watermark: int, limit: int = 5000) -> list[tuple[int, int | None, str]]:
    """(event id, case id, action) of events newer than the watermark, oldest first."""
    rows = session.exec(
        select(Event.id, Event.case_id, Event.action)
        .where(col(Event.id) > watermark)
        .order_by(col(Event.id))
        .limit(limit)
    )
    return [(int(eid or 0), cid, action) for eid, cid, action in rows]


def open_cases_per_officer(session: Session, statuses: Sequence[str]) -> list[tuple[int, Candidate]]:
    """(officer id, the case's clock times) of each open allocated case."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(Case.officer_id),
            col(Case.id),
            col(Case.received_at),
            col(Case.type),
            col(Case.status),
            col(Case.triaged_at),
            col(Case.acknowledged_at),
            col(Case.stage),
            col(Case.stage_started_at),
            col(Case.extension_days),
            col(Case.panel_at),
        ).where(col(Case.status).in_(list(statuses)), col(Case.officer_id).is_not(None))
    )
    return [(r[0], Candidate(*r[1:])) for r in rows]


def finished_since(session: Session, since: Any) -> dict[int, int]:
    """Per officer, how many of their cases were responded to or closed since `since`."""
    done = or_(col(Case.responded_at) >= since, col(Case.closed_at) >= since)
    rows = session.exec(
        select(Case.officer_id, func.count())
        .where(col(Case.officer_id).is_not(None), done)
        .group_by(col(Case.officer_id))
    )
    return {officer_id: n for officer_id, n in rows if officer_id is not None}


def live_claims_on_new(session: Session, officer_id: int, now: Any) -> list[Case]:
    """The new contacts `officer_id` still holds a live claim on, locked for this transaction."""
    query = (
        select(Case)
        .where(Case.status == "new", Case.claimed_by_id == officer_id, col(Case.claimed_until) >= now)
        .with_for_update()
    )
    return list(session.exec(query))


def next_unclaimed_new(session: Session, now: Any, *, skip_locked: bool) -> Case | None:
    """The oldest new contact nobody else holds a live claim on, locked for this transaction."""
    query = (
        select(Case)
        .where(Case.status == "new")
        .where(or_(col(Case.claimed_by_id).is_(None), col(Case.claimed_until) < now))
        .order_by(col(Case.received_at), col(Case.id))
        .limit(1)
    )
    if skip_locked:
        # Several desks pressing `n` at once on PostgreSQL each skip the rows the others are taking.
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()
