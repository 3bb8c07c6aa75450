"""Who may act and read, leavers, role changes, names regardless of letter case, and the one table of text
limits: the services, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from triage_tui.domain.codes import CaseType, CloseReason, Role, Team
from triage_tui.domain.errors import InvalidInput, NotFound, RoleRefused
from triage_tui.domain.lifecycle import Action
from triage_tui.domain.text import LIMITS
from triage_tui.services import cases, desk, officers, supervision
from triage_tui.services.context import ServiceContext
from triage_tui.store import queries
from triage_tui.store.tables import Event, Officer


def _allocated(ctx: ServiceContext, to: str = "carol") -> str:
    ref = cases.intake(ctx, "alice", customer_name="Margaret Smith", summary="Bins missed").reference
    cases.classify(ctx, "alice", ref, CaseType.CORPORATE)
    cases.allocate(ctx, "alice", ref, to)
    return ref


def _officer_events(ctx: ServiceContext) -> list[Event]:
    with ctx.store.read() as session:
        return list(session.exec(select(Event).where(Event.case_id == None).order_by(Event.id)))  # noqa: E711


# --- who may act --------------------------------------------------------------------------------------------


def test_unknown_and_deactivated_users_are_refused_even_for_reads(ctx: ServiceContext, staff) -> None:
    with pytest.raises(NotFound, match=r"unknown user 'ghost'.*triage officer add ghost"):
        officers.check_actor(ctx, "ghost")
    assert officers.check_actor(ctx, "alice") is not None
    officers.deactivate_officer(ctx, "boss", "alice", reason="left the council")
    with pytest.raises(RoleRefused, match="'alice' has been deactivated"):
        officers.check_actor(ctx, "alice")
    with pytest.raises(RoleRefused, match="deactivated"):
        officers.get_officer(ctx, "alice")  # the desk's startup
    with pytest.raises(RoleRefused, match="deactivated"):
        cases.intake(ctx, "alice", customer_name="A", summary="B")


def test_an_empty_database_lets_anyone_start_it_and_no_more(ctx: ServiceContext) -> None:
    assert officers.check_actor(ctx, "ghost", open_when_empty=True) is None
    with pytest.raises(NotFound):
        officers.check_actor(ctx, "ghost")
    officers.add_officer(ctx, "ghost", "boss", "Helen Morgan", Role.SUPERVISOR)
    with pytest.raises(NotFound):
        officers.check_actor(ctx, "ghost", open_when_empty=True)


# --- letter case --------------------------------------------------------------------------------------------


def test_usernames_are_one_regardless_of_letter_case(ctx: ServiceContext, staff) -> None:
    officers.add_officer(ctx, "boss", "JNowak", "Jan Nowak", Role.OFFICER, Team.COMPLAINTS)
    with pytest.raises(InvalidInput, match=r"'JNowak' already exists.*regardless of letter case"):
        officers.add_officer(ctx, "boss", "jnowak", "Jan Nowak")
    with pytest.raises(InvalidInput, match="already exists"):
        officers.add_officer(ctx, "BOSS", "JNowak", "Jan Nowak")
    # Acting, allocating and filtering by any spelling find the one officer, named as stored.
    ref = _allocated(ctx, to="jnowak")
    view = cases.acknowledge(ctx, "JNOWAK", ref, channel="email")
    assert view.officer == "JNowak"
    assert view.events[-1].actor == "JNowak"
    assert [c.reference for c in cases.list_cases(ctx, officer="jNoWaK")] == [ref]
    assert officers.get_officer(ctx, "jnowak").username == "JNowak"
    assert [o.username for o in officers.list_officers(ctx)].count("JNowak") == 1


def test_references_are_one_regardless_of_letter_case(ctx: ServiceContext, staff) -> None:
    first = cases.intake(ctx, "alice", customer_name="A", summary="B", reference="OCC-2106-0115")
    with pytest.raises(InvalidInput, match="occ-2106-0115 is taken by case OCC-2106-0115"):
        cases.intake(ctx, "alice", customer_name="A", summary="B", reference="occ-2106-0115")
    assert cases.get_case(ctx, "occ-2106-0115").id == first.id
    cases.add_note(ctx, "alice", "Occ-2106-0115", "rang back")
    second = cases.intake(ctx, "alice", customer_name="A", summary="B again")
    closed = cases.close(ctx, "alice", second.reference, CloseReason.DUPLICATE, duplicate_of="occ-2106-0115")
    assert closed.duplicate_of == "OCC-2106-0115"  # the stored spelling
    with pytest.raises(InvalidInput, match="duplicate of itself"):
        third = cases.intake(ctx, "alice", customer_name="A", summary="C").reference
        cases.close(ctx, "alice", third, CloseReason.DUPLICATE, duplicate_of=third.lower())


def test_the_database_itself_refuses_a_second_spelling(ctx: ServiceContext, staff) -> None:
    """The unique indexes on lower(...) hold even against a writer that skips the services' check."""
    with pytest.raises(IntegrityError), ctx.store.write() as session:
        session.add(Officer(username="ALICE", name="x", role="officer", team="triage", created_at=ctx.now()))


def test_lookups_use_the_indexes_on_lower(ctx: ServiceContext, staff) -> None:
    with ctx.store.read() as session:
        connection = session.connection()
        dialect = connection.dialect
        # PostgreSQL may answer a reference with the search's index on lower(reference) (text_pattern_ops, for
        # prefixes) instead of the unique one: both are on lower(reference), which is what this holds.
        reference_indexes = ("ux_cases_reference_lower", "ix_cases_reference_prefix")
        for query, indexes in (
            (select(Officer.id).where(queries._same_name(Officer.username, "ALICE")), ("ux_officers_username_lower",)),
            (select(Officer.id).where(queries._same_name(queries.Case.reference, "x")), reference_indexes),
        ):
            sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            if dialect.name == "sqlite":
                plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            else:
                connection.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask for the index
                plan = " ".join(str(row) for row in connection.exec_driver_sql(f"EXPLAIN {sql}"))
            assert any(index in plan for index in indexes), plan


# --- deactivation -------------------------------------------------------------------------------------------


def test_deactivation_keeps_the_history_lists_open_cases_and_gives_back_claims(
    ctx: ServiceContext, staff, clock
) -> None:
    ref = _allocated(ctx, to="carol")
    cases.intake(ctx, "alice", customer_name="B", summary="Pothole")
    claimed = desk.take_next(ctx, "carol")
    assert claimed is not None and claimed.claimed_by == "carol"
    with pytest.raises(RoleRefused, match="only supervisors may deactivate"):
        officers.deactivate_officer(ctx, "alice", "carol", reason="left")
    done = officers.deactivate_officer(ctx, "boss", "CAROL", reason="left the council 31/03/2022")
    assert done.officer.username == "carol" and not done.officer.active
    assert [c.reference for c in done.open_cases] == [ref]
    assert done.released == [claimed.reference]
    assert cases.get_case(ctx, claimed.reference).claimed_by is None
    assert cases.get_case(ctx, ref).officer == "carol"  # theirs until a supervisor moves it
    last = _officer_events(ctx)[-1]
    assert (last.actor, last.action) == ("boss", Action.OFFICER_DEACTIVATE.value)
    assert last.details == {"username": "carol", "reason": "left the council 31/03/2022"}
    assert done.to_json()["open_cases"][0]["reference"] == ref
    # The leaver shows as such, their cases can be moved away, and nothing new goes to them.
    assert [o.active for o in officers.list_officers(ctx) if o.username == "carol"] == [False]
    moved = supervision.bulk_reassign(ctx, "boss", "carol", "bob", reason="carol has left")
    assert moved.moved == [(ref, "bob")]
    with pytest.raises(InvalidInput, match="no longer active"):
        cases.reassign(ctx, "boss", ref, "carol", reason="back again")
    with pytest.raises(InvalidInput, match="already deactivated"):
        officers.deactivate_officer(ctx, "boss", "carol", reason="again")


def test_the_last_active_supervisor_stays(ctx: ServiceContext, staff) -> None:
    with pytest.raises(RoleRefused, match="boss is the last active supervisor"):
        officers.deactivate_officer(ctx, "boss", "boss", reason="leaving")
    with pytest.raises(RoleRefused, match="last active supervisor"):
        officers.update_officer(ctx, "boss", "boss", role=Role.OFFICER)
    officers.update_officer(ctx, "boss", "carol", role=Role.SUPERVISOR)
    officers.deactivate_officer(ctx, "boss", "boss", reason="retired")
    with pytest.raises(RoleRefused, match="deactivated"):
        officers.check_actor(ctx, "boss")


def test_update_changes_role_team_and_name_with_an_event(ctx: ServiceContext, staff) -> None:
    view, changes = officers.update_officer(ctx, "boss", "Alice", team=Team.RECOVERY, name="Alice Adams-Jones")
    assert (view.team, view.name) == (Team.RECOVERY, "Alice Adams-Jones")
    assert changes == {"team": ["triage", "recovery"], "name": ["Alice Adams", "Alice Adams-Jones"]}
    last = _officer_events(ctx)[-1]
    assert (last.actor, last.action, last.details["username"]) == ("boss", "officer_update", "alice")
    with pytest.raises(InvalidInput, match="nothing to change"):
        officers.update_officer(ctx, "boss", "alice")
    with pytest.raises(InvalidInput, match="already has that team"):
        officers.update_officer(ctx, "boss", "alice", team=Team.RECOVERY)
    with pytest.raises(RoleRefused, match="only supervisors may change officers"):
        officers.update_officer(ctx, "alice", "bob", role=Role.SUPERVISOR)
    with pytest.raises(NotFound, match="unknown officer 'nobody'"):
        officers.update_officer(ctx, "boss", "nobody", role=Role.SUPERVISOR)
    with pytest.raises(InvalidInput, match="name is longer than 200 characters"):
        officers.update_officer(ctx, "boss", "alice", name="x" * 201)


# --- the one table of limits ----------------------------------------------------------------------------------


def test_every_free_text_field_is_held_to_the_table(ctx: ServiceContext, staff) -> None:
    ref = _allocated(ctx, to="carol")
    over = {field: "x" * (limit + 1) for field, limit in LIMITS.items()}
    attempts = {
        "reason": lambda: cases.reassign(ctx, "boss", ref, "bob", reason="y" * 130_000),
        "note": lambda: cases.add_note(ctx, "alice", ref, over["note"]),
        "service": lambda: cases.send_to_service(ctx, "carol", ref, over["service"]),
        "organisation": lambda: cases.signpost(ctx, "alice", ref, to=over["signposted_to"]),
        "cohort": lambda: cases.set_cohort(ctx, "boss", ref, over["cohort"]),
        "channel": lambda: cases.acknowledge(ctx, "carol", ref, channel=over["channel"]),
        "customer_email": lambda: cases.intake(
            ctx, "alice", customer_name="A", summary="B", customer_email=over["customer_email"]
        ),
        "customer_phone": lambda: cases.intake(
            ctx, "alice", customer_name="A", summary="B", customer_phone=over["customer_phone"]
        ),
        "customer_name": lambda: cases.intake(ctx, "alice", customer_name=over["customer_name"], summary="B"),
        "details": lambda: cases.intake(ctx, "alice", customer_name="A", summary="B", details=over["details"]),
        "reference": lambda: cases.intake(ctx, "alice", customer_name="A", summary="B", reference=over["reference"]),
        "bulk reason": lambda: supervision.bulk_reassign(ctx, "boss", "carol", "bob", reason=over["reason"]),
        "bulk cohort": lambda: supervision.bulk_reassign(
            ctx, "boss", "carol", "bob", reason="r", cohort=over["cohort"]
        ),
        "deactivation reason": lambda: officers.deactivate_officer(ctx, "boss", "bob", reason=over["reason"]),
        "officer name": lambda: officers.add_officer(ctx, "boss", "dave", over["officer_name"]),
    }
    before = len(cases.get_case(ctx, ref).events)
    for what, attempt in attempts.items():
        try:
            attempt()
        except InvalidInput as exc:
            assert re.search(r"is longer than [\d,]+ characters \([\d,]+\)$", str(exc)), (what, str(exc))
        else:
            pytest.fail(f"{what}: too long, and accepted")
    with pytest.raises(InvalidInput) as refused:
        cases.reassign(ctx, "boss", ref, "bob", reason="y" * 130_000)
    assert str(refused.value) == "reason is longer than 2,000 characters (130,000)"
    assert len(cases.get_case(ctx, ref).events) == before
    assert [o.username for o in officers.list_officers(ctx) if o.username == "dave"] == []


def test_the_desks_quick_start_finds_any_spelling_and_never_a_leaver(sqlite_url: str, clock) -> None:
    """The desk's first read straight from the SQLite file follows the same rules as the full store."""
    from triage_tui.domain.policy import DEFAULT_POLICY
    from triage_tui.services.quickstart import quick_start
    from triage_tui.store.engine import Store

    store = Store(sqlite_url)
    try:
        ctx = ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
        officers.add_officer(ctx, "root", "boss", "Helen Morgan", Role.SUPERVISOR)
        officers.add_officer(ctx, "boss", "Alice", "Alice Adams")
        quick = quick_start(sqlite_url, "ALICE", limit=5)
        assert quick is not None and quick.officer.username == "Alice"
        officers.deactivate_officer(ctx, "boss", "alice", reason="left")
        assert quick_start(sqlite_url, "alice", limit=5) is None  # the full store then refuses, in one line
        with pytest.raises(RoleRefused, match="deactivated"):
            officers.get_officer(ctx, "alice")
    finally:
        store.dispose()
