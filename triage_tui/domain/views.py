"""Plain objects the services hand to the UI and the CLI: no ORM rows leave the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from triage_tui.domain.clock import CaseClocks, CaseTimes, Clock, case_clocks, date_clock
from triage_tui.domain.codes import CaseType, Role, Status, Team
from triage_tui.domain.policy import DEFAULT_POLICY, Policy


@dataclass(frozen=True)
class OfficerView:
    username: str
    name: str
    role: Role
    team: Team
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "name": self.name,
            "role": self.role.value,
            "team": self.team.value,
            "active": self.active,
        }


@dataclass(frozen=True)
class EventView:
    id: int
    at: datetime
    actor: str
    action: str
    from_status: Status | None
    to_status: Status | None
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "from_status": self.from_status.value if self.from_status else None,
            "to_status": self.to_status.value if self.to_status else None,
            "details": self.details,
        }


# Why another case is shown as the same customer's (CONTRACT.md's `related[].why`), strongest first: a likely
# duplicate (same customer, similar summary, close in time) is the one an officer must not miss.
RELATED_WHY = ("possible_duplicate", "same_email", "same_phone", "same_name_postcode")


@dataclass(frozen=True)
class RelatedCase:
    """Another case of the same customer, and why it is thought to be theirs."""

    reference: str
    status: Status
    type: CaseType
    received_at: datetime
    why: str  # one of RELATED_WHY
    customer_name: str = ""
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "status": self.status.value,
            "type": self.type.value,
            "received_at": self.received_at.isoformat(),
            "why": self.why,
        }


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class StageView:
    """One stage of a complaint: an earlier one as it stood when the customer escalated, or the current one."""

    stage: int
    type: CaseType
    started_at: datetime
    officer: str | None
    allocated_at: datetime | None
    acknowledged_at: datetime | None
    sent_to_service_at: datetime | None
    service: str | None
    responded_at: datetime | None
    outcome: str | None
    extension_days: int = 0
    panel_at: datetime | None = None
    ended_at: datetime | None = None  # when the next stage was asked for; None for the current stage
    closed_at: datetime | None = None  # the current stage's case closed (its clocks stop there)

    def clocks(self, received_at: datetime, triaged_at: datetime | None, policy: Policy = DEFAULT_POLICY) -> CaseClocks:
        return case_clocks(
            CaseTimes(
                received_at=received_at,
                type=self.type,
                triaged_at=triaged_at,
                acknowledged_at=self.acknowledged_at,
                responded_at=self.responded_at,
                closed_at=self.closed_at,
                stage=self.stage,
                stage_started_at=self.started_at,
                extension_days=self.extension_days,
                panel_at=self.panel_at,
            ),
            policy,
        )

    def to_json(self, received_at: datetime, triaged_at: datetime | None, policy: Policy) -> dict[str, Any]:
        clocks = self.clocks(received_at, triaged_at, policy)
        out = {
            "stage": self.stage,
            "type": self.type.value,
            "started_at": _ts(self.started_at),
            "officer": self.officer,
            "allocated_at": _ts(self.allocated_at),
            "acknowledged_at": _ts(self.acknowledged_at),
            "ack_due_at": _ts(clocks.acknowledgement.due_at),
            "sent_to_service_at": _ts(self.sent_to_service_at),
            "service": self.service,
            "response_due_at": _ts(clocks.response.due_at),
            "original_response_due_at": _ts(clocks.response.original_due_at),
            "response_limit_at": _ts(clocks.response.limit_at),
            "extension_days": self.extension_days,
            "responded_at": _ts(self.responded_at),
            "outcome": self.outcome,
            "ended_at": _ts(self.ended_at),
        }
        if clocks.panel is not None:
            out |= {"panel_due_at": _ts(clocks.panel.due_at), "panel_at": _ts(self.panel_at)}
        return out


@dataclass(frozen=True)
class ExtensionView:
    """A response deadline moved, with the reason the customer was told."""

    at: datetime
    stage: int
    working_days: int
    reason: str
    response_due_at: datetime | None
    actor: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "stage": self.stage,
            "working_days": self.working_days,
            "reason": self.reason,
            "response_due_at": _ts(self.response_due_at),
        }


@dataclass(frozen=True)
class OmbudsmanView:
    """The ombudsman's enquiry into a complaint, and what came of it."""

    reference: str
    opened_at: datetime
    respond_by: date | None
    answered_at: datetime | None = None
    decision: str | None = None
    decided_at: datetime | None = None
    remedy: str | None = None
    remedy_due: date | None = None
    complied_at: datetime | None = None

    def enquiry_clock(self, policy: Policy = DEFAULT_POLICY) -> Clock | None:
        """The council's answer is due by the respond-by date; it stops when answered (or decided without)."""
        if self.respond_by is None:
            return None
        return date_clock("ombudsman", self.opened_at, self.respond_by, self.answered_at or self.decided_at, policy)

    def remedy_clock(self, policy: Policy = DEFAULT_POLICY) -> Clock | None:
        if self.remedy_due is None:
            return None
        return date_clock("remedy", self.decided_at or self.opened_at, self.remedy_due, self.complied_at, policy)

    def clocks(self, policy: Policy = DEFAULT_POLICY) -> list[Clock]:
        return [c for c in (self.enquiry_clock(policy), self.remedy_clock(policy)) if c is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "opened_at": self.opened_at.isoformat(),
            "respond_by": self.respond_by.isoformat() if self.respond_by else None,
            "answered_at": _ts(self.answered_at),
            "decision": self.decision,
            "decided_at": _ts(self.decided_at),
            "remedy": self.remedy,
            "remedy_due": self.remedy_due.isoformat() if self.remedy_due else None,
            "complied_at": _ts(self.complied_at),
        }


@dataclass(frozen=True)
class CaseView:
    id: int
    reference: str
    received_at: datetime
    channel: str
    customer_name: str
    customer_email: str | None
    customer_phone: str | None
    summary: str
    details: str | None
    type: CaseType
    status: Status
    officer: str | None
    triaged_at: datetime | None
    allocated_at: datetime | None
    acknowledged_at: datetime | None
    sent_to_service_at: datetime | None
    service: str | None
    responded_at: datetime | None
    outcome: str | None
    closed_at: datetime | None
    close_reason: str | None
    signposted_to: str | None
    duplicate_of: str | None
    cohort: str | None
    claimed_by: str | None
    claimed_until: datetime | None
    version: int
    customer_address: str | None = None
    stage: int = 1
    stage_started_at: datetime | None = None
    extension_days: int = 0
    panel_at: datetime | None = None
    ombudsman: OmbudsmanView | None = None
    events: list[EventView] = field(default_factory=list)
    # Filled where one case is shown whole (case show, the case screen); empty in lists.
    related: list[RelatedCase] = field(default_factory=list)
    earlier_stages: list[StageView] = field(default_factory=list)

    def clocks(self, policy: Policy = DEFAULT_POLICY) -> CaseClocks:
        return case_clocks(
            CaseTimes(
                received_at=self.received_at,
                type=self.type,
                triaged_at=self.triaged_at,
                acknowledged_at=self.acknowledged_at,
                responded_at=self.responded_at,
                closed_at=self.closed_at,
                stage=self.stage,
                stage_started_at=self.stage_started_at,
                extension_days=self.extension_days,
                panel_at=self.panel_at,
            ),
            policy,
        )

    @property
    def current_stage(self) -> StageView:
        return StageView(
            stage=self.stage,
            type=self.type,
            started_at=self.stage_started_at if self.stage > 1 and self.stage_started_at else self.received_at,
            officer=self.officer,
            allocated_at=self.allocated_at,
            acknowledged_at=self.acknowledged_at,
            sent_to_service_at=self.sent_to_service_at,
            service=self.service,
            responded_at=self.responded_at,
            outcome=self.outcome,
            extension_days=self.extension_days,
            panel_at=self.panel_at,
            closed_at=self.closed_at,
        )

    @property
    def stages(self) -> list[StageView]:
        """Every stage, oldest first: the earlier ones (filled where one case is shown whole) and this one."""
        return [*self.earlier_stages, self.current_stage]

    @property
    def extensions(self) -> list[ExtensionView]:
        """The response deadlines moved, oldest first, from the case's events (filled where shown whole)."""
        out = []
        for e in self.events:
            if e.action != "extend":
                continue
            due = e.details.get("response_due_at")
            out.append(
                ExtensionView(
                    at=e.at,
                    stage=int(e.details.get("stage") or 1),
                    working_days=int(e.details.get("working_days") or 0),
                    reason=str(e.details.get("reason") or ""),
                    response_due_at=datetime.fromisoformat(due) if isinstance(due, str) else None,
                    actor=e.actor,
                )
            )
        return out

    def to_json(self, now: datetime, policy: Policy = DEFAULT_POLICY, *, events: bool = True) -> dict[str, Any]:
        clocks = self.clocks(policy)

        def ts(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        out: dict[str, Any] = {
            "reference": self.reference,
            "status": self.status.value,
            "type": self.type.value,
            "type_label": self.type.label,
            "officer": self.officer,
            "received_at": ts(self.received_at),
            "channel": self.channel,
            "customer_name": self.customer_name,
            "customer_email": self.customer_email,
            "customer_phone": self.customer_phone,
            "customer_address": self.customer_address,
            "summary": self.summary,
            "details": self.details,
            "triaged_at": ts(self.triaged_at),
            "triage_due_at": ts(clocks.triage.due_at),
            "triage_limit_at": ts(clocks.triage.limit_at),
            "triage_band": _band(clocks.triage, now),
            "triage_countdown": clocks.triage.countdown(now) or None,
            "allocated_at": ts(self.allocated_at),
            "acknowledged_at": ts(self.acknowledged_at),
            "ack_due_at": ts(clocks.acknowledgement.due_at),
            "ack_band": _band(clocks.acknowledgement, now),
            "sent_to_service_at": ts(self.sent_to_service_at),
            "service": self.service,
            "response_due_at": ts(clocks.response.due_at),
            "response_limit_at": ts(clocks.response.limit_at),
            "response_band": _band(clocks.response, now),
            "responded_at": ts(self.responded_at),
            "outcome": self.outcome,
            "closed_at": ts(self.closed_at),
            "close_reason": self.close_reason,
            "signposted_to": self.signposted_to,
            "duplicate_of": self.duplicate_of,
            "cohort": self.cohort,
            "claimed_by": self.claimed_by,
            "claimed_until": ts(self.claimed_until),
            "version": self.version,
            "stage": self.stage,
            "stage_started_at": ts(self.stage_started_at),
            "ombudsman": self.ombudsman.to_json() if self.ombudsman is not None else None,
        }
        if events:
            out["events"] = [e.to_json() for e in self.events]
            out["related"] = [r.to_json() for r in self.related]
            out["extensions"] = [x.to_json() for x in self.extensions]
            out["stages"] = [s.to_json(self.received_at, self.triaged_at, policy) for s in self.stages]
        return out


def _band(clock: Any, now: datetime) -> str | None:
    band = clock.band(now)
    return band.value if band is not None else None
