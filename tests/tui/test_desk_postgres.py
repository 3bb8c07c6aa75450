"""The desk over a PostgreSQL server: the same desk tests, keyboard to database, with the store on the server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Clock
from tests.tui import test_desk as on_sqlite
from triage_tui.domain.policy import DEFAULT_POLICY
from triage_tui.services.context import ServiceContext
from triage_tui.store.engine import Store

pytestmark = pytest.mark.postgres


@pytest.fixture
def desk_ctx(pg_url: str, clock: Clock) -> Iterator[ServiceContext]:
    store = Store(pg_url)
    yield ServiceContext(store=store, policy=DEFAULT_POLICY, clock=clock)
    store.dispose()


test_the_queue_is_most_urgent_first_with_countdowns = on_sqlite.test_the_queue_is_most_urgent_first_with_countdowns
test_classify_from_the_keyboard = on_sqlite.test_classify_from_the_keyboard
test_allocate_shows_each_officers_load = on_sqlite.test_allocate_shows_each_officers_load
test_casework_from_my_cases_and_the_case_screen = on_sqlite.test_casework_from_my_cases_and_the_case_screen
test_take_next_claims_different_contacts_for_different_officers = (
    on_sqlite.test_take_next_claims_different_contacts_for_different_officers
)
test_two_desks_acting_on_the_same_case = on_sqlite.test_two_desks_acting_on_the_same_case
test_a_contact_added_elsewhere_appears_without_a_restart = (
    on_sqlite.test_a_contact_added_elsewhere_appears_without_a_restart
)
