"""Identity on the command line: every command needs an active officer (reads included), leavers and role
changes, the demo's rule, names regardless of letter case in `db upgrade`, and arguments that are not UTF-8."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.cli.test_contract import Triage, one_error_line
from triage_tui.cli import main
from triage_tui.store.engine import Store
from triage_tui.store.migrate import current_revision, migrations_dir

GHOST_HINT = ("unknown user 'ghost'", 'triage officer add ghost --name "Full Name"')


@pytest.fixture
def triage(db_url: str) -> Triage:
    t = Triage(db_url)
    t("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    t("officer", "add", "alice", "--name", "Alice Adams")
    t("officer", "add", "carol", "--name", "Carol Cole", "--team", "complaints")
    return t


def _allocated(triage: Triage, to: str = "carol") -> str:
    ref = triage("intake", "add", "--customer-name", "Margaret Smith", "--summary", "Bins", who="alice").stdout.strip()
    triage("case", "classify", ref, "corporate", who="alice")
    triage("case", "allocate", ref, to, who="alice")
    return ref


READS = [
    ["case", "list"],
    ["case", "show", "CMP-000001"],
    ["officer", "list"],
    ["report", "position", "--as-of", "2022-01-10"],
    ["report", "received", "--from", "2022-01-01", "--to", "2022-01-10"],
    ["report", "sla", "--from", "2022-01-01", "--to", "2022-01-10"],
    ["report", "trend", "--from", "2022-01-01", "--to", "2022-01-10"],
]


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]))
def test_reads_need_an_active_officer(triage: Triage, args: list[str]) -> None:
    _allocated(triage)
    refused = triage(*args, who="ghost", code=2)
    one_error_line(refused, *GHOST_HINT)
    assert refused.stdout == ""
    triage(*args, who="alice")  # the same read for an officer
    triage("officer", "deactivate", "alice", "--reason", "left the council")
    one_error_line(triage(*args, who="alice", code=2), "'alice' has been deactivated", "can no longer read or act")


def test_the_desk_refuses_unknown_and_deactivated_users_in_one_line(triage: Triage) -> None:
    one_error_line(triage("tui", who="ghost", code=2), *GHOST_HINT)
    triage("officer", "deactivate", "alice", "--reason", "left")
    one_error_line(triage("tui", who="alice", code=2), "'alice' has been deactivated")
    result = CliRunner().invoke(main, ["--db", triage.db, "--as", "ghost"])  # plain `triage` opens the desk
    assert result.exit_code == 2
    one_error_line(result, *GHOST_HINT)


def test_deactivate_lists_the_open_cases_and_keeps_the_history(triage: Triage) -> None:
    ref = _allocated(triage)
    one_error_line(
        triage("officer", "deactivate", "carol", "--reason", "left", who="alice", code=2),
        "only supervisors may deactivate officers",
    )
    out = triage("officer", "deactivate", "Carol", "--reason", "left the council 31/03/2022").stdout
    assert out.splitlines()[0] == "deactivated carol (Carol Cole): they can no longer read or act"
    assert "carol still has 1 open case(s)" in out and "triage bulk reassign --from carol" in out
    assert ref in out.splitlines()[-1] and "allocated" in out.splitlines()[-1]
    listed = triage("officer", "list").stdout
    assert next(line for line in listed.splitlines() if line.startswith("carol")).endswith(
        "(deactivated: can no longer read or act)"
    )
    assert [o["active"] for o in triage.json("officer", "list") if o["username"] == "carol"] == [False]
    one_error_line(
        triage("officer", "deactivate", "carol", "--reason", "again", code=2), "'carol' is already deactivated"
    )
    # The history still names them; their case moves to a colleague.
    assert triage.json("case", "show", ref)["officer"] == "carol"
    triage("officer", "add", "dave", "--name", "Dave Dunn", "--team", "complaints")
    triage("bulk", "reassign", "--from", "carol", "--to", "dave", "--reason", "carol has left")
    assert triage.json("case", "show", ref)["officer"] == "dave"


def test_a_deactivation_can_be_undone(triage: Triage) -> None:
    triage("officer", "deactivate", "alice", "--reason", "left")
    one_error_line(
        triage("officer", "reactivate", "alice", "--reason", "back", who="carol", code=2),
        "only supervisors may reactivate officers",
    )
    out = triage("officer", "reactivate", "ALICE", "--reason", "deactivated by mistake").stdout
    assert out.strip() == "reactivated alice (Alice Adams): they may read and act again"
    triage("case", "list", who="alice")
    one_error_line(triage("officer", "reactivate", "alice", "--reason", "x", code=2), "'alice' is active already")


def test_deactivate_json_and_the_last_supervisor(triage: Triage) -> None:
    ref = _allocated(triage, to="alice")
    done = triage.json("officer", "deactivate", "alice", "--reason", "left")
    assert done["officer"]["username"] == "alice" and done["officer"]["active"] is False
    assert [c["reference"] for c in done["open_cases"]] == [ref]
    assert done["released_claims"] == [] and done["reason"] == "left"
    one_error_line(
        triage("officer", "deactivate", "boss", "--reason", "retiring", code=2),
        "boss is the last active supervisor",
        "officer update USERNAME --role supervisor",
    )


def test_update_role_team_and_name(triage: Triage) -> None:
    out = triage("officer", "update", "ALICE", "--role", "supervisor", "--team", "recovery").stdout
    assert out.strip() == "updated alice: role officer -> supervisor; team triage -> recovery"
    shown = triage.json("officer", "update", "alice", "--name", "Alice Adams-Jones")
    assert shown == {
        "username": "alice",
        "name": "Alice Adams-Jones",
        "role": "supervisor",
        "team": "recovery",
        "active": True,
    }
    one_error_line(triage("officer", "update", "carol", code=2), "nothing to change: give --role, --team or --name")
    one_error_line(
        triage("officer", "update", "boss", "--role", "officer", who="carol", code=2),
        "only supervisors may change officers",
    )
    one_error_line(triage("officer", "update", "carol", "--role", "boss", code=2), "Invalid value for '--role'")
    # Now alice is a supervisor too, boss may step down.
    triage("officer", "update", "boss", "--role", "officer")


def test_names_are_one_regardless_of_letter_case(triage: Triage) -> None:
    one_error_line(
        triage("officer", "add", "ALICE", "--name", "Alice Again", code=2),
        "officer 'alice' already exists",
        "regardless of letter case",
    )
    ref = triage("intake", "add", "--customer-name", "A", "--summary", "B", "--reference", "OCC-1").stdout.strip()
    one_error_line(
        triage("intake", "add", "--customer-name", "A", "--summary", "B", "--reference", "occ-1", code=2),
        "occ-1 is taken by case OCC-1",
    )
    assert triage.json("case", "show", "occ-1", who="ALICE")["reference"] == ref


# --- the first officer, db upgrade, and clashes an upgrade finds -------------------------------------------------


def test_an_empty_database_is_open_to_its_first_supervisor_only(empty_db: str) -> None:
    triage = Triage(empty_db)
    assert triage("db", "upgrade", who="anyone").exit_code == 0
    one_error_line(triage("case", "list", who="anyone", code=2), "unknown user 'anyone'")
    triage("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="anyone")
    one_error_line(triage("officer", "add", "eve", "--name", "Eve", who="anyone", code=2), "unknown user 'anyone'")
    one_error_line(triage("db", "upgrade", who="anyone", code=2), "unknown user 'anyone'")
    assert "schema already at" in triage("db", "upgrade", who="BOSS").stdout


def _upgrade_to(url: str, revision: str) -> Store:
    from alembic import command
    from alembic.config import Config

    store = Store(url)
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with store.write_engine.connect() as connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return store


def test_upgrade_names_names_that_differ_only_in_letter_case(empty_db: str) -> None:
    store = _upgrade_to(empty_db, "0003_event_chain")
    try:
        with store.engine.begin() as connection:
            for username in ("JNowak", "jnowak", "boss"):
                connection.execute(
                    text(
                        "INSERT INTO officers (username, name, role, team, active, created_at) "
                        "VALUES (:u, 'N', 'supervisor', 'complaints', :t, '2022-01-01 00:00:00')"
                    ),
                    {"u": username, "t": True},
                )
            for reference in ("OCC-1", "occ-1"):
                connection.execute(
                    text(
                        "INSERT INTO cases (reference, received_at, channel, customer_name, summary, type, status, "
                        "version, created_at, updated_at) VALUES (:r, '2022-01-01 00:00:00', 'email', 'A', 'B', "
                        "'unclassified', 'new', 1, '2022-01-01 00:00:00', '2022-01-01 00:00:00')"
                    ),
                    {"r": reference},
                )
        triage = Triage(empty_db)
        refused = triage("db", "upgrade", who="boss", code=2)
        one_error_line(
            refused,
            "cannot upgrade: usernames that differ only in letter case: JNowak, jnowak;",
            "case references that differ only in letter case: OCC-1, occ-1;",
            "rename one of each first",
        )
        assert current_revision(store) == "0003_event_chain"
        if empty_db.startswith("sqlite"):
            # SQLite upgrades when opened: every command says the same until the names are put right.
            one_error_line(triage("case", "list", who="boss", code=2), "cannot upgrade: usernames")
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE officers SET username = 'jnowak2' WHERE username = 'jnowak'"))
            connection.execute(text("UPDATE cases SET reference = 'occ-2' WHERE reference = 'occ-1'"))
        assert "schema upgraded from 0003_event_chain" in triage("db", "upgrade", who="boss").stdout
    finally:
        store.dispose()


# --- the demo ------------------------------------------------------------------------------------------------


@pytest.fixture
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_tui.services import demo

    monkeypatch.setitem(demo.SIZES, "small", 15)


def test_demo_fills_only_an_empty_database(db_url: str, small_demo: None) -> None:
    triage = Triage(db_url)
    filled = triage("demo", who="newbie")
    assert "filled" in filled.stderr and "you act as newbie" in filled.stderr
    assert [o["role"] for o in triage.json("officer", "list", who="newbie") if o["username"] == "newbie"] == [
        "supervisor"
    ]
    count = len(triage.json("case", "list", who="newbie"))
    # `make run` on a database in use: nothing said, nothing written, whoever runs it.
    quiet = triage("demo", "--if-empty", who="ghost")
    assert (quiet.stdout, quiet.stderr) == ("", "")
    one_error_line(triage("demo", who="ghost", code=2), *GHOST_HINT)
    one_error_line(triage("demo", who="newbie", code=2), "already in use", "--force")
    one_error_line(triage("demo", "--force", who="pshah", code=2), "only supervisors may add demo data")
    assert len(triage.json("case", "list", who="newbie")) == count
    triage("demo", "--force", who="newbie")  # its own made-up staff again
    assert len(triage.json("case", "list", who="newbie")) == 2 * count


def test_demo_never_names_real_staff(db_url: str, small_demo: None) -> None:
    triage = Triage(db_url)
    triage("officer", "add", "boss", "--name", "Helen Morgan", "--role", "supervisor", who="root")
    triage("officer", "add", "jnowak", "--name", "Jan Nowak (real)", "--team", "complaints")  # a demo username
    triage("demo", "--force")
    actors = {
        e["actor"] for c in triage.json("case", "list") for e in triage.json("case", "show", c["reference"])["events"]
    }
    assert "jnowak" not in actors and actors
    assert triage.json("case", "list", "--officer", "jnowak") == []
    one_error_line(triage("demo", "--size", "briefing", "--force", code=2), "share usernames with real officers")


# --- arguments that are not UTF-8 --------------------------------------------------------------------------------


def test_an_argument_that_is_not_utf8_is_refused_before_anything_is_written(triage: Triage) -> None:
    ref = _allocated(triage)
    before = triage.json("case", "show", ref)["version"]
    # Python hands undecodable bytes over as lone surrogates (\xff\xfe -> \udcff\udcfe).
    one_error_line(
        triage("case", "note", ref, "ok \udcff\udcfe", code=2), "argument is not valid UTF-8: 'ok \\xff\\xfe'"
    )
    one_error_line(triage("case", "list", who="\udcff", code=2), "argument is not valid UTF-8")
    assert triage.json("case", "show", ref)["version"] == before


def test_bytes_that_are_not_utf8_from_a_real_shell(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "triage"
    db = str(tmp_path / "t.sqlite")
    added = subprocess.run(
        [str(script), "officer", "add", "boss", "--name", "B", "--role", "supervisor", "--db", db, "--as", "boss"],
        capture_output=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    for argv in (
        [b"intake", b"add", b"--customer-name", b"\xff\xfe", b"--summary", b"S", b"--as", b"boss"],
        [b"case", b"list", b"--as", b"\xff"],
    ):
        run = subprocess.run([str(script).encode(), *argv, b"--db", db.encode()], capture_output=True, timeout=60)
        assert run.returncode == 2, run.stderr
        assert run.stderr.decode().startswith("error: argument is not valid UTF-8: ")
        assert b"Traceback" not in run.stderr
    listed = subprocess.run(
        [str(script), "case", "list", "--json", "--db", db, "--as", "boss"], capture_output=True, timeout=60
    )
    assert json.loads(listed.stdout) == []
