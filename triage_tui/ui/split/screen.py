"""The supervisor's split view (key 3): two caseloads side by side, cases ticked and moved between them.

Each pane shows one officer's open cases, the unallocated pool, or a cohort, with a header of its load. Tick
cases with space (o ticks every overdue one), and m moves the ticked cases (or the highlighted one) to the
officer of the other pane: each case in its own transaction through the same services as a single action,
so a case someone changed in between is reported and left as it is. Enter opens the highlighted case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import DescendantFocus
from textual.widgets import Header

from triage_tui.domain.codes import Role, Status
from triage_tui.domain.queue import QueueQuery, urgency_key
from triage_tui.domain.split import Source
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import LazyModule, supervision
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.ui.dialogs.supervision import CohortDialog, DistributeDialog, PlanDialog, WorkloadDialog
from triage_tui.ui.feed import ChangeFeed
from triage_tui.ui.screens.actions import CaseActions
from triage_tui.ui.session import Session
from triage_tui.ui.split.dialogs import NarrowDialog, ReasonDialog, SourceDialog
from triage_tui.ui.split.pane import Pane
from triage_tui.ui.widgets.case_table import CaseTable
from triage_tui.ui.widgets.key_bar import KeyBar
from triage_tui.ui.work import off_thread

if TYPE_CHECKING:
    from triage_tui.domain.views import OfficerView
    from triage_tui.services.supervision import BulkResult, Step

screens_data = LazyModule("triage_tui.services.screens_data")

PANE_LIMIT = 2000


class SplitScreen(CaseActions):
    BINDINGS = [
        Binding("enter", "open_case", "Open", id="split.open"),
        Binding("tab", "other_pane", "Other pane", id="split.other"),
        Binding("space", "tick", "Tick", id="split.tick"),
        Binding("o", "tick_late", "Tick overdue", id="split.tick_late"),
        Binding("m", "move", "Move to other pane", id="split.move"),
        Binding("p", "pick", "Choose pane", id="split.pick"),
        Binding("f", "narrow", "Cohort filter", id="split.filter"),
        Binding("w", "workload", "Workload", id="split.workload"),
        Binding("k", "cohort", "Tag cohort", id="split.cohort"),
        Binding("d", "distribute", "Distribute cohort", id="split.distribute"),
    ]
    DEFAULT_CSS = """
    SplitScreen #panes { height: 1fr; }
    SplitScreen #panes.stacked { layout: vertical; }
    """
    # Below this width two panes side by side cannot keep the columns that must stay: one above the other.
    STACK_BELOW = 110

    def __init__(self, session: Session, feed: ChangeFeed) -> None:
        super().__init__(session, feed)
        self.active = "left"

    def compose(self) -> ComposeResult:
        names = self.session.roster.names
        others = [n for n in names if n != self.session.username] or names
        left = Source("officer", others[0]) if others else Source("pool")
        yield Header()
        with Horizontal(id="panes"):
            yield Pane(left, self.session.policy, id="left")
            yield Pane(Source("pool"), self.session.policy, id="right")
        yield KeyBar()

    def on_mount(self) -> None:
        self.feed.listen(self, changed=self.cases_changed, ticked=self.tick, opened=self.connected)
        self.query_one("#left", Pane).table.focus()
        self._default_panes()

    def _default_panes(self) -> None:
        """The busiest officer on the left, the least busy officer of the same team on the right."""
        ctx = self.session.ctx
        if ctx is None:
            return  # the panes say they are reading; connected() chooses them once the store is open
        off_thread(
            self,
            lambda: screens_data.open_counts(ctx),
            self._chose_defaults,
            group="split-defaults",
            exclusive=True,
            refused=self.refused,
        )

    def _chose_defaults(self, counts: list[tuple[OfficerView, int]]) -> None:
        me = self.session.username
        others = [(o, n) for o, n in counts if o.username != me and o.role is Role.OFFICER]
        others.sort(key=lambda x: (-x[1], x[0].username))
        if not others:
            self._show_sources(Source("pool"), Source("pool"))
            return
        busiest = others[0][0]
        # The other pane: the least busy colleague in the same team, who can take the work over.
        peers = [o for o, _ in others[1:] if o.team is busiest.team] or [o for o, _ in others[1:]]
        left = Source("officer", busiest.username)
        right = Source("officer", peers[-1].username) if peers else Source("pool")
        self._show_sources(left, right)

    def _show_sources(self, left: Source, right: Source) -> None:
        for pane, source in ((self.pane("left"), left), (self.pane("right"), right)):
            pane.source = source
            self.reload(pane)

    def pane(self, which: str | None = None) -> Pane:
        return self.query_one(f"#{which or self.active}", Pane)

    def other(self) -> Pane:
        return self.pane("right" if self.active == "left" else "left")

    def on_resize(self) -> None:
        self.query_one("#panes").set_class(self.size.width < self.STACK_BELOW, "stacked")

    def current_case(self) -> CaseView | None:
        return self.pane().table.current

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for pane in self.query(Pane):
            if pane.table is event.widget:
                self.active = pane.id or "left"

    # --- reading -----------------------------------------------------------------------------------------------

    def reload(self, pane: Pane) -> None:
        ctx = self.session.ctx
        if ctx is None:
            return
        query = pane.source.query(self.session.roster.teams)
        pane.reading()
        off_thread(
            self,
            lambda: desk_services.queue_page(ctx, query, limit=PANE_LIMIT),
            lambda page: pane.show(page, self.session.now()),
            group=f"pane-{pane.id}",
            exclusive=True,
            refused=self.refused,
        )

    def connected(self, session: Session | None = None) -> None:
        self._default_panes()

    def cases_changed(self, rows: list[CaseView]) -> None:
        now = self.session.now()
        policy = self.session.policy
        for pane in self.query(Pane):
            query = pane.source.query(self.session.roster.teams)
            pane.table.apply(
                rows,
                partial(self._belongs, query, now),
                lambda c: urgency_key(c, policy, now),
                now,
            )
            if pane.table.marks:
                pane.table.marks &= set(pane.table.cases)
            pane.update_head()

    def _belongs(self, query: QueueQuery, now: datetime, case: CaseView) -> bool:
        return query.matches(case, self.session.policy, now)

    def tick(self, now: datetime) -> None:
        if not self.is_current:
            return
        for pane in self.query(Pane):
            if pane.table.tick(now):
                pane.update_head()

    # --- acting ------------------------------------------------------------------------------------------------

    def action_open_case(self) -> None:
        case = self._target()
        if case is not None:
            from triage_tui.ui.screens.case import CaseScreen

            self.app.push_screen(CaseScreen(self.session, self.feed, case.reference))

    def on_case_table_selected(self, event: CaseTable.Selected) -> None:
        # The pane's list takes enter itself (as "select"); selecting a row opens it, as in the queue.
        event.stop()
        self.action_open_case()

    def action_other_pane(self) -> None:
        self.other().table.focus()

    def action_tick(self) -> None:
        pane = self.pane()
        pane.table.toggle_mark()
        pane.update_head()

    def action_tick_late(self) -> None:
        pane = self.pane()
        count = pane.table.mark_late()
        pane.update_head()
        self.notify(f"Ticked {count} overdue or breached case{'s' if count != 1 else ''}")

    def action_pick(self) -> None:
        pane = self.pane()
        cohorts = sorted({c.cohort for p in self.query(Pane) for c in p.table.cases.values() if c.cohort})

        def chosen(source: Source | None) -> None:
            if source is not None:
                pane.source = source
                self.reload(pane)

        roster = self.session.roster
        self.app.push_screen(SourceDialog(roster.names, sorted(set(roster.teams.values())), cohorts), chosen)

    def action_narrow(self) -> None:
        pane = self.pane()

        def chosen(tag: str | None) -> None:
            if tag is not None:
                pane.source = replace(pane.source, cohort=tag or None)
                self.reload(pane)

        self.app.push_screen(NarrowDialog(pane.source.cohort), chosen)

    def action_workload(self) -> None:
        ctx = self.ready()
        if ctx is None:
            return
        off_thread(
            self,
            lambda: desk_services.officer_loads(ctx),
            lambda loads: self.app.push_screen(WorkloadDialog(loads), self._open_left),
            group="workload",
            exclusive=True,
            refused=self.refused,
        )

    def _open_left(self, username: str | None) -> None:
        if username:
            pane = self.pane("left")
            pane.source = Source("officer", username)
            self.reload(pane)
            pane.table.focus()

    def _ticked(self) -> list[CaseView]:
        table = self.pane().table
        refs = sorted(table.marks or ()) or ([table.current.reference] if table.current else [])
        return [table.cases[r] for r in refs if r in table.cases]

    def action_cohort(self) -> None:
        picked = self._ticked()
        if not picked:
            self.notify("Tick cases with space, or highlight one", severity="warning")
            return

        def chosen(tag: str | None) -> None:
            if tag is None:
                return
            ctx = self.ready()
            if ctx is None:
                return
            me = self.session.username
            steps = [
                (c.reference, "", partial(case_services.set_cohort, ctx, me, c.reference, tag or None)) for c in picked
            ]
            self._apply(steps, "Tagged")

        self.app.push_screen(CohortDialog(len(picked)), chosen)

    def action_distribute(self) -> None:
        ctx = self.ready()
        if ctx is None:
            return
        source = self.pane().source

        def planned(answer: tuple[str, str | None, Any] | None) -> None:
            if answer is None:
                return
            cohort, team, strategy = answer

            def show(plan: list[tuple[str, str]]) -> None:
                if not plan:
                    self.notify(f"Cohort {cohort} has no unallocated cases", severity="warning")
                    return

                def confirmed(ok: bool | None) -> None:
                    if ok:
                        self._distribute(plan)

                self.app.push_screen(PlanDialog(plan), confirmed)

            off_thread(
                self,
                lambda: supervision.plan_distribution(ctx, cohort, team, strategy),
                show,
                group="plan",
                exclusive=True,
                refused=self.refused,
            )

        self.app.push_screen(DistributeDialog(source.value if source.kind == "cohort" else None), planned)

    def _distribute(self, plan: list[tuple[str, str]]) -> None:
        ctx = self.ready()
        if ctx is None:
            return

        def done(result: BulkResult) -> None:
            self._moved(result, "Allocated")
            self.connected()  # the cohort's pool emptied into officers' panes: read them afresh

        off_thread(
            self.app,
            partial(supervision.distribute, ctx, self.session.username, plan),
            done,
            group="split-move",
            refused=self.refused,
            waiting=self.wait_notice(),
        )

    def action_move(self) -> None:
        source, target = self.pane(), self.other()
        if target.source.kind != "officer":
            self.notify("Show an officer in the other pane to move cases to them (p chooses)", severity="warning")
            return
        refs = sorted(source.table.marks or ()) or ([source.table.current.reference] if source.table.current else [])
        if not refs:
            self.notify("Tick cases with space, or highlight one", severity="warning")
            return
        officer = target.source.value or ""
        picked = [source.table.cases[r] for r in refs if r in source.table.cases]

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self._move(picked, officer, reason, source, target)

        self.app.push_screen(ReasonDialog(len(picked), officer), chosen)

    def _move(self, picked: list[CaseView], officer: str, reason: str, source: Pane, target: Pane) -> None:
        ctx = self.ready()
        if ctx is None:
            return
        me = self.session.username
        steps = [
            (
                case.reference,
                officer,
                partial(case_services.allocate, ctx, me, case.reference, officer, expected_version=case.version)
                if case.status is Status.TRIAGED
                else partial(
                    case_services.reassign,
                    ctx,
                    me,
                    case.reference,
                    officer,
                    reason=reason,
                    expected_version=case.version,
                ),
            )
            for case in picked
        ]
        self._apply(steps, "Moved")

    def _apply(self, steps: Sequence[Step], verb: str) -> None:
        """Each case's own transaction in turn, off the UI thread, saying so if the database keeps it waiting."""
        off_thread(
            self.app,
            partial(supervision.apply_each, steps),
            lambda result: self._moved(result, verb),
            group="split-move",
            refused=self.refused,
            waiting=self.wait_notice(),
        )

    def _moved(self, result: BulkResult, verb: str) -> None:
        self.feed.publish(result.views)
        moved = len(result.moved)
        refused = [f"{reference}: {why}" for reference, why in result.refused]
        for pane in self.query(Pane):
            pane.table.marks = set()
            pane.update_head()
        message = f"{verb} {moved} case{'s' if moved != 1 else ''}"
        if refused:
            self.notify(message + f"; {len(refused)} refused:\n" + "\n".join(refused), severity="warning", timeout=12)
            self.feed.refresh_now()
        else:
            self.notify(message)
