"""The fixed codes of the contract, with the labels the briefing uses for them."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class CaseType(StrEnum):
    ADULTS = "adults"
    CHILDREN = "children"
    CORPORATE = "corporate"
    OTHER = "other"
    SERVICE_REQUEST = "service_request"
    UNCLASSIFIED = "unclassified"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]

    @property
    def is_complaint(self) -> bool:
        return self in COMPLAINT_TYPES

    @property
    def kind_label(self) -> str:
        """The kind without the stage the briefing's label names ("Statutory Children", not "... Stage 1")."""
        return self.label.removesuffix(" Stage 1")

    def label_at(self, stage: int) -> str:
        """The label of a complaint at a stage: the briefing's at stage 1, "Statutory Children Stage 3" or
        "Corporate Stage 2" after."""
        return self.label if stage <= 1 else f"{self.kind_label} Stage {stage}"


TYPE_LABELS: dict[CaseType, str] = {
    CaseType.ADULTS: "Statutory Adults",
    CaseType.CHILDREN: "Statutory Children Stage 1",
    CaseType.CORPORATE: "Corporate",
    CaseType.OTHER: "Other",
    CaseType.SERVICE_REQUEST: "Service Request",
    CaseType.UNCLASSIFIED: "Unclassified",
}

# The four kinds a triage officer may classify a contact as.
COMPLAINT_TYPES: tuple[CaseType, ...] = (
    CaseType.ADULTS,
    CaseType.CHILDREN,
    CaseType.CORPORATE,
    CaseType.OTHER,
)


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ALLOCATED = "allocated"
    WITH_SERVICE = "with_service"
    RESPONDED = "responded"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def bucket(self) -> Bucket:
        return STATUS_BUCKETS[self]

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESPONDED, Status.CLOSED)


STATUS_LABELS: dict[Status, str] = {
    Status.NEW: "New",
    Status.TRIAGED: "Triaged",
    Status.ALLOCATED: "Allocated",
    Status.WITH_SERVICE: "With service",
    Status.RESPONDED: "Responded",
    Status.CLOSED: "Closed",
}


class Bucket(StrEnum):
    UNALLOCATED = "unallocated"
    COMPLAINTS_TEAM = "complaints_team"
    SERVICE = "service"
    COMPLETE = "complete"
    CLOSED_OTHER = "closed_other"


STATUS_BUCKETS: dict[Status, Bucket] = {
    Status.NEW: Bucket.UNALLOCATED,
    Status.TRIAGED: Bucket.UNALLOCATED,
    Status.ALLOCATED: Bucket.COMPLAINTS_TEAM,
    Status.WITH_SERVICE: Bucket.SERVICE,
    Status.RESPONDED: Bucket.COMPLETE,
    Status.CLOSED: Bucket.CLOSED_OTHER,
}


class CloseReason(StrEnum):
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"
    OUT_OF_TIME = "out_of_time"
    SERVICE_REQUEST = "service_request"
    SIGNPOSTED = "signposted"


# Reasons an officer may give with `close`; the other two are set by signposting.
MANUAL_CLOSE_REASONS: tuple[CloseReason, ...] = (
    CloseReason.WITHDRAWN,
    CloseReason.DUPLICATE,
    CloseReason.OUT_OF_TIME,
)


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class OmbudsmanDecision(StrEnum):
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"
    NOT_INVESTIGATED = "not_investigated"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"


class Team(StrEnum):
    TRIAGE = "triage"
    COMPLAINTS = "complaints"
    RECOVERY = "recovery"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WEB = "web"
    LETTER = "letter"
    IN_PERSON = "in_person"


E = TypeVar("E", bound=StrEnum)


def parse_code(enum: type[E], text: str, what: str) -> E:
    """Read a code given by a person: exact codes, any case, spaces or hyphens for underscores."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return enum(key)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ValueError(f"unknown {what} {text!r} (choose from {choices})") from None
