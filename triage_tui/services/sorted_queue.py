"""A desk's list sorted by one of its columns, over every match, not only the page shown.

In the default order (most urgent first) this is services/desk.py queue_page. Sorted by a column, the same
candidates are read and ranked (so a filter by band and the band counts are the same), then ordered by what
the column shows for every one of them (domain/sorting.py), and only the page that will be shown is read in
full. What the page needs beyond the candidates' few columns (reference, channel, customer, summary, who holds
the case) is read as those columns alone, for the list's statuses.
"""

from __future__ import annotations

from sqlmodel import col, select

from triage_tui.domain.clock import case_clocks
from triage_tui.domain.codes import CaseType, Status
from triage_tui.domain.queue import QueuePage, QueueQuery, candidate_times
from triage_tui.domain.sorting import Sort, SortFields, sort_key
from triage_tui.services.context import ServiceContext
from triage_tui.services.desk import queue_page, ranked_candidates
from triage_tui.store import queries
from triage_tui.store.tables import Case


def sorted_queue_page(ctx: ServiceContext, query: QueueQuery, sort: Sort | None, *, limit: int = 500) -> QueuePage:
    """The first `limit` cases matching `query` in `sort`'s order (None: most urgent first), and how many match."""
    if sort is None:
        return queue_page(ctx, query, limit=limit)
    now = ctx.now()
    with ctx.store.read() as session:
        watermark = queries.latest_event_id(session)
        candidates, ranked, bands = ranked_candidates(session, ctx, query, now)
        default = {cid: (due, cid) for due, cid in ranked}
        by_id = {c.id: c for c in candidates if c.id in default}
        names = queries.usernames(session)
        shown = select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            col(Case.id),
            col(Case.reference),
            col(Case.channel),
            col(Case.customer_name),
            col(Case.summary),
            col(Case.officer_id),
            col(Case.claimed_by_id),
            col(Case.claimed_until),
        ).where(col(Case.status).in_([s.value for s in query.statuses]))
        keys: dict[int, tuple[object, ...]] = {}
        for cid, reference, channel, customer, summary, officer_id, claimed_by_id, claimed_until in session.exec(shown):
            candidate = by_id.get(cid)
            if candidate is None:
                continue
            holder = names.get(officer_id, "") if officer_id is not None else ""
            if not holder and claimed_by_id is not None and claimed_until is not None and claimed_until > now:
                holder = names.get(claimed_by_id, "")
            fields = SortFields(
                reference=reference,
                received_at=candidate.received_at,
                channel=channel,
                customer_name=customer,
                summary=summary,
                type=CaseType(candidate.type),
                status=Status(candidate.status),
                holder=holder,
                acknowledged_at=candidate.acknowledged_at,
                clocks=case_clocks(candidate_times(candidate), ctx.policy),
            )
            keys[cid] = sort_key(sort, fields, default[cid])
        order = sorted(keys, key=keys.__getitem__)[:limit]
        place = {cid: i for i, cid in enumerate(order)}
        found = queries.cases_by_ids(session, order)
        rows = sorted((queries.case_view(row, names) for row in found), key=lambda v: place[v.id])
    return QueuePage(
        rows=rows, total=len(ranked), watermark=watermark, bands=bands, ranks={cid: default[cid] for cid in order}
    )
