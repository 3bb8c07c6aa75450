"""A list ordered by any column (the order an officer keeps), on SQLite and PostgreSQL: the page shown is the
first of every match in that order, the same order the desk gives a whole list it holds."""

from __future__ import annotations

import pytest

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType
from triage_tui.domain.queue import QueueQuery
from triage_tui.domain.sorting import SORTABLE, Sort, case_sort_key
from triage_tui.services import cases, desk
from triage_tui.services.context import ServiceContext
from triage_tui.services.sorted_queue import sorted_queue_page

NAMES = ("zoe Able", "Adam Brown", "mary Cole", "Brian Dunn", "adam brown", "Chris Eve", "Dee Fox")
CHANNELS = ("web", "phone", "email", "letter", "in_person", "email", "web")


@pytest.fixture
def queue(ctx: ServiceContext, staff, clock: Clock) -> list[str]:
    refs = []
    for i, (name, channel) in enumerate(zip(NAMES, CHANNELS, strict=True)):
        refs.append(
            cases.intake(
                ctx,
                "alice",
                customer_name=name,
                summary=f"Summary {7 - i}",
                channel=channel,
                received_at=clock.now.subtract(hours=3 * i + 1),
            ).reference
        )
    cases.classify(ctx, "alice", refs[2], CaseType.CHILDREN)
    cases.classify(ctx, "alice", refs[4], CaseType.ADULTS)
    desk.take_next(ctx, "bob")
    return refs


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize(
    "column",
    ["reference", "countdown", "received", "channel", "customer", "summary", "type", "status", "holder", "acked"],
)
def test_each_column_orders_every_match_before_the_page_is_cut(ctx, queue, column: str, descending: bool) -> None:
    sort = Sort(column, descending)
    everything = desk.queue_page(ctx, QueueQuery(), limit=100)
    now = ctx.now()
    expected = sorted(everything.rows, key=lambda c: case_sort_key(sort, c, ctx.policy, now, everything.ranks[c.id]))
    page = sorted_queue_page(ctx, QueueQuery(), sort, limit=3)
    assert page.total == len(queue)
    assert [c.reference for c in page.rows] == [c.reference for c in expected[:3]]
    assert set(page.ranks) == {c.id for c in page.rows}
    assert column in SORTABLE


def test_text_orders_regardless_of_letter_case_and_empty_cells_go_last(ctx, queue) -> None:
    names = [c.customer_name for c in sorted_queue_page(ctx, QueueQuery(), Sort("customer"), limit=100).rows]
    assert names[:3] in (["Adam Brown", "adam brown", "Brian Dunn"], ["adam brown", "Adam Brown", "Brian Dunn"])
    for descending in (False, True):
        rows = sorted_queue_page(ctx, QueueQuery(), Sort("holder", descending), limit=100).rows
        assert rows[0].claimed_by == "bob" and all(r.claimed_by is None for r in rows[1:])


def test_the_default_order_is_the_queues_own(ctx, queue) -> None:
    assert sorted_queue_page(ctx, QueueQuery(), None, limit=4) == desk.queue_page(ctx, QueueQuery(), limit=4)
