"""Officers: who may act, in which role and team."""

from __future__ import annotations

import re

from sqlmodel import Session

from triage_tui.domain.codes import Role, Team
from triage_tui.domain.errors import InvalidInput, NotFound, RoleRefused
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.views import OfficerView
from triage_tui.services.context import ServiceContext
from triage_tui.store import queries
from triage_tui.store.tables import Event, Officer

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def require_officer(session: Session, username: str) -> Officer:
    """The acting officer, or an error that says how to add them."""
    officer = queries.officer_by_username(session, username)
    if officer is None:
        raise NotFound(
            f"unknown user {username!r}: a supervisor can add them with "
            f'`triage officer add {username} --name "Full Name"` (or act as another with --as)'
        )
    if not officer.active:
        raise RoleRefused(f"user {username!r} is no longer active")
    return officer


def require_supervisor(officer: Officer, action: str) -> None:
    if officer.role != Role.SUPERVISOR.value:
        raise RoleRefused(f"{officer.username} is an officer: only supervisors may {action}")


def add_officer(
    ctx: ServiceContext,
    actor: str,
    username: str,
    name: str,
    role: Role = Role.OFFICER,
    team: Team = Team.TRIAGE,
) -> OfficerView:
    """Add an officer. On an empty database anyone may (that is how the first supervisor is made)."""
    username = username.strip()
    name = name.strip()
    if not USERNAME.match(username):
        raise InvalidInput(f"invalid username {username!r}: letters, digits, '.', '_' or '-', up to 64 characters")
    if not name:
        raise InvalidInput('an officer needs a name (--name "Full Name")')
    if len(name) > 200:
        raise InvalidInput("name is longer than 200 characters")
    now = ctx.now()
    with ctx.store.write() as session:
        if queries.officer_count(session) > 0:
            require_supervisor(require_officer(session, actor), "add officers")
        if queries.officer_by_username(session, username) is not None:
            raise InvalidInput(f"officer {username!r} already exists")
        row = Officer(username=username, name=name, role=role.value, team=team.value, created_at=now)
        session.add(row)
        session.add(
            Event(
                case_id=None,
                at=now,
                actor=actor,
                action=Action.OFFICER_ADD.value,
                details={"username": username, "name": name, "role": role.value, "team": team.value},
            )
        )
        session.flush()
        return queries.officer_view(row)


def list_officers(ctx: ServiceContext) -> list[OfficerView]:
    with ctx.store.read() as session:
        return [queries.officer_view(row) for row in queries.officers(session)]


def get_officer(ctx: ServiceContext, username: str) -> OfficerView:
    """The officer acting at a desk, or the same 'how to add them' error as any action."""
    with ctx.store.read() as session:
        return queries.officer_view(require_officer(session, username))
