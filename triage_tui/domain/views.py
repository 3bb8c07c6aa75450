"""Plain objects the services hand to the UI and the CLI: no ORM rows leave the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage_tui.domain.clock import CaseClocks, CaseTimes, case_clocks
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
    events: list[EventView] = field(default_factory=list)
    # Filled where one case is shown whole (case show, the case screen); empty in lists.
    related: list[RelatedCase] = field(default_factory=list)

    def clocks(self, policy: Policy = DEFAULT_POLICY) -> CaseClocks:
        return case_clocks(
            CaseTimes(
                received_at=self.received_at,
                type=self.type,
                triaged_at=self.triaged_at,
                acknowledged_at=self.acknowledged_at,
                responded_at=self.responded_at,
                closed_at=self.closed_at,
            ),
            policy,
        )

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
        }
        if events:
            out["events"] = [e.to_json() for e in self.events]
            out["related"] = [r.to_json() for r in self.related]
        return out


def _band(clock: Any, now: datetime) -> str | None:
    band = clock.band(now)
    return band.value if band is not None else None
