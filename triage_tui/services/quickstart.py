"""The desk's first frame without loading the full store: the acting officer and the queue's first page,
read straight from a SQLite file (store/quick.py), ranked by the same domain code as the services' reads.

Returns None whenever the long way is needed (PostgreSQL, no file yet, an older schema, an unknown user):
the desk then opens the store first, which migrates or explains.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from triage_tui.domain.clock import use_holiday_cache
from triage_tui.domain.policy import Policy, load_policy
from triage_tui.domain.queue import QueuePage, QueueQuery, page_of, rank
from triage_tui.domain.views import OfficerView
from triage_tui.services.context import cache_dir, policy_path
from triage_tui.store.paths import resolve_url, sqlite_path
from triage_tui.store.quick import QuickRead
from triage_tui.store.schema import SCHEMA_HEAD


@dataclass(frozen=True)
class QuickStart:
    db: str  # the resolved database URL, for opening the full store behind the first frame
    officer: OfficerView
    policy: Policy
    page: QueuePage


def quick_start(db: str | None, username: str, *, limit: int, now: datetime | None = None) -> QuickStart | None:
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    use_holiday_cache(cache_dir())
    policy = load_policy(policy_path())
    now = now or datetime.now(UTC)
    query = QueueQuery()
    try:
        with QuickRead(path) as read:
            if read.revision() != SCHEMA_HEAD:
                return None
            officer = read.officer(username)
            if officer is None or not officer.active:
                return None
            watermark = read.latest_event_id()
            ranked, bands = rank(read.candidates([s.value for s in query.statuses]), policy, now)
            rows, ranks = page_of(ranked, read.cases([cid for _, cid in ranked[:limit]]), limit)
    except sqlite3.Error:
        return None  # locked, damaged, unreadable: the long way says what is wrong
    page = QueuePage(rows=rows, total=len(ranked), watermark=watermark, bands=bands, ranks=ranks)
    return QuickStart(db=url, officer=officer, policy=policy, page=page)
