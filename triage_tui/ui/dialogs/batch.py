"""One dialog for several ticked cases: classify, allocate or close them all at once.

Each asks what the single-case dialog asks (they are those dialogs, told of several cases), says which cases
it will act on and which of them the lifecycle will refuse, and what saving does. The save runs case by case
(services/batch.py); the outcome of each is then shown in BatchReport.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.widgets import Input, Static

from triage_tui.domain.codes import COMPLAINT_TYPES, CloseReason
from triage_tui.domain.errors import TransitionRefused
from triage_tui.domain.lifecycle import Action, transition
from triage_tui.domain.queue import OfficerLoad
from triage_tui.domain.views import CaseView
from triage_tui.ui.dialogs.base import ActionDialog
from triage_tui.ui.dialogs.casework import AllocateDialog
from triage_tui.ui.dialogs.triage import CLOSE_EFFECTS, ClassifyDialog, CloseDialog
from triage_tui.ui.text import line, lines, one_line

if TYPE_CHECKING:
    from triage_tui.services.batch import BatchResult

SHOWN_REFERENCES = 12  # references named in full before "and N more"


def references(refs: Sequence[str]) -> str:
    named = ", ".join(refs[:SHOWN_REFERENCES])
    more = len(refs) - SHOWN_REFERENCES
    return f"{named} and {more} more" if more > 0 else named


def plural(n: int, word: str = "case") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class Batch:
    """What every batch dialog knows: the ticked cases, and which of them the step is not open to now."""

    cases: list[CaseView]
    step: Action

    def ticked_lines(self) -> ComposeResult:
        refs = [c.reference for c in self.cases]
        yield Static(line(f"{plural(len(refs))} ticked: {references(refs)}"), id="batch-cases", classes="hint")
        blocked = []
        for case in self.cases:
            try:
                transition(self.step, case.status, case.reference)
            except TransitionRefused:
                blocked.append(case)
        if blocked:
            said = references([f"{c.reference} ({c.status.label.lower()})" for c in blocked])
            yield Static(
                line(f"Not open to this now, so they will be left as they are: {said}"),
                id="batch-blocked",
                classes="hint",
            )

    @property
    def count(self) -> str:
        return plural(len(self.cases))


class BatchClassifyDialog(Batch, ClassifyDialog):
    """The classify dialog for every ticked case; a correction of cases already classified asks for a reason."""

    confirm = "Classify all"
    step = Action.CLASSIFY

    def __init__(self, cases: list[CaseView]) -> None:
        super().__init__(None)
        self.cases = cases
        self.heading = f"Classify {self.count} as a complaint"
        self.corrections = [c for c in cases if c.type in COMPLAINT_TYPES]
        if self.corrections:
            # Correcting the type of cases classified already needs a reason (the base dialog's box).
            self.asks_reason = True
            refs = references([c.reference for c in self.corrections])
            self.reason_label = f"Why are the types of {refs} being corrected? (required)"
            self.reason_missing = "Say why: some ticked cases are classified already"

    def body(self) -> ComposeResult:
        yield from self.ticked_lines()
        yield from super().body()

    def effect(self) -> str:
        return f"Saving classifies the {self.count} one by one; any changed by someone else meanwhile is left as it is."


class BatchAllocateDialog(Batch, AllocateDialog):
    """The allocate dialog for every ticked case: one officer takes them all."""

    confirm = "Allocate all"
    step = Action.ALLOCATE

    def __init__(self, cases: list[CaseView], loads: list[OfficerLoad]) -> None:
        super().__init__(cast(CaseView, None), loads)
        self.cases = cases
        self.heading = f"Allocate {self.count} to one complaint officer"

    def body(self) -> ComposeResult:
        yield from self.ticked_lines()
        yield from super().body()

    def effect(self) -> str:
        return f"Saving allocates the {self.count} to the officer chosen, one by one."


class BatchCloseDialog(Batch, CloseDialog):
    """The close dialog for every ticked case, for one reason."""

    confirm = "Close all"
    step = Action.CLOSE

    def __init__(self, cases: list[CaseView]) -> None:
        super().__init__(None)
        self.cases = cases
        self.heading = f"Close {self.count}"

    def body(self) -> ComposeResult:
        yield from self.ticked_lines()
        yield from super().body()

    def effect(self) -> str:
        reason = self.reason()
        them = f"the {self.count}"
        if reason is None:
            return f"Choose a reason. Saving then closes {them}, and they leave the open lists."
        if reason is CloseReason.DUPLICATE:
            original = self.query_one("#original", Input).value.strip()
            if not original:
                return f"Type the original's reference. Saving then closes {them} as its duplicates."
            return f"Saving closes {them} as duplicates of {original}. They leave the open lists."
        return f"Saving closes {them} {CLOSE_EFFECTS[reason]}. They leave the open lists."

    def reference_problem(self, original: str) -> str | None:
        if original.casefold() in {c.reference.casefold() for c in self.cases}:
            return "The original cannot be a ticked case: untick it, or name another"
        return super().reference_problem(original)


class BatchReport(ActionDialog[None]):
    """What happened to each ticked case: done, changed by someone else meanwhile (not overwritten), or refused."""

    confirm = "OK"

    def __init__(self, result: BatchResult) -> None:
        super().__init__(None)
        self.outcome = result
        self.heading = f"Not every case was {result.verb}"

    def body(self) -> ComposeResult:
        yield Static(line(self.outcome.summary()), id="batch-summary")
        said = {"done": "✓ {ref} {verb}", "changed": "✗ {ref} not saved: {message}", "refused": "✗ {ref} {message}"}
        rows = [
            one_line(said[str(r.outcome)].format(ref=r.reference, verb=self.outcome.verb, message=r.message))
            # What was not done first: that is what the officer has to look at.
            for r in sorted(self.outcome.results, key=lambda r: r.outcome == "done")
        ]
        yield Static(lines("\n".join(rows)), id="batch-results")

    def focus_first(self) -> None:
        self.query_one("#cancel").display = False  # nothing to cancel: it only reports
        self.query_one("#confirm").focus()

    def submit(self) -> None:
        self.dismiss(None)
