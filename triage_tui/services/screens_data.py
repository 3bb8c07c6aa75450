"""Small reads the desk's screens need before their main one: what to show first, cheaply.

The split view opens on the busiest officer beside the least busy colleague of the same team. Choosing them
needs only how many open cases each officer holds, a count the database does itself; the workload figures
(services/desk.py officer_loads) compute every open case's deadlines, which the choice does not need.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from triage_tui.domain.queue import MY_STATUSES
from triage_tui.domain.views import OfficerView
from triage_tui.services.context import ServiceContext
from triage_tui.store import queries
from triage_tui.store.tables import Case


def open_counts(ctx: ServiceContext) -> list[tuple[OfficerView, int]]:
    """Every active officer with the number of open cases allocated to them (0 for none), by team and name."""
    with ctx.store.read() as session:
        officers = [o for o in queries.officers(session) if o.active and o.id is not None]
        rows = session.exec(
            select(col(Case.officer_id), func.count())
            .where(col(Case.status).in_([s.value for s in MY_STATUSES]), col(Case.officer_id).is_not(None))
            .group_by(col(Case.officer_id))
        )
        counts = {officer_id: n for officer_id, n in rows}
        return [(queries.officer_view(o), counts.get(o.id, 0)) for o in officers]
