"""Officers: who may act, in which role and team; leavers deactivated, their history kept.

Usernames are unique regardless of letter case (`JNowak` is `jnowak`), stored as first spelt. Changes to
officers are events too, with no case: who added, changed or deactivated whom, when and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from triage_tui.domain.codes import Role, Status, Team
from triage_tui.domain.errors import InvalidInput, RoleRefused
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.queue import MY_STATUSES
from triage_tui.domain.views import CaseView, OfficerView
from triage_tui.services.audit import record
from triage_tui.services.context import ServiceContext
from triage_tui.services.fields import required_text
from triage_tui.services.identity import inactive_user, judge, unknown_officer, unknown_user
from triage_tui.store import queries
from triage_tui.store.tables import Event, Officer

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def require_officer(session: Session, username: str) -> Officer:
    """The acting officer, or an error that says how to add them (or that they have left)."""
    officer = queries.officer_by_username(session, username)
    if officer is None:
        raise unknown_user(username)
    if not officer.active:
        raise inactive_user(username)
    return officer


def require_supervisor(officer: Officer, action: str) -> None:
    if officer.role != Role.SUPERVISOR.value:
        raise RoleRefused(f"{officer.username} is an officer: only supervisors may {action}")


def check_actor(ctx: ServiceContext, username: str, *, open_when_empty: bool = False) -> OfficerView | None:
    """The active officer acting, or the refusal every command gives an unknown or deactivated user. With
    `open_when_empty`, a database with no officers at all lets anyone through (None): that is how the first
    supervisor is made."""
    with ctx.store.read() as session:
        row = queries.officer_by_username(session, username)
        count = queries.officer_count(session) if row is None else 1
        return judge(queries.officer_view(row) if row else None, username, count, open_when_empty=open_when_empty)


def _officer_event(session: Session, actor: str, action: Action, details: dict[str, Any], now: datetime) -> None:
    session.add(Event(case_id=None, at=now, actor=actor, action=action.value, details=details))


def add_officer(
    ctx: ServiceContext,
    actor: str,
    username: str,
    name: str,
    role: Role = Role.OFFICER,
    team: Team = Team.TRIAGE,
    *,
    demo: bool = False,
) -> OfficerView:
    """Add an officer. On an empty database anyone may (that is how the first supervisor is made).

    `demo` marks one of the demo's made-up staff in their event, so a later demo knows it may act as them.
    """
    username = username.strip()
    if not USERNAME.match(username):
        raise InvalidInput(f"invalid username {username[:80]!r}: letters, digits, '.', '_' or '-', up to 64 characters")
    full_name = required_text(name, "officer_name", label="name")
    now = ctx.now()
    try:
        with ctx.store.write() as session:
            by = actor
            if queries.officer_count(session) > 0:
                acting = require_officer(session, actor)
                require_supervisor(acting, "add officers")
                by = acting.username
            _refuse_taken(session, username)
            row = Officer(username=username, name=full_name, role=role.value, team=team.value, created_at=now)
            session.add(row)
            details: dict[str, Any] = {"username": username, "name": full_name, "role": role.value, "team": team.value}
            if demo:
                details["demo"] = True
            _officer_event(session, by, Action.OFFICER_ADD, details, now)
            session.flush()
            return queries.officer_view(row)
    except IntegrityError:
        # Another desk added the same name (in any letter case) a moment ago; the unique index caught it.
        raise InvalidInput(f"officer {username!r} already exists") from None


def _refuse_taken(session: Session, username: str) -> None:
    existing = queries.officer_by_username(session, username)
    if existing is None:
        return
    if existing.username == username:
        raise InvalidInput(f"officer {username!r} already exists")
    raise InvalidInput(
        f"officer {existing.username!r} already exists: usernames are the same regardless of letter case, "
        f"so {username!r} would be the same person"
    )


def list_officers(ctx: ServiceContext) -> list[OfficerView]:
    with ctx.store.read() as session:
        return [queries.officer_view(row) for row in queries.officers(session)]


def get_officer(ctx: ServiceContext, username: str) -> OfficerView:
    """The officer acting at a desk (active), or the same refusal as any command."""
    with ctx.store.read() as session:
        return queries.officer_view(require_officer(session, username))


# --- leavers and changes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deactivation:
    """A leaver: their open cases, for a supervisor to move, and the claims on new contacts given back."""

    officer: OfficerView
    reason: str
    open_cases: list[CaseView] = field(default_factory=list)
    released: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "officer": self.officer.to_json(),
            "reason": self.reason,
            "open_cases": [
                {
                    "reference": c.reference,
                    "status": c.status.value,
                    "type": c.type.value,
                    "received_at": c.received_at.isoformat(),
                }
                for c in self.open_cases
            ],
            "released_claims": self.released,
        }


def _target(session: Session, username: str) -> Officer:
    row = queries.officer_by_username(session, username.strip())
    if row is None:
        raise unknown_officer(username)
    return row


def _keeps_a_supervisor(session: Session, row: Officer, what: str) -> None:
    """Refuse a change that would leave nobody able to add, change or deactivate officers."""
    if row.role == Role.SUPERVISOR.value and row.active and queries.active_supervisor_count(session) <= 1:
        raise RoleRefused(
            f"{row.username} is the last active supervisor: {what} would leave nobody to manage officers; "
            "make another supervisor first (`triage officer update USERNAME --role supervisor`)"
        )


def deactivate_officer(ctx: ServiceContext, actor: str, username: str, *, reason: str) -> Deactivation:
    """A leaver can no longer read or act; their history stays. Their live claims on new contacts are given
    back at once (others could not triage those until the claims ran out); the cases allocated to them stay
    theirs until a supervisor moves them, and are listed for that."""
    why = required_text(reason, "reason")
    now = ctx.now()
    with ctx.store.write() as session:
        acting = require_officer(session, actor)
        require_supervisor(acting, "deactivate officers")
        row = _target(session, username)
        if not row.active:
            raise InvalidInput(f"officer {row.username!r} is already deactivated")
        _keeps_a_supervisor(session, row, "deactivating them")
        assert row.id is not None
        held = queries.officer_open_cases(session, row.id, [s.value for s in MY_STATUSES], now)
        released: list[str] = []
        for case in held:
            if case.status == Status.NEW.value and case.claimed_by_id == row.id:
                case.claimed_by_id = None
                case.claimed_until = None
                details = {"reason": f"{row.username} deactivated"}
                record(session, case, acting.username, Action.RELEASE, case.status, case.status, details, now)
                released.append(case.reference)
        row.active = False
        session.add(row)
        _officer_event(
            session, acting.username, Action.OFFICER_DEACTIVATE, {"username": row.username, "reason": why}, now
        )
        session.flush()
        names = queries.usernames(session)
        still_theirs = [queries.case_view(c, names) for c in held if c.reference not in released]
        return Deactivation(queries.officer_view(row), why, still_theirs, released)


def reactivate_officer(ctx: ServiceContext, actor: str, username: str, *, reason: str) -> OfficerView:
    """Undo a deactivation (a mistake, or a leaver who came back): the same username, history and all."""
    why = required_text(reason, "reason")
    now = ctx.now()
    with ctx.store.write() as session:
        acting = require_officer(session, actor)
        require_supervisor(acting, "reactivate officers")
        row = _target(session, username)
        if row.active:
            raise InvalidInput(f"officer {row.username!r} is active already")
        row.active = True
        session.add(row)
        details = {"username": row.username, "reason": why}
        _officer_event(session, acting.username, Action.OFFICER_REACTIVATE, details, now)
        session.flush()
        return queries.officer_view(row)


def update_officer(
    ctx: ServiceContext,
    actor: str,
    username: str,
    *,
    role: Role | None = None,
    team: Team | None = None,
    name: str | None = None,
) -> tuple[OfficerView, dict[str, list[str]]]:
    """Change an officer's role, team or name; returns the officer and what changed ({field: [from, to]})."""
    if role is None and team is None and name is None:
        raise InvalidInput("nothing to change: give --role, --team or --name")
    full_name = required_text(name, "officer_name", label="name") if name is not None else None
    now = ctx.now()
    with ctx.store.write() as session:
        acting = require_officer(session, actor)
        require_supervisor(acting, "change officers")
        row = _target(session, username)
        wanted = {"role": role.value if role else None, "team": team.value if team else None, "name": full_name}
        changes = {
            key: [getattr(row, key), value]
            for key, value in wanted.items()
            if value is not None and value != getattr(row, key)
        }
        if not changes:
            raise InvalidInput(
                f"officer {row.username!r} already has that {', '.join(k for k, v in wanted.items() if v)}"
            )
        if "role" in changes:
            _keeps_a_supervisor(session, row, "making them an officer")
        for key, (_, value) in changes.items():
            setattr(row, key, value)
        session.add(row)
        details = {"username": row.username, "changes": changes}
        _officer_event(session, acting.username, Action.OFFICER_UPDATE, details, now)
        session.flush()
        return queries.officer_view(row), changes
