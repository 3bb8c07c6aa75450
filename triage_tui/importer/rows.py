"""One spreadsheet row checked and turned into a case's history, or every reason it cannot be."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from triage_tui.domain.codes import COMPLAINT_TYPES, TYPE_LABELS, CaseType, Channel, CloseReason, Outcome, Status
from triage_tui.domain.errors import InvalidInput
from triage_tui.domain.policy import DEFAULT_POLICY, Policy
from triage_tui.domain.text import FORMULA_STARTS, LIMITS
from triage_tui.domain.timeparse import parse_time
from triage_tui.importer import stages
from triage_tui.importer.source import PROBLEMS, Cell, shown
from triage_tui.services.history import HistoryRow
from triage_tui.services.officers import USERNAME

LONDON = ZoneInfo("Europe/London")
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$")
FUTURE_TOLERANCE = timedelta(minutes=5)
# The stored free-text columns and their limits: the one table every way in shares; an officer's username and
# a duplicate's reference are held to the limits of what they name.
TEXT_LIMITS = {
    **{
        column: LIMITS[column]
        for column in (
            "reference",
            "customer_name",
            "customer_email",
            "customer_phone",
            "customer_address",
            "summary",
            "details",
            "service",
            "signposted_to",
            "cohort",
        )
    },
    "officer": LIMITS["username"],
    "duplicate_of": LIMITS["reference"],
    "stage2_officer": LIMITS["username"],
    "stage2_service": LIMITS["service"],
}
# Longer than any way of writing a time: refused before parsing, so a megabyte cell is not parsed or quoted.
TIME_TEXT_LIMIT = 64
# Times before this are a typing slip (a two-digit year), and the calendar arithmetic around a deadline needs a
# real year: every way a time can overflow is refused here rather than later.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _key(text: str) -> str:
    return " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


# Codes, the briefing's labels and the spellings spreadsheets use, all compared case- and space-insensitively.
TYPES: dict[str, CaseType] = {_key(t.value): t for t in CaseType}
TYPES.update({_key(label): kind for kind, label in TYPE_LABELS.items()})
TYPES.update(
    {
        _key("Statutory Children Stage 1s"): CaseType.CHILDREN,
        _key("Statutory Children"): CaseType.CHILDREN,
        _key("Corporate Complaints"): CaseType.CORPORATE,
        _key("Service Requests"): CaseType.SERVICE_REQUEST,
        _key("Not a council complaint"): CaseType.SERVICE_REQUEST,
        _key("Service Requests / Not OCC complaint"): CaseType.SERVICE_REQUEST,
    }
)
STATUSES = {_key(s.value): s for s in Status} | {_key("with service"): Status.WITH_SERVICE}
CHANNELS = {_key(c.value): c for c in Channel} | {
    "e mail": Channel.EMAIL,
    "telephone": Channel.PHONE,
    "web form": Channel.WEB,
    "online": Channel.WEB,
    "post": Channel.LETTER,
    "face to face": Channel.IN_PERSON,
}
REASONS = {_key(r.value): r for r in CloseReason}
OUTCOMES = {_key(o.value): o for o in Outcome}
STAGES = (Status.NEW, Status.TRIAGED, Status.ALLOCATED, Status.WITH_SERVICE, Status.RESPONDED)
MILESTONES = ("triaged_at", "allocated_at", "sent_to_service_at", "responded_at")  # in lifecycle order
TIME_COLUMNS = (*MILESTONES, "acknowledged_at", "closed_at")
NO_TIMES: dict[str, datetime | None] = dict.fromkeys(TIME_COLUMNS)  # only ever read
LIFECYCLE_COLUMNS = (
    "type",
    "status",
    "officer",
    *TIME_COLUMNS,
    "close_reason",
    "outcome",
    "duplicate_of",
    "signposted_to",
    "service",
)


@dataclass(slots=True)
class ImportRow:
    line: int
    history: HistoryRow  # with a stage 2, the history of stage 1 (a responded case)
    keyed: bool  # False: the reference was made from received_at, customer_name and summary
    second: stages.StageTwo | None = None  # stage 2, where the customer asked for it


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def unquote(text: str) -> str:
    """A cell as typed before a spreadsheet-safe file (our rejects file among them) quoted it: one apostrophe
    before a formula's first character is Excel's "this is text" mark, not part of the value. Anything else,
    an apostrophe before a name (O'Brien) or a second apostrophe, is kept."""
    if text[:1] == "'" and text[1:].lstrip(" ").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def content_reference(received_at: datetime, customer: str, summary: str) -> str:
    """A stable reference for a row that has none: the same contact imported twice gets the same one."""
    digest = hashlib.sha1(f"{received_at.isoformat()}|{customer}|{summary}".encode()).hexdigest()[:12]
    return f"IMP-{digest.upper()}"


class RowChecker:
    """Checks rows against the codes, the lifecycle and the officers known (or to be created)."""

    def __init__(
        self,
        officers: dict[str, tuple[str, int]],
        *,
        create_officers: bool,
        now: datetime,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        """`officers`: every officer's (username, id) by lower-cased username (names are one regardless of case)."""
        self.officers = officers
        self.policy = policy
        # Whether rows may have stage-2 columns at all: a file without them skips their look-ups (the caller
        # says so once it has read the header).
        self.stage_two = True
        # Whether rows may have any column of a case's life past intake (a feed of new contacts has none): a file
        # without them skips their look-ups, as above.
        self.lifecycle = True
        self.create_officers = create_officers
        self.new_officers: dict[str, str] = {}  # lower-cased: the spelling first given
        self.now = now
        self.latest = now + FUTURE_TOLERANCE

    def check(self, line: int, cells: dict[str, Cell]) -> tuple[ImportRow | None, list[tuple[str, str]]]:
        """The row's history, or its problems. Runs once per row of a 100,000-row file: kept lean on purpose
        (no closures, absent columns cost a dictionary miss)."""
        errors: list[tuple[str, str]] = []
        if PROBLEMS in cells:
            return None, cells[PROBLEMS]  # type: ignore[return-value]
        get = cells.get
        text = self._text
        when = self._when
        code = self._code
        reference = text(value, "reference", errors) if (value := get("reference")) else None
        if reference is not None and not REFERENCE.match(reference):
            errors.append(("reference", "letters, digits and / _ . - only, starting with a letter or digit"))
        received = when(get("received_at"), "received_at", errors, required=True)
        customer = text(get("customer_name"), "customer_name", errors, required=True)
        summary = text(get("summary"), "summary", errors, required=True)
        channel = (code(value, "channel", CHANNELS, "channel", errors) if (value := get("channel")) else None) or (
            Channel.EMAIL
        )
        kind: CaseType | None = None
        status = Status.NEW
        officer = duplicate_of = signposted_to = service = None
        times = NO_TIMES
        reason: CloseReason | None = None
        outcome: Outcome | None = None
        if self.lifecycle:
            kind = code(value, "type", TYPES, "type", errors) if (value := get("type")) else None
            status = (code(value, "status", STATUSES, "status", errors) if (value := get("status")) else None) or (
                Status.NEW
            )
            officer = text(value, "officer", errors) if (value := get("officer")) else None
            times = dict.fromkeys(TIME_COLUMNS)
            for column in TIME_COLUMNS:
                value = get(column)
                if value:
                    times[column] = when(value, column, errors)
            if value := get("close_reason"):
                reason = code(value, "close_reason", REASONS, "close reason", errors)
            outcome = code(value, "outcome", OUTCOMES, "outcome", errors) if (value := get("outcome")) else None
            duplicate_of = text(value, "duplicate_of", errors) if (value := get("duplicate_of")) else None
            signposted_to = text(value, "signposted_to", errors) if (value := get("signposted_to")) else None
            service = text(value, "service", errors) if (value := get("service")) else None

        second: stages.StageTwo | None = None
        if self.stage_two and get(stages.REQUESTED):
            second = self._stage_two(get, status, kind, officer, times, reason, duplicate_of, errors)
            # Stage 1 was responded before the customer asked for stage 2; its closure columns are stage 2's.
            first = {**times, "closed_at": None}
            self._check_lifecycle(
                Status.RESPONDED, kind, officer, first, None, outcome, None, signposted_to, errors, stages.STAGE_ONE
            )
            self._check_order(received, first, errors)
        else:
            if self.stage_two:
                for column in stages.COLUMNS:
                    if get(column):
                        errors.append((column, f"given, but {stages.REQUESTED} is not: the case never reached stage 2"))
            if status is not Status.NEW or kind is not None or any(times.values()) or reason or outcome or duplicate_of:
                self._check_lifecycle(
                    status, kind, officer, times, reason, outcome, duplicate_of, signposted_to, errors
                )
                self._check_order(received, times, errors)
        officer, officer_id = self._officer(officer, "officer", errors)
        if second is not None:
            second.officer, second.officer_id = self._officer(second.officer, stages.OFFICER, errors)
        email = text(value, "customer_email", errors) if (value := get("customer_email")) else None
        phone = text(value, "customer_phone", errors) if (value := get("customer_phone")) else None
        address = text(value, "customer_address", errors) if (value := get("customer_address")) else None
        details = text(value, "details", errors) if (value := get("details")) else None
        cohort = text(value, "cohort", errors) if (value := get("cohort")) else None
        if errors or received is None or customer is None or summary is None:
            return None, errors
        signposted = status is Status.CLOSED and reason in (CloseReason.SIGNPOSTED, CloseReason.SERVICE_REQUEST)
        final_type = CaseType.SERVICE_REQUEST if signposted else (kind or CaseType.UNCLASSIFIED)
        # In HistoryRow's field order, not by keyword: 25 keywords cost a microsecond a row more.
        history = HistoryRow(
            reference or content_reference(received, customer, summary),
            received,
            channel.value,
            customer,
            summary,
            final_type,
            Status.RESPONDED if second is not None else status,
            email,
            phone,
            address,
            details,
            officer_id,
            officer,
            times["triaged_at"],
            times["allocated_at"],
            times["acknowledged_at"],
            times["sent_to_service_at"],
            service,
            times["responded_at"],
            outcome.value if outcome else None,
            times["closed_at"],
            reason,
            signposted_to,
            duplicate_of,
            cohort,
        )
        return ImportRow(line, history, reference is not None, second), errors

    def _officer(self, name: str | None, column: str, errors: list[tuple[str, str]]) -> tuple[str | None, int | None]:
        """An officer named by the file: (username as stored, id), or (the name, None) for one to be created."""
        if name is None:
            return None, None
        known = self.officers.get(name.lower())
        if known is not None:
            return known
        if not self.create_officers:
            errors.append((column, f"unknown officer {shown(name)} (add them, or use --create-officers)"))
        elif not USERNAME.match(name):
            errors.append((column, f"{shown(name)} cannot be a username: letters, digits, '.', '_' or '-'"))
        else:
            name = self.new_officers.setdefault(name.lower(), name)
        return name, None

    def _stage_two(
        self,
        get: Any,
        status: Status,
        kind: CaseType | None,
        officer: str | None,
        times: dict[str, datetime | None],
        reason: CloseReason | None,
        duplicate_of: str | None,
        errors: list[tuple[str, str]],
    ) -> stages.StageTwo | None:
        """Stage 2's columns read and checked; None when the request's own time is not a time (reported)."""
        requested = self._when(get(stages.REQUESTED), stages.REQUESTED, errors)
        officer2 = self._text(value, stages.OFFICER, errors) if (value := get(stages.OFFICER)) else None
        times2: dict[str, datetime | None] = dict.fromkeys(stages.TIME_COLUMNS)
        for column in stages.TIME_COLUMNS:
            if value := get(column):
                times2[column] = self._when(value, column, errors)
        service2 = self._text(value, stages.SERVICE, errors) if (value := get(stages.SERVICE)) else None
        outcome2: Outcome | None = (
            self._code(value, stages.OUTCOME, OUTCOMES, "outcome", errors) if (value := get(stages.OUTCOME)) else None
        )
        if requested is None:
            return None
        stages.check(
            policy=self.policy,
            status=status,
            kind=kind,
            officer=officer,
            responded_at=times["responded_at"],
            requested=requested,
            officer2=officer2,
            times2=times2,
            outcome2=outcome2,
            closed_at=times["closed_at"],
            reason=reason,
            duplicate_of=duplicate_of,
            errors=errors,
        )
        return stages.StageTwo(
            requested_at=requested,
            status=status,
            officer=officer2,
            allocated_at=times2["stage2_allocated_at"],
            acknowledged_at=times2[stages.ACKNOWLEDGED],
            sent_to_service_at=times2["stage2_sent_to_service_at"],
            service=service2,
            responded_at=times2["stage2_responded_at"],
            outcome=outcome2.value if outcome2 else None,
        )

    @staticmethod
    def _text(value: Cell, column: str, errors: list[tuple[str, str]], required: bool = False) -> str | None:
        if value.__class__ is not str:
            value = value.isoformat(sep=" ") if isinstance(value, datetime) else None
        if value:
            value = unquote(value).strip()
        if not value:
            if required:
                errors.append((column, "required"))
            return None
        limit = TEXT_LIMITS.get(column)
        if limit is not None and len(value) > limit:
            errors.append((column, f"longer than {limit:,} characters ({len(value):,})"))
            return None
        return value

    def _when(self, value: Cell, column: str, errors: list[tuple[str, str]], required: bool = False) -> datetime | None:
        if isinstance(value, datetime):  # a real date cell: Excel keeps local time without a zone
            try:
                moment = value.replace(tzinfo=LONDON, fold=0).astimezone(UTC) if value.tzinfo is None else value
            except OverflowError:
                errors.append((column, f"not a valid date or time: {value}"))
                return None
        else:
            raw = unquote(value).strip() if value else ""
            if not raw:
                if required:
                    errors.append((column, "required"))
                return None
            if len(raw) > TIME_TEXT_LIMIT:
                errors.append((column, f"not a time ({len(raw):,} characters)"))
                return None
            try:
                moment = parse_time(raw)
            except InvalidInput as exc:
                errors.append((column, str(exc)))
                return None
            except (OverflowError, ValueError):  # a year at the edge of the calendar, moved across a time zone
                errors.append((column, f"not a valid date or time: {shown(raw)}"))
                return None
        if moment < EARLIEST:
            errors.append((column, f"{moment:%Y-%m-%d} is before {EARLIEST:%Y}: check the year"))
            return None
        if moment > self.latest:
            errors.append((column, f"{moment:%Y-%m-%d %H:%M} UTC is in the future"))
            return None
        return moment

    def _code(self, value: Cell, column: str, table: dict, what: str, errors: list[tuple[str, str]]):
        raw = self._text(value, column, errors)
        if raw is None:
            return None
        found = table.get(raw) or table.get(_key(raw))
        if found is None:
            errors.append((column, f"unknown {what} {shown(raw)}"))
        return found

    def _check_lifecycle(
        self,
        status: Status,
        kind: CaseType | None,
        officer: str | None,
        times: dict[str, datetime | None],
        reason: CloseReason | None,
        outcome: Outcome | None,
        duplicate_of: str | None,
        signposted_to: str | None,
        errors: list[tuple[str, str]],
        what: str | None = None,
    ) -> None:
        """Each milestone up to the status needs its time, and none beyond it may be given. `what` names the
        stage checked where the status is not the row's own (stage 1 of an escalated case)."""
        what = what or f"status {status.value}"
        if status is Status.CLOSED:
            if times["closed_at"] is None:
                errors.append(("closed_at", "required for a closed case"))
            if reason is None:
                errors.append(("close_reason", "required for a closed case"))
            elif reason in (CloseReason.SIGNPOSTED, CloseReason.SERVICE_REQUEST):
                for column in ("allocated_at", "sent_to_service_at", "responded_at", "acknowledged_at"):
                    if times[column] is not None:
                        errors.append((column, f"a contact closed as {reason.value} was never allocated"))
                if kind is not None and kind is not CaseType.SERVICE_REQUEST and kind is not CaseType.UNCLASSIFIED:
                    errors.append(("type", f"a contact closed as {reason.value} is not a {kind.value} complaint"))
                if reason is CloseReason.SIGNPOSTED and not signposted_to:
                    errors.append(("signposted_to", "required when the close reason is signposted"))
            else:
                # Closed part way: the milestones given say how far it got, and must be a prefix of the path.
                reached = [column for column in MILESTONES if times[column] is not None]
                if times["responded_at"] is not None:
                    errors.append(("responded_at", "a responded case is complete, not closed"))
                expected = list(MILESTONES[: len(reached)])
                if reached != expected:
                    missing = next(column for column in expected if times[column] is None)
                    errors.append((missing, "required: a later milestone is given"))
                self._complaint_type(kind, bool(times["triaged_at"]), errors)
                if times["allocated_at"] is not None and not officer:
                    errors.append(("officer", "required once a case has been allocated"))
            if reason is CloseReason.DUPLICATE and not duplicate_of:
                errors.append(("duplicate_of", "required when the close reason is duplicate"))
            if reason is not CloseReason.DUPLICATE and duplicate_of:
                errors.append(("duplicate_of", "given, but the close reason is not duplicate"))
        else:
            stage = STAGES.index(status)
            for index, column in enumerate(MILESTONES, start=1):
                if index <= stage and times[column] is None:
                    errors.append((column, f"required for {what}"))
                elif index > stage and times[column] is not None:
                    errors.append((column, f"given, but the status is {status.value}"))
            if times["closed_at"] is not None:
                errors.append(("closed_at", f"given, but the status is {status.value}"))
            if reason is not None:
                errors.append(("close_reason", f"given, but the status is {status.value}"))
            if duplicate_of:
                errors.append(("duplicate_of", f"given, but the status is {status.value}"))
            self._complaint_type(kind, stage >= 1, errors)
            if stage >= 2 and not officer:
                errors.append(("officer", f"required for {what}"))
        if times["acknowledged_at"] is not None and times["allocated_at"] is None:
            errors.append(("acknowledged_at", "a case is acknowledged after it is allocated"))
        if outcome is not None and status is not Status.RESPONDED:
            errors.append(("outcome", f"given, but the status is {status.value} (outcomes come with the response)"))

    @staticmethod
    def _complaint_type(kind: CaseType | None, triaged: bool, errors: list[tuple[str, str]]) -> None:
        if any(column == "type" for column, _ in errors):
            return  # an unknown type is reported already
        if triaged and (kind is None or kind not in COMPLAINT_TYPES):
            shown = kind.value if kind else "blank"
            errors.append(
                ("type", f"a triaged complaint needs its type (adults, children, corporate, other), not {shown}")
            )
        elif not triaged and kind is not None and kind not in (CaseType.UNCLASSIFIED,):
            errors.append(("type", f"{kind.value} is given, but the contact was never triaged (no triaged_at)"))

    @staticmethod
    def _check_order(
        received: datetime | None, times: dict[str, datetime | None], errors: list[tuple[str, str]]
    ) -> None:
        """Times must not go backwards along the lifecycle."""
        previous_column, previous = "received_at", received
        for column in (*MILESTONES, "closed_at"):
            moment = times[column]
            if moment is None:
                continue
            if previous is not None and moment < previous:
                errors.append(
                    (column, f"{moment:%Y-%m-%d %H:%M} is before {previous_column} {previous:%Y-%m-%d %H:%M}")
                )
            previous_column, previous = column, moment
        acknowledged, allocated = times["acknowledged_at"], times["allocated_at"]
        if acknowledged is not None and allocated is not None and acknowledged < allocated:
            errors.append(
                ("acknowledged_at", f"{acknowledged:%Y-%m-%d %H:%M} is before allocated_at {allocated:%Y-%m-%d %H:%M}")
            )
        end = times["responded_at"] or times["closed_at"]
        if acknowledged is not None and end is not None and acknowledged > end:
            errors.append(
                ("acknowledged_at", f"{acknowledged:%Y-%m-%d %H:%M} is after the case ended {end:%Y-%m-%d %H:%M}")
            )
