"""Customers' names and words never reach a log, even with every logger turned up to DEBUG (as someone chasing a
problem would): SQLAlchemy then logs its statements, and would log their parameters too."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Clock
from triage_tui.domain.codes import CaseType
from triage_tui.domain.errors import TriageError
from triage_tui.services import cases
from triage_tui.services.context import ServiceContext

SECRETS = ("Philippa Quenby-Smythe", "philippa.qs@example.org", "07700 900461", "my son Oscar's care plan")


def test_no_customer_data_in_logs(
    ctx: ServiceContext, staff: dict[str, str], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # SQLAlchemy keeps its own loggers at WARNING otherwise
    name, email, phone, words = SECRETS
    ref = cases.intake(
        ctx,
        "alice",
        customer_name=name,
        summary=f"Complaint about {words}",
        customer_email=email,
        customer_phone=phone,
        details=f"Dear council, {words} was changed without asking us. {name}",
    ).reference
    cases.classify(ctx, "alice", ref, CaseType.ADULTS)
    cases.allocate(ctx, "boss", ref, "carol")
    cases.add_note(ctx, "carol", ref, f"Called {name} on {phone}")
    with pytest.raises(TriageError):
        cases.intake(ctx, "alice", customer_name=name, summary="x" * 501)  # refused: too long
    cases.list_cases(ctx)
    cases.get_case(ctx, ref)

    assert any(r.name.startswith("sqlalchemy") for r in caplog.records), "the statements were logged"
    for secret in SECRETS:
        assert secret not in caplog.text
