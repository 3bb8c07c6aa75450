"""Supervisors moving work between people: many cases at once, each case its own transaction through the
same service an officer's single action uses, so a case someone changed meanwhile is reported, not
overwritten, and the rest still move."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import cycle

from triage_tui.domain.clock import Band
from triage_tui.domain.codes import Role, Status, Team
from triage_tui.domain.errors import InvalidInput, StoreUnavailable, TriageError
from triage_tui.domain.queue import MY_STATUSES, QueueQuery
from triage_tui.domain.views import CaseView
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.desk import officer_loads, queue_page
from triage_tui.services.fields import required_text, text_field
from triage_tui.services.identity import unknown_officer
from triage_tui.services.officers import require_officer, require_supervisor
from triage_tui.store import queries


@dataclass
class BulkResult:
    """What a bulk move did: the cases moved, and each one refused with the reason."""

    moved: list[tuple[str, str]] = field(default_factory=list)  # (reference, officer)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)
    views: list[CaseView] = field(default_factory=list)  # each moved case as it now stands

    def to_json(self) -> dict[str, object]:
        return {
            "moved": [{"reference": r, "officer": o} for r, o in self.moved],
            "refused": [{"reference": r, "error": e} for r, e in self.refused],
        }


Step = tuple[str, str, Callable[[], CaseView]]  # (reference, officer it goes to, the case's own transaction)


def apply_each(steps: Sequence[Step]) -> BulkResult:
    """Run each case's transaction in turn. A refusal belongs to that case and the rest go on; a database fault
    (locked past the wait, a full disk, a read-only file) would hit every remaining case too, so they are
    reported as not tried rather than each waiting out the same lock."""
    result = BulkResult()
    for index, (reference, officer, act) in enumerate(steps):
        try:
            view = act()
        except StoreUnavailable as exc:
            result.refused.append((reference, str(exc)))
            result.refused.extend(
                (later, "not tried: the database was unavailable") for later, _, _ in steps[index + 1 :]
            )
            break
        except TriageError as exc:
            result.refused.append((reference, str(exc)))
        else:
            result.moved.append((reference, officer))
            result.views.append(view)
    return result


def _supervisor(ctx: ServiceContext, actor: str, what: str) -> None:
    with ctx.store.read() as session:
        require_supervisor(require_officer(session, actor), what)


def _officer(ctx: ServiceContext, username: str, *, active: bool = False) -> str:
    """The officer's username as stored (any letter case finds it); `active` for one who is to take cases
    (a leaver's cases may still be moved away from them)."""
    with ctx.store.read() as session:
        row = queries.officer_by_username(session, username.strip())
        if row is None:
            raise unknown_officer(username)
        if active and not row.active:
            raise InvalidInput(f"officer {row.username!r} is no longer active")
        return row.username


def bulk_reassign(
    ctx: ServiceContext,
    actor: str,
    source: str,
    target: str,
    *,
    reason: str,
    cohort: str | None = None,
    overdue: bool = False,
) -> BulkResult:
    """Move `source`'s open cases (of a cohort, or only the overdue and breached ones) to `target`."""
    _supervisor(ctx, actor, "reassign cases")
    source = _officer(ctx, source)
    target = _officer(ctx, target, active=True)
    if source == target:
        raise InvalidInput("--from and --to name the same officer")
    if not reason.strip():
        raise InvalidInput("a reassignment needs --reason (kept in each case's history)")
    reason = required_text(reason, "reason")
    cohort = text_field(cohort, "cohort")
    bands = (Band.OVERDUE, Band.BREACHED) if overdue else ()
    page = queue_page(ctx, QueueQuery(statuses=MY_STATUSES, officer=source, cohort=cohort, bands=bands), limit=100_000)
    return apply_each(
        [
            (
                case.reference,
                target,
                partial(
                    cases.reassign, ctx, actor, case.reference, target, reason=reason, expected_version=case.version
                ),
            )
            for case in page.rows
        ]
    )


def plan_distribution(
    ctx: ServiceContext, cohort: str, team: Team, strategy: str = "round-robin"
) -> list[tuple[str, str]]:
    """Who would take each of the cohort's unallocated (triaged) cases: the team's officers in turn, or always
    the one with the fewest open cases at that point. Most urgent cases first."""
    if strategy not in ("round-robin", "least-loaded"):
        raise InvalidInput("--strategy takes round-robin or least-loaded")
    cohort = required_text(cohort, "cohort")
    loads = [load for load in officer_loads(ctx) if load.officer.team is team and load.officer.role is Role.OFFICER]
    if not loads:
        raise InvalidInput(f"the {team.value} team has no active officers")
    waiting = queue_page(ctx, QueueQuery(statuses=(Status.TRIAGED,), cohort=cohort), limit=100_000).rows
    plan: list[tuple[str, str]] = []
    if strategy == "round-robin":
        turns = cycle(sorted(load.officer.username for load in loads))
        plan = [(case.reference, next(turns)) for case in waiting]
    else:
        open_now = {load.officer.username: load.open for load in loads}
        for case in waiting:
            chosen = min(open_now, key=lambda name: (open_now[name], name))
            plan.append((case.reference, chosen))
            open_now[chosen] += 1
    return plan


def distribute(ctx: ServiceContext, actor: str, plan: list[tuple[str, str]]) -> BulkResult:
    """Allocate as planned, a transaction per case."""
    _supervisor(ctx, actor, "distribute cases")
    return apply_each(
        [(reference, officer, partial(cases.allocate, ctx, actor, reference, officer)) for reference, officer in plan]
    )
