"""What a pane of the supervisor's split view shows: a caseload, as a query over the cases."""

from __future__ import annotations

from dataclasses import dataclass, replace

from triage_tui.domain.queue import MY_STATUSES, QUEUE_STATUSES, QueueQuery


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
