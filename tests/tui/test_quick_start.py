"""The desk's quick start: the first page read straight from the SQLite file must be the page the services
read, and the desk must carry on through the full store once it is open."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from sqlalchemy import text

from tests.conftest import Clock
from tests.tui.conftest import settle, until
from triage_tui.domain.queue import QueueQuery
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext
from triage_tui.services.desk import queue_page, take_next
from triage_tui.services.quickstart import quick_start
from triage_tui.ui.app import build_desk
from triage_tui.ui.widgets.case_table import CaseTable


def test_the_quick_page_is_the_services_page(desk_ctx: ServiceContext, seeded, clock: Clock, sqlite_url: str) -> None:
    cases.allocate(desk_ctx, "boss", seeded["triaged"], "carol")
    take_next(desk_ctx, "bob")  # a claim, so claimed_by and claimed_until are compared too
    path = sqlite_url.removeprefix("sqlite:///")
    quick = quick_start(path, "alice", limit=3, now=clock.now)
    slow = queue_page(desk_ctx, QueueQuery(), limit=3)
    assert quick is not None and quick.officer.username == "alice"
    assert quick.page.total == slow.total == 5
    assert [replace(r, events=[]) for r in quick.page.rows] == [replace(r, events=[]) for r in slow.rows]
    assert quick.page.ranks == slow.ranks and quick.page.bands == slow.bands
    assert quick.page.watermark == slow.watermark


def test_the_long_way_when_the_quick_one_cannot_say(
    desk_ctx: ServiceContext, seeded, sqlite_url: str, tmp_path
) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    assert quick_start(path, "nobody", limit=10) is None  # the full store gives the proper error
    assert quick_start(str(tmp_path / "absent.sqlite"), "alice", limit=10) is None  # to be created
    assert quick_start("postgresql+psycopg://x@127.0.0.1:1/none", "alice", limit=10) is None
    with desk_ctx.store.write() as s:
        s.connection().execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    assert quick_start(path, "alice", limit=10) is None  # to be migrated first


async def test_a_quick_desk_opens_the_store_behind_its_first_frame(seeded, sqlite_url: str, desk_ctx) -> None:
    app = build_desk(sqlite_url.removeprefix("sqlite:///"), "alice", poll_seconds=0)
    assert app.session.ctx is None and app.first_page is not None
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(CaseTable)
        assert table.order[0] == seeded["50h"]  # on screen before the store is open
        await until(pilot, lambda: app.session.ctx is not None, "the store to open behind the first frame")
        await settle(pilot)
        table.focus_case(seeded["9h"])
        await pilot.press("c", "4")
        await settle(pilot)
    assert cases.get_case(desk_ctx, seeded["9h"]).type.value == "other"


def test_the_desk_and_the_commands_start_without_loading_the_database_libraries() -> None:
    script = (
        "import sys, triage_tui.cli, triage_tui.ui.app\n"
        "loaded = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'holidays') if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
