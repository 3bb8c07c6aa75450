"""The Complaint Handling Code's later steps: `triage case escalate | extend | panel` and `triage case ombudsman
open | answer | decide | complied`."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

from triage_tui.cli.base import DateType, actor, choice, common, services
from triage_tui.cli.cases import at_option, case, done, json_flag, version_option
from triage_tui.cli.output import local
from triage_tui.domain.codes import OmbudsmanDecision
from triage_tui.domain.policy import Policy
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import stages as stage_services

LOCAL = ZoneInfo("Europe/London")


def day(moment: datetime) -> str:
    """A deadline (the end of a working day) as its day: 'Mon 23/11/2026'."""
    return moment.astimezone(LOCAL).strftime("%a %d/%m/%Y")


def _due(view: CaseView, policy: Policy) -> str:
    clocks = view.clocks(policy)
    if clocks.acknowledgement.running and clocks.acknowledgement.due_at is not None:
        return f"acknowledgement due {day(clocks.acknowledgement.due_at)}"
    if clocks.response.due_at is not None:
        return f"response due {day(clocks.response.due_at)}"
    return "its response clock starts with the acknowledgement"


@case.command("escalate")
@common
@click.argument("reference")
@click.option("--reason", required=True, help="What the customer asked for, in their words or ours.")
@at_option
@version_option
@json_flag
@click.pass_context
def case_escalate(
    ctx: click.Context, reference: str, reason: str, at: datetime | None, expect_version: int | None, as_json: bool
) -> None:
    """The customer asks for the next stage: the case starts it, awaiting allocation, with its own clocks."""
    svc = services(ctx)
    view = stage_services.escalate(svc, actor(ctx), reference, reason=reason, at=at, expected_version=expect_version)
    done(ctx, view, f"escalated to stage {view.stage}, awaiting allocation; {_due(view, svc.policy)}", as_json)


@case.command("extend")
@common
@click.argument("reference")
@click.option("--working-days", required=True, type=click.IntRange(min=1), help="How many working days later.")
@click.option("--reason", required=True, help="Why, as the customer was told.")
@at_option
@version_option
@json_flag
@click.pass_context
def case_extend(
    ctx: click.Context,
    reference: str,
    working_days: int,
    reason: str,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Move the stage's running response deadline later, within the stage's limit (DOMAIN.md)."""
    svc = services(ctx)
    view = stage_services.extend(
        svc, actor(ctx), reference, working_days=working_days, reason=reason, at=at, expected_version=expect_version
    )
    response = view.clocks(svc.policy).response
    assert response.due_at is not None and response.limit_at is not None
    done(
        ctx,
        view,
        f"response now due {day(response.due_at)} (originally {day(response.original_due_at or response.due_at)}); "
        f"the stage's limit is {day(response.limit_at)}",
        as_json,
    )


@case.command("panel")
@common
@click.argument("reference")
@at_option
@version_option
@json_flag
@click.pass_context
def case_panel(
    ctx: click.Context, reference: str, at: datetime | None, expect_version: int | None, as_json: bool
) -> None:
    """Children's stage 3: the review panel sat; the response is due a set number of working days after."""
    svc = services(ctx)
    view = stage_services.record_panel(svc, actor(ctx), reference, at=at, expected_version=expect_version)
    due = view.clocks(svc.policy).response.due_at
    done(ctx, view, f"review panel sat; response due {day(due) if due else '(not set)'}", as_json)


@case.group("ombudsman")
def ombudsman() -> None:
    """The Local Government and Social Care Ombudsman's enquiry into a complaint."""


@ombudsman.command("open")
@common
@click.argument("reference")
@click.option("--reference", "their_reference", required=True, metavar="R", help="The ombudsman's own reference.")
@click.option("--respond-by", type=DateType(), help="The date the council must answer by (default: 20 working days).")
@at_option
@version_option
@json_flag
@click.pass_context
def ombudsman_open(
    ctx: click.Context,
    reference: str,
    their_reference: str,
    respond_by: date | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Record the ombudsman's enquiry into a complaint the council has responded to or closed."""
    svc = services(ctx)
    view = stage_services.ombudsman_open(
        svc,
        actor(ctx),
        reference,
        ombudsman_reference=their_reference,
        respond_by=respond_by,
        at=at,
        expected_version=expect_version,
    )
    enquiry = view.ombudsman
    assert enquiry is not None and enquiry.respond_by is not None
    done(
        ctx, view, f"ombudsman enquiry {enquiry.reference} opened; respond by {enquiry.respond_by:%a %d/%m/%Y}", as_json
    )


@ombudsman.command("answer")
@common
@click.argument("reference")
@at_option
@version_option
@json_flag
@click.pass_context
def ombudsman_answer(
    ctx: click.Context, reference: str, at: datetime | None, expect_version: int | None, as_json: bool
) -> None:
    """The council has answered the ombudsman's enquiry."""
    svc = services(ctx)
    view = stage_services.ombudsman_answer(svc, actor(ctx), reference, at=at, expected_version=expect_version)
    enquiry = view.ombudsman
    assert enquiry is not None and enquiry.answered_at is not None
    in_time = enquiry.enquiry_clock(svc.policy)
    said = "in time" if in_time is not None and in_time.met() else "late"
    done(ctx, view, f"enquiry answered {local(enquiry.answered_at)} ({said})", as_json)


@ombudsman.command("decide")
@common
@click.argument("reference")
@click.option("--decision", required=True, type=choice([d.value for d in OmbudsmanDecision]))
@click.option("--remedy", metavar="TEXT", help="What the council must do (an upheld decision only).")
@click.option("--remedy-due", type=DateType(), help="The date the remedy must be carried out by.")
@at_option
@version_option
@json_flag
@click.pass_context
def ombudsman_decide(
    ctx: click.Context,
    reference: str,
    decision: str,
    remedy: str | None,
    remedy_due: date | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Record the ombudsman's decision, and any remedy with its due date."""
    svc = services(ctx)
    view = stage_services.ombudsman_decide(
        svc,
        actor(ctx),
        reference,
        decision=OmbudsmanDecision(decision.lower()),
        remedy=remedy,
        remedy_due=remedy_due,
        at=at,
        expected_version=expect_version,
    )
    enquiry = view.ombudsman
    assert enquiry is not None
    remedy_words = f"; remedy due {enquiry.remedy_due:%a %d/%m/%Y}" if enquiry.remedy_due else ""
    done(ctx, view, f"ombudsman decision: {OmbudsmanDecision(decision.lower()).label.lower()}{remedy_words}", as_json)


@ombudsman.command("complied")
@common
@click.argument("reference")
@at_option
@version_option
@json_flag
@click.pass_context
def ombudsman_complied(
    ctx: click.Context, reference: str, at: datetime | None, expect_version: int | None, as_json: bool
) -> None:
    """The remedy the ombudsman asked for has been carried out."""
    svc = services(ctx)
    view = stage_services.ombudsman_complied(svc, actor(ctx), reference, at=at, expected_version=expect_version)
    enquiry = view.ombudsman
    assert enquiry is not None
    clock = enquiry.remedy_clock(svc.policy)
    said = "in time" if clock is not None and clock.met() else "after its due date"
    done(ctx, view, f"remedy carried out ({said})", as_json)
