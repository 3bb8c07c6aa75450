"""What every screen of the desk works with, in one typed object: who is at the desk, the store they act on,
the policy and time zone its clocks are read in, and the roster of officers cases can go to.

Screens receive it when they are built, instead of reaching for attributes of the App: a screen then says
what it needs, and a test can build one without a running desk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from triage_tui.domain.policy import Policy
from triage_tui.domain.views import OfficerView
from triage_tui.services.context import ServiceContext
from triage_tui.services.lazy import officers as officer_services


@dataclass
class Roster:
    """The active officers, by username, and each one's team (read once the store is open)."""

    names: list[str] = field(default_factory=list)
    teams: dict[str, str] = field(default_factory=dict)


@dataclass
class Session:
    officer: OfficerView
    policy: Policy
    # The open store; None for the second or so after a quick start, until the full store is open.
    ctx: ServiceContext | None = None
    db: str | None = None
    roster: Roster = field(default_factory=Roster)
    # A write still waiting for the database after this long tells the officer so (ui/work.py WaitNotice).
    wait_notice_seconds: float = 1.5

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.policy.timezone)

    @property
    def username(self) -> str:
        return self.officer.username

    @property
    def is_supervisor(self) -> bool:
        return self.officer.role.value == "supervisor"

    def now(self) -> datetime:
        """The service clock (frozen in tests), or the wall clock until the store is open."""
        return self.ctx.now() if self.ctx is not None else datetime.now(UTC)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def open(self, ctx: ServiceContext | None = None) -> ServiceContext:
        """Open the store (or take the one given) and read the roster. Blocking: call it off the UI thread
        unless the store is already open."""
        if ctx is None:
            from triage_tui.services.context import open_context

            ctx = open_context(self.db)
        active = [o for o in officer_services.list_officers(ctx) if o.active]
        self.roster = Roster([o.username for o in active], {o.username: o.team.value for o in active})
        self.ctx = ctx
        return ctx
