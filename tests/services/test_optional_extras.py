"""`make run` installs only what the desk needs: the PostgreSQL driver and the XLSX reader are extras a user opts
into. Without them a desk on SQLite works, and asking for what they do gets one line naming the extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from triage_tui.domain.errors import InvalidInput, StoreUnavailable
from triage_tui.store.engine import Store

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make a package look uninstalled: importing it fails as it would without the extra."""

    def hide(*names: str) -> None:
        for name in names:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                monkeypatch.delitem(sys.modules, loaded)
            monkeypatch.setitem(sys.modules, name, None)

    return hide


def test_postgresql_without_its_driver_names_the_extra(without) -> None:  # type: ignore[no-untyped-def]
    without("psycopg")
    with pytest.raises(StoreUnavailable) as refused:
        Store(POSTGRES_URL)
    message = str(refused.value)
    assert "driver (psycopg) is not installed" in message and "'postgres' extra" in message
    assert "\n" not in message


def test_an_xlsx_import_without_its_reader_names_the_extra(without, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from triage_tui.importer.source import read_rows

    without("openpyxl")
    book = tmp_path / "cases.xlsx"
    book.write_bytes(b"PK\x03\x04not really a workbook")
    with pytest.raises(InvalidInput, match="install the project's 'xlsx' extra"):
        read_rows(book)
