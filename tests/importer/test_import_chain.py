"""An import's events join the audit chain with their details in canonical form, hashed as they are stored
(chain_rows(canonical=True) puts each content text together without parsing the details back): the walk that
`triage db verify` does must agree with every one of them, for every status, for stage 2, and for a file
whose name and text need escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import Clock
from tests.importer.test_import_stages import AT_STATUS, NOW, row, write_csv
from triage_tui.importer.run import ImportOptions, run_import
from triage_tui.services.context import ServiceContext
from triage_tui.services.integrity import verify_chain
from triage_tui.store import chain

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"


@pytest.fixture
def desk(ctx: ServiceContext, staff: dict[str, str], clock: Clock) -> ServiceContext:
    clock.set(NOW)
    return ctx


def test_imported_history_is_chained_in_canonical_form(desk: ServiceContext, tmp_path: Path) -> None:
    history = run_import(desk, "boss", FIXTURES / "history.csv", ImportOptions(create_officers=True))
    assert history.imported > 0 and history.errors == []
    staged = [row(f"ST-{status}", status) for status in AT_STATUS if status != "new"]
    name = tmp_path / 'étrange "nom" ✓.csv'  # the source's name is in every event's details
    stages = run_import(desk, "boss", write_csv(name, staged), ImportOptions())
    assert stages.imported == len(staged) and stages.errors == []
    report = verify_chain(desk)
    with desk.store.read() as session:
        rows = session.connection().execute(text("SELECT seq, details FROM events WHERE case_id IS NOT NULL"))
        imported = [(seq, details if isinstance(details, str) else None) for seq, details in rows]
    assert report.events >= len(imported) > 2 * (history.imported + stages.imported)
    for seq, details in imported:
        if details is not None:  # SQLite gives the text back as stored: it is its own canonical form
            assert chain.canonical_details(json.loads(details)) == details, seq


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"channel": "email", "history": True, "source": "a.csv", "line": 2},
        {"zeta": None, "alpha": False, "mid": -(10**30), "é": 'ünïcödé ✓ 𝔘 \u202e\x1b[31m \x00 "q" \\ \n'},
        {"stage": 2, "previous_outcome": None, "reason": "imported", "previous_service": "Adults' Care"},
        {"nested": {"b": [1, 2.5, True]}, "a": 1},  # not flat: the encoder's own way
        {"float": 1e300, "nan-like": "NaN"},
        {"10": "a number-like key", "9": "sorted as text"},
    ],
)
def test_canonical_details_are_what_the_chain_encoder_writes(details: dict[str, object]) -> None:
    text = chain.canonical_details(details)
    assert text == chain._CANONICAL.encode(details)
    assert chain.canonical_details(json.loads(text)) == text  # stored, read back, hashed: the same text
