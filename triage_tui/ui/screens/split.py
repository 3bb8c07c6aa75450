"""The supervisor's split view (key 3): two caseloads side by side, cases ticked and moved between them.

Each pane shows one officer's open cases, the unallocated pool, or a cohort, with a header of its load. Tick
cases with space (o ticks every overdue one), and m moves the ticked cases (or the highlighted one) to the
officer of the other pane: each case in its own transaction through the same services as a single action,
so a case someone changed in between is reported and left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Label, OptionList
from textual.widgets.option_list import Option

from triage_tui.domain.codes import Role, Status
from triage_tui.domain.errors import TriageError
from triage_tui.domain.queue import MY_STATUSES, QUEUE_STATUSES, QueuePage, QueueQuery, urgency_key
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services
from triage_tui.services.lazy import supervision
from triage_tui.ui import format as fmt
from triage_tui.ui.dialogs.base import ActionDialog, TextDialog
from triage_tui.ui.dialogs.supervision import CohortDialog, DistributeDialog, PlanDialog, WorkloadDialog
from triage_tui.ui.text import line
from triage_tui.ui.widgets.case_table import CaseTable, Column
from triage_tui.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from triage_tui.services.supervision import BulkResult, Step
    from triage_tui.ui.app import DeskApp

SPLIT_COLUMNS: tuple[Column, ...] = (
    Column("reference", "Reference", 11, lambda c, now: c.reference),
    Column("status", "Status", 12, lambda c, now: c.status.value),
    Column("type", "Type", 10, lambda c, now: c.type.value),
    Column("customer", "Customer", 16, lambda c, now: c.customer_name),
    Column("received", "Received", 11, lambda c, now: fmt.short(c.received_at)),
)


@dataclass(frozen=True)
class Source:
    """What a pane shows: an officer's or a team's open cases, the unallocated pool, or a cohort's open cases;
    any of them narrowed to one cohort."""

    kind: str  # "officer", "team", "pool" or "cohort"
    value: str | None = None
    cohort: str | None = None

    def query(self, teams: dict[str, str] | None = None) -> QueueQuery:
        if self.kind == "officer":
            query = QueueQuery(statuses=MY_STATUSES, officer=self.value)
        elif self.kind == "team":
            members = tuple(sorted(name for name, team in (teams or {}).items() if team == self.value))
            query = QueueQuery(statuses=MY_STATUSES, team=members or ("",))
        elif self.kind == "cohort":
            return QueueQuery(statuses=(*QUEUE_STATUSES, *MY_STATUSES), cohort=self.value)
        else:
            query = QueueQuery(statuses=QUEUE_STATUSES)
        return replace(query, cohort=self.cohort) if self.cohort else query

    def label(self) -> str:
        if self.kind == "officer":
            name = f"{self.value}"
        elif self.kind == "team":
            name = f"{self.value} team"
        elif self.kind == "cohort":
            name = f"cohort {self.value}"
        else:
            name = "unallocated pool"
        return f"{name} (cohort {self.cohort})" if self.cohort else name


class Pane(Vertical):
    DEFAULT_CSS = """
    Pane { width: 1fr; border: round $panel; }
    Pane:focus-within { border: round $accent; }
    Pane > .pane-head { height: 2; padding: 0 1; }
    """

    def __init__(self, source: Source, policy, *, id: str) -> None:  # type: ignore[no-untyped-def]
        super().__init__(id=id)
        self.source = source
        self.policy = policy

    def compose(self) -> ComposeResult:
        yield Label("", classes="pane-head")
        table = CaseTable(SPLIT_COLUMNS, (("due", "Nearest due", lambda c: c.nearest()),), self.policy)
        table.marks = set()
        yield table

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    def show(self, page: QueuePage, now: datetime) -> None:
        self.table.marks = set()
        self.table.load(page.rows, lambda c: page.ranks.get(c.id) or urgency_key(c, self.policy, now), now)
        self.update_head()

    def update_head(self) -> None:
        table = self.table
        by_status: dict[str, int] = {}
        for case in table.cases.values():
            by_status[case.status.value] = by_status.get(case.status.value, 0) + 1
        states = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items()))
        bands = table.band_counts()
        ticked = f" · {len(table.marks)} ticked" if table.marks else ""
        head = line(
            (self.source.label(), "bold"), f" · {len(table.cases)} open{': ' + states if states else ''}{ticked}"
        )
        counts = f"{bands['due soon']} due soon · {bands['overdue']} overdue · {bands['breached']} breached"
        self.query_one(".pane-head", Label).update(head + "\n" + counts)


class SourceDialog(ActionDialog[Source]):
    """Choose what a pane shows."""

    heading = "Show in this pane"
    confirm = "Show"

    def __init__(self, officers: list[str], teams: list[str], cohorts: list[str]) -> None:
        super().__init__(None)
        self.choices = (
            [Source("pool")]
            + [Source("officer", o) for o in officers]
            + [Source("team", t) for t in teams]
            + [Source("cohort", c) for c in cohorts]
        )

    def body(self) -> ComposeResult:
        yield OptionList(
            *(Option(line(s.label().capitalize() if s.kind == "pool" else s.label())) for s in self.choices),
            id="sources",
        )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def result(self) -> Source | None:
        index = self.query_one(OptionList).highlighted
        return self.choices[index] if index is not None else None


class NarrowDialog(TextDialog):
    heading = "Show only one cohort in this pane"
    confirm = "Filter"
    prompt = "Cohort (leave empty to show every case again)"
    placeholder = "e.g. backlog-2021"
    missing = None

    def __init__(self, cohort: str | None) -> None:
        super().__init__(value=cohort or "")


class ReasonDialog(TextDialog):
    heading = "Reason for the move"
    confirm = "Move"
    placeholder = "e.g. Kieran on leave until Monday"
    missing = "Give a reason"

    def __init__(self, count: int, target: str) -> None:
        super().__init__(
            prompt=f"Move {count} case{'s' if count != 1 else ''} to {target}. The reason goes in each case's history."
        )


class SplitScreen(Screen[None]):
    BINDINGS = [
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
    """

    def __init__(self) -> None:
        super().__init__()
        self.active = "left"

    @property
    def desk(self) -> DeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        desk = self.desk
        names = [n for n in desk.officer_names if n != desk.officer.username] or desk.officer_names
        left = Source("officer", names[0]) if names else Source("pool")
        yield Header()
        with Horizontal(id="panes"):
            yield Pane(left, desk.policy, id="left")
            yield Pane(Source("pool"), desk.policy, id="right")
        yield KeyBar()

    def on_mount(self) -> None:
        self.desk.live_views.add(self)
        self.query_one("#left", Pane).table.focus()
        self._default_panes()

    def _default_panes(self) -> None:
        """The busiest officer on the left, the least busy officer of the same team on the right."""
        app = self.desk
        if app.ctx is None:
            return

        def work() -> None:
            try:
                loads = desk_services.officer_loads(app.ctx)
            except TriageError as exc:
                app.call_from_thread(app.refused, str(exc))
                return
            others = [x for x in loads if x.officer.username != app.officer.username and x.officer.role is Role.OFFICER]
            others.sort(key=lambda x: (-x.open, x.officer.username))
            if not others:
                app.call_from_thread(self._show_sources, Source("pool"), Source("pool"))
                return
            busiest = others[0]
            # The other pane: the least busy colleague in the same team, who can take the work over.
            peers = [x for x in others[1:] if x.officer.team is busiest.officer.team] or others[1:]
            left = Source("officer", busiest.officer.username)
            right = Source("officer", peers[-1].officer.username) if peers else Source("pool")
            app.call_from_thread(self._show_sources, left, right)

        self.run_worker(work, thread=True, group="split-defaults", exclusive=True, exit_on_error=False)

    def _show_sources(self, left: Source, right: Source) -> None:
        for pane, source in ((self.pane("left"), left), (self.pane("right"), right)):
            pane.source = source
            self.reload(pane)

    def on_unmount(self) -> None:
        self.desk.live_views.discard(self)

    def pane(self, which: str | None = None) -> Pane:
        return self.query_one(f"#{which or self.active}", Pane)

    def other(self) -> Pane:
        return self.pane("right" if self.active == "left" else "left")

    def on_descendant_focus(self, event) -> None:  # type: ignore[no-untyped-def]
        for pane in self.query(Pane):
            if pane.table is event.widget:
                self.active = pane.id or "left"

    # --- reading -----------------------------------------------------------------------------------------------

    def reload(self, pane: Pane) -> None:
        app = self.desk
        if app.ctx is None:
            return
        query = pane.source.query(app.officer_teams)

        def work() -> None:
            try:
                page = desk_services.queue_page(app.ctx, query, limit=2000)
            except TriageError as exc:
                app.call_from_thread(app.refused, str(exc))
                return
            app.call_from_thread(pane.show, page, app.now())

        self.run_worker(work, thread=True, group=f"pane-{pane.id}", exclusive=True, exit_on_error=False)

    def connected(self) -> None:
        self._default_panes()

    def cases_changed(self, rows: list[CaseView]) -> None:
        now = self.desk.now()
        for pane in self.query(Pane):
            query = pane.source.query(self.desk.officer_teams)
            pane.table.apply(
                rows,
                partial(self._belongs, query, now),
                lambda c: urgency_key(c, self.desk.policy, now),
                now,
            )
            if pane.table.marks:
                pane.table.marks &= set(pane.table.cases)
            pane.update_head()

    def _belongs(self, query: QueueQuery, now: datetime, case: CaseView) -> bool:
        return query.matches(case, self.desk.policy, now)

    def tick(self, now: datetime) -> None:
        for pane in self.query(Pane):
            if pane.table.tick(now):
                pane.update_head()

    # --- acting ------------------------------------------------------------------------------------------------

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

        teams = sorted(set(self.desk.officer_teams.values()))
        self.app.push_screen(SourceDialog(self.desk.officer_names, teams, cohorts), chosen)

    def action_narrow(self) -> None:
        pane = self.pane()

        def chosen(tag: str | None) -> None:
            if tag is not None:
                pane.source = replace(pane.source, cohort=tag or None)
                self.reload(pane)

        self.app.push_screen(NarrowDialog(pane.source.cohort), chosen)

    def action_workload(self) -> None:
        app = self.desk
        if not app.ready():
            return

        app.off_thread(
            self,
            lambda: desk_services.officer_loads(app.ctx),
            lambda loads: app.push_screen(WorkloadDialog(loads), self._open_left),
            group="workload",
            exclusive=True,
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
            app = self.desk
            if not app.ready():
                return

            steps = [
                (
                    c.reference,
                    "",
                    partial(case_services.set_cohort, app.ctx, app.officer.username, c.reference, tag or None),
                )
                for c in picked
            ]
            self._apply(steps, "Tagged")

        self.app.push_screen(CohortDialog(len(picked)), chosen)

    def action_distribute(self) -> None:
        app = self.desk
        if not app.ready():
            return
        source = self.pane().source

        def planned(answer: tuple | None) -> None:  # type: ignore[type-arg]
            if answer is None:
                return
            cohort, team, strategy = answer

            def work() -> None:
                try:
                    plan = supervision.plan_distribution(app.ctx, cohort, team, strategy)
                except TriageError as exc:
                    app.call_from_thread(app.refused, str(exc))
                    return
                if not plan:
                    app.call_from_thread(self.notify, f"Cohort {cohort} has no unallocated cases", severity="warning")
                    return

                def confirmed(ok: bool | None) -> None:
                    if ok:
                        self._distribute(plan)

                app.call_from_thread(app.push_screen, PlanDialog(plan), confirmed)

            self.run_worker(work, thread=True, group="plan", exclusive=True, exit_on_error=False)

        self.app.push_screen(DistributeDialog(source.value if source.kind == "cohort" else None), planned)

    def _distribute(self, plan: list[tuple[str, str]]) -> None:
        app = self.desk

        def done(result: BulkResult) -> None:
            self._moved(result, "Allocated")
            self.connected()  # the cohort's pool emptied into officers' panes: read them afresh

        app.off_thread(
            self,
            partial(supervision.distribute, app.ctx, app.officer.username, plan),
            done,
            group="split-move",
            writes=True,
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
        app = self.desk
        if not app.ready():
            return

        me = app.officer.username
        steps = [
            (
                case.reference,
                officer,
                partial(case_services.allocate, app.ctx, me, case.reference, officer, expected_version=case.version)
                if case.status is Status.TRIAGED
                else partial(
                    case_services.reassign,
                    app.ctx,
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
        self.desk.off_thread(
            self,
            partial(supervision.apply_each, steps),
            lambda result: self._moved(result, verb),
            group="split-move",
            writes=True,
        )

    def _moved(self, result: BulkResult, verb: str) -> None:
        self.desk.broadcast(result.views)
        moved = len(result.moved)
        refused = [f"{reference}: {why}" for reference, why in result.refused]
        for pane in self.query(Pane):
            pane.table.marks = set()
            pane.update_head()
        message = f"{verb} {moved} case{'s' if moved != 1 else ''}"
        if refused:
            self.notify(message + f"; {len(refused)} refused:\n" + "\n".join(refused), severity="warning", timeout=12)
            self.desk.poll_now()
        else:
            self.notify(message)
