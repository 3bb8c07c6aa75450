"""New contacts and the actions on a case: `triage intake ...` and `triage case ...`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from triage_tui.cli.base import TimeType, actor, choice, common, main, services
from triage_tui.cli.output import emit_json, local
from triage_tui.domain.codes import COMPLAINT_TYPES, CaseType, CloseReason, Outcome, Status
from triage_tui.domain.policy import Policy
from triage_tui.domain.text import visible, visible_line
from triage_tui.domain.views import CaseView
from triage_tui.services.lazy import cases as case_services
from triage_tui.services.lazy import desk as desk_services

# intake --------------------------------------------------------------------------------------------------------


@main.group()
def intake() -> None:
    """New contacts."""


@intake.command("add")
@common
@click.option("--customer-name", required=True)
@click.option("--summary", required=True)
@click.option("--received-at", type=TimeType(), help="When it arrived (default now); local time unless an offset.")
@click.option("--channel", default="email", show_default=True, help="email, phone, web, letter or in_person.")
@click.option("--details", help="The full text of the contact.")
@click.option("--reference", help="Keep an existing reference (default: the next CMP-nnnnnn).")
@click.option("--customer-email")
@click.option("--customer-phone")
@click.option("--customer-address", help="The customer's postal address (line breaks kept).")
@click.option("--cohort", help="A tag such as backlog-2021.")
@click.option("--json", "as_json", is_flag=True, help="Print the new case as JSON instead of its reference.")
@click.pass_context
def intake_add(ctx: click.Context, as_json: bool, **fields: Any) -> None:
    """Record a new contact; prints its reference."""
    svc = services(ctx)
    case = case_services.intake(svc, actor(ctx), **fields)
    if as_json:
        emit_json(case.to_json(svc.now(), svc.policy))
    else:
        click.echo(visible_line(case.reference))


# cases ---------------------------------------------------------------------------------------------------------


@main.group()
def case() -> None:
    """Look at and act on cases."""


def done(ctx: click.Context, case_view: CaseView, message: str, as_json: bool) -> None:
    svc = services(ctx)
    if as_json:
        emit_json(case_view.to_json(svc.now(), svc.policy))
    else:
        # The message repeats stored text (an officer's name, a service, an organisation): shown literally.
        click.echo(visible_line(f"{case_view.reference}: {message}"))


# Past a billion the number is a slip, and past 2**63 no database can take it.
LIMIT = click.IntRange(1, 1_000_000_000)
json_flag = click.option("--json", "as_json", is_flag=True, help="Print the case afterwards as JSON.")
version_option = click.option(
    "--expect-version",
    type=click.IntRange(min=1),
    help="Refuse if the case is no longer at this version (someone changed it).",
)
# What happened yesterday is recorded today; the service refuses a time in the future or before the case's
# latest step.
at_option = click.option(
    "--at",
    "at",
    type=TimeType(),
    help="When it happened (default now): local time unless an offset; not before the case's last step.",
)


@case.command("list")
@common
@click.option("--status", "statuses", multiple=True, type=choice([s.value for s in Status]))
@click.option("--type", "types", multiple=True, type=choice([t.value for t in CaseType]))
@click.option("--officer", metavar="USERNAME")
@click.option("--cohort", metavar="TAG")
@click.option("--limit", type=LIMIT, help="At most N cases (default: all matches).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def case_list(
    ctx: click.Context,
    statuses: tuple[str, ...],
    types: tuple[str, ...],
    officer: str | None,
    cohort: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List cases, oldest first."""
    svc = services(ctx)
    found = case_services.list_cases(
        svc,
        statuses=[Status(s) for s in statuses],
        types=[CaseType(t) for t in types],
        officer=officer,
        cohort=cohort,
        limit=limit,
    )
    now = svc.now()
    if as_json:
        emit_json([c.to_json(now, svc.policy, events=False) for c in found])
        return
    for c in found:
        clock = c.clocks(svc.policy).nearest()
        countdown = f"{clock.name} {clock.countdown(now)}" if clock else ""
        # Cells are cut first, then made visible: no control character reaches the terminal, and no cut falls
        # inside a placeholder (a name holding some takes a little more room).
        click.echo(
            f"{visible_line(c.reference):<12} {local(c.received_at)}  {c.status.value:<12} {_kind(c):<15} "
            f"{visible_line(c.officer or '-'):<12} {visible_line(c.customer_name[:24]):<24} {countdown}"
        )
    click.echo(f"{len(found)} case{'s' if len(found) != 1 else ''}", err=True)


def _kind(c: CaseView) -> str:
    """The type code, with the stage once past the first ("corporate/2")."""
    return c.type.value if c.stage <= 1 else f"{c.type.value}/{c.stage}"


@case.command("show")
@common
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def case_show(ctx: click.Context, reference: str, as_json: bool) -> None:
    """A case with its clocks and its history."""
    svc = services(ctx)
    c = case_services.get_case(svc, reference)
    now = svc.now()
    if as_json:
        emit_json(c.to_json(now, svc.policy))
        return
    # Every line but the details is one line of stored text, made visible whole when printed (below).
    lines = [
        f"{c.reference}  {c.type.label_at(c.stage)} · {c.status.label}" + (f" · {c.officer}" if c.officer else ""),
        f"  received   {local(c.received_at)} by {c.channel}",
        f"  customer   {c.customer_name}" + "".join(f" · {v}" for v in (c.customer_email, c.customer_phone) if v),
    ]
    # The address and the details keep their line breaks, each continuation indented under the first line.
    kept: set[int] = set()
    if c.customer_address:
        kept.add(len(lines))
        lines.append("  address    " + visible(c.customer_address).replace("\n", "\n" + " " * 13))
    lines.append(f"  summary    {c.summary}")
    if c.details:
        kept.add(len(lines))
        lines.append("  details    " + visible(c.details).replace("\n", "\n" + " " * 13))
    for extra, value in (
        ("service", c.service),
        ("signposted", c.signposted_to),
        ("closed", c.close_reason),
        ("duplicate", c.duplicate_of),
        ("outcome", c.outcome),
        ("cohort", c.cohort),
    ):
        if value:
            lines.append(f"  {extra:<10} {value}")
    why_words = {
        "possible_duplicate": "possible duplicate",
        "same_email": "same email",
        "same_phone": "same phone",
        "same_name_postcode": "same name and postcode",
    }
    for i, other in enumerate(c.related):
        label = "related" if i == 0 else ""
        lines.append(
            f"  {label:<10} {other.reference}  {why_words.get(other.why, other.why)} · {other.status.label.lower()}"
            f" · received {local(other.received_at)}"
        )
    lines.extend(_stage_lines(c, svc.policy))
    lines.append("  clocks")
    clocks = [*c.clocks(svc.policy).all(), *(c.ombudsman.clocks(svc.policy) if c.ombudsman else [])]
    for clock in clocks:
        if clock.due_at is None:
            state = "not started"
        elif clock.running:
            state = f"{clock.countdown(now)} ({clock.band(now)})"
        else:
            state = "met" if clock.met() else "missed"
        lines.append(f"    {clock.name:<16} due {local(clock.due_at)}  {state}")
    lines.append("  history")
    for e in c.events:
        move = f"{e.from_status or '-'} -> {e.to_status}" if e.from_status != e.to_status else ""
        extra = ", ".join(f"{k}: {v}" for k, v in e.details.items() if v not in (None, ""))
        lines.append(f"    {local(e.at)}  {e.actor:<12} {e.action:<18} {move:<26} {extra}".rstrip())
    click.echo("\n".join(line if i in kept else visible_line(line) for i, line in enumerate(lines)))


def _stage_lines(c: CaseView, policy: Policy) -> list[str]:
    """The stages a complaint has been through, its extensions and the ombudsman's part (nothing for a case that
    never left stage 1 and has neither)."""
    lines: list[str] = []
    last = policy.last_stage(c.type)
    if c.stage > 1 or c.extensions:
        for s in c.stages:
            response = s.clocks(c.received_at, c.triaged_at, policy).response
            parts = [f"started {local(s.started_at)}"]
            if s.officer:
                parts.append(s.officer)
            if s.service:
                parts.append(f"sent to {s.service}")
            if s.responded_at is not None:
                parts.append(f"responded {local(s.responded_at)}" + (f" ({s.outcome})" if s.outcome else ""))
            elif response.due_at is not None:
                parts.append(f"response due {local(response.due_at)}")
            if s.extension_days:
                parts.append(f"extended {s.extension_days} working days")
            label = f"stage {s.stage}" + (f"/{last}" if last else "")
            lines.append(f"  {label:<10} " + " · ".join(parts))
    for x in c.extensions:
        due = local(x.response_due_at) if x.response_due_at else "-"
        lines.append(f"  {'extended':<10} stage {x.stage} by {x.working_days} working days to {due}: {x.reason}")
    o = c.ombudsman
    if o is not None:
        parts = [f"{o.reference} opened {local(o.opened_at)}"]
        if o.respond_by:
            parts.append(f"respond by {o.respond_by:%d/%m/%Y}")
        if o.answered_at:
            parts.append(f"answered {local(o.answered_at)}")
        if o.decision:
            parts.append(f"decision {o.decision}")
        if o.remedy:
            parts.append(f"remedy: {o.remedy}" + (f" by {o.remedy_due:%d/%m/%Y}" if o.remedy_due else ""))
        if o.complied_at:
            parts.append(f"complied {local(o.complied_at)}")
        lines.append(f"  {'ombudsman':<10} " + " · ".join(parts))
    return lines


@case.command("classify")
@common
@click.argument("reference")
@click.argument("kind", metavar="TYPE", type=choice([t.value for t in COMPLAINT_TYPES]))
@click.option("--reason", help="Why the classification is corrected (needed once the case has been triaged).")
@at_option
@version_option
@json_flag
@click.pass_context
def case_classify(
    ctx: click.Context,
    reference: str,
    kind: str,
    reason: str | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Classify a contact as adults, children, corporate or other; after triage this corrects the
    classification and needs --reason."""
    svc = services(ctx)
    c = case_services.classify(
        svc, actor(ctx), reference, CaseType(kind), reason=reason, at=at, expected_version=expect_version
    )
    ack = c.clocks(svc.policy).acknowledgement.due_at
    done(ctx, c, f"classified as {c.type.label}; acknowledgement due {local(ack)}", as_json)


@case.command("acknowledge")
@common
@click.argument("reference")
@click.option("--channel", help="How the customer was told (email, phone, letter...).")
@click.option("--note")
@at_option
@version_option
@json_flag
@click.pass_context
def case_acknowledge(
    ctx: click.Context,
    reference: str,
    channel: str | None,
    note: str | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Record the acknowledgement to the customer."""
    svc = services(ctx)
    c = case_services.acknowledge(
        svc, actor(ctx), reference, channel=channel, note=note, at=at, expected_version=expect_version
    )
    due = c.clocks(svc.policy).response.due_at
    done(ctx, c, f"acknowledged; response due {local(due)}", as_json)


@case.command("signpost")
@common
@click.argument("reference")
@click.option("--to", "to", metavar="ORGANISATION", help="Another organisation (NHS trust, police, a school...).")
@click.option("--service-request", metavar="SERVICE", help="A council service, as a service request.")
@click.option("--note")
@at_option
@version_option
@json_flag
@click.pass_context
def case_signpost(
    ctx: click.Context,
    reference: str,
    to: str | None,
    service_request: str | None,
    note: str | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Not a council complaint: signpost it, or pass it on as a service request."""
    c = case_services.signpost(
        services(ctx),
        actor(ctx),
        reference,
        to=to,
        service_request=service_request,
        note=note,
        at=at,
        expected_version=expect_version,
    )
    where = f"signposted to {c.signposted_to}" if c.signposted_to else f"service request to {c.service}"
    done(ctx, c, f"{where}; closed", as_json)


@case.command("allocate")
@common
@click.argument("reference")
@click.argument("officer_username", metavar="OFFICER")
@at_option
@version_option
@json_flag
@click.pass_context
def case_allocate(
    ctx: click.Context,
    reference: str,
    officer_username: str,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Allocate a triaged complaint to a complaint officer."""
    c = case_services.allocate(
        services(ctx), actor(ctx), reference, officer_username, at=at, expected_version=expect_version
    )
    done(ctx, c, f"allocated to {c.officer}", as_json)


@case.command("send")
@common
@click.argument("reference")
@click.option("--service", required=True, metavar="NAME", help="The service that must investigate and reply.")
@at_option
@version_option
@json_flag
@click.pass_context
def case_send(
    ctx: click.Context, reference: str, service: str, at: datetime | None, expect_version: int | None, as_json: bool
) -> None:
    """Send the complaint to the service."""
    c = case_services.send_to_service(
        services(ctx), actor(ctx), reference, service, at=at, expected_version=expect_version
    )
    done(ctx, c, f"sent to {c.service}", as_json)


@case.command("respond")
@common
@click.argument("reference")
@click.option("--outcome", type=choice([o.value for o in Outcome]))
@at_option
@version_option
@json_flag
@click.pass_context
def case_respond(
    ctx: click.Context,
    reference: str,
    outcome: str | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Record that the response has been sent: the case is complete."""
    c = case_services.respond(
        services(ctx),
        actor(ctx),
        reference,
        outcome=Outcome(outcome) if outcome else None,
        at=at,
        expected_version=expect_version,
    )
    done(ctx, c, "response sent; complete" + (f" ({c.outcome})" if c.outcome else ""), as_json)


@case.command("close")
@common
@click.argument("reference")
@click.option("--reason", required=True, type=choice(["withdrawn", "duplicate", "out_of_time"]))
@click.option("--duplicate-of", metavar="REF", help="The original case, with --reason duplicate.")
@click.option("--note")
@at_option
@version_option
@json_flag
@click.pass_context
def case_close(
    ctx: click.Context,
    reference: str,
    reason: str,
    duplicate_of: str | None,
    note: str | None,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Close a case as withdrawn, a duplicate, or out of time."""
    c = case_services.close(
        services(ctx),
        actor(ctx),
        reference,
        CloseReason(reason),
        duplicate_of=duplicate_of,
        note=note,
        at=at,
        expected_version=expect_version,
    )
    done(ctx, c, f"closed ({c.close_reason})", as_json)


@case.command("reopen")
@common
@click.argument("reference")
@click.option("--reason", required=True, help="Why it is reopened; kept in the case's history.")
@at_option
@version_option
@json_flag
@click.pass_context
def case_reopen(
    ctx: click.Context,
    reference: str,
    reason: str,
    at: datetime | None,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Reopen a responded or closed case: back to the status it left (supervisors only)."""
    c = case_services.reopen(
        services(ctx), actor(ctx), reference, reason=reason, at=at, expected_version=expect_version
    )
    done(ctx, c, f"reopened; {c.status.label.lower()}", as_json)


@case.command("edit")
@common
@click.argument("reference")
@click.option("--customer-name", help="The customer's name (cannot be blanked).")
@click.option("--customer-email", help='The customer\'s email; "" clears it.')
@click.option("--customer-phone", help='The customer\'s phone number; "" clears it.')
@click.option("--customer-address", help='The customer\'s postal address; "" clears it.')
@click.option("--summary", help="The contact's summary (cannot be blanked).")
@click.option("--details", help='The full text of the contact; "" clears it.')
@click.option("--reason", required=True, help="Why it is corrected; kept in the case's history.")
@version_option
@json_flag
@click.pass_context
def case_edit(
    ctx: click.Context,
    reference: str,
    reason: str,
    expect_version: int | None,
    as_json: bool,
    **fields: str | None,
) -> None:
    """Correct the customer's details or the contact's text; only the fields given change."""
    c = case_services.edit(
        services(ctx), actor(ctx), reference, reason=reason, expected_version=expect_version, **fields
    )
    edits = [e for e in c.events if e.action == "edit"]
    changed = max(edits, key=lambda e: e.id).details.get("changes", {}) if edits else {}
    done(ctx, c, "corrected " + ", ".join(name.replace("_", " ") for name in changed), as_json)


@case.command("release")
@common
@click.argument("reference")
@json_flag
@click.pass_context
def case_release(ctx: click.Context, reference: str, as_json: bool) -> None:
    """Give up a claim on a new contact (a supervisor may release anyone's)."""
    c = desk_services.release(services(ctx), actor(ctx), reference)
    done(ctx, c, "claim released", as_json)


@case.command("reassign")
@common
@click.argument("reference")
@click.argument("officer_username", metavar="OFFICER")
@click.option("--reason", required=True, help="Kept in the case's history.")
@version_option
@json_flag
@click.pass_context
def case_reassign(
    ctx: click.Context,
    reference: str,
    officer_username: str,
    reason: str,
    expect_version: int | None,
    as_json: bool,
) -> None:
    """Move a case to another officer (supervisors only)."""
    c = case_services.reassign(
        services(ctx), actor(ctx), reference, officer_username, reason=reason, expected_version=expect_version
    )
    done(ctx, c, f"reassigned to {c.officer}", as_json)


@case.command("note")
@common
@click.argument("reference")
@click.argument("text")
@json_flag
@click.pass_context
def case_note(ctx: click.Context, reference: str, text: str, as_json: bool) -> None:
    """Add a note to the case's history."""
    c = case_services.add_note(services(ctx), actor(ctx), reference, text)
    done(ctx, c, "note added", as_json)


@case.command("cohort")
@common
@click.argument("reference")
@click.argument("tag", required=False)
@json_flag
@click.pass_context
def case_cohort(ctx: click.Context, reference: str, tag: str | None, as_json: bool) -> None:
    """Tag a case with a cohort, such as a backlog to recover; no TAG takes it off (supervisors only)."""
    c = case_services.set_cohort(services(ctx), actor(ctx), reference, tag)
    done(ctx, c, f"cohort {c.cohort}" if c.cohort else "no cohort", as_json)
