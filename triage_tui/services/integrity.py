"""Checking the audit trail: walk the event chain, recompute every hash, and name the first event that was
altered, removed or slipped in (see store/chain.py for what is hashed).

What it proves, and what not: someone who can write the database file can rewrite every event and every hash
after it consistently. That is caught only against a head written down elsewhere (`expect_head`): the head of
a rewritten, truncated or extended trail differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triage_tui.domain.errors import InvalidInput, TriageError
from triage_tui.services.context import ServiceContext
from triage_tui.store import chain

HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str  # the last event's hash (chain.GENESIS when there are no events)

    def to_json(self) -> dict[str, Any]:
        return {"intact": True, "events": self.events, "head": self.head}


class AuditTrailBroken(TriageError):
    """The chain does not hold: `problem` is `altered`, `removed`, `inserted` or `head`."""

    def __init__(
        self,
        problem: str,
        message: str,
        *,
        seq: int | None = None,
        event_id: int | None = None,
        reference: str | None = None,
        action: str | None = None,
        at: datetime | None = None,
        checked: int = 0,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.seq = seq
        self.event_id = event_id
        self.reference = reference
        self.action = action
        self.at = at
        self.checked = checked

    def to_json(self) -> dict[str, Any]:
        return {
            "intact": False,
            "problem": self.problem,
            "seq": self.seq,
            "id": self.event_id,
            "reference": self.reference,
            "action": self.action,
            "at": self.at.isoformat() if self.at is not None else None,
            "events_checked": self.checked,
            "message": str(self),
        }


def parse_head(text: str) -> str:
    head = text.strip().lower()
    if len(head) != 64 or not set(head) <= HEX:
        raise InvalidInput("--expect-head takes the 64 hex digits that `triage db verify` printed as the head")
    return head


def verify_chain(ctx: ServiceContext, expect_head: str | None = None) -> ChainReport:
    """Walk every event in chain order; raise AuditTrailBroken at the first that does not hold."""
    expected = parse_head(expect_head) if expect_head is not None else None
    with ctx.store.read() as session:
        connection = session.connection()

        def name(link: chain.Link) -> str:
            reference = chain.case_reference(connection, link.case_id)
            where = f"case {reference}, " if reference else ""
            return f"seq {link.seq} (id {link.id}, {where}{link.action} at {chain.time_text(link.at)})"

        def broken(problem: str, link: chain.Link, what: str, checked: int) -> AuditTrailBroken:
            return AuditTrailBroken(
                problem,
                f"audit trail broken at event {name(link)}: {problem}: {what}",
                seq=link.seq,
                event_id=link.id,
                reference=chain.case_reference(connection, link.case_id),
                action=link.action,
                at=link.at,
                checked=checked,
            )

        seq, head = 0, chain.GENESIS
        before: chain.Link | None = None
        expected_at: int | None = None
        links = chain.walk(connection)
        current = next(links, None)
        while current is not None:
            after = next(links, None)  # one ahead: an event slipped in is known by the ids around it
            if current.seq is None or current.seq <= seq:
                raise broken("inserted", current, f"a second event at seq {current.seq}", seq)
            if current.seq != seq + 1:
                missing = f"seq {seq + 1}" if current.seq == seq + 2 else f"seqs {seq + 1}..{current.seq - 1}"
                since = f"event {name(before)}" if before is not None else "the start"
                raise AuditTrailBroken(
                    "removed",
                    f"audit trail broken at event seq {seq + 1}: removed: {missing} missing between {since} "
                    f"and event {name(current)}",
                    seq=seq + 1,
                    checked=seq,
                )
            if before is not None and current.id <= before.id:
                # Ids only grow with seq: the one before was written after this one and put in front of it.
                raise broken("inserted", before, f"it was written after the event at seq {current.seq}", seq - 1)
            if chain.link(head, current.content) != current.stored:
                if after is not None and after.id < current.id:
                    raise broken("inserted", current, f"it was written after the event at seq {after.seq}", seq)
                what = "its content no longer matches its hash (or its hash was changed)"
                raise broken("altered", current, what, seq)
            seq, head, before = current.seq, current.stored or "", current
            if head == expected:
                expected_at = seq
            current = after
    if expected is not None and head != expected:
        if expected_at is not None:
            raise AuditTrailBroken(
                "head",
                f"audit trail head is event seq {seq} ({head}), not the one expected: the expected head is event "
                f"seq {expected_at}'s, and {seq - expected_at:,} event(s) were written after it",
                seq=seq,
                checked=seq,
            )
        raise AuditTrailBroken(
            "head",
            f"audit trail head is event seq {seq} ({head}), and the expected head {expected} is nowhere in the "
            "chain: events were removed from its end or the trail was rewritten",
            seq=seq,
            checked=seq,
        )
    return ChainReport(events=seq, head=head)
