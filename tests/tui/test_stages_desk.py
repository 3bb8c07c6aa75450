"""The Complaint Handling Code's later steps from the keyboard: the case screen shows each stage with its clocks,
the extensions with their reasons and the ombudsman's enquiry; E escalates, W extends, O records the enquiry
step by step, P the children's review panel. Each key's dialog saves through the service and the database shows
it afterwards; a refusal stays inside the dialog with what was typed; customers' and officers' words show as
typed, never as markup."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select
from textual.widgets import Input, Static

from tests.conftest import Clock
from tests.tui.conftest import desk, settle, until
from tests.tui.reading import assert_terminal_safe, screen_text, widget_text
from triage_tui.domain.codes import CaseType, OmbudsmanDecision, Outcome
from triage_tui.services import cases, stages
from triage_tui.services.context import ServiceContext
from triage_tui.store.tables import Case, CaseStage, Event
from triage_tui.ui.dialogs.base import ActionDialog
from triage_tui.ui.dialogs.stages import EscalateDialog, ExtendDialog, OmbudsmanDialog, PanelDialog
from triage_tui.ui.screens.case import CaseScreen
from triage_tui.ui.widgets.key_bar import KeyBar

HOSTILE = "[bold red]urgent[/] [@click=app.quit]quit[/] \x1b[2J\x1b]0;pwned\x07 end"


def stored(ctx: ServiceContext, ref: str) -> Case:
    with ctx.store.read() as s:
        return s.exec(select(Case).where(Case.reference == ref)).one()


def stage_rows(ctx: ServiceContext, ref: str) -> list[CaseStage]:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == ref)).one()
        return list(s.exec(select(CaseStage).where(CaseStage.case_id == case.id).order_by(CaseStage.stage)))


def last_event(ctx: ServiceContext, ref: str) -> Event:
    with ctx.store.read() as s:
        case = s.exec(select(Case).where(Case.reference == ref)).one()
        return list(s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.id)))[-1]


def ago(clock: Clock, days: float) -> Any:
    return clock.now.subtract(hours=round(days * 24))  # type: ignore[attr-defined]


def responded_complaint(ctx: ServiceContext, clock: Clock, kind: CaseType = CaseType.CORPORATE, **at: float) -> str:
    """A complaint taken through stage 1 by carol and answered (not upheld) some days ago."""
    ref = cases.intake(
        ctx,
        "alice",
        customer_name="Nia Evans",
        summary="Library closed without notice again",
        received_at=ago(clock, at.get("received", 30)),
        channel="email",
        customer_email="nia@example.org",
    ).reference
    cases.classify(ctx, "alice", ref, kind, at=ago(clock, 29))
    cases.allocate(ctx, "boss", ref, "carol", at=ago(clock, 29))
    cases.acknowledge(ctx, "carol", ref, channel="email", at=ago(clock, 28))
    cases.send_to_service(ctx, "carol", ref, "Libraries", at=ago(clock, 27))
    cases.respond(ctx, "carol", ref, outcome=Outcome.NOT_UPHELD, at=ago(clock, at.get("responded", 20)))
    return ref


def at_stage_two(ctx: ServiceContext, clock: Clock, reason: str = "The library closed again") -> str:
    """Escalated by the customer, with boss on stage 2, acknowledged and sent to the service."""
    ref = responded_complaint(ctx, clock)
    stages.escalate(ctx, "boss", ref, reason=reason, at=ago(clock, 15))
    cases.allocate(ctx, "boss", ref, "boss", at=ago(clock, 15))
    cases.acknowledge(ctx, "boss", ref, channel="email", at=ago(clock, 14))
    cases.send_to_service(ctx, "boss", ref, "Libraries", at=ago(clock, 14))
    return ref


async def open_case(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    """Any case, in any status, through go-to-case (g)."""
    await settle(pilot)
    await pilot.press("g", *ref)
    await until(pilot, lambda: getattr(pilot.app.screen, "shown_for", None) == ref, "the case found")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseScreen)
    await until(pilot, lambda: pilot.app.screen.case is not None, "the case read")


def clocks_text(app) -> str:  # type: ignore[no-untyped-def]
    return widget_text(app.screen.query_one("#detail-clocks", Static), 160)


def detail_text(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(widget_text(w, 160) for w in app.screen.query("CaseDetail Static").results(Static))


def dialog_error(app) -> str:  # type: ignore[no-untyped-def]
    label = app.screen.query_one("#dialog-error")
    return widget_text(label) if label.display else ""


def keys(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one(KeyBar).render().plain


async def type_into(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = text
    await settle(pilot)


async def save(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("enter")
    await settle(pilot)


# --- what the case screen shows ------------------------------------------------------------------------------------


async def test_the_case_screen_shows_each_stage_the_extension_and_the_ombudsman(desk_ctx, seeded, clock) -> None:
    ref = at_stage_two(desk_ctx, clock)
    stages.extend(desk_ctx, "boss", ref, working_days=5, reason="Waiting for the facilities report", at=ago(clock, 13))
    cases.respond(desk_ctx, "boss", ref, outcome=Outcome.UPHELD, at=ago(clock, 6))
    stages.ombudsman_open(desk_ctx, "boss", ref, ombudsman_reference="25 001 234", at=ago(clock, 2))
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(150, 45)) as pilot:
        await open_case(pilot, ref)
        shown = clocks_text(app)
        lines = shown.splitlines()
        # Stage 1 as it ended (dates, outcome, officer, service), its clocks met; stage 2 the same, extended.
        assert any(line.startswith("Stage 1 · ") and "not upheld · carol · Libraries" in line for line in lines)
        assert any(line.startswith("Stage 2 · ") and "upheld · boss · Libraries" in line for line in lines)
        assert shown.count("Acknowledge") == 2 and shown.count("Respond ") == 2
        assert "Triage" in lines[1]  # the triage clock is stage 1's, under its heading
        assert "+5 working days" in shown and "Reason: Waiting for the facilities report" in shown
        assert "extended; limit" in shown  # the extended response says its first due time and its limit
        assert "was " in shown
        # The ombudsman: reference, the council's answer clock with its band in words, the decision awaited.
        assert "Ombudsman · enquiry 25 001 234" in shown
        answer = next(line for line in lines if line.startswith("Answer by"))
        assert "due " in answer and ("d " in answer.split("due", 1)[1] or "h " in answer)
        assert "Decision" in shown and "awaited" in shown
        head = detail_text(app)
        assert "Corporate · Stage 2" in head
        assert "Escalated" in head and "to stage 2" in head and "Reason: The library closed again" in head
        assert "Extended" in head and "by 5 working days" in head
        assert "enquiry 25 001 234 opened · respond by" in head
        # The key bar offers what applies to this case: the ombudsman, not escalation (stage 2 is corporate's
        # last), nor the steps a responded case is past (allocate, acknowledge, send).
        assert "O Ombudsman" in keys(app)
        assert "Escalate" not in keys(app) and "Allocate" not in keys(app) and "Send" not in keys(app)
        assert "Panel" not in keys(app)  # the review panel is children's stage 3 only


async def test_a_stage_one_case_reads_as_before(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await open_case(pilot, seeded["triaged"])
        shown = clocks_text(app)
        assert "Stage" not in shown and "Ombudsman" not in shown
        assert [line.split()[0] for line in shown.splitlines() if line.strip()] == ["Triage", "Acknowledge"]


# --- E: escalate ----------------------------------------------------------------------------------------------------


async def test_E_escalates_a_responded_complaint_to_stage_two(desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, ref)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, EscalateDialog)
        assert "Stage 1 → stage 2" in screen_text(app)
        await type_into(pilot, "#reason", "The customer says the library closed again")
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.notices[-1] == f"{ref}: escalated to stage 2; awaiting allocation"
        await until(pilot, lambda: app.screen.case is not None and app.screen.case.stage == 2, "stage 2 shown")
    case = stored(desk_ctx, ref)
    assert (case.stage, case.status, case.officer_id) == (2, "triaged", None)
    [earlier] = stage_rows(desk_ctx, ref)
    assert (earlier.stage, earlier.outcome, earlier.service) == (1, "not_upheld", "Libraries")
    event = last_event(desk_ctx, ref)
    assert event.action == "escalate" and event.details["reason"] == "The customer says the library closed again"


async def test_E_on_an_adults_complaint_is_refused_before_its_dialog(desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, CaseType.ADULTS)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, ref)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "has one stage" in app.notices[-1] and "ombudsman" in app.notices[-1]
    assert stored(desk_ctx, ref).stage == 1


async def test_a_refused_escalation_stays_in_the_dialog_with_the_reason_typed(desk_ctx, seeded, clock) -> None:
    """The case became an adults' complaint while the dialog was open: the dialog says the case changed; saved
    again, the service refuses (one stage, go to the ombudsman); the dialog says so and keeps the reason."""
    ref = responded_complaint(desk_ctx, clock)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, ref)
        await pilot.press("E")
        await settle(pilot)
        cases.classify(desk_ctx, "boss", ref, CaseType.ADULTS, reason="Adult social care, not corporate")
        await type_into(pilot, "#reason", "Wants it looked at again")
        await save(pilot)
        assert isinstance(app.screen, EscalateDialog)
        assert "changed by someone else" in dialog_error(app)  # first the change is said...
        await save(pilot)  # ...then, saving again on the case as it is now, the service's own refusal
        assert isinstance(app.screen, EscalateDialog)
        error = dialog_error(app)
        assert "has one stage" in error and "Ombudsman" in error
        assert app.screen.query_one("#reason", Input).value == "Wants it looked at again"
    assert stored(desk_ctx, ref).stage == 1
    assert stage_rows(desk_ctx, ref) == []


# --- W: extend ------------------------------------------------------------------------------------------------------


async def test_W_extends_the_response_and_refuses_past_the_limit_inside_the_dialog(desk_ctx, seeded, clock) -> None:
    ref = seeded["triaged"]
    cases.allocate(desk_ctx, "boss", ref, "carol")
    cases.acknowledge(desk_ctx, "carol", ref, channel="email")
    app = desk(desk_ctx, "carol")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, ref)
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, ExtendDialog)
        text = screen_text(app)
        assert "Response due" in text and "Limit" in text and "at most 10 more working days" in text
        await type_into(pilot, "#days", "30")
        await type_into(pilot, "#reason", "Waiting for the contractor's report")
        await save(pilot)
        assert isinstance(app.screen, ExtendDialog)  # refused by the service: past the limit
        assert "past the stage's limit" in dialog_error(app) and "at most 10 more working days" in dialog_error(app)
        assert app.screen.query_one("#days", Input).value == "30"
        assert app.screen.query_one("#reason", Input).value == "Waiting for the contractor's report"
        assert stored(desk_ctx, ref).extension_days == 0
        await type_into(pilot, "#days", "5")
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.notices[-1].startswith(f"{ref}: response extended by 5 working days, now due ")
        await until(pilot, lambda: "+5 working days" in clocks_text(app), "the extension shown")
    assert stored(desk_ctx, ref).extension_days == 5
    event = last_event(desk_ctx, ref)
    assert event.action == "extend"
    assert (event.details["working_days"], event.details["reason"]) == (5, "Waiting for the contractor's report")


async def test_W_before_the_acknowledgement_is_refused_in_words(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, seeded["triaged"])
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "acknowledge it first" in app.notices[-1]


async def test_hostile_text_in_a_reason_is_shown_as_typed(desk_ctx, seeded, clock) -> None:
    ref = at_stage_two(desk_ctx, clock, reason=HOSTILE)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(150, 45)) as pilot:
        await open_case(pilot, ref)
        await pilot.press("W")
        await settle(pilot)
        await type_into(pilot, "#days", "2")
        await type_into(pilot, "#reason", "[b]Delay[/b] [@click=app.quit]x[/] [/]")
        await save(pilot)
        assert isinstance(app.screen, CaseScreen) and app.is_running
        await until(pilot, lambda: "+2 working days" in clocks_text(app), "the extension shown")
        shown = detail_text(app)
        assert "Reason: [b]Delay[/b] [@click=app.quit]x[/] [/]" in shown
        assert "[bold red]urgent[/] [@click=app.quit]quit[/]" in shown  # the escalation's reason in the history
        assert "␛[2J" in shown
        assert_terminal_safe(app)
    assert stored(desk_ctx, ref).extension_days == 2


# --- O: the ombudsman ------------------------------------------------------------------------------------------------


async def test_O_records_the_enquiry_step_by_step(desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, responded=3)
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, ref)
        # Opened: their reference; no date, so the usual 20 working days.
        await pilot.press("O")
        await settle(pilot)
        assert isinstance(app.screen, OmbudsmanDialog)
        assert "Without a date the council must answer by Thu 23/12/2021" in screen_text(app)
        await type_into(pilot, "#omb-ref", "25 001 234")
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert stored(desk_ctx, ref).ombudsman_reference == "25 001 234"
        assert stored(desk_ctx, ref).ombudsman_respond_by == date(2021, 12, 23)
        await until(pilot, lambda: "Ombudsman · enquiry 25 001 234" in clocks_text(app), "the enquiry shown")
        # Decided, with a remedy: the decision's fields show once Decision is chosen.
        await pilot.press("O")
        await settle(pilot)
        assert app.screen.query_one("#decide-fields").display is False
        await pilot.press("right")
        await settle(pilot)
        assert app.screen.query_one("#decide-fields").display is True
        await type_into(pilot, "#remedy", "Apologise and pay £150")
        await save(pilot)
        assert "A remedy needs both" in dialog_error(app)  # no due date yet: said, nothing lost
        await type_into(pilot, "#remedy-due", "31/12/2021")
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
        await until(pilot, lambda: "Remedy due" in clocks_text(app), "the remedy shown")
        # The remedy carried out: the only step left.
        await pilot.press("O")
        await settle(pilot)
        assert "Remedy carried out" in screen_text(app)
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
        await settle(pilot)
        await pilot.press("O")  # nothing left to record
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "is finished; nothing more to record" in app.notices[-1]
    case = stored(desk_ctx, ref)
    assert case.ombudsman_decision == "upheld"
    assert (case.ombudsman_remedy, case.ombudsman_remedy_due) == ("Apologise and pay £150", date(2021, 12, 31))
    assert case.ombudsman_complied_at is not None
    assert last_event(desk_ctx, ref).details["in_time"] is True


async def test_O_answered_then_decided_not_upheld(desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, responded=3)
    stages.ombudsman_open(desk_ctx, "boss", ref, ombudsman_reference="25 009 999")
    app = desk(desk_ctx, "boss")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, ref)
        await pilot.press("O")
        await settle(pilot)
        await save(pilot)  # Council answered is first
        assert isinstance(app.screen, CaseScreen)
        assert stored(desk_ctx, ref).ombudsman_answered_at is not None
        await pilot.press("O")
        await settle(pilot)
        assert app.screen.query("#step") == [] or not app.screen.query("#step")  # only the decision is left
        await pilot.press("right")  # Not upheld
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
    assert stored(desk_ctx, ref).ombudsman_decision == OmbudsmanDecision.NOT_UPHELD.value


async def test_O_before_the_response_is_refused_in_words(desk_ctx, seeded) -> None:
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(pilot, seeded["triaged"])
        await pilot.press("O")
        await settle(pilot)
        assert not isinstance(app.screen, ActionDialog)
        assert "ombudsman looks at a complaint once" in app.notices[-1]


# --- P: the review panel ---------------------------------------------------------------------------------------------


async def test_P_records_the_review_panel_at_childrens_stage_three(desk_ctx, seeded, clock) -> None:
    ref = responded_complaint(desk_ctx, clock, CaseType.CHILDREN)
    stages.escalate(desk_ctx, "boss", ref, reason="Wants an investigation", at=ago(clock, 19))
    cases.allocate(desk_ctx, "boss", ref, "boss", at=ago(clock, 19))
    cases.acknowledge(desk_ctx, "boss", ref, channel="email", at=ago(clock, 18))
    cases.send_to_service(desk_ctx, "boss", ref, "Children's Social Care", at=ago(clock, 18))
    cases.respond(desk_ctx, "boss", ref, outcome=Outcome.PARTLY_UPHELD, at=ago(clock, 10))
    stages.escalate(desk_ctx, "bob", ref, reason="Asks for a review panel", at=ago(clock, 5))
    app = desk(desk_ctx, "alice")
    async with app.run_test(size=(150, 45)) as pilot:
        await open_case(pilot, ref)
        assert "P Panel sat" in keys(app)
        shown = clocks_text(app)
        assert "Stage 3 · " in shown and "Panel" in shown
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, PanelDialog)
        assert "The panel is due to sit by" in screen_text(app)
        await save(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.notices[-1] == f"{ref}: review panel recorded; the response is due from it"
    case = stored(desk_ctx, ref)
    assert case.stage == 3 and case.panel_at is not None
    assert last_event(desk_ctx, ref).action == "panel"


async def test_the_key_bar_offers_what_applies_and_a_hidden_key_still_says_why_not(desk_ctx, seeded, clock) -> None:
    """At 80 columns a two-line key bar cannot hold every key: the case screen shows those that apply to the case
    (W once the response deadline runs, not before the acknowledgement). A key not shown still answers."""
    ref = cases.intake(
        desk_ctx, "alice", customer_name="Ola Nowak", summary="Pothole on Mill Lane", received_at=ago(clock, 3)
    ).reference
    cases.classify(desk_ctx, "alice", ref, CaseType.CORPORATE, at=ago(clock, 3))
    cases.allocate(desk_ctx, "boss", ref, "carol", at=ago(clock, 2))
    app = desk(desk_ctx, "boss", poll_seconds=0.2)  # the desk must see the acknowledgement made elsewhere
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, ref)
        shown = keys(app)
        assert "a Ack" in shown and "d Send" in shown
        assert "Extend" not in shown and "Escalate" not in shown and "Ombudsman" not in shown
        version = stored(desk_ctx, ref).version
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)  # no dialog: the reason is told instead
        assert any("acknowledge" in notice.lower() for notice in app.notices)
        assert stored(desk_ctx, ref).version == version
        cases.acknowledge(desk_ctx, "carol", ref, at=ago(clock, 1))
        await until(pilot, lambda: app.screen.case.acknowledged_at is not None, "the case read again")
        await until(pilot, lambda: "W Extend" in keys(app), "the key offered once the deadline runs")
        assert "a Ack" not in keys(app)  # already acknowledged
