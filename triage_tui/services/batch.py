"""One action on several cases ticked at the desk: classify, allocate or close each of them.

Each case is its own change: its own transaction and its own event, saved only if the case is still at the
version the desk read when the officer chose (expected_version), so a case someone else changed meanwhile is
reported, never overwritten. One case refused or changed meanwhile never stops the others; the result says,
case by case, what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from triage_tui.domain.codes import CaseType, CloseReason
from triage_tui.domain.errors import Conflict, TriageError
from triage_tui.domain.views import CaseView
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext

log = logging.getLogger("triage_tui.batch")
log.addHandler(logging.NullHandler())


class Outcome(StrEnum):
    DONE = "done"
    CHANGED = "changed"  # someone else changed the case since the desk read it: not overwritten
    REFUSED = "refused"


class Ticked(NamedTuple):
    """A case as the desk last read it: its reference and the version the officer chose it at (a plain
    (reference, version) pair does as well)."""

    reference: str
    version: int


@dataclass(frozen=True)
class CaseResult:
    reference: str
    outcome: Outcome
    message: str = ""  # why not, for a case changed meanwhile or refused
    view: CaseView | None = None  # the case as saved


@dataclass(frozen=True)
class BatchResult:
    verb: str  # what was done to each, as the summary says it: "classified", "allocated", "closed"
    results: list[CaseResult] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[CaseResult]:
        return [r for r in self.results if r.outcome is outcome]

    @property
    def saved(self) -> list[CaseView]:
        return [r.view for r in self.results if r.view is not None]

    def summary(self) -> str:
        """One line: "7 classified; 1 changed by someone else meanwhile (CMP-000123), not overwritten;
        1 refused: CMP-000124: ..." """
        done, changed, refused = self.of(Outcome.DONE), self.of(Outcome.CHANGED), self.of(Outcome.REFUSED)
        parts = [f"{len(done)} {self.verb}"]
        if changed:
            refs = ", ".join(r.reference for r in changed)
            parts.append(f"{len(changed)} changed by someone else meanwhile ({refs}), not overwritten")
        if refused:
            reasons = "; ".join(f"{r.reference}: {r.message}" for r in refused)
            parts.append(f"{len(refused)} refused: {reasons}")
        return "; ".join(parts)


# (ctx, acting officer, reference, version read) -> the case as saved
Step = Callable[[ServiceContext, str, str, int], CaseView]


def run(ctx: ServiceContext, actor: str, ticked: Sequence[Ticked], step: Step, verb: str) -> BatchResult:
    """`step` on each ticked case in turn, each in its own transaction; every case's outcome collected."""
    results: list[CaseResult] = []
    for reference, version in ticked:
        case = Ticked(reference, version)
        try:
            view = step(ctx, actor, case.reference, case.version)
        except Conflict as exc:
            results.append(CaseResult(case.reference, _changed_or_refused(ctx, case), str(exc)))
        except TriageError as exc:
            results.append(CaseResult(case.reference, Outcome.REFUSED, str(exc)))
        except Exception as exc:  # one case's unforeseen failure must not lose what the others did
            log.error("batch %s of %s failed", verb, case.reference, exc_info=exc)
            results.append(CaseResult(case.reference, Outcome.REFUSED, f"unexpected error ({type(exc).__name__})"))
        else:
            results.append(CaseResult(case.reference, Outcome.DONE, view=view))
    return BatchResult(verb, results)


def _changed_or_refused(ctx: ServiceContext, case: Ticked) -> Outcome:
    """A conflict is either another's change since the desk read the case (its version has moved on) or a claim
    someone else holds on it (refused): only the first is "changed meanwhile"."""
    try:
        now = cases.get_case(ctx, case.reference)
    except TriageError:
        return Outcome.REFUSED
    return Outcome.CHANGED if now.version != case.version else Outcome.REFUSED


def classify(
    ctx: ServiceContext,
    actor: str,
    ticked: Sequence[Ticked],
    kind: CaseType,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> BatchResult:
    """Classify every ticked case as `kind` (a correction of one already classified takes `reason`), at `at`
    (None: now)."""

    def step(ctx: ServiceContext, actor: str, reference: str, version: int) -> CaseView:
        return cases.classify(ctx, actor, reference, kind, reason=reason or None, at=at, expected_version=version)

    return run(ctx, actor, ticked, step, "classified")


def allocate(
    ctx: ServiceContext, actor: str, ticked: Sequence[Ticked], officer: str, *, at: datetime | None = None
) -> BatchResult:
    """Allocate every ticked case to `officer`, at `at` (None: now)."""

    def step(ctx: ServiceContext, actor: str, reference: str, version: int) -> CaseView:
        return cases.allocate(ctx, actor, reference, officer, at=at, expected_version=version)

    return run(ctx, actor, ticked, step, "allocated")


def close(
    ctx: ServiceContext,
    actor: str,
    ticked: Sequence[Ticked],
    reason: CloseReason,
    *,
    duplicate_of: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> BatchResult:
    """Close every ticked case for `reason` (withdrawn, duplicate of one original, out of time), at `at`."""

    def step(ctx: ServiceContext, actor: str, reference: str, version: int) -> CaseView:
        return cases.close(
            ctx, actor, reference, reason, duplicate_of=duplicate_of, note=note, at=at, expected_version=version
        )

    return run(ctx, actor, ticked, step, "closed")
